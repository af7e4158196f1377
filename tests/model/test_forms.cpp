// Forms of mutuals (issue 13 item 1): how a proposal comes to a form, what
// a form changes at re-tender, and the two readings of the target.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/forms.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/pipeline.hpp"
#include "tests/model/mutual_helpers.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

/// A one-unit proposal of the first unit of organisation `org` on `route`.
uint32_t propose_unit(World& w, int32_t month, const char* route, uint32_t org) {
  ReplicateState& st = w.st();
  const auto id = static_cast<uint32_t>(st.proposals.size());
  const uint32_t first = w.population.organisations[org].first_service;
  start_proposal(st, month, w.route_index(route), org, first, first + 1, false, false);
  return id;
}

uint32_t first_org_of(const World& w, const char* type) {
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o)
    if (w.population.organisations[o].type == w.type_index(type)) return o;
  FAIL("no organisation of type " << type);
  return 0;
}

}  // namespace

TEST_CASE("forms are drawn with the route's, the type's and the size weights", "[stat][forms]") {
  // rtp weights 1,2,3,4,0,0 times the acute trust's 1,1,1,1,1,1 (default),
  // so p = (0.1, 0.2, 0.3, 0.4, 0, 0) for a small proposal.
  World w(
      {"routes.rtp.form_weights={employee_owned_company: 1, community_interest_company: 2, "
       "charity_social_enterprise: 3, partnership: 4, joint_venture: 0, governance_mutual: 0}"});
  const uint32_t acute = w.type_index("acute_trust");
  const auto p = form_probabilities(w.scenario, w.route_index("rtp"), acute, 10.0);
  const std::array<double, kForms> expected{0.1, 0.2, 0.3, 0.4, 0.0, 0.0};
  for (size_t f = 0; f < kForms; ++f) CHECK(p[f] == Approx(expected[f]).margin(1e-15));
  // n = 20000 independent draws (one stream per proposal id); each count
  // is binomial(n, p_f): 4 sd is a two-sided tail of 6e-5 per form.
  constexpr uint32_t kN = 20000;
  std::array<double, kForms> count{};
  for (uint32_t id = 0; id < kN; ++id)
    count[static_cast<size_t>(choose_form(w.st(), 20, id, w.route_index("rtp"), acute, 10.0, 0))] +=
        1;
  for (size_t f = 0; f < kForms; ++f)
    CHECK(std::abs(count[f] - kN * expected[f]) <= 4 * binomial_sd(kN, expected[f]));
  SECTION("governance_prob sends that share to governance first") {
    double governance = 0;
    for (uint32_t id = 0; id < kN; ++id)
      governance += choose_form(w.st(), 20, id, w.route_index("rtp"), acute, 10.0, 0.3) ==
                    Form::GovernanceMutual;
    CHECK(std::abs(governance - kN * 0.3) <= 4 * binomial_sd(kN, 0.3));
  }
  SECTION("a large proposal multiplies in large_proposal_weights") {
    World big(
        {"routes.rtp.form_weights={employee_owned_company: 1, community_interest_company: "
         "1, charity_social_enterprise: 0, partnership: 0, joint_venture: 1, "
         "governance_mutual: 0}",
         "forms.large_proposal_staff=500", "forms.large_proposal_weights={joint_venture: 2}"});
    const auto small = form_probabilities(big.scenario, big.route_index("rtp"), acute, 499.0);
    const auto large = form_probabilities(big.scenario, big.route_index("rtp"), acute, 500.0);
    CHECK(small[static_cast<size_t>(Form::JointVenture)] == Approx(1.0 / 3));
    CHECK(large[static_cast<size_t>(Form::JointVenture)] == Approx(2.0 / 4));
  }
}

TEST_CASE("the form lands on the proposal, the mutual and its events", "[unit][forms]") {
  World w(
      {"routes.rtp.form_weights={employee_owned_company: 0, community_interest_company: 0, "
       "charity_social_enterprise: 0, partnership: 1, joint_venture: 0, governance_mutual: 0}"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2011-06");
  const uint32_t id = propose_unit(w, month, "rtp", first_org_of(w, "acute_trust"));
  CHECK(st.proposals[id].form == Form::Partnership);
  found_mutual(st, month, id);
  CHECK(st.mutuals.back().form == Form::Partnership);
  for (const Event& e : st.events) CHECK(e.form == static_cast<uint8_t>(Form::Partnership));
  CHECK(st.events.size() == 2);  // proposal, spinout
}

TEST_CASE("a tender's capital requirement and the form's multiplier set retention",
          "[unit][forms]") {
  const Scenario s = small_scenario({"forms.joint_venture.tender_capital_shortfall_prob=0",
                                     "forms.partnership.tender_capital_shortfall_prob=0.25",
                                     "forms.partnership.retention_multiplier=1.2"});
  // small.yaml: competitive tender 0.6, direct award 0.95.
  CHECK(retention_probability(s, Procurement::CompetitiveTender, Form::JointVenture) == 0.6);
  CHECK(retention_probability(s, Procurement::CompetitiveTender, Form::Partnership) ==
        Approx(0.75 * 1.2 * 0.6).epsilon(1e-15));
  // The bond matters in a tender only; a multiplier past 1 is capped.
  CHECK(retention_probability(s, Procurement::DirectAward, Form::Partnership) == 1.0);
}

TEST_CASE("both readings of the target: governance mutuals count only broadly", "[unit][forms]") {
  const std::vector<std::string> forms = {"forms.governance_mutual.leaves_payroll=false",
                                          "forms.governance_mutual.counts_strict=false",
                                          "forms.governance_mutual.counts_broad=true"};
  for (const char* reading : {"strict", "broad"}) {
    std::vector<std::string> overrides = forms;
    overrides.push_back(std::string("target.reading=") + reading);
    overrides.push_back(
        "routes.rtp.form_weights={employee_owned_company: 0, community_interest_company: 1, "
        "charity_social_enterprise: 0, partnership: 0, joint_venture: 0, governance_mutual: 0}");
    World w(overrides);
    ReplicateState& st = w.st();
    const int32_t month = month_index(w.scenario, "2011-06");
    const uint32_t acute = first_org_of(w, "acute_trust");
    const uint32_t cic = propose_unit(w, month, "rtp", acute);
    found_mutual(st, month, cic);
    // The second unit becomes a governance mutual.
    const auto gov = static_cast<uint32_t>(st.proposals.size());
    const uint32_t second = w.population.organisations[acute].first_service + 1;
    start_proposal(st, month, w.route_index("rtp"), acute, second, second + 1, false, false);
    st.proposals[gov].form = Form::GovernanceMutual;
    found_mutual(st, month, gov);
    const auto staff = [&](uint32_t id) { return double(st.proposals[id].staff); };
    std::vector<double> row(series_catalogue(w.scenario).size());
    measure_month(st, month, row);
    CHECK(series(w, row, "staff_in_mutuals_strict") == staff(cic));
    CHECK(series(w, row, "staff_in_mutuals_broad") == staff(cic) + staff(gov));
    CHECK(series(w, row, "staff_left_public_payroll") == staff(cic));
    CHECK(series(w, row, "mutuals_active_governance_mutual") == 1);
    CHECK(series(w, row, "staff_in_mutuals") ==
          series(w, row, std::string("staff_in_mutuals_") + reading));
  }
}
