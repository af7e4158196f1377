#include "sim/model/commissioning_rules.hpp"

#include <algorithm>

namespace mutsim {
namespace {

bool article77(const ReservedContracts& r) { return r.rules == "article77"; }

double aqp_share_for(const ReplicateState& st, int16_t line, const PerProcurement& period,
                     Month date) {
  const AnyQualifiedProvider& aqp = st.scenario.commissioning.any_qualified_provider;
  if (aqp.start && date < *aqp.start) return 0;
  if (!aqp.by_service_line) return period.any_qualified_provider;
  if (period.any_qualified_provider <= 0 || line == kNoServiceLine) return 0;
  return st.scenario.population.service_lines[line].value.aqp_share;
}

}  // namespace

PerProcurement route_shares_for(const ReplicateState& st, uint32_t sector, int16_t line,
                                Month date) {
  const auto& schedule = st.scenario.commissioning.sectors[st.index.sector_schedule[sector]].value;
  const PerProcurement& period = terms_at(schedule, date).route_shares;
  const double aqp = aqp_share_for(st, line, period, date);
  if (aqp == period.any_qualified_provider) return period;  // the period's own shares
  const double rest = period.direct_award + period.competitive_tender;
  if (rest <= 0) return {1.0 - aqp, aqp, 0.0};  // all AQP in the period: the rest direct
  return {(1.0 - aqp) * period.direct_award / rest, aqp,
          (1.0 - aqp) * period.competitive_tender / rest};
}

int period_index(const CommissioningSchedule& schedule, Month date) {
  int index = 0;
  for (size_t i = 0; i < schedule.periods.size(); ++i)
    if (schedule.periods[i].from <= date) index = static_cast<int>(i);
  return index;
}

double transition_uncertainty_at(const CommissioningSchedule& schedule, Month date) {
  double most = 0;
  const size_t current = static_cast<size_t>(period_index(schedule, date));
  for (size_t i = 0; i < schedule.periods.size(); ++i) {
    const CommissioningPeriod& p = schedule.periods[i];
    const int since = date - p.from;  // months since the period's start
    double ramp = 0;
    if (since < 0 && -since < p.transition_lead_months)
      ramp = 1.0 - static_cast<double>(-since) / p.transition_lead_months;
    else if (since >= 0 && i == current)
      ramp = p.transition_months == 0
                 ? 1.0
                 : std::max(0.0, 1.0 - static_cast<double>(since) / p.transition_months);
    most = std::max(most, p.transition_uncertainty * ramp);
  }
  return most;
}

bool reservation_open(const ReplicateState& st, uint32_t sector, int16_t line, Month date) {
  const ReservedContracts& r = st.scenario.programmes.reserved_contracts;
  if (!st.climate.reserved_active || !st.index.reserved_sector[sector]) return false;
  if (!article77(r)) return true;
  const std::string& name = st.scenario.population.sectors[sector].name;
  const bool deferred = std::find(r.deferred_sectors.begin(), r.deferred_sectors.end(), name) !=
                        r.deferred_sectors.end();
  if (deferred && r.deferred_start && date < *r.deferred_start) return false;
  return line == kNoServiceLine || st.scenario.population.service_lines[line].value.reservable;
}

bool reservation_barred(const ReplicateState& st, const Mutual& m, int32_t month) {
  const ReservedContracts& r = st.scenario.programmes.reserved_contracts;
  return article77(r) && month - m.last_reserved_award <= 12 * r.repeat_bar_years;
}

}  // namespace mutsim
