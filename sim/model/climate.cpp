#include "sim/model/climate.hpp"

#include <algorithm>

#include "sim/model/commissioning_rules.hpp"

namespace mutsim {
namespace {

bool route_open(const Route& route, Month date) {
  return route.enabled && route.start <= date && (!route.end || date <= *route.end);
}

/// Expected security and uncertainty of the commissioners' terms for a
/// contract of a sector and service line (AQP by line, the period's
/// transition uncertainty), with the reserved share mixed in where a
/// reservation is open to it.
ContractOutlook commissioned_outlook(const ReplicateState& st, uint32_t sector, int16_t line,
                                     Month date) {
  const Scenario& s = st.scenario;
  const double reference = s.attitude.contract_reference_years;
  const auto& schedule = s.commissioning.sectors[st.index.sector_schedule[sector]].value;
  const CommissioningPeriod& terms = terms_at(schedule, date);
  ContractOutlook outlook{0, 0};
  for (const auto& length : terms.contract_years)
    outlook.security += length.share * contract_security(length.years, reference);
  const PerProcurement& u = s.commissioning.uncertainty;
  const PerProcurement share = route_shares_for(st, sector, line, date);
  outlook.uncertainty = share.direct_award * u.direct_award +
                        share.any_qualified_provider * u.any_qualified_provider +
                        share.competitive_tender * u.competitive_tender;
  if (reservation_open(st, sector, line, date)) {
    const ReservedContracts& r = s.programmes.reserved_contracts;
    outlook.security =
        (1 - r.share) * outlook.security + r.share * contract_security(r.max_years, reference);
    // A reserved award is uncontested, so it carries a direct award's uncertainty.
    outlook.uncertainty = (1 - r.share) * outlook.uncertainty + r.share * u.direct_award;
  }
  // A new commissioner whose use of the routes is unclear (CCGs, 2013).
  outlook.uncertainty =
      std::min(1.0, outlook.uncertainty + st.climate.transition_uncertainty[sector]);
  return outlook;
}

/// Per sector: the period in force and its transition uncertainty.
void update_commissioning_periods(ReplicateState& st, Month date) {
  const auto& sectors = st.scenario.population.sectors;
  Climate& c = st.climate;
  c.commissioning_period.assign(sectors.size(), 0);
  c.transition_uncertainty.assign(sectors.size(), 0);
  for (size_t k = 0; k < sectors.size(); ++k) {
    const auto& schedule = st.scenario.commissioning.sectors[st.index.sector_schedule[k]].value;
    c.commissioning_period[k] = period_index(schedule, date);
    c.transition_uncertainty[k] = static_cast<float>(transition_uncertainty_at(schedule, date));
  }
}

/// The type's outlook on every line, and its mean over the type's line
/// shares (the per-type series; units on no line count in slot 0).
void update_type_outlook(ReplicateState& st, uint32_t k, Month date) {
  Climate& c = st.climate;
  const uint32_t sector = st.index.type_sector[k];
  const auto lines = static_cast<int16_t>(c.line_slots - 1);
  double security = 0, uncertainty = 0, covered = 0;
  for (int16_t l = kNoServiceLine; l < lines; ++l) {
    ContractOutlook o = commissioned_outlook(st, sector, l, date);
    if (c.open_route[k] >= 0 && st.scenario.routes[c.open_route[k]].value.contract.guaranteed)
      o = route_outlook(st, static_cast<uint32_t>(c.open_route[k]), k, l);
    c.line_contract_security[c.slot(k, l)] = static_cast<float>(o.security);
    c.line_procurement_uncertainty[c.slot(k, l)] = static_cast<float>(o.uncertainty);
    const double share = service_line_share(st.scenario, k, l);
    security += share * o.security;
    uncertainty += share * o.uncertainty;
    covered += share;
  }
  // A type on no line reads slot 0 (the old per-type value).
  const size_t none = c.slot(k, kNoServiceLine);
  c.contract_security[k] =
      covered > 0 ? static_cast<float>(security / covered) : c.line_contract_security[none];
  c.procurement_uncertainty[k] = covered > 0 ? static_cast<float>(uncertainty / covered)
                                             : c.line_procurement_uncertainty[none];
}

}  // namespace

double contract_security(double years, double reference_years) {
  return std::min(1.0, years / reference_years);
}

double guaranteed_security(const ContractGuarantee& contract, double reference_years) {
  double sum = 0;
  for (int y = contract.min_years; y <= contract.max_years; ++y)
    sum += contract_security(y, reference_years);
  return sum / (contract.max_years - contract.min_years + 1);
}

ContractOutlook route_outlook(const ReplicateState& st, uint32_t route, uint32_t type,
                              int16_t line) {
  const Route& r = st.scenario.routes[route].value;
  if (r.contract.guaranteed)
    return {guaranteed_security(r.contract, st.scenario.attitude.contract_reference_years),
            st.scenario.commissioning.uncertainty.direct_award};
  const size_t slot = st.climate.slot(type, line);
  return {st.climate.line_contract_security[slot], st.climate.line_procurement_uncertainty[slot]};
}

void update_climate(ReplicateState& st, int32_t month) {
  const Scenario& s = st.scenario;
  const Month date = st.date(month);
  Climate& c = st.climate;
  const auto& programmes = s.programmes;
  c.fund_active = programmes.support_fund.enabled && programmes.support_fund.start <= date &&
                  (!programmes.support_fund.end || date <= *programmes.support_fund.end);
  c.reserved_active =
      programmes.reserved_contracts.enabled && programmes.reserved_contracts.start <= date;
  c.information =
      (programmes.information_service.enabled && programmes.information_service.start <= date)
          ? static_cast<float>(programmes.information_service.level)
          : 0.0f;

  const size_t types = s.population.org_types.size();
  update_commissioning_periods(st, date);
  c.line_slots = static_cast<int>(s.population.service_lines.size()) + 1;
  c.line_contract_security.assign(types * c.line_slots, 0);
  c.line_procurement_uncertainty.assign(types * c.line_slots, 0);
  c.contract_security.assign(types, 0);
  c.procurement_uncertainty.assign(types, 0);
  c.open_route.assign(types, -1);
  c.whole_organisation_route.assign(types, -1);
  for (uint32_t k = 0; k < types; ++k) {
    for (uint32_t r = 0; r < s.routes.size(); ++r) {
      if (!st.index.route_allows_type[r][k] || !route_open(s.routes[r].value, date)) continue;
      if (c.open_route[k] < 0) c.open_route[k] = static_cast<int>(r);
      if (c.whole_organisation_route[k] < 0 && s.routes[r].value.whole_organisation)
        c.whole_organisation_route[k] = static_cast<int>(r);
    }
    // Staff judge security by the route they could use now (a guaranteed
    // contract overrides), else by what commissioners offer their sector
    // for their service line.
    update_type_outlook(st, k, date);
  }

  const double evidence = st.evidence.retained + st.evidence.lost;
  const double prior = s.wait_and_see.prior_evidence;
  c.wait_and_see_signal =
      evidence + prior > 0
          ? static_cast<float>((st.evidence.retained - st.evidence.lost) / (evidence + prior))
          : 0.0f;
  c.wait_and_see_uncertainty =
      evidence + prior > 0 ? static_cast<float>(prior / (evidence + prior)) : 0.0f;
}

}  // namespace mutsim
