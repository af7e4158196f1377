#pragma once
// Name references of the scenario resolved to indices once, so the month
// phases never compare strings.
#include <cstdint>
#include <vector>

#include "sim/config/scenario.hpp"

namespace mutsim {

struct ScenarioIndex {
  explicit ScenarioIndex(const Scenario& s);

  std::vector<std::vector<uint8_t>> route_allows_type;  // [route][org type]
  std::vector<int> divest_to;                           // per org type, -1 if none
  std::vector<uint32_t> type_sector;                    // per org type
  std::vector<int> sector_schedule;                     // per sector: commissioning.sectors row
  std::vector<uint8_t> sector_nhs;
  std::vector<uint8_t> pathfinder_type;
  std::vector<uint8_t> large_trust_type;
  std::vector<uint8_t> reserved_sector;
};

/// Commissioning terms in force for a schedule at an absolute month.
const CommissioningPeriod& terms_at(const CommissioningSchedule& schedule, Month date);

}  // namespace mutsim
