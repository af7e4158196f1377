#pragma once
// The population's structure: organisations, their service units and the
// staff slots of each unit. It is drawn from the seed alone, so every
// replicate shares it; staff traits are drawn per replicate (staff.hpp).
// Organisations are contiguous ranges of services, services contiguous ranges
// of staff, so the hot loop walks plain arrays.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace mutsim {

struct Organisation {
  uint32_t type;  // index into scenario.population.org_types
  uint32_t sector;
  uint32_t first_service;
  uint32_t end_service;
  uint64_t first_staff;
  uint64_t end_staff;
  uint64_t staff() const { return end_staff - first_staff; }
};

struct PopulationStructure {
  std::vector<Organisation> organisations;
  std::vector<uint32_t> service_org;
  std::vector<uint64_t> service_staff_begin;  // services + 1 offsets into staff arrays
  double scale = 1.0;

  size_t services() const { return service_org.size(); }
  uint64_t staff() const { return service_staff_begin.back(); }
  uint64_t service_size(uint32_t s) const {
    return service_staff_begin[s + 1] - service_staff_begin[s];
  }
  /// Agents -> real-world people.
  double people(uint64_t agents) const { return static_cast<double>(agents) / scale; }
};

/// Staff agents an organisation of each type will hold at this scale (for
/// memory estimates before anything is allocated).
double expected_staff_agents(const Scenario& s);

/// Draws the structure: organisation sizes, service sizes, service sampling.
PopulationStructure build_population(const Scenario& s, uint64_t seed);

}  // namespace mutsim
