#pragma once
// Test fixture: one replicate's state built directly from a scenario, so a
// test can call the month phases (sim/model/*.hpp) one at a time.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/model/attitudes.hpp"
#include "sim/model/climate.hpp"
#include "sim/model/population.hpp"
#include "sim/model/scenario_index.hpp"
#include "sim/model/state.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::test {

inline std::string source_path(const std::string& relative) {
  return std::string(MUTSIM_SOURCE_DIR) + "/" + relative;
}

inline Scenario small_scenario(const std::vector<std::string>& overrides = {}) {
  return load_scenario_file(source_path("tests/data/small.yaml"), overrides).scenario;
}

/// Month index of "YYYY-MM" in the scenario's run.
inline int32_t month_index(const Scenario& s, const char* date) {
  return *Month::parse(date) - s.time.start;
}

/// A scenario, its frame, the replicate's sample of it, index and one replicate's state with staff
/// drawn and attitudes initialised under the month-0 climate. Not movable:
/// the state holds references to the other members.
struct World {
  explicit World(const std::vector<std::string>& overrides = {}, uint64_t seed = 7,
                 uint32_t replicate = 0)
      : scenario(small_scenario(overrides)),
        frame(build_population(scenario, seed)),
        population(sample_population(frame, scenario, seed, replicate)),
        index(scenario),
        state(std::make_unique<ReplicateState>(scenario, index, population, seed, replicate)) {
    draw_staff(*state);
    update_climate(*state, 0);
    initialise_attitudes(*state);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  ReplicateState& st() { return *state; }
  uint32_t type_index(const char* name) const {
    return static_cast<uint32_t>(index_of_named(scenario.population.org_types, name));
  }
  uint32_t sector_index(const char* name) const {
    return static_cast<uint32_t>(index_of_named(scenario.population.sectors, name));
  }
  uint32_t route_index(const char* name) const {
    return static_cast<uint32_t>(index_of_named(scenario.routes, name));
  }

  Scenario scenario;
  PopulationStructure frame;       // every organisation
  PopulationStructure population;  // this replicate's sample (the frame at scale 1)
  ScenarioIndex index;
  std::unique_ptr<ReplicateState> state;
};

/// Binomial tolerance: k standard deviations of a count over n trials.
inline double binomial_sd(double n, double p) { return std::sqrt(n * p * (1.0 - p)); }

/// Checks that small.yaml with `settings` is refused with a message naming
/// `key`.
inline void check_refused(const std::vector<std::string>& settings, const std::string& key) {
  try {
    small_scenario(settings);
  } catch (const std::exception& e) {
    CHECK_THAT(e.what(), Catch::Contains(key));
    return;
  }
  FAIL(settings.back() << " was accepted");
}

}  // namespace mutsim::test
