// Commissioning as it changed (issue 13 items 5-7): service lines, Any
// Qualified Provider by line with the incumbent's volume risk, the
// transition between commissioning periods, and Article 77's rules.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "sim/model/climate.hpp"
#include "sim/model/commissioning.hpp"
#include "sim/model/commissioning_rules.hpp"
#include "sim/model/pipeline.hpp"
#include "tests/model/mutual_helpers.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

// Two lines for acute trusts (30% hearing, 70% other) in small.yaml.
const std::string kLines =
    "population.service_lines={hearing: {aqp_share: 0.6, reservable: true, org_types: "
    "[{org_type: acute_trust, share: 0.3}]}, other: {aqp_share: 0, reservable: false, "
    "org_types: [{org_type: acute_trust, share: 0.7}]}}";

}  // namespace

TEST_CASE("service lines are drawn per unit with the type's shares, at any scale",
          "[stat][commissioning]") {
  World w({kLines});
  World sample({kLines, "population.scale=0.4"});
  double units = 0, hearing = 0;
  for (uint32_t s = 0; s < w.population.services(); ++s) {
    const uint32_t type = w.population.organisations[w.population.service_org[s]].type;
    const int16_t line = w.population.service_line[s];
    if (type != w.type_index("acute_trust")) {
      CHECK(line == kNoServiceLine);  // a type on no line
      continue;
    }
    units += 1;
    hearing += line == 0;
    CHECK(sample.population.service_line[s] == line);  // units keep their frame index
  }
  // Each unit an independent Bernoulli(0.3): 4 binomial sd.
  REQUIRE(units > 100);
  CHECK(std::abs(hearing - 0.3 * units) <= 4 * binomial_sd(units, 0.3));
}

TEST_CASE("AQP applies by line from its start", "[unit][commissioning]") {
  // small.yaml NHS period: direct 0.6, AQP 0.2, tender 0.2.
  World w({kLines, "commissioning.any_qualified_provider.start=2012-04",
           "commissioning.any_qualified_provider.by_service_line=true"});
  const ReplicateState& st = w.st();
  const uint32_t nhs = w.sector_index("nhs");
  const PerProcurement before =
      route_shares_for(st, nhs, 0, st.date(month_index(w.scenario, "2012-03")));
  CHECK(before.any_qualified_provider == 0);
  CHECK(before.direct_award == Approx(0.75));
  CHECK(before.competitive_tender == Approx(0.25));
  const Month after = st.date(month_index(w.scenario, "2012-04"));
  const PerProcurement hearing = route_shares_for(st, nhs, 0, after);
  CHECK(hearing.any_qualified_provider == 0.6);
  CHECK(hearing.direct_award == Approx(0.4 * 0.75));
  CHECK(hearing.competitive_tender == Approx(0.4 * 0.25));
  CHECK(route_shares_for(st, nhs, 1, after).any_qualified_provider == 0);  // not an AQP line
  CHECK(route_shares_for(st, nhs, kNoServiceLine, after).any_qualified_provider == 0);
  World spread({kLines, "commissioning.any_qualified_provider.by_service_line=false"});
  CHECK(route_shares_for(spread.st(), nhs, 1, after).any_qualified_provider == 0.2);
}

TEST_CASE("an accredited AQP incumbent faces a volume risk, not a win-or-lose award",
          "[stat][commissioning]") {
  World w(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, "
       "share: 1}], route_shares: {direct_award: 0, any_qualified_provider: 1, "
       "competitive_tender: 0}}]",
       "commissioning.any_qualified_provider.incumbent_accredited=true",
       "commissioning.any_qualified_provider.volume_loss_prob=0.3",
       "commissioning.any_qualified_provider.failure_on_volume_loss_prob=0.5",
       "mutuals.growth_on_retention_prob=0", "programmes.reserved_contracts.enabled=false"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  const auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
  const int32_t month = founded + 12;
  update_climate(st, month);
  run_commissioning(st, month);
  const auto n = double(ids.size());
  REQUIRE(n > 100);
  CHECK(count_events(st, EventKind::ContractLost, month) == 0);
  // Volume losses ~ binomial(n, 0.3); failures ~ binomial(n, 0.3 x 0.5);
  // 4 sd each. (Engagement shifts the loss chance only when its
  // retention_logit_per_gap is set: 0 in small.yaml.)
  const double losses = double(count_events(st, EventKind::AqpVolumeLoss, month));
  const double failures = double(count_events(st, EventKind::Failure, month));
  CHECK(std::abs(losses - 0.3 * n) <= 4 * binomial_sd(n, 0.3));
  CHECK(std::abs(failures - 0.15 * n) <= 4 * binomial_sd(n, 0.15));
  CHECK(st.tallies.aqp_volume_losses == losses);
  CHECK(double(count_events(st, EventKind::ContractRetained, month)) == n - losses);
}

TEST_CASE("a period's transition uncertainty ramps up, peaks at its start, then fades",
          "[unit][commissioning]") {
  const Scenario s = small_scenario(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, share: "
       "1}], route_shares: {direct_award: 1, any_qualified_provider: 0, competitive_tender: 0}}, "
       "{from: 2013-04, label: ccg, transition_uncertainty: 0.4, transition_lead_months: 4, "
       "transition_months: 8, contract_years: [{years: 1, share: 1}], route_shares: "
       "{direct_award: 1, any_qualified_provider: 0, competitive_tender: 0}}]"});
  const auto& schedule = s.commissioning.sectors[0].value;
  const auto at = [&](const char* date) {
    return transition_uncertainty_at(schedule, s.time.start + month_index(s, date));
  };
  // A linear ramp from 0 at transition_lead_months before `from` to full at it.
  CHECK(at("2012-12") == 0);                   // 4 months before
  CHECK(at("2013-01") == Approx(0.4 * 0.25));  // 3 months before
  CHECK(at("2013-03") == Approx(0.4 * 0.75));  // 1 month before
  CHECK(at("2013-04") == Approx(0.4));         // the handover
  CHECK(at("2013-08") == Approx(0.4 * 0.5));   // 4 of 8 months after
  CHECK(at("2013-12") == 0);                   // faded
  CHECK(period_index(schedule, s.time.start + month_index(s, "2013-04")) == 1);
}

TEST_CASE("Article 77: reservable lines, one reserved term, deferred sectors",
          "[unit][commissioning]") {
  World w({kLines, "programmes.reserved_contracts.rules=article77",
           "programmes.reserved_contracts.start=2012-06",
           "programmes.reserved_contracts.repeat_bar_years=3"});
  ReplicateState& st = w.st();
  const uint32_t nhs = w.sector_index("nhs");
  const int32_t month = month_index(w.scenario, "2012-07");
  update_climate(st, month);
  REQUIRE(st.climate.reserved_active);
  CHECK(reservation_open(st, nhs, 0, st.date(month)));               // reservable line
  CHECK_FALSE(reservation_open(st, nhs, 1, st.date(month)));         // not reservable
  CHECK(reservation_open(st, nhs, kNoServiceLine, st.date(month)));  // a block contract
  Mutual m{};
  m.last_reserved_award = month;
  CHECK(reservation_barred(st, m, month + 36));
  CHECK_FALSE(reservation_barred(st, m, month + 37));
  m.last_reserved_award = kNeverReserved;
  CHECK_FALSE(reservation_barred(st, m, month));
  SECTION("deferred sectors open only from deferred_start") {
    World d({kLines, "programmes.reserved_contracts.rules=article77",
             "programmes.reserved_contracts.start=2012-06",
             "programmes.reserved_contracts.deferred_sectors=[nhs]",
             "programmes.reserved_contracts.deferred_start=2012-10"});
    update_climate(d.st(), month);
    CHECK_FALSE(reservation_open(d.st(), nhs, 0, d.st().date(month)));
    CHECK(reservation_open(d.st(), nhs, 0, d.st().date(month_index(d.scenario, "2012-10"))));
  }
  SECTION("permanent_share reserves every line, with no bar") {
    World p({kLines, "programmes.reserved_contracts.rules=permanent_share",
             "programmes.reserved_contracts.start=2012-06"});
    update_climate(p.st(), month);
    CHECK(reservation_open(p.st(), nhs, 1, p.st().date(month)));
    Mutual recent{};
    recent.last_reserved_award = month;
    CHECK_FALSE(reservation_barred(p.st(), recent, month + 1));
  }
}

TEST_CASE("Article 77 keys are checked", "[unit][config]") {
  check_refused({"programmes.reserved_contracts.rules=forever"},
                "programmes.reserved_contracts.rules");
  check_refused({"programmes.reserved_contracts.rules=article77",
                 "programmes.reserved_contracts.max_years=5"},
                "programmes.reserved_contracts.max_years");
  check_refused({"programmes.reserved_contracts.deferred_sectors=[nhs]"},
                "programmes.reserved_contracts.deferred_start");
}
