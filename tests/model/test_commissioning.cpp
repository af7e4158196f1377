// Commissioners and the fate of mutuals: award shares, re-tendering with
// retention 1 and 0, failure and growth.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/mutuals.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/random/random.hpp"
#include "tests/model/mutual_helpers.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

struct AwardCounts {
  std::map<Procurement, double> procurement;
  std::map<int, double> years;
  std::map<std::pair<Procurement, int>, double> joint;
};

AwardCounts draw_awards(World& w, const char* sector, int32_t month, int n) {
  AwardCounts counts;
  for (int i = 0; i < n; ++i) {
    Stream stream(w.st().seed, 0, static_cast<uint16_t>(month), static_cast<uint32_t>(i),
                  Purpose::ContractAward);
    const ContractTerms terms = award_contract(w.st(), w.sector_index(sector), month, stream);
    counts.procurement[terms.procurement] += 1;
    counts.years[terms.years] += 1;
    counts.joint[{terms.procurement, terms.years}] += 1;
  }
  return counts;
}

void check_share(double count, double n, double p) {
  CHECK(std::abs(count - n * p) < 4 * binomial_sd(n, p) + 1e-9);
}

}  // namespace

TEST_CASE("contract awards follow the scenario's shares", "[stat][commissioning]") {
  World w;
  update_climate(w.st(), 0);
  constexpr int kN = 40000;
  SECTION("NHS: 60/20/20 routes, 70% one-year and 30% three-year contracts") {
    AwardCounts c = draw_awards(w, "nhs", 0, kN);
    check_share(c.procurement[Procurement::DirectAward], kN, 0.6);
    check_share(c.procurement[Procurement::AnyQualifiedProvider], kN, 0.2);
    check_share(c.procurement[Procurement::CompetitiveTender], kN, 0.2);
    CHECK(c.procurement[Procurement::Reserved] == 0);
    check_share(c.years[1], kN, 0.7);
    check_share(c.years[3], kN, 0.3);
    CHECK(c.years.size() == 2);
    // Length and route are drawn independently.
    check_share(c.joint[{Procurement::CompetitiveTender, 3}], kN, 0.2 * 0.3);
  }
  SECTION("councils: no Any Qualified Provider, always three years") {
    AwardCounts c = draw_awards(w, "council", 0, kN);
    check_share(c.procurement[Procurement::DirectAward], kN, 0.5);
    CHECK(c.procurement[Procurement::AnyQualifiedProvider] == 0);
    check_share(c.procurement[Procurement::CompetitiveTender], kN, 0.5);
    CHECK(c.years[3] == kN);
  }
  SECTION("reserved contracts take their share in reserved sectors only") {
    const int32_t month = month_index(w.scenario, "2012-07");
    update_climate(w.st(), month);
    REQUIRE(w.st().climate.reserved_active);
    AwardCounts nhs = draw_awards(w, "nhs", month, kN);
    check_share(nhs.procurement[Procurement::Reserved], kN, 0.5);
    CHECK(nhs.joint[{Procurement::Reserved, 3}] == nhs.procurement[Procurement::Reserved]);
    check_share(nhs.procurement[Procurement::DirectAward], kN, 0.5 * 0.6);
    check_share(nhs.years[1], kN, 0.5 * 0.7);
    AwardCounts council = draw_awards(w, "council", month, kN);
    CHECK(council.procurement[Procurement::Reserved] == 0);
  }
}

TEST_CASE("the commissioning period in force sets the terms", "[unit][commissioning]") {
  // A second NHS period from 2012-01 with only five-year competitive tenders.
  World w(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, "
       "share: 1}], route_shares: {direct_award: 1, any_qualified_provider: 0, "
       "competitive_tender: 0}}, {from: 2012-01, contract_years: [{years: 5, share: 1}], "
       "route_shares: {direct_award: 0, any_qualified_provider: 0, competitive_tender: 1}}]",
       "programmes.reserved_contracts.enabled=false"});
  ReplicateState& st = w.st();
  const int32_t early = month_index(w.scenario, "2011-12");
  const int32_t late = month_index(w.scenario, "2012-01");
  for (uint32_t i = 0; i < 200; ++i) {
    Stream before(1, 0, 0, i, Purpose::ContractAward);
    const ContractTerms a = award_contract(st, w.sector_index("nhs"), early, before);
    REQUIRE(a.years == 1);
    REQUIRE(a.procurement == Procurement::DirectAward);
    Stream after(1, 0, 0, i, Purpose::ContractAward);
    const ContractTerms b = award_contract(st, w.sector_index("nhs"), late, after);
    REQUIRE(b.years == 5);
    REQUIRE(b.procurement == Procurement::CompetitiveTender);
  }
  // Staff read the new terms too: acute trusts (route rtp, no guarantee).
  update_climate(st, early);
  CHECK(st.climate.contract_security[w.type_index("acute_trust")] == Approx(0.2));
  CHECK(st.climate.procurement_uncertainty[w.type_index("acute_trust")] == Approx(0.1));
  update_climate(st, late);
  CHECK(st.climate.contract_security[w.type_index("acute_trust")] == Approx(1.0));
  CHECK(st.climate.procurement_uncertainty[w.type_index("acute_trust")] == Approx(1.0));
}

TEST_CASE("retention 1: every re-tendered contract is kept", "[unit][commissioning]") {
  World w({"commissioning.retention.direct_award=1",
           "commissioning.retention.any_qualified_provider=1",
           "commissioning.retention.competitive_tender=1", "mutuals.growth_on_retention_prob=0",
           "programmes.reserved_contracts.enabled=false"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  const auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
  const int32_t month = founded + 12;
  for (uint32_t id : ids) st.mutuals[id].contract_end = month;
  st.mutuals[ids[0]].contract_end = month + 1;  // not due yet: left alone
  run_commissioning(st, month);
  const auto due = double(ids.size() - 1);
  CHECK(count_events(st, EventKind::ContractRetained, month) == ids.size() - 1);
  CHECK(count_events(st, EventKind::ContractLost, month) == 0);
  CHECK(st.tallies.retendered_this_month == due);
  CHECK(st.tallies.lost_this_month == 0);
  CHECK(st.evidence.retained == due);
  CHECK(st.evidence.lost == 0);
  for (size_t k = 1; k < ids.size(); ++k) {
    const Mutual& m = st.mutuals[ids[k]];
    REQUIRE(m.active);
    REQUIRE(m.contract_end > month);
    REQUIRE((m.contract_end - month) % 12 == 0);
  }
  CHECK(st.mutuals[ids[0]].contract_end == month + 1);
  // Tallies of a month start from zero.
  run_commissioning(st, month + 1);
  CHECK(st.tallies.retendered_this_month == 1);
}

TEST_CASE("retention 0: every re-tendered contract is lost", "[unit][commissioning]") {
  const std::vector<std::string> zero = {"commissioning.retention.direct_award=0",
                                         "commissioning.retention.any_qualified_provider=0",
                                         "commissioning.retention.competitive_tender=0",
                                         "programmes.reserved_contracts.enabled=false"};
  SECTION("and the mutual fails when failure_on_loss_prob is 1") {
    auto overrides = zero;
    overrides.push_back("mutuals.failure_on_loss_prob=1");
    World w(overrides);
    ReplicateState& st = w.st();
    const int32_t founded = month_index(w.scenario, "2011-06");
    update_climate(st, founded);
    const auto ids = found_mutuals(w, "local_council", "psm", founded);
    const int32_t month = founded + 36;  // council contracts are three years
    for (uint32_t id : ids) REQUIRE(st.mutuals[id].contract_end == month);
    run_commissioning(st, month);
    const auto n = double(ids.size());
    CHECK(count_events(st, EventKind::ContractLost, month) == ids.size());
    CHECK(count_events(st, EventKind::Failure, month) == ids.size());
    CHECK(count_events(st, EventKind::ContractRetained, month) == 0);
    CHECK(st.tallies.lost_this_month == n);
    CHECK(st.tallies.failures == n);
    CHECK(st.evidence.lost == Approx(n * (1 + w.scenario.wait_and_see.failure_weight)));
    for (uint32_t id : ids) {
      const Mutual& m = st.mutuals[id];
      REQUIRE_FALSE(m.active);
      REQUIRE(st.service_status[m.first_service] == ServiceStatus::Public);
      REQUIRE(st.cooldown_until[m.first_service] == month + w.scenario.pipeline.cooldown_months);
    }
  }
  SECTION("and it survives on new terms when failure_on_loss_prob is 0") {
    auto overrides = zero;
    overrides.push_back("mutuals.failure_on_loss_prob=0");
    World w(overrides);
    ReplicateState& st = w.st();
    const int32_t founded = month_index(w.scenario, "2011-06");
    update_climate(st, founded);
    const auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
    const int32_t month = founded + 40;
    for (uint32_t id : ids) st.mutuals[id].contract_end = month;
    run_commissioning(st, month);
    CHECK(count_events(st, EventKind::ContractLost, month) == ids.size());
    CHECK(count_events(st, EventKind::Failure, month) == 0);
    for (uint32_t id : ids) {
      REQUIRE(st.mutuals[id].active);
      REQUIRE(st.mutuals[id].contract_end > month);
    }
  }
}

TEST_CASE("retention probability by procurement route", "[stat][commissioning]") {
  // Only competitive tenders in the NHS, retained with probability 0.6.
  World w(
      {"commissioning.sectors.nhs.periods=[{from: 2010-01, contract_years: [{years: 1, "
       "share: 1}], route_shares: {direct_award: 0, any_qualified_provider: 0, "
       "competitive_tender: 1}}]",
       "mutuals.growth_on_retention_prob=0", "programmes.reserved_contracts.enabled=false"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  auto ids = found_mutuals(w, "acute_trust", "rtp", founded);
  const auto more = found_mutuals(w, "community_trust", "rtp", founded);
  ids.insert(ids.end(), more.begin(), more.end());
  const int32_t month = founded + 12;
  for (uint32_t id : ids) REQUIRE(st.mutuals[id].contract_end == month);
  run_commissioning(st, month);
  const auto n = double(ids.size());
  REQUIRE(n > 200);
  check_share(double(count_events(st, EventKind::ContractRetained, month)), n, 0.6);
  CHECK(count_events(st, EventKind::ContractRetained, month) +
            count_events(st, EventKind::ContractLost, month) ==
        ids.size());
}

TEST_CASE("a retained mutual can take over the next public unit", "[unit][mutuals]") {
  World w({"commissioning.retention.direct_award=1",
           "commissioning.retention.any_qualified_provider=1",
           "commissioning.retention.competitive_tender=1", "mutuals.growth_on_retention_prob=1",
           "programmes.reserved_contracts.enabled=false"});
  ReplicateState& st = w.st();
  const int32_t founded = month_index(w.scenario, "2011-06");
  update_climate(st, founded);
  const auto ids = found_mutuals(w, "acute_trust", "rtp", founded, 2);  // every other unit
  const int32_t month = founded + 12;
  std::vector<Mutual> before;
  for (uint32_t id : ids) {
    st.mutuals[id].contract_end = month;
    before.push_back(st.mutuals[id]);
  }
  run_commissioning(st, month);
  size_t grown = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    const Mutual& m = st.mutuals[ids[k]];
    const Organisation& org = w.population.organisations[m.org];
    const uint32_t next = before[k].end_service;
    if (next < org.end_service) {
      REQUIRE(m.end_service == next + 1);
      REQUIRE(m.staff == before[k].staff + w.population.service_size(next));
      REQUIRE(st.service_status[next] == ServiceStatus::InMutual);
      REQUIRE(st.service_owner[next] == int32_t(ids[k]));
      ++grown;
    } else {
      REQUIRE(m.end_service == before[k].end_service);  // no unit beyond its organisation
    }
  }
  CHECK(grown > 0);
  CHECK(count_events(st, EventKind::Growth, month) == grown);
  // A mutual that failed hands back every unit, including those it grew into.
  fail_mutual(st, month, ids[0]);
  for (uint32_t s = st.mutuals[ids[0]].first_service; s < st.mutuals[ids[0]].end_service; ++s)
    CHECK(st.service_status[s] == ServiceStatus::Public);
}

TEST_CASE("background failures happen at monthly_failure_prob", "[stat][mutuals]") {
  for (double hazard : {0.0, 0.3, 1.0}) {
    INFO("hazard " << hazard);
    World w({"mutuals.monthly_failure_prob=" + std::to_string(hazard)});
    ReplicateState& st = w.st();
    const int32_t month = month_index(w.scenario, "2011-06");
    update_climate(st, month);
    const auto ids = found_mutuals(w, "acute_trust", "rtp", month);
    settle_mutuals(st, month);
    size_t failed = 0;
    for (uint32_t id : ids) failed += !st.mutuals[id].active;
    const auto n = double(ids.size());
    CHECK(std::abs(double(failed) - n * hazard) < 4 * binomial_sd(n, hazard) + 1e-9);
    CHECK(count_events(st, EventKind::Failure, month) == failed);
    // Failed mutuals are not failed twice.
    settle_mutuals(st, month + 1);
    CHECK(count_events(st, EventKind::Failure, month) == failed);
  }
}
