// The climate staff and proposals read (computed by hand for small.yaml),
// the wait-and-see signal, divestment and the employment denominator.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/forms.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/mutuals.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/model/programmes.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

TEST_CASE("contract security and guaranteed security", "[unit][climate]") {
  CHECK(contract_security(1, 5) == Approx(0.2));
  CHECK(contract_security(5, 5) == 1.0);
  CHECK(contract_security(10, 5) == 1.0);
  CHECK(guaranteed_security({true, 3, 5}, 5) == Approx((0.6 + 0.8 + 1.0) / 3));
  CHECK(guaranteed_security({true, 2, 2}, 4) == Approx(0.5));
  CHECK(guaranteed_security({true, 4, 8}, 5) == Approx((0.8 + 1 + 1 + 1 + 1) / 5));
}

TEST_CASE("climate in January 2010, computed by hand", "[unit][climate]") {
  World w;
  ReplicateState& st = w.st();
  update_climate(st, 0);
  const Climate& c = st.climate;
  const uint32_t pct = w.type_index("pct_provider"), community = w.type_index("community_trust"),
                 acute = w.type_index("acute_trust"), council = w.type_index("local_council");
  // TCS (open 2010-01..2011-04) guarantees 3..5 years by direct award.
  CHECK(c.open_route[pct] == int(w.route_index("tcs")));
  CHECK(c.whole_organisation_route[pct] == int(w.route_index("tcs")));
  CHECK(c.contract_security[pct] == Approx(0.8));
  CHECK(c.procurement_uncertainty[pct] == Approx(0.1));
  // No route is open for the others yet: commissioners' terms.
  for (uint32_t type : {community, acute}) {
    CHECK(c.open_route[type] == -1);
    CHECK(c.whole_organisation_route[type] == -1);
    CHECK(c.contract_security[type] == Approx(0.7 * 0.2 + 0.3 * 0.6));
    CHECK(c.procurement_uncertainty[type] == Approx(0.6 * 0.1 + 0.2 * 0.7 + 0.2 * 1.0));
  }
  CHECK(c.open_route[council] == -1);
  CHECK(c.contract_security[council] == Approx(0.6));
  CHECK(c.procurement_uncertainty[council] == Approx(0.55));
  CHECK(c.information == 0.0f);
  CHECK_FALSE(c.fund_active);
  CHECK_FALSE(c.reserved_active);
  CHECK(c.wait_and_see_signal == 0.0f);
  CHECK(c.wait_and_see_uncertainty == 1.0f);
}

TEST_CASE("climate after the programmes start, computed by hand", "[unit][climate]") {
  World w;
  ReplicateState& st = w.st();
  const uint32_t pct = w.type_index("pct_provider"), community = w.type_index("community_trust"),
                 acute = w.type_index("acute_trust"), council = w.type_index("local_council");
  SECTION("July 2012: information on, reserved contracts on for the NHS, fund not yet") {
    update_climate(st, month_index(w.scenario, "2012-07"));
    const Climate& c = st.climate;
    CHECK(c.information == 1.0f);
    CHECK(c.reserved_active);
    CHECK_FALSE(c.fund_active);
    CHECK(c.open_route[acute] == int(w.route_index("rtp")));
    CHECK(c.open_route[community] == int(w.route_index("rtp")));
    CHECK(c.open_route[council] == int(w.route_index("psm")));
    CHECK(c.open_route[pct] == -1);  // TCS closed in 2011-04
    // Half of NHS awards reserved for 3 years (security 0.6, direct-award uncertainty).
    for (uint32_t type : {pct, community, acute}) {
      CHECK(c.contract_security[type] == Approx(0.5 * 0.32 + 0.5 * 0.6));
      CHECK(c.procurement_uncertainty[type] == Approx(0.5 * 0.4 + 0.5 * 0.1));
    }
    CHECK(c.contract_security[council] == Approx(0.6));  // councils are not in the reserved list
    CHECK(c.procurement_uncertainty[council] == Approx(0.55));
  }
  SECTION("August 2012: the support fund opens") {
    update_climate(st, month_index(w.scenario, "2012-08"));
    CHECK(st.climate.fund_active);
  }
  SECTION("programmes switched off") {
    World off({"programmes.information_service.enabled=false",
               "programmes.reserved_contracts.enabled=false",
               "programmes.support_fund.enabled=false", "routes.rtp.enabled=false"});
    update_climate(off.st(), month_index(off.scenario, "2012-09"));
    const Climate& c = off.st().climate;
    CHECK(c.information == 0.0f);
    CHECK_FALSE(c.reserved_active);
    CHECK_FALSE(c.fund_active);
    CHECK(c.open_route[off.type_index("acute_trust")] == -1);
    CHECK(c.contract_security[off.type_index("acute_trust")] == Approx(0.32));
  }
  SECTION("the support fund closes after its end month") {
    World ended({"programmes.support_fund.end=2012-10"});
    update_climate(ended.st(), month_index(ended.scenario, "2012-10"));
    CHECK(ended.st().climate.fund_active);
    update_climate(ended.st(), month_index(ended.scenario, "2012-11"));
    CHECK_FALSE(ended.st().climate.fund_active);
  }
}

TEST_CASE("the wait-and-see signal reads retention evidence", "[unit][climate]") {
  World w;
  ReplicateState& st = w.st();
  const double prior = w.scenario.wait_and_see.prior_evidence;  // 10
  SECTION("set directly") {
    st.evidence = {6, 2};
    update_climate(st, 0);
    CHECK(st.climate.wait_and_see_signal == Approx(4.0 / 18));
    CHECK(st.climate.wait_and_see_uncertainty == Approx(prior / 18));
  }
  SECTION("a failure lowers it, retentions raise it") {
    // Found two mutuals from acute units, then fail one.
    const uint32_t rtp = w.route_index("rtp");
    const int32_t month = month_index(w.scenario, "2011-06");
    update_climate(st, month);
    uint32_t acute_org = 0;
    while (w.population.organisations[acute_org].type != w.type_index("acute_trust")) ++acute_org;
    const uint32_t first = w.population.organisations[acute_org].first_service;
    for (uint32_t k = 0; k < 2; ++k) {
      start_proposal(st, month, rtp, acute_org, first + k, first + k + 1, false, false);
      found_mutual(st, month, k);
    }
    REQUIRE(st.mutuals.size() == 2);
    fail_mutual(st, month, 0);
    update_climate(st, month);
    const double weight = w.scenario.wait_and_see.failure_weight;  // 2
    CHECK(st.evidence.lost == weight);
    CHECK(st.climate.wait_and_see_signal == Approx(-weight / (weight + prior)));
    CHECK(st.climate.wait_and_see_signal < 0);
    CHECK_FALSE(st.mutuals[0].active);
    CHECK(st.service_status[first] == ServiceStatus::Public);
    CHECK(st.cooldown_until[first] == month + w.scenario.pipeline.cooldown_months);
    // Six retentions (retention forced to 1 by setting the evidence as a
    // re-tender does) move the signal up past zero.
    const float after_failure = st.climate.wait_and_see_signal;
    st.evidence.retained += 6;
    update_climate(st, month);
    CHECK(st.climate.wait_and_see_signal > after_failure);
    CHECK(st.climate.wait_and_see_signal == Approx((6 - weight) / (6 + weight + prior)));
    // Evidence fades with memory_months.
    const RetentionEvidence before = st.evidence;
    settle_mutuals(st, month);
    const double keep = std::exp(-1.0 / w.scenario.wait_and_see.memory_months);
    CHECK(st.evidence.retained == Approx(before.retained * keep));
    CHECK(st.evidence.lost == Approx(before.lost * keep));
  }
}

TEST_CASE("the wait-and-see signal moves attitudes", "[unit][climate]") {
  World w({"attitude.noise_sd=0", "attitude.peer_weight=0", "attitude.adjustment_rate=1"});
  ReplicateState& st = w.st();
  update_attitudes(st, 0);
  const std::vector<float> neutral = st.staff.attitude;
  st.evidence = {30, 0};
  update_climate(st, 0);
  update_attitudes(st, 0);
  // Signal 30/40 adds 0.3 * 0.75 to every base; uncertainty falls from 1 to
  // 0.25, removing 0.3 * 0.75 * risk_aversion from insecurity.
  const AttitudeParams& a = w.scenario.attitude;
  for (uint64_t i = 0; i < st.staff.size(); i += 997) {
    if (std::abs(neutral[i]) >= 0.99f || std::abs(st.staff.attitude[i]) >= 0.99f) continue;
    const double expected = neutral[i] + a.wait_and_see_outcome_weight * 0.75 +
                            a.wait_and_see_uncertainty_weight * 0.75 * st.staff.risk_aversion[i];
    INFO("agent " << i);
    REQUIRE(st.staff.attitude[i] == Approx(expected).margin(2e-6));
  }
}

TEST_CASE("PCT provider arms take the successor type on divest_date", "[unit][programmes]") {
  World w;
  ReplicateState& st = w.st();
  const uint32_t pct = w.type_index("pct_provider"), community = w.type_index("community_trust");
  std::vector<uint32_t> pct_orgs;
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o)
    if (w.population.organisations[o].type == pct) pct_orgs.push_back(o);
  REQUIRE(pct_orgs.size() == 10);
  update_programmes(st, month_index(w.scenario, "2011-03"));
  for (uint32_t o : pct_orgs) CHECK(st.org_type[o] == pct);
  update_programmes(st, month_index(w.scenario, "2011-04"));
  for (uint32_t o : pct_orgs) CHECK(st.org_type[o] == community);
  // Nobody else changed; the shared structure keeps the original type.
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o)
    if (w.population.organisations[o].type != pct)
      CHECK(st.org_type[o] == w.population.organisations[o].type);
  for (uint32_t o : pct_orgs) CHECK(w.population.organisations[o].type == pct);
  // The former arms can now use Right to Provide, the community trusts' route.
  CHECK(st.climate.open_route[community] == int(w.route_index("rtp")));
  SECTION("chains of divestment are followed") {
    World chain({"population.org_types.community_trust.divest_date=2011-06",
                 "population.org_types.community_trust.divest_to=acute_trust"});
    update_programmes(chain.st(), month_index(chain.scenario, "2011-05"));
    for (uint32_t o : pct_orgs)
      CHECK(chain.st().org_type[o] == chain.type_index("community_trust"));
    update_programmes(chain.st(), month_index(chain.scenario, "2011-06"));
    for (uint32_t o : pct_orgs) CHECK(chain.st().org_type[o] == chain.type_index("acute_trust"));
  }
  SECTION("a run that starts after divest_date divests in month 0") {
    World late({"time.start=2011-09"});
    update_programmes(late.st(), 0);
    for (uint32_t o : pct_orgs) CHECK(late.st().org_type[o] == late.type_index("community_trust"));
  }
}

TEST_CASE("interpolate: exact at points, linear between, flat outside", "[unit][metrics]") {
  const std::vector<SeriesPoint> points = {
      {Month::of(2010, 1), 100, ""}, {Month::of(2011, 1), 220, ""}, {Month::of(2011, 7), 160, ""}};
  CHECK(interpolate(points, Month::of(2010, 1)) == 100);
  CHECK(interpolate(points, Month::of(2011, 1)) == 220);
  CHECK(interpolate(points, Month::of(2011, 7)) == 160);
  CHECK(interpolate(points, Month::of(2010, 4)) == Approx(130));
  CHECK(interpolate(points, Month::of(2010, 7)) == Approx(160));
  CHECK(interpolate(points, Month::of(2011, 3)) == Approx(200));
  CHECK(interpolate(points, Month::of(2009, 1)) == 100);
  CHECK(interpolate(points, Month::of(2020, 1)) == 160);
  const std::vector<SeriesPoint> one = {{Month::of(2012, 6), 5.5, ""}};
  CHECK(interpolate(one, Month::of(2000, 1)) == 5.5);
  CHECK(interpolate(one, Month::of(2012, 6)) == 5.5);
  CHECK(interpolate(one, Month::of(2030, 1)) == 5.5);
}

TEST_CASE("terms_at picks the period in force", "[unit][commissioning]") {
  CommissioningSchedule schedule;
  schedule.periods.push_back({Month::of(2010, 1), {{1, 1.0}}, {1, 0, 0}});
  schedule.periods.push_back({Month::of(2012, 4), {{2, 1.0}}, {0, 1, 0}});
  schedule.periods.push_back({Month::of(2013, 4), {{3, 1.0}}, {0, 0, 1}});
  CHECK(terms_at(schedule, Month::of(2010, 1)).contract_years[0].years == 1);
  CHECK(terms_at(schedule, Month::of(2012, 3)).contract_years[0].years == 1);
  CHECK(terms_at(schedule, Month::of(2012, 4)).contract_years[0].years == 2);
  CHECK(terms_at(schedule, Month::of(2013, 3)).contract_years[0].years == 2);
  CHECK(terms_at(schedule, Month::of(2013, 4)).contract_years[0].years == 3);
  CHECK(terms_at(schedule, Month::of(2030, 1)).contract_years[0].years == 3);
}

TEST_CASE("the public-sector employment series is the interpolated denominator",
          "[unit][metrics]") {
  World w;
  ReplicateState& st = w.st();
  const auto catalogue = series_catalogue(w.scenario);
  std::vector<double> row(catalogue.size());
  auto value = [&](const char* name) {
    for (size_t k = 0; k < catalogue.size(); ++k)
      if (catalogue[k].name == name) return row[k];
    FAIL("no series " << name);
    return 0.0;
  };
  // 65000 in 2010-01 falling linearly to 60000 in 2012-12 (35 months).
  measure_month(st, 7, row);
  CHECK(value("public_sector_employment") == Approx(65000 - 5000.0 * 7 / 35));
  CHECK(value("staff_total") == double(w.population.staff()));
  CHECK(value("staff_in_mutuals") == 0);
  CHECK(value("share_in_mutuals") == 0);
  // Per-route series follow the route order, eight per route; then the
  // climate: five, and two per organisation type; then the forms: both
  // readings (five) and two per form; then commissioning: three, two per
  // sector and three per service line; then engagement: three; then the
  // mutuals from before the run: two.
  const size_t routes = w.scenario.routes.size(), types = w.scenario.population.org_types.size();
  const size_t sectors = w.scenario.population.sectors.size();
  const size_t lines = w.scenario.population.service_lines.size();
  const size_t climate_end = 20 + 8 * routes + 5 + 2 * types;
  const size_t commissioning_end = climate_end + 5 + 2 * kForms + 3 + 2 * sectors + 3 * lines;
  CHECK(catalogue.size() == commissioning_end + 3 + 2);
  CHECK(catalogue[20].name == "spinouts_tcs_cumulative");
  CHECK(catalogue[20 + 8 * routes - 1].name == "spinouts_psm_whole_share");
  CHECK(catalogue[climate_end - 1].name == "procurement_uncertainty_local_council");
  CHECK(catalogue[climate_end].name == "staff_in_mutuals_strict");
  CHECK(catalogue[commissioning_end - 1].name ==
        (lines > 0 ? "spinouts_" + w.scenario.population.service_lines.back().name + "_cumulative"
                   : "commissioning_transition_uncertainty_" +
                         w.scenario.population.sectors.back().name));
  CHECK(catalogue[commissioning_end].name == "mean_engagement_in_mutuals");
  CHECK(catalogue[commissioning_end + 2].name == "engagement_gap");
  CHECK(catalogue.back().name == "staff_in_initial_mutuals");
}

// Divestment chains are followed for at most as many steps as there are
// types, so a cycle (A -> B -> A) does not hang; but a cycle means a type
// that "ceased" on its divest_date comes back, which validation should refuse.
TEST_CASE("a divestment cycle is rejected by validation", "[unit][config]") {
  CHECK_THROWS_AS(small_scenario({"population.org_types.community_trust.divest_date=2011-06",
                                  "population.org_types.community_trust.divest_to=pct_provider"}),
                  ConfigError);
}
