// Dated programmes (Pathfinder, large-trust conversion) and what the
// recorder measures, including the scaling of counts at population.scale < 1.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/model/programmes.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

std::vector<uint32_t> orgs_of(const World& w, const char* type) {
  std::vector<uint32_t> out;
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o)
    if (w.population.organisations[o].type == w.type_index(type)) out.push_back(o);
  return out;
}

double series(const World& w, const std::vector<double>& row, const std::string& name) {
  const auto catalogue = series_catalogue(w.scenario);
  for (size_t k = 0; k < catalogue.size(); ++k)
    if (catalogue[k].name == name) return row[k];
  FAIL("no series " << name);
  return 0;
}

}  // namespace

TEST_CASE("Pathfinder picks `trusts` applicants in its start month", "[unit][programmes]") {
  // small.yaml: Pathfinder from 2012-01, 2 trusts, acute trusts may apply.
  World w;
  ReplicateState& st = w.st();
  const int32_t start = month_index(w.scenario, "2012-01");
  const auto acute = orgs_of(w, "acute_trust");
  REQUIRE(acute.size() == 5);
  for (auto& share : st.org_support_share) share = 1.0;
  update_programmes(st, start - 1);
  CHECK(st.proposals.empty());
  update_programmes(st, start);
  REQUIRE(st.proposals.size() == 2);
  for (const Proposal& p : st.proposals) {
    CHECK(p.whole_organisation);
    CHECK(p.pathfinder);
    CHECK(p.funded);
    CHECK(p.route == w.route_index("rtp"));
    CHECK(std::find(acute.begin(), acute.end(), p.org) != acute.end());
    CHECK(st.org_pathfinder[p.org] == 1);
    CHECK(st.org_whole_busy[p.org] == 1);
  }
  CHECK(st.proposals[0].org != st.proposals[1].org);
  CHECK(st.tallies.fund_spent_gbp == 2 * w.scenario.programmes.pathfinder.grant_gbp);
  // Only in the start month.
  update_programmes(st, start + 1);
  CHECK(st.proposals.size() == 2);
}

TEST_CASE("Pathfinder needs applicants with enough support", "[unit][programmes]") {
  World w;
  ReplicateState& st = w.st();
  const int32_t start = month_index(w.scenario, "2012-01");
  const double threshold = w.scenario.programmes.pathfinder.application_support;
  const auto acute = orgs_of(w, "acute_trust");
  for (auto& share : st.org_support_share) share = threshold / 2;
  st.org_support_share[acute[3]] = threshold;  // exactly at the threshold applies
  // A trust with a unit already in a proposal is not available.
  st.org_support_share[acute[1]] = 1.0;
  start_proposal(st, start - 1, w.route_index("rtp"), acute[1],
                 w.population.organisations[acute[1]].first_service,
                 w.population.organisations[acute[1]].first_service + 1, false, false);
  update_programmes(st, start);
  REQUIRE(st.proposals.size() == 2);
  CHECK(st.proposals[1].org == acute[3]);
  CHECK(st.proposals[1].pathfinder);
}

TEST_CASE("Pathfinder starting before the run selects in month 0", "[unit][programmes]") {
  World w({"programmes.pathfinder.start=2009-06"});
  for (auto& share : w.st().org_support_share) share = 1.0;
  update_programmes(w.st(), 0);  // 2010-01: RtP is not open yet for acute trusts
  CHECK(w.st().proposals.empty());
  World open({"programmes.pathfinder.start=2009-06", "routes.rtp.start=2010-01"});
  for (auto& share : open.st().org_support_share) share = 1.0;
  update_programmes(open.st(), 0);
  CHECK(open.st().proposals.size() == 2);
}

TEST_CASE("large trusts convert whole above min_staff", "[unit][programmes]") {
  const std::vector<std::string> on = {"programmes.large_trust_conversion.enabled=true",
                                       "programmes.large_trust_conversion.org_types=[acute_trust]",
                                       "programmes.large_trust_conversion.entry_logit=30",
                                       "programmes.large_trust_conversion.start=2012-03",
                                       "programmes.pathfinder.enabled=false"};
  World w(on);
  ReplicateState& st = w.st();
  const auto acute = orgs_of(w, "acute_trust");
  // Organisations below min_staff (5000 by default) stay out.
  size_t large = 0;
  for (uint32_t o : acute)
    large += w.population.people(w.population.organisations[o].staff()) >=
             w.scenario.programmes.large_trust_conversion.min_staff;
  REQUIRE(large > 0);
  REQUIRE(large < acute.size());
  update_programmes(st, month_index(w.scenario, "2012-02"));
  CHECK(st.proposals.empty());
  update_programmes(st, month_index(w.scenario, "2012-03"));
  CHECK(st.proposals.size() == large);
  for (const Proposal& p : st.proposals) {
    CHECK(p.whole_organisation);
    CHECK_FALSE(p.pathfinder);
    CHECK(w.population.people(p.staff) >= 5000);
  }
  // Busy organisations do not propose again.
  update_programmes(st, month_index(w.scenario, "2012-04"));
  CHECK(st.proposals.size() == large);
}

TEST_CASE("measured counts scale back to real-world units", "[unit][metrics]") {
  World w({"population.scale=0.5"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2011-06");
  update_climate(st, month);
  const auto acute = orgs_of(w, "acute_trust");
  const Organisation& a = w.population.organisations[acute[0]];
  const Organisation& b = w.population.organisations[acute[1]];
  REQUIRE(a.end_service - a.first_service >= 2);
  // One unit-level mutual, one unit-level proposal, one whole-organisation proposal.
  start_proposal(st, month, w.route_index("rtp"), acute[0], a.first_service, a.first_service + 1,
                 false, false);
  found_mutual(st, month, 0);
  start_proposal(st, month, w.route_index("rtp"), acute[0], a.first_service + 1,
                 a.first_service + 2, false, false);
  start_proposal(st, month, w.route_index("rtp"), acute[1], b.first_service, b.end_service, true,
                 false);
  std::vector<double> row(series_catalogue(w.scenario).size());
  measure_month(st, month, row);
  const double mutual_people = double(w.population.service_size(a.first_service)) / 0.5;
  const double employment = 65000 - 5000.0 * month / 35;
  CHECK(series(w, row, "staff_total") == double(w.population.staff()) / 0.5);
  CHECK(series(w, row, "staff_in_mutuals") == mutual_people);
  CHECK(series(w, row, "staff_in_mutuals_nhs") == mutual_people);
  CHECK(series(w, row, "share_in_mutuals") == Approx(mutual_people / employment));
  CHECK(series(w, row, "mutuals_active") == 2);  // one sampled unit stands for two
  CHECK(series(w, row, "mutuals_active_nhs") == 2);
  CHECK(series(w, row, "spinouts_cumulative") == 2);
  CHECK(series(w, row, "spinouts_rtp_cumulative") == 2);
  CHECK(series(w, row, "proposals_cumulative") == 2 + 2 + 1);  // whole organisations count once
  CHECK(series(w, row, "proposals_rtp_cumulative") == 5);
  CHECK(series(w, row, "proposals_exploring") == 2 + 1);
  CHECK(series(w, row, "proposals_rtp_exploring") == 3);
  CHECK(series(w, row, "proposals_in_progress") == 0);
  CHECK(series(w, row, "proposals_tcs_cumulative") == 0);
  // Mean attitude and support share are over agents.
  double sum = 0;
  size_t supporters = 0;
  for (float x : st.staff.attitude) sum += x, supporters += x > 0;
  CHECK(series(w, row, "mean_attitude") == Approx(sum / double(st.staff.size())));
  CHECK(series(w, row, "support_share") == Approx(double(supporters) / double(st.staff.size())));
}
