#include "sim/model/scenario_index.hpp"

#include <algorithm>

namespace mutsim {
namespace {

std::vector<uint8_t> type_mask(const Scenario& s, const std::vector<std::string>& names) {
  std::vector<uint8_t> mask(s.population.org_types.size(), 0);
  for (const auto& name : names) mask[index_of_named(s.population.org_types, name)] = 1;
  return mask;
}

}  // namespace

ScenarioIndex::ScenarioIndex(const Scenario& s) {
  for (const auto& route : s.routes)
    route_allows_type.push_back(type_mask(s, route.value.org_types));
  for (const auto& type : s.population.org_types) {
    type_sector.push_back(
        static_cast<uint32_t>(index_of_named(s.population.sectors, type.value.sector)));
    divest_to.push_back(
        type.value.divest_date ? index_of_named(s.population.org_types, type.value.divest_to) : -1);
  }
  for (const auto& sector : s.population.sectors) {
    sector_schedule.push_back(index_of_named(s.commissioning.sectors, sector.name));
    sector_nhs.push_back(sector.value.nhs);
    const auto& reserved = s.programmes.reserved_contracts.sectors;
    reserved_sector.push_back(std::find(reserved.begin(), reserved.end(), sector.name) !=
                              reserved.end());
  }
  pathfinder_type = type_mask(s, s.programmes.pathfinder.org_types);
  large_trust_type = type_mask(s, s.programmes.large_trust_conversion.org_types);
}

const CommissioningPeriod& terms_at(const CommissioningSchedule& schedule, Month date) {
  // Validation guarantees a first period starting by time.start, in date order.
  const CommissioningPeriod* current = &schedule.periods.front();
  for (const auto& period : schedule.periods)
    if (period.from <= date) current = &period;
  return *current;
}

}  // namespace mutsim
