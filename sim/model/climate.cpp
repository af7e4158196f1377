#include "sim/model/climate.hpp"

#include <algorithm>

namespace mutsim {
namespace {

bool route_open(const Route& route, Month date) {
  return route.enabled && route.start <= date && (!route.end || date <= *route.end);
}

/// Expected security and uncertainty of the commissioners' terms for a
/// sector, with the reserved-contract share mixed in where it applies.
ContractOutlook commissioned_outlook(const ReplicateState& st, uint32_t sector, Month date) {
  const Scenario& s = st.scenario;
  const double reference = s.attitude.contract_reference_years;
  const auto& schedule = s.commissioning.sectors[st.index.sector_schedule[sector]].value;
  const CommissioningPeriod& terms = terms_at(schedule, date);
  ContractOutlook outlook{0, 0};
  for (const auto& length : terms.contract_years)
    outlook.security += length.share * contract_security(length.years, reference);
  const PerProcurement& u = s.commissioning.uncertainty;
  const PerProcurement& share = terms.route_shares;
  outlook.uncertainty = share.direct_award * u.direct_award +
                        share.any_qualified_provider * u.any_qualified_provider +
                        share.competitive_tender * u.competitive_tender;
  if (st.climate.reserved_active && st.index.reserved_sector[sector]) {
    const ReservedContracts& r = s.programmes.reserved_contracts;
    outlook.security =
        (1 - r.share) * outlook.security + r.share * contract_security(r.max_years, reference);
    // A reserved award is uncontested, so it carries a direct award's uncertainty.
    outlook.uncertainty = (1 - r.share) * outlook.uncertainty + r.share * u.direct_award;
  }
  return outlook;
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

ContractOutlook route_outlook(const ReplicateState& st, uint32_t route, uint32_t type) {
  const Route& r = st.scenario.routes[route].value;
  if (r.contract.guaranteed)
    return {guaranteed_security(r.contract, st.scenario.attitude.contract_reference_years),
            st.scenario.commissioning.uncertainty.direct_award};
  return {st.climate.contract_security[type], st.climate.procurement_uncertainty[type]};
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
    // contract overrides), else by what commissioners offer their sector.
    const ContractOutlook commissioned = commissioned_outlook(st, st.index.type_sector[k], date);
    c.contract_security[k] = static_cast<float>(commissioned.security);
    c.procurement_uncertainty[k] = static_cast<float>(commissioned.uncertainty);
    if (c.open_route[k] >= 0) {
      const ContractOutlook outlook = route_outlook(st, c.open_route[k], k);
      c.contract_security[k] = static_cast<float>(outlook.security);
      c.procurement_uncertainty[k] = static_cast<float>(outlook.uncertainty);
    }
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
