#include "sim/model/engagement.hpp"

#include <tbb/parallel_for.h>

#include <cmath>
#include <vector>

#include "sim/random/random.hpp"

namespace mutsim {
namespace {

/// Sum of unit `s`'s engagement in staff order (the same bits on any thread).
double unit_sum(const ReplicateState& st, uint32_t s) {
  double sum = 0;
  const uint64_t end = st.population.service_staff_begin[s + 1];
  for (uint64_t i = st.population.service_staff_begin[s]; i < end; ++i)
    sum += st.staff.engagement[i];
  return sum;
}

/// e += rate * (ceiling - e) for unit `s`'s staff, in double, stored as float.
void gain_unit(ReplicateState& st, uint32_t s, double rate, double ceiling) {
  float* e = st.staff.engagement.data();
  const uint64_t end = st.population.service_staff_begin[s + 1];
  for (uint64_t i = st.population.service_staff_begin[s]; i < end; ++i) {
    const double v = e[i];
    e[i] = static_cast<float>(v + rate * (ceiling - v));
  }
}

/// Units whose staff belong to an active mutual this month.
std::vector<uint32_t> mutual_units(const ReplicateState& st) {
  std::vector<uint32_t> units;
  for (uint32_t s = 0; s < st.population.services(); ++s)
    if (st.service_status[s] == ServiceStatus::InMutual) units.push_back(s);
  return units;
}

/// Gains the units' staff (when the rate is positive) and re-sums them; a
/// unit outside a mutual keeps its sum, as its staff do not change.
void gain_and_sum(ReplicateState& st, const std::vector<uint32_t>& units) {
  const EngagementParams& p = st.scenario.engagement;
  const bool gain = p.gain_rate > 0;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, units.size(), 16),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t k = range.begin(); k != range.end(); ++k) {
                        if (gain) gain_unit(st, units[k], p.gain_rate, p.ceiling);
                        st.engagement.service_sum[units[k]] = unit_sum(st, units[k]);
                      }
                    });
}

/// Per organisation: its mutual staff's mean engagement minus the baseline.
void update_org_gaps(ReplicateState& st, const std::vector<uint32_t>& units) {
  const auto& pop = st.population;
  std::vector<double> sum(pop.organisations.size(), 0.0), staff(pop.organisations.size(), 0.0);
  for (uint32_t s : units) {
    sum[pop.service_org[s]] += st.engagement.service_sum[s];
    staff[pop.service_org[s]] += static_cast<double>(pop.service_size(s));
  }
  const double baseline = engagement_baseline(st.scenario);
  auto& gaps = st.engagement.org_gap;
  gaps.assign(pop.organisations.size(), 0.0f);
  for (size_t o = 0; o < gaps.size(); ++o)
    if (staff[o] > 0) gaps[o] = static_cast<float>(sum[o] / staff[o] - baseline);
}

}  // namespace

double engagement_baseline(const Scenario& s) {
  const BetaDist& b = s.staff.engagement;
  return b.alpha / (b.alpha + b.beta);
}

EngagementTotals engagement_totals(const ReplicateState& st) {
  const auto& pop = st.population;
  EngagementTotals t;
  if (st.engagement.service_sum.size() != pop.services()) return t;
  for (uint32_t s = 0; s < pop.services(); ++s) {
    const double weight = pop.weight(pop.service_org[s]);
    const double staff = weight * static_cast<double>(pop.service_size(s));
    const double sum = weight * st.engagement.service_sum[s];
    if (st.service_status[s] == ServiceStatus::InMutual) {
      t.inside_staff += staff;
      t.inside_sum += sum;
    } else {
      t.outside_staff += staff;
      t.outside_sum += sum;
    }
  }
  return t;
}

void update_engagement(ReplicateState& st, int32_t /*month*/) {
  auto& sums = st.engagement.service_sum;
  if (sums.size() != st.population.services()) {  // first month: every unit's sum
    sums.assign(st.population.services(), 0.0);
    tbb::parallel_for(size_t{0}, st.population.services(),
                      [&](size_t s) { sums[s] = unit_sum(st, static_cast<uint32_t>(s)); });
  }
  const std::vector<uint32_t> units = mutual_units(st);
  gain_and_sum(st, units);
  update_org_gaps(st, units);
  st.engagement.national_gap = static_cast<float>(engagement_totals(st).gap());
}

double mutual_engagement_gap(const ReplicateState& st, const Mutual& m) {
  if (st.engagement.service_sum.size() != st.population.services() || m.staff == 0) return 0.0;
  double sum = 0;
  for (uint32_t s = m.first_service; s < m.end_service; ++s) sum += st.engagement.service_sum[s];
  return sum / static_cast<double>(m.staff) - engagement_baseline(st.scenario);
}

double shift_by_engagement(const Scenario& s, double p, double gap) {
  const double shift = s.engagement.retention_logit_per_gap * gap;
  if (shift == 0 || p <= 0 || p >= 1) return p;
  return logistic(std::log(p / (1 - p)) + shift);
}

double engagement_attitude_shift(const ReplicateState& st, uint32_t s) {
  const EngagementParams& p = st.scenario.engagement;
  if (st.service_status[s] == ServiceStatus::InMutual) return 0.0;
  double shift = p.attitude_weight_national * st.engagement.national_gap;
  if (!st.engagement.org_gap.empty())
    shift += p.attitude_weight_colleagues * st.engagement.org_gap[st.population.service_org[s]];
  return shift;
}

}  // namespace mutsim
