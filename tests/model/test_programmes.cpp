// Dated programmes (Pathfinder, large-trust conversion) and what the
// recorder measures, including the scaling of counts at population.scale < 1.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/model/programmes.hpp"
#include "tests/model/mutual_helpers.hpp"
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

TEST_CASE("in a sample the Pathfinder chooses `trusts` real-world trusts on average",
          "[stat][programmes]") {
  // scale 0.4: 2 of the 5 acute trusts are kept, each standing for 2.5. With
  // 2 trusts to choose, the first applicant (2.5 > 2 left) is chosen with
  // probability 2 / 2.5 = 0.8 and then none is left: 2.5 x 0.8 = 2 in
  // expectation. Over 60 replicates the number chosen is Binomial(60, 0.8),
  // mean 48, sd 3.1; 4 sd is 12.4.
  int chosen = 0;
  constexpr uint32_t kReplicates = 60;
  for (uint32_t r = 0; r < kReplicates; ++r) {
    World w({"population.scale=0.4"}, 7, r);
    ReplicateState& st = w.st();
    for (auto& share : st.org_support_share) share = 1.0;
    update_programmes(st, month_index(w.scenario, "2012-01"));
    REQUIRE(st.proposals.size() <= 1);
    for (const Proposal& p : st.proposals) CHECK(w.population.weight(p.org) == 2.5);
    CHECK(st.tallies.fund_spent_gbp ==
          2.5 * double(st.proposals.size()) * w.scenario.programmes.pathfinder.grant_gbp);
    chosen += static_cast<int>(st.proposals.size());
  }
  CHECK(std::abs(chosen - 48) < 12.4);
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
                                       "programmes.large_trust_conversion.board_consent=1",
                                       "programmes.pathfinder.enabled=false"};
  World w(on);
  ReplicateState& st = w.st();
  for (auto& share : st.org_support_share) share = 1.0;  // every staff quorum met
  const auto acute = orgs_of(w, "acute_trust");
  // Organisations below min_staff (5000 by default) stay out.
  size_t large = 0;
  for (uint32_t o : acute)
    large += double(w.population.organisations[o].staff()) >=
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
    CHECK(double(p.staff) >= 5000);
  }
  // Busy organisations do not propose again.
  update_programmes(st, month_index(w.scenario, "2012-04"));
  CHECK(st.proposals.size() == large);
}

TEST_CASE("a large conversion needs its staff's support and its board's consent",
          "[stat][programmes]") {
  // Every eligible trust considers converting each month (entry_logit 30);
  // a board agrees with board_consent 0.3, each trust-month independently.
  const std::vector<std::string> on = {"programmes.large_trust_conversion.enabled=true",
                                       "programmes.large_trust_conversion.org_types=[acute_trust]",
                                       "programmes.large_trust_conversion.min_staff=1",
                                       "programmes.large_trust_conversion.entry_logit=30",
                                       "programmes.large_trust_conversion.start=2012-03",
                                       "programmes.large_trust_conversion.staff_quorum=0.5",
                                       "programmes.large_trust_conversion.board_consent=0.3",
                                       "programmes.pathfinder.enabled=false"};
  const int32_t month = month_index(World(on).scenario, "2012-03");
  SECTION("below the staff quorum no board is asked") {
    World w(on);
    for (auto& share : w.st().org_support_share) share = 0.49;
    update_programmes(w.st(), month);
    CHECK(w.st().proposals.empty());
  }
  SECTION("above it, boards agree at board_consent") {
    // 5 acute trusts x 400 replicates: n = 2000 trials; 4 sd of a binomial.
    constexpr uint32_t kReplicates = 400;
    double trials = 0, agreed = 0;
    for (uint32_t r = 0; r < kReplicates; ++r) {
      World w(on, 7, r);
      for (auto& share : w.st().org_support_share) share = 0.5;
      update_programmes(w.st(), month);
      trials += double(orgs_of(w, "acute_trust").size());
      agreed += double(w.st().proposals.size());
      for (const Proposal& p : w.st().proposals) CHECK(p.large_conversion);
    }
    CHECK(std::abs(agreed - 0.3 * trials) < 4 * std::sqrt(trials * 0.3 * 0.7));
  }
}

TEST_CASE("measured counts scale back to real-world units", "[unit][metrics]") {
  // Acute trusts: 5 in small.yaml, round(0.4 x 5) = 2 kept, weight 2.5;
  // councils: 8, round(3.2) = 3 kept, weight 8/3.
  World w({"population.scale=0.4"});
  ReplicateState& st = w.st();
  const int32_t month = month_index(w.scenario, "2011-06");
  update_climate(st, month);
  std::vector<uint32_t> acute;
  for (uint32_t o : orgs_of(w, "acute_trust"))
    if (w.population.sampled(o)) acute.push_back(o);
  REQUIRE(acute.size() == 2);
  for (uint32_t o : orgs_of(w, "acute_trust"))
    CHECK(w.population.weight(o) == (w.population.sampled(o) ? 2.5 : 0.0));
  for (uint32_t o : orgs_of(w, "local_council"))
    CHECK(w.population.weight(o) == (w.population.sampled(o) ? 8.0 / 3.0 : 0.0));
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
  const double mutual_people = 2.5 * double(w.population.service_size(a.first_service));
  const double employment = 65000 - 5000.0 * month / 35;
  double staff = 0;
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o)
    staff += w.population.weight(o) * double(w.population.organisations[o].staff());
  CHECK(series(w, row, "staff_total") == Approx(staff));
  CHECK(series(w, row, "staff_in_mutuals") == mutual_people);
  CHECK(series(w, row, "staff_in_mutuals_nhs") == mutual_people);
  CHECK(series(w, row, "share_in_mutuals") == Approx(mutual_people / employment));
  CHECK(series(w, row, "mutuals_active") == 2.5);  // one sampled trust's mutual stands for 2.5
  CHECK(series(w, row, "mutuals_active_nhs") == 2.5);
  CHECK(series(w, row, "mutuals_serving_nhs") == 2.5);
  CHECK(series(w, row, "spinouts_cumulative") == 2.5);
  CHECK(series(w, row, "spinouts_rtp_cumulative") == 2.5);
  CHECK(series(w, row, "spinouts_rtp_whole_cumulative") == 0);
  CHECK(series(w, row, "proposals_cumulative") == 3 * 2.5);  // whole organisations weigh the same
  CHECK(series(w, row, "proposals_rtp_cumulative") == 3 * 2.5);
  CHECK(series(w, row, "proposals_exploring") == 2 * 2.5);
  CHECK(series(w, row, "proposals_rtp_exploring") == 2 * 2.5);
  CHECK(series(w, row, "proposals_rtp_open") == 2 * 2.5);
  CHECK(series(w, row, "proposals_in_progress") == 0);
  CHECK(series(w, row, "proposals_tcs_cumulative") == 0);
  // Mean attitude and support share: agents weighted by their organisation's weight.
  double sum = 0, supporters = 0, weights = 0;
  for (uint32_t s = 0; s < w.population.services(); ++s) {
    const double weight = w.population.weight(w.population.service_org[s]);
    for (uint64_t i = w.population.service_staff_begin[s];
         i < w.population.service_staff_begin[s + 1]; ++i) {
      const float x = st.staff.attitude[i];
      sum += weight * x, supporters += weight * (x > 0), weights += weight;
    }
  }
  CHECK(series(w, row, "mean_attitude") == Approx(sum / weights));
  CHECK(series(w, row, "support_share") == Approx(supporters / weights));
}
