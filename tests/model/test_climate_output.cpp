// The climate written as series (issue 13 item 9) and the Pathfinder's
// choice in the events: each series is the signal the model read, checked
// against values computed by hand for tests/data/small.yaml.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>

#include "sim/engine/simulation.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

RunResult run_small(const std::vector<std::string>& overrides, uint32_t replicates = 2) {
  RunOptions options;
  options.seed = 11;
  options.replicates = replicates;
  options.threads = 2;
  return run_simulation(small_scenario(overrides), options);
}

double value(const RunResult& r, const std::string& name, uint32_t replicate, size_t month) {
  const int k = r.series_index(name);
  REQUIRE(k >= 0);
  return r.at(static_cast<size_t>(k), replicate, month);
}

}  // namespace

TEST_CASE("climate series: month-0 outlook by organisation type, as computed by hand",
          "[unit][model]") {
  const RunResult r = run_small({"time.end=2010-06"});
  // The figures of test_attitudes.cpp's january_2010_outlook; the model keeps
  // them as float, hence the tolerance of float's epsilon.
  const std::pair<const char*, std::pair<double, double>> expected[] = {
      {"pct_provider", {(0.6 + 0.8 + 1.0) / 3, 0.1}},
      {"local_council", {0.6, 0.5 * 0.1 + 0.5 * 1.0}},
      {"acute_trust", {0.7 * 0.2 + 0.3 * 0.6, 0.6 * 0.1 + 0.2 * 0.7 + 0.2 * 1.0}}};
  for (const auto& [type, outlook] : expected) {
    INFO(type);
    CHECK(value(r, std::string("contract_security_") + type, 0, 0) ==
          Approx(outlook.first).epsilon(1e-6));
    CHECK(value(r, std::string("procurement_uncertainty_") + type, 0, 0) ==
          Approx(outlook.second).epsilon(1e-6));
  }
  // No contract outcome is seen in the first month: the reading is all prior.
  CHECK(value(r, "wait_and_see_uncertainty", 0, 0) == 1.0);
  CHECK(value(r, "information_level", 0, 0) == 0.0);  // the service starts 2011-07
}

TEST_CASE("climate series: programme switches and the fund's remaining budget", "[unit][model]") {
  // To 2014: one-year contracts first come up for re-tender after TCS's
  // guaranteed three to five years.
  const Scenario s = small_scenario({"time.end=2014-12"});
  const RunResult r = run_small({"time.end=2014-12"});
  const SupportFund& fund = s.programmes.support_fund;
  const auto reserved_from = static_cast<size_t>(month_index(s, "2012-06"));
  const auto information_from = static_cast<size_t>(month_index(s, "2011-07"));
  bool evidence_seen = false;
  for (uint32_t rep = 0; rep < 2; ++rep)
    for (size_t m = 0; m < r.months(); ++m) {
      INFO("replicate " << rep << ", month " << m);
      CHECK(value(r, "fund_remaining_gbp", rep, m) ==
            (fund.enabled ? std::max(0.0, fund.budget_gbp - value(r, "fund_spent_gbp", rep, m))
                          : 0.0));
      CHECK(value(r, "reserved_contracts_open", rep, m) == (m >= reserved_from ? 1.0 : 0.0));
      if (m < reserved_from) CHECK(value(r, "mutuals_on_reserved_contracts", rep, m) == 0.0);
      CHECK(value(r, "information_level", rep, m) ==
            (m >= information_from ? s.programmes.information_service.level : 0.0));
      const double u = value(r, "wait_and_see_uncertainty", rep, m);
      CHECK(u > 0.0);
      CHECK(u <= 1.0);
      evidence_seen |= u < 1.0;
    }
  CHECK(evidence_seen);
}

TEST_CASE(
    "pathfinder_chosen events: at most `trusts` per replicate, each followed by its "
    "whole-organisation proposal",
    "[unit][model]") {
  const Scenario s = small_scenario();
  const RunResult r = run_small({}, 3);
  const auto start = month_index(s, "2012-01");
  std::vector<int> chosen(3, 0);
  for (size_t i = 0; i < r.events.size(); ++i) {
    const Event& e = r.events[i];
    if (e.kind != EventKind::PathfinderChosen) continue;
    ++chosen[e.replicate];
    CHECK(e.month == start);
    CHECK(e.whole_organisation);
    REQUIRE(i + 1 < r.events.size());
    const Event& next = r.events[i + 1];
    CHECK(next.kind == EventKind::Proposal);
    CHECK(next.organisation == e.organisation);
    CHECK(next.month == e.month);
    CHECK(next.staff == e.staff);
  }
  for (int c : chosen) CHECK(c <= s.programmes.pathfinder.trusts);
  CHECK(chosen[0] + chosen[1] + chosen[2] > 0);  // small.yaml's acute trusts do apply
}
