// Engagement as an outcome (issue 13 item 2): the gain of mutual staff in
// closed form, staff outside untouched, retention and AQP volume shifted by
// the gap, what staff outside see, and the weighted series.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "sim/engine/simulation.hpp"
#include "sim/model/commissioning.hpp"
#include "sim/model/engagement.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/pipeline.hpp"
#include "tests/model/mutual_helpers.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

bool in_mutual(const ReplicateState& st, uint64_t agent) {
  const auto& begin = st.population.service_staff_begin;
  const auto s = static_cast<uint32_t>(std::upper_bound(begin.begin(), begin.end(), agent) -
                                       begin.begin() - 1);
  return st.service_status[s] == ServiceStatus::InMutual;
}

/// Sets every staff member of the mutuals to `value` and re-sums them (a
/// pass with no gain).
void set_mutual_engagement(ReplicateState& st, const std::vector<uint32_t>& ids, float value) {
  for (uint32_t id : ids) {
    const Mutual& m = st.mutuals[id];
    const auto& begin = st.population.service_staff_begin;
    for (uint64_t i = begin[m.first_service]; i < begin[m.end_service]; ++i)
      st.staff.engagement[i] = value;
  }
  update_engagement(st, 0);
}

double logit(double p) { return std::log(p / (1 - p)); }

}  // namespace

TEST_CASE("mutual staff gain engagement in closed form, others keep theirs", "[unit][engagement]") {
  const double rate = 0.056, ceiling = 0.7;
  World w({"engagement.gain_rate=0.056", "engagement.ceiling=0.7"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  found_mutuals(w, "acute_trust", "rtp", founded, 2);
  const std::vector<float> start = st.staff.engagement;
  constexpr int kMonths = 36;
  for (int t = 1; t <= kMonths; ++t) update_engagement(st, founded + t);
  // Each month computes v + rate * (ceiling - v) in double (error ~1e-16)
  // and stores it as a float: an error of at most half an ulp, 2^-25 for
  // values below 1. Each later month multiplies an earlier error by
  // (1 - rate), so after any number of months the error is at most
  // 2^-25 * sum_k (1 - rate)^k <= 2^-25 / rate (5.3e-7 here).
  const double tolerance = std::ldexp(1.0, -25) / rate + 1e-12;
  const double shrink = std::pow(1 - rate, kMonths);
  uint64_t inside = 0, outside = 0;
  double worst = 0;
  for (uint64_t i = 0; i < st.staff.size(); ++i) {
    if (!in_mutual(st, i)) {
      ++outside;
      REQUIRE(std::memcmp(&st.staff.engagement[i], &start[i], sizeof(float)) == 0);
      continue;
    }
    ++inside;
    const double expected = ceiling - (ceiling - start[i]) * shrink;
    worst = std::max(worst, std::abs(st.staff.engagement[i] - expected));
  }
  REQUIRE(inside > 1000);
  REQUIRE(outside > 1000);
  INFO("largest deviation from the closed form " << worst);
  CHECK(worst <= tolerance);
}

TEST_CASE("no gain at rate 0: the pass only sums", "[unit][engagement]") {
  World w;
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  found_mutuals(w, "acute_trust", "rtp", founded);
  const std::vector<float> start = st.staff.engagement;
  update_engagement(st, founded + 1);
  REQUIRE(std::memcmp(start.data(), st.staff.engagement.data(), start.size() * sizeof(float)) == 0);
  // The logit shift is off too: a probability comes back with its bits.
  for (double p : {0.0, 0.2, 0.6, 1.0}) CHECK(shift_by_engagement(w.scenario, p, 0.3) == p);
}

TEST_CASE("retention rises with the mutual's engagement gap", "[stat][engagement]") {
  // Only competitive tenders in the NHS, retained with probability 0.6
  // before engagement; every mutual's staff at 0.75, a gap of 0.25 over the
  // Beta(2, 2) mean, with 4 logits per unit of gap: p = logistic(logit(0.6)
  // + 1) = 0.803. Each re-tender is one Bernoulli(p) draw on its own stream,
  // so the retained count is Binomial(n, p): within 4 sd of n p; 0.6 is
  // about 9 sd away at n = 300.
  World w(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, "
       "share: 1}], route_shares: {direct_award: 0, any_qualified_provider: 0, "
       "competitive_tender: 1}}]",
       "mutuals.growth_on_retention_prob=0", "programmes.reserved_contracts.enabled=false",
       "engagement.retention_logit_per_gap=4"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
  const auto more = found_mutuals(w, "community_trust", "rtp", founded);
  ids.insert(ids.end(), more.begin(), more.end());
  set_mutual_engagement(st, ids, 0.75f);
  for (uint32_t id : ids) REQUIRE(mutual_engagement_gap(st, st.mutuals[id]) == Approx(0.25));
  const int32_t month = founded + 12;
  run_commissioning(st, month);
  const auto n = double(ids.size());
  REQUIRE(n > 200);
  const double p = logistic(logit(0.6) + 4 * 0.25);
  const auto retained = double(count_events(st, EventKind::ContractRetained, month));
  CHECK(std::abs(retained - n * p) < 4 * binomial_sd(n, p));
  CHECK(retained - n * 0.6 > 4 * binomial_sd(n, 0.6));
}

TEST_CASE("an engaged AQP incumbent loses volume less often", "[stat][engagement]") {
  // Only AQP in the NHS, incumbents accredited, volume lost with 0.4 and
  // never fatal; a gap of 0.25 at 4 logits per unit: the chance of a loss is
  // logistic(logit(0.4) - 1) = 0.197. Binomial count, 4 sd.
  World w(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, "
       "share: 1}], route_shares: {direct_award: 0, any_qualified_provider: 1, "
       "competitive_tender: 0}}]",
       "commissioning.any_qualified_provider.incumbent_accredited=true",
       "commissioning.any_qualified_provider.volume_loss_prob=0.4",
       "commissioning.any_qualified_provider.failure_on_volume_loss_prob=0",
       "mutuals.growth_on_retention_prob=0", "programmes.reserved_contracts.enabled=false",
       "engagement.retention_logit_per_gap=4"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
  const auto more = found_mutuals(w, "community_trust", "rtp", founded);
  ids.insert(ids.end(), more.begin(), more.end());
  set_mutual_engagement(st, ids, 0.75f);
  const int32_t month = founded + 12;
  for (uint32_t id : ids) REQUIRE(st.mutuals[id].contract_end == month);
  run_commissioning(st, month);
  const auto n = double(ids.size());
  REQUIRE(n > 200);
  const double p = logistic(logit(0.4) - 4 * 0.25);
  const auto lost = double(count_events(st, EventKind::AqpVolumeLoss, month));
  CHECK(std::abs(lost - n * p) < 4 * binomial_sd(n, p));
  CHECK(n * 0.4 - lost > 4 * binomial_sd(n, 0.4));
}

TEST_CASE("staff outside mutuals see the national and their organisation's gap",
          "[unit][engagement]") {
  World w({"engagement.attitude_weight_national=0.5", "engagement.attitude_weight_colleagues=2"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  const auto ids = found_mutuals(w, "acute_trust", "rtp", founded, 2);
  set_mutual_engagement(st, ids, 0.75f);
  const EngagementTotals totals = engagement_totals(st);
  REQUIRE(totals.gap() > 0.2);
  CHECK(st.engagement.national_gap == static_cast<float>(totals.gap()));
  const Organisation& acute = w.population.organisations[st.mutuals[ids[0]].org];
  const uint32_t other = acute.first_service + 1;  // every other unit stays public
  REQUIRE(st.service_status[other] == ServiceStatus::Public);
  REQUIRE(st.engagement.org_gap[st.mutuals[ids[0]].org] == Approx(0.25));
  CHECK(engagement_attitude_shift(st, other) ==
        Approx(0.5 * st.engagement.national_gap + 2 * 0.25f));
  CHECK(engagement_attitude_shift(st, acute.first_service) == 0);  // in the mutual
  // A unit of an organisation with no mutual sees the national gap alone.
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o) {
    const Organisation& org = w.population.organisations[o];
    if (org.type != w.type_index("local_council") || org.first_service == org.end_service) continue;
    CHECK(engagement_attitude_shift(st, org.first_service) ==
          Approx(0.5 * st.engagement.national_gap));
    break;
  }
}

TEST_CASE("the shift moves the attitudes of staff outside mutuals", "[unit][engagement]") {
  // Two worlds, the same draws, one whose staff outside see the gap: the
  // target of each of them is higher by w * gap, so (before clamping, on
  // the same noise) their next attitude by adjustment_rate * w * gap.
  const std::vector<std::string> common = {"engagement.attitude_weight_colleagues=0"};
  World off(common);
  std::vector<std::string> on_overrides = common;
  on_overrides.push_back("engagement.attitude_weight_national=1");
  World on(on_overrides);
  double gap = 0;
  for (World* w : {&off, &on}) {
    const int32_t founded = month_index(w->scenario, "2011-06");
    update_climate(w->st(), founded);
    set_mutual_engagement(w->st(), found_mutuals(*w, "acute_trust", "rtp", founded, 2), 0.75f);
    update_attitudes(w->st(), founded + 1);
    gap = w->st().engagement.national_gap;
  }
  REQUIRE(gap > 0.2);
  double diff = 0;
  uint64_t outside = 0;
  for (uint64_t i = 0; i < on.st().staff.size(); ++i) {
    if (in_mutual(on.st(), i)) continue;
    diff += on.st().staff.attitude[i] - off.st().staff.attitude[i];
    ++outside;
  }
  // Clamping at +-1 pulls the mean difference down a little: allow 10%.
  const double expected = on.scenario.attitude.adjustment_rate * gap;
  CHECK(diff / double(outside) == Approx(expected).epsilon(0.1));
}

TEST_CASE("engagement series are weighted means inside and outside mutuals", "[unit][engagement]") {
  for (const char* scale : {"population.scale=1", "population.scale=0.5"}) {
    INFO(scale);
    World w({scale, "engagement.gain_rate=0.2"});
    ReplicateState& st = w.st();
    const int32_t founded = month_index(w.scenario, "2011-06");
    update_climate(st, founded);
    found_mutuals(w, "acute_trust", "rtp", founded, 3);
    found_mutuals(w, "local_council", "psm", founded, 4);
    for (int t = 1; t <= 6; ++t) update_engagement(st, founded + t);
    double in_sum = 0, in_w = 0, out_sum = 0, out_w = 0;
    for (uint32_t s = 0; s < w.population.services(); ++s) {
      const double weight = w.population.weight(w.population.service_org[s]);
      for (uint64_t i = w.population.service_staff_begin[s];
           i < w.population.service_staff_begin[s + 1]; ++i) {
        if (st.service_status[s] == ServiceStatus::InMutual)
          in_sum += weight * st.staff.engagement[i], in_w += weight;
        else
          out_sum += weight * st.staff.engagement[i], out_w += weight;
      }
    }
    REQUIRE(in_w > 0);
    const auto catalogue = series_catalogue(w.scenario);
    std::vector<double> row(catalogue.size());
    measure_month(st, founded + 6, row);
    auto value = [&](const char* name) {
      for (size_t k = 0; k < catalogue.size(); ++k)
        if (catalogue[k].name == name) return row[k];
      FAIL("no series " << name);
      return 0.0;
    };
    CHECK(value("mean_engagement_in_mutuals") == Approx(in_sum / in_w).epsilon(1e-12));
    CHECK(value("mean_engagement_outside_mutuals") == Approx(out_sum / out_w).epsilon(1e-12));
    CHECK(value("engagement_gap") == Approx(in_sum / in_w - out_sum / out_w).epsilon(1e-10));
    CHECK(value("engagement_gap") > 0.05);
  }
}

TEST_CASE("runs with engagement on are the same on 1 and 2 threads", "[regression][engagement]") {
  const Scenario s =
      load_scenario_file(
          source_path("tests/data/small.yaml"),
          {"attitude.baseline=0.6", "pipeline.champion_entrepreneurial=0.5",
           "pipeline.entry_logit=-4", "time.end=2013-12", "engagement.gain_rate=0.056",
           "engagement.retention_logit_per_gap=1", "engagement.attitude_weight_national=0.1",
           "engagement.attitude_weight_colleagues=0.1"})
          .scenario;
  RunOptions options;
  options.seed = 11;
  options.replicates = 2;
  options.threads = 1;
  const RunResult one = run_simulation(s, options);
  options.threads = 2;
  const RunResult two = run_simulation(s, options);
  const int gap = one.series_index("engagement_gap");
  REQUIRE(gap >= 0);
  REQUIRE(*std::max_element(one.values[gap].begin(), one.values[gap].end()) > 0);
  REQUIRE(one.values.size() == two.values.size());
  for (size_t k = 0; k < one.values.size(); ++k) {
    INFO(one.series[k].name);
    REQUIRE(std::memcmp(one.values[k].data(), two.values[k].data(),
                        one.values[k].size() * sizeof(double)) == 0);
  }
}
