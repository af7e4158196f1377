// The spin-out pipeline in isolation: entry hazard, quorum and champion,
// board consent, funding and founding a mutual.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/random/random.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

/// Gives service s full support and a champion (or not).
void set_unit(ReplicateState& st, uint32_t s, double support_share, uint32_t champions) {
  const auto size = st.population.service_size(s);
  st.aggregates.supporters[s] = static_cast<uint32_t>(std::floor(support_share * double(size)));
  st.aggregates.champions[s] = champions;
}

/// Opens a unit-level proposal for every unit of organisations of `type`.
std::vector<uint32_t> propose_all(World& w, const char* type, const char* route, int32_t month) {
  std::vector<uint32_t> ids;
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o) {
    const Organisation& org = w.population.organisations[o];
    if (org.type != w.type_index(type)) continue;
    for (uint32_t s = org.first_service; s < org.end_service; ++s) {
      ids.push_back(static_cast<uint32_t>(w.st().proposals.size()));
      start_proposal(w.st(), month, w.route_index(route), o, s, s + 1, false, false);
    }
  }
  return ids;
}

}  // namespace

TEST_CASE("entry: eligible units enter with the logistic hazard", "[stat][pipeline]") {
  // A constant hazard: no support or information terms, TCS off so no
  // whole-organisation route is open.
  World w({"routes.tcs.enabled=false", "pipeline.entry_support_coef=0",
           "pipeline.coef_information=0", "programmes.information_service.enabled=false",
           "pipeline.entry_logit=-1.5", "routes.psm.entry_logit_shift=1"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2012-01");
  update_climate(st, month);
  // Four groups of units: eligible; no champion; below the quorum; in cooldown.
  std::map<uint32_t, double> probability;  // eligible unit -> hazard
  for (uint32_t s = 0; s < w.population.services(); ++s) {
    const uint32_t group = s % 4;
    set_unit(st, s, group == 2 ? w.scenario.pipeline.quorum * 0.9 : 1.0, group == 1 ? 0 : 1);
    if (group == 3) st.cooldown_until[s] = month + 1;
    const int route = st.climate.open_route[st.org_type[w.population.service_org[s]]];
    if (group == 0 && route >= 0)
      probability[s] = logistic(-1.5 + w.scenario.routes[route].value.entry_logit_shift);
  }
  advance_pipelines(st, month);

  double expected = 0, variance = 0;
  for (const auto& [s, p] : probability) expected += p, variance += p * (1 - p);
  REQUIRE(probability.size() > 100);
  size_t entered = 0;
  for (const Proposal& p : st.proposals) {
    INFO("service " << p.first_service);
    REQUIRE(probability.count(p.first_service) == 1);  // only eligible units enter
    REQUIRE(p.end_service == p.first_service + 1);
    REQUIRE(p.stage == Stage::Exploring);
    REQUIRE(p.stage_since == month);
    REQUIRE_FALSE(p.whole_organisation);
    REQUIRE(st.service_status[p.first_service] == ServiceStatus::InProposal);
    const uint32_t type = st.org_type[p.org];
    REQUIRE(int(p.route) == st.climate.open_route[type]);
    ++entered;
  }
  CHECK(std::abs(double(entered) - expected) < 4 * std::sqrt(variance));
  CHECK(st.tallies.proposals_by_route[w.route_index("rtp")] +
            st.tallies.proposals_by_route[w.route_index("psm")] ==
        double(entered));
  // The route shift shows: council units (psm, +1 logit) enter more often.
  size_t council = 0, council_eligible = 0;
  for (const auto& [s, p] : probability) council_eligible += p > 0.3;
  for (const Proposal& p : st.proposals) council += p.route == w.route_index("psm");
  const double p_council = logistic(-0.5);
  CHECK(std::abs(double(council) - council_eligible * p_council) <
        4 * binomial_sd(double(council_eligible), p_council));
}

TEST_CASE("entry: units in a whole-organisation proposal cannot enter", "[unit][pipeline]") {
  World w({"routes.tcs.enabled=false", "pipeline.entry_logit=30"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2012-01");
  update_climate(st, month);
  for (uint32_t s = 0; s < w.population.services(); ++s) set_unit(st, s, 1.0, 1);
  uint32_t acute = 0;
  while (w.population.organisations[acute].type != w.type_index("acute_trust")) ++acute;
  st.org_whole_busy[acute] = 1;
  advance_pipelines(st, month);
  for (const Proposal& p : st.proposals) CHECK(p.org != acute);
  // With a certain hazard every other eligible unit entered.
  size_t eligible = 0;
  for (uint32_t s = 0; s < w.population.services(); ++s) {
    const uint32_t o = w.population.service_org[s];
    eligible += o != acute && st.climate.open_route[st.org_type[o]] >= 0;
  }
  CHECK(st.proposals.size() == eligible);
}

TEST_CASE("whole organisations propose through a whole-organisation route", "[unit][pipeline]") {
  World w({"pipeline.whole_organisation_entry_logit=30", "pipeline.entry_logit=-30"});
  ReplicateState& st = w.st();
  update_climate(st, 0);  // TCS open for PCT provider arms, whole organisations allowed
  for (uint32_t s = 0; s < w.population.services(); ++s) set_unit(st, s, 1.0, 1);
  for (auto& share : st.org_support_share) share = 1.0;
  advance_pipelines(st, 0);
  size_t pct_orgs = 0;
  for (const auto& org : w.population.organisations)
    pct_orgs += org.type == w.type_index("pct_provider");
  REQUIRE(st.proposals.size() == pct_orgs);
  for (const Proposal& p : st.proposals) {
    const Organisation& org = w.population.organisations[p.org];
    CHECK(p.whole_organisation);
    CHECK(p.route == w.route_index("tcs"));
    CHECK(p.first_service == org.first_service);
    CHECK(p.end_service == org.end_service);
    CHECK(p.staff == org.staff());
    CHECK(st.org_whole_busy[p.org] == 1);
  }
  // At scale 1 every proposal counts 1.
  CHECK(st.tallies.proposals_by_route[w.route_index("tcs")] == double(pct_orgs));
}

TEST_CASE("board consent: refused proposals close at the business case", "[stat][pipeline]") {
  // Progress is certain, abandonment impossible, so only the board decides.
  World w({"pipeline.progress_logit=30", "pipeline.abandon_logit=-30",
           "pipeline.min_months_exploring=0", "pipeline.entry_logit=-30",
           "pipeline.whole_organisation_entry_logit=-30"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2011-06");
  update_climate(st, month - 1);
  const auto acute = propose_all(w, "acute_trust", "rtp", month - 1);
  const auto pct = propose_all(w, "pct_provider", "tcs", month - 1);  // forced separation
  update_climate(st, month);
  advance_pipelines(st, month);
  struct Group {
    const char* name;
    const std::vector<uint32_t>& ids;
    double consent;
  };
  for (const Group& g : {Group{"acute (board_consent 0.3)", acute, 0.3},
                         Group{"pct on TCS (forced_separation_consent 0.95)", pct, 0.95}}) {
    INFO(g.name);
    size_t refused = 0, progressed = 0;
    for (uint32_t id : g.ids) {
      const Proposal& p = st.proposals[id];
      refused += p.stage == Stage::Abandoned;
      progressed += p.stage == Stage::InProgress;
    }
    const auto n = double(g.ids.size());
    REQUIRE(n > 100);
    CHECK(refused + progressed == g.ids.size());
    CHECK(std::abs(double(refused) - n * (1 - g.consent)) < 4 * binomial_sd(n, 1 - g.consent));
  }
  // Refused units return to the public sector with a cooldown.
  for (uint32_t id : acute) {
    const Proposal& p = st.proposals[id];
    if (p.stage != Stage::Abandoned) continue;
    CHECK(st.service_status[p.first_service] == ServiceStatus::Public);
    CHECK(st.service_owner[p.first_service] == -1);
    CHECK(st.cooldown_until[p.first_service] == month + w.scenario.pipeline.cooldown_months);
    break;
  }
}

TEST_CASE("proposals wait their minimum months and their first month", "[unit][pipeline]") {
  World w({"pipeline.progress_logit=30", "pipeline.spinout_logit=30", "pipeline.abandon_logit=-30",
           "population.org_types.acute_trust.board_consent=1", "pipeline.min_months_exploring=2",
           "pipeline.min_months_in_progress=3", "pipeline.entry_logit=-30"});
  ReplicateState& st = w.st();
  const int32_t start = month_index(w.scenario, "2011-06");
  update_climate(st, start);
  const auto ids = propose_all(w, "acute_trust", "rtp", start);
  auto stages = [&](Stage stage) {
    size_t n = 0;
    for (uint32_t id : ids) n += st.proposals[id].stage == stage;
    return n;
  };
  advance_pipelines(st, start);  // opened this month: no move
  CHECK(stages(Stage::Exploring) == ids.size());
  advance_pipelines(st, start + 1);  // 1 month exploring < 2
  CHECK(stages(Stage::Exploring) == ids.size());
  advance_pipelines(st, start + 2);
  CHECK(stages(Stage::InProgress) == ids.size());
  for (int32_t m = start + 3; m < start + 5; ++m) advance_pipelines(st, m);
  CHECK(stages(Stage::InProgress) == ids.size());  // 2 months in progress < 3
  advance_pipelines(st, start + 5);
  CHECK(stages(Stage::SpunOut) == ids.size());
  CHECK(st.mutuals.size() == ids.size());
}

TEST_CASE("the support fund pays grants until its budget is spent", "[unit][pipeline]") {
  World w({"pipeline.progress_logit=30", "pipeline.abandon_logit=-30",
           "pipeline.min_months_exploring=0", "population.org_types.acute_trust.board_consent=1",
           "programmes.support_fund.budget_gbp=375000", "programmes.support_fund.grant_gbp=75000",
           "pipeline.entry_logit=-30"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2012-09");
  update_climate(st, month - 1);
  const auto ids = propose_all(w, "acute_trust", "rtp", month - 1);
  update_climate(st, month);
  REQUIRE(st.climate.fund_active);
  advance_pipelines(st, month);
  size_t funded = 0;
  for (uint32_t id : ids) funded += st.proposals[id].funded;
  CHECK(funded == 5);
  CHECK(st.tallies.fund_spent_gbp == 375000);
  // Funding raises viability by coef_fund.
  const Proposal* with = nullptr;
  for (uint32_t id : ids)
    if (st.proposals[id].funded) with = &st.proposals[id];
  REQUIRE(with != nullptr);
  Proposal without = *with;
  without.funded = false;
  CHECK(proposal_viability(st, *with) - proposal_viability(st, without) ==
        Approx(w.scenario.pipeline.coef_fund));
}

TEST_CASE("proposal viability, computed by hand", "[unit][pipeline]") {
  World w;
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2011-06");
  update_climate(st, month);
  uint32_t acute = 0;
  while (w.population.organisations[acute].type != w.type_index("acute_trust")) ++acute;
  const uint32_t s = w.population.organisations[acute].first_service;
  start_proposal(st, month, w.route_index("rtp"), acute, s, s + 1, false, false);
  set_unit(st, s, 0.5, 1);
  const Proposal& p = st.proposals.back();
  const PipelineParams& pp = w.scenario.pipeline;
  const double support = double(st.aggregates.supporters[s]) / double(p.staff);
  CHECK(proposal_support(st, p) == Approx(support));
  // June 2011: NHS terms (security 0.32, uncertainty 0.4), information 0 (starts 2011-07).
  const double expected = pp.coef_contract * 0.32 - pp.coef_procurement * 0.4 + 0 * pp.coef_fund +
                          pp.coef_information * 0.0 -
                          pp.coef_size * std::log(double(p.staff) / pp.size_reference_staff) +
                          pp.coef_support * (support - pp.quorum);
  CHECK(proposal_viability(st, p) == Approx(expected).margin(1e-6));
}

TEST_CASE("founding a mutual: guaranteed contracts and service ownership", "[stat][pipeline]") {
  World w;
  ReplicateState& st = w.st();
  const int32_t month = 3;
  update_climate(st, month);
  const auto ids = propose_all(w, "pct_provider", "tcs", month);
  std::map<int, size_t> years;
  for (uint32_t id : ids) {
    found_mutual(st, month, id);
    const Mutual& m = st.mutuals.back();
    const Proposal& p = st.proposals[id];
    REQUIRE(p.stage == Stage::SpunOut);
    REQUIRE(m.first_service == p.first_service);
    REQUIRE(m.staff == p.staff);
    REQUIRE(m.active);
    REQUIRE(m.nhs);
    REQUIRE(m.procurement == Procurement::DirectAward);
    REQUIRE((m.contract_end - month) % 12 == 0);
    ++years[(m.contract_end - month) / 12];
    REQUIRE(st.service_status[m.first_service] == ServiceStatus::InMutual);
    REQUIRE(st.service_owner[m.first_service] == int32_t(st.mutuals.size() - 1));
  }
  // TCS guarantees 3 to 5 years, each equally likely.
  CHECK(years.size() == 3);
  const auto n = double(ids.size());
  for (int y : {3, 4, 5}) {
    INFO(y << " years");
    CHECK(std::abs(double(years[y]) - n / 3) < 4 * binomial_sd(n, 1.0 / 3));
  }
  CHECK(st.tallies.spinouts_by_route[w.route_index("tcs")] == n);
}
