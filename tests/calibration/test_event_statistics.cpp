// The calibration's /events statistics (P3 listed_abandoned, P4
// proposal_size_ratio) give the values analysis gives: the events and the
// expected values are those of analysis/tests/test_targets.py
// (pattern_events), so the two implementations are checked against one
// hand-worked case.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/targets.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
using namespace mutsim::calibration;

namespace {

// Months of the synthetic run (2010-01 start): June and November 2012.
constexpr int32_t kJun12 = 29;
constexpr int32_t kNov12 = 34;
constexpr uint32_t kTcs = 0;
constexpr uint32_t kRtp = 1;

Event event(uint32_t replicate, int32_t month, EventKind kind, uint32_t route, uint32_t org,
            uint32_t service, double staff, double weight) {
  return {replicate, month,  kind,  route,   org,           service,
          staff,     weight, false, kNoForm, kNoServiceLine};
}

/// analysis/tests/test_targets.py pattern_events, in replicate and month order.
RunResult pattern_run() {
  using K = EventKind;
  RunResult run;
  run.replicates = 5;
  run.events = {
      event(0, 3, K::Spinout, kTcs, 1, 10, 400, 1),
      event(0, 4, K::Spinout, kTcs, 2, 20, 600, 1),
      event(0, kJun12 - 3, K::Proposal, kRtp, 5, 50, 50, 2),
      event(0, kJun12 - 1, K::Proposal, kRtp, 6, 60, 20, 1),
      event(0, kJun12 + 2, K::Abandoned, kRtp, 5, 50, 50, 2),
      event(1, 5, K::Spinout, kTcs, 1, 10, 100, 1),
      event(1, kJun12 - 8, K::Proposal, kRtp, 7, 70, 900, 1),
      event(1, kJun12 - 5, K::Proposal, kRtp, 5, 50, 100, 1),
      event(1, kJun12 - 2, K::Spinout, kRtp, 7, 70, 900, 1),
      event(1, kJun12 + 1, K::Proposal, kRtp, 6, 60, 100, 1),
      event(1, kJun12 + 3, K::Abandoned, kRtp, 6, 60, 100, 1),
      event(1, kNov12, K::Abandoned, kRtp, 5, 50, 100, 1),
      event(2, 6, K::Spinout, kTcs, 1, 10, 300, 1),
      event(2, kJun12 - 2, K::Proposal, kRtp, 5, 50, 30, 1),
      event(2, kNov12 + 1, K::Abandoned, kRtp, 5, 50, 30, 1),
      event(3, kJun12, K::Proposal, kRtp, 5, 50, 20, 1),
      event(4, 8, K::Spinout, kTcs, 1, 10, 80, 1),
  };
  return run;
}

}  // namespace

TEST_CASE("listed_abandoned counts proposals open at the start and abandoned by the date",
          "[unit][calibration]") {
  ResolvedQuantity q;
  q.statistic = Statistic::ListedAbandoned;
  q.route = kRtp;
  q.start_month = kJun12;
  q.month = kNov12;
  const RunResult run = pattern_run();
  // Replicate 0: one abandonment of weight 2; replicate 1: one (its second
  // is of a proposal entered after June); replicate 2's is after November.
  const double expected[] = {2, 1, 0, 0, 0};
  for (uint32_t r = 0; r < 5; ++r) {
    INFO("replicate " << r);
    CHECK(replicate_value(q, run, r) == expected[r]);
  }
  CHECK(run_value(q, run) == Approx(0.6));
}

TEST_CASE("proposal_size_ratio weighs TCS spin-outs against RtP proposals not spun out",
          "[unit][calibration]") {
  ResolvedQuantity q;
  q.statistic = Statistic::ProposalSizeRatio;
  q.big_route = kTcs;
  q.small_route = kRtp;
  q.month = kNov12;
  const RunResult run = pattern_run();
  // (400 + 600) / 2 over (50 x 2 + 20) / 3 = 12.5; replicate 1 leaves its
  // spun-out RtP proposal out: 100 / 100; replicate 2: 300 / 30; replicate
  // 3 has no TCS spin-out, replicate 4 no RtP proposal: undefined.
  CHECK(replicate_value(q, run, 0) == Approx(12.5));
  CHECK(replicate_value(q, run, 1) == Approx(1));
  CHECK(replicate_value(q, run, 2) == Approx(10));
  CHECK(std::isnan(replicate_value(q, run, 3)));
  CHECK(std::isnan(replicate_value(q, run, 4)));
  CHECK(run_value(q, run) == Approx((12.5 + 1 + 10) / 3));
}

TEST_CASE("A proposal that ends twice is ended by its first outcome", "[unit][calibration]") {
  // Two abandonment rows for one proposal (the second from a later,
  // unrelated proposal of the same unit that was never entered): only the
  // first counts, as analysis's drop_duplicates keeps the first end.
  RunResult run;
  run.replicates = 1;
  run.events = {event(0, 10, EventKind::Proposal, kRtp, 1, 1, 10, 1),
                event(0, 12, EventKind::Abandoned, kRtp, 1, 1, 10, 1),
                event(0, 14, EventKind::Abandoned, kRtp, 1, 1, 10, 1)};
  ResolvedQuantity q;
  q.statistic = Statistic::ListedAbandoned;
  q.route = kRtp;
  q.start_month = 11;
  q.month = 20;
  CHECK(replicate_value(q, run, 0) == 1);
  q.start_month = 13;  // the proposal had ended by then
  CHECK(replicate_value(q, run, 0) == 0);
}

TEST_CASE("Event statistics are checked where the calibration file is read",
          "[unit][calibration]") {
  const std::string source = MUTSIM_SOURCE_DIR;
  const std::string head = "base_scenario: ../data/small.yaml\nseed: 1\ntargets:\n  - id: A\n";
  const std::string tail =
      "    observed: 2\n    comparison: equal\n    tolerance: 1\n    source: test\n"
      "parameters:\n  - key: pipeline.entry_logit\n    range: [-8, -4]\n    source: test\n"
      "abc:\n  method: smc\n  particles: 10\n";
  const auto error_of = [&](const std::string& body) -> std::string {
    try {
      load_calibration_text(head + body + tail, source + "/tests/calibration/inline.yaml");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  CHECK(error_of("    statistic: listed_abandoned\n    route: rtp\n    start: 2012-06\n"
                 "    date: 2012-11\n") == "(no error)");
  CHECK(error_of("    statistic: proposal_size_ratio\n    routes: [tcs, rtp]\n"
                 "    date: 2012-11\n") == "(no error)");
  CHECK_THAT(error_of("    statistic: listed_abandoned\n    route: rtp\n    date: 2012-11\n"),
             Catch::Contains("targets[0].start: missing required key"));
  CHECK_THAT(error_of("    statistic: listed_abandoned\n    route: nope\n    start: 2012-06\n"
                      "    date: 2012-11\n"),
             Catch::Contains("route 'nope' is not in the scenario"));
  CHECK_THAT(error_of("    statistic: listed_abandoned\n    route: rtp\n    series: x\n"
                      "    start: 2012-06\n    date: 2012-11\n"),
             Catch::Contains("a listed_abandoned reads /events, not a series"));
  CHECK_THAT(error_of("    statistic: level\n    series: proposals_cumulative\n    route: rtp\n"
                      "    date: 2012-11\n"),
             Catch::Contains("only listed_abandoned takes a route"));
  CHECK_THAT(error_of("    statistic: listed_abandoned\n    route: rtp\n    start: 2012-11\n"
                      "    date: 2012-06\n"),
             Catch::Contains("must be before date"));
}
