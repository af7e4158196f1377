// Whole runs are a pure function of scenario, seed and replicate index:
// independent of the thread count and of how many replicates run beside.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;

namespace {

/// small.yaml made busy: supportive staff and easy entry, so every phase
/// (proposals, abandonment, spin-outs, re-tenders, failures) happens.
Scenario active_scenario(std::vector<std::string> extra = {}) {
  std::vector<std::string> overrides = {
      "attitude.baseline=0.6", "pipeline.champion_entrepreneurial=0.5", "pipeline.entry_logit=-4",
      "time.end=2013-12", "mutuals.monthly_failure_prob=0.01"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_scenario_file(std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml", overrides)
      .scenario;
}

RunResult run(const Scenario& s, uint64_t seed, uint32_t replicates, int threads) {
  RunOptions options;
  options.seed = seed;
  options.replicates = replicates;
  options.threads = threads;
  return run_simulation(s, options);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

bool same_event(const Event& a, const Event& b) {
  return a.replicate == b.replicate && a.month == b.month && a.kind == b.kind &&
         a.route == b.route && a.organisation == b.organisation && a.service == b.service &&
         std::memcmp(&a.staff, &b.staff, sizeof(double)) == 0 &&
         a.whole_organisation == b.whole_organisation;
}

void require_same_events(const std::vector<Event>& a, const std::vector<Event>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("event " << i);
    REQUIRE(same_event(a[i], b[i]));
  }
}

size_t count_kind(const std::vector<Event>& events, EventKind kind) {
  size_t n = 0;
  for (const auto& e : events) n += e.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("the active test scenario exercises every phase", "[regression][determinism]") {
  // Guards the other tests here: determinism of a run where nothing happens
  // would prove little.
  const RunResult r = run(active_scenario(), 42, 2, 2);
  CHECK(count_kind(r.events, EventKind::Proposal) > 100);
  CHECK(count_kind(r.events, EventKind::InProgress) > 50);
  CHECK(count_kind(r.events, EventKind::Spinout) > 50);
  CHECK(count_kind(r.events, EventKind::Abandoned) > 20);
  CHECK(count_kind(r.events, EventKind::ContractRetained) > 0);
  CHECK(count_kind(r.events, EventKind::Failure) > 0);
  // Events are ordered by replicate, then month.
  for (size_t i = 1; i < r.events.size(); ++i) {
    const Event& a = r.events[i - 1];
    const Event& b = r.events[i];
    REQUIRE((a.replicate < b.replicate || (a.replicate == b.replicate && a.month <= b.month)));
  }
  // Cumulative series never fall, and counts agree with the events.
  const int spinouts = r.series_index("spinouts_cumulative");
  const int proposals = r.series_index("proposals_cumulative");
  REQUIRE(spinouts >= 0);
  REQUIRE(proposals >= 0);
  for (uint32_t rep = 0; rep < 2; ++rep) {
    size_t spin = 0, prop = 0;
    for (const auto& e : r.events) {
      if (e.replicate != rep) continue;
      spin += e.kind == EventKind::Spinout && !e.whole_organisation;
      prop += e.kind == EventKind::Proposal && !e.whole_organisation;
    }
    const size_t last = r.months() - 1;
    // At scale 1 each unit-level event counts 1; whole-organisation ones count 1 too.
    size_t spin_whole = 0, prop_whole = 0;
    for (const auto& e : r.events) {
      if (e.replicate != rep || !e.whole_organisation) continue;
      spin_whole += e.kind == EventKind::Spinout;
      prop_whole += e.kind == EventKind::Proposal;
    }
    CHECK(r.at(static_cast<size_t>(spinouts), rep, last) == double(spin + spin_whole));
    CHECK(r.at(static_cast<size_t>(proposals), rep, last) == double(prop + prop_whole));
    for (size_t m = 1; m <= last; ++m) {
      REQUIRE(r.at(static_cast<size_t>(spinouts), rep, m) >=
              r.at(static_cast<size_t>(spinouts), rep, m - 1));
    }
  }
}

TEST_CASE("one thread and two threads give bit-identical runs", "[regression][determinism]") {
  const Scenario s = active_scenario();
  const RunResult one = run(s, 42, 3, 1);
  const RunResult two = run(s, 42, 3, 2);
  REQUIRE(one.series.size() == two.series.size());
  CHECK(one.dates == two.dates);
  for (size_t k = 0; k < one.series.size(); ++k) {
    INFO(one.series[k].name);
    CHECK(one.series[k].name == two.series[k].name);
    CHECK(same_bits(one.values[k], two.values[k]));
  }
  require_same_events(one.events, two.events);
  CHECK(one.population.service_staff_begin == two.population.service_staff_begin);
}

TEST_CASE("same seed repeats, a different seed differs", "[regression][determinism]") {
  const Scenario s = active_scenario();
  const RunResult a = run(s, 42, 2, 2);
  const RunResult b = run(s, 42, 2, 2);
  const RunResult c = run(s, 43, 2, 2);
  size_t differing = 0;
  for (size_t k = 0; k < a.series.size(); ++k) {
    INFO(a.series[k].name);
    CHECK(same_bits(a.values[k], b.values[k]));
    differing += !same_bits(a.values[k], c.values[k]);
  }
  require_same_events(a.events, b.events);
  // The denominator and target-free series are seed-independent; the
  // stochastic ones must change.
  CHECK(differing >= 10);
  const auto k = static_cast<size_t>(a.series_index("mean_attitude"));
  CHECK_FALSE(same_bits(a.values[k], c.values[k]));
  const auto e = static_cast<size_t>(a.series_index("public_sector_employment"));
  CHECK(same_bits(a.values[e], c.values[e]));
  // Replicates of one run differ from each other.
  CHECK(a.at(k, 0, 5) != a.at(k, 1, 5));
}

TEST_CASE("replicates are keyed by index, not by how many run", "[regression][determinism]") {
  const Scenario s = active_scenario();
  const RunResult two = run(s, 42, 2, 2);
  const RunResult three = run(s, 42, 3, 1);
  for (size_t k = 0; k < two.series.size(); ++k) {
    INFO(two.series[k].name);
    for (uint32_t r = 0; r < 2; ++r)
      for (size_t m = 0; m < two.months(); ++m) {
        const double x = two.at(k, r, m), y = three.at(k, r, m);
        REQUIRE(std::memcmp(&x, &y, sizeof x) == 0);
      }
  }
  std::vector<Event> first_two;
  for (const auto& e : three.events)
    if (e.replicate < 2) first_two.push_back(e);
  require_same_events(two.events, first_two);
}

TEST_CASE("simulate_replicate alone reproduces a replicate of a run", "[regression][determinism]") {
  const Scenario s = active_scenario({"time.end=2011-06"});
  const RunResult full = run(s, 9, 2, 2);
  RunResult single;
  single.series = full.series;
  single.dates = full.dates;
  single.replicates = 2;
  single.values.assign(full.series.size(), std::vector<double>(2 * full.months(), 0.0));
  const ScenarioIndex index(s);
  const PopulationStructure population = build_population(s, 9);
  std::vector<Event> events;
  simulate_replicate(s, index, population, 9, 1, single, events, nullptr);
  for (size_t k = 0; k < full.series.size(); ++k)
    for (size_t m = 0; m < full.months(); ++m) REQUIRE(single.at(k, 1, m) == full.at(k, 1, m));
  std::vector<Event> expected;
  for (const auto& e : full.events)
    if (e.replicate == 1) expected.push_back(e);
  require_same_events(events, expected);
}

TEST_CASE("a stop request interrupts the run", "[regression][determinism]") {
  const Scenario s = active_scenario();
  std::atomic<int> stop{15};
  RunOptions options;
  options.seed = 1;
  options.replicates = 2;
  options.threads = 2;
  options.stop = &stop;
  try {
    run_simulation(s, options);
    FAIL("no Interrupted");
  } catch (const Interrupted& e) {
    CHECK(e.signal == 15);
  }
}
