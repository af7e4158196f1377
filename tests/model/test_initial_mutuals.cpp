// Mutuals from before the run (issue 13 item 3): placed at the start, then
// re-procured like any mutual, their outcomes counted as evidence.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/initial_mutuals.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

const std::string kRows =
    "mutuals.initial_mutuals={csh: {org_type: community_trust, staff: 650, form: "
    "employee_owned_company, founded: 2006-10, contract_end: 2010-06}, council: {org_type: "
    "local_council, staff: 1, form: partnership, founded: 2009-01, contract_end: 2011-01}}";

}  // namespace

TEST_CASE("initial mutuals are placed at the start and re-procured at contract_end",
          "[unit][mutuals]") {
  World w({kRows, "mutuals.growth_on_retention_prob=0"});
  ReplicateState& st = w.st();
  place_initial_mutuals(st);
  REQUIRE(st.mutuals.size() == 2);
  const Mutual& csh = st.mutuals[0];
  CHECK(founded_before_run(csh));
  CHECK(csh.founded == -39);  // 2006-10 is 39 months before 2010-01
  CHECK(csh.contract_end == month_index(w.scenario, "2010-06"));
  CHECK(csh.form == Form::EmployeeOwnedCompany);
  CHECK(csh.nhs);
  CHECK(w.population.organisations[csh.org].type == w.type_index("community_trust"));
  CHECK(csh.staff >= 650);  // whole units, until they reach the row's staff
  const uint64_t last_unit = w.population.service_size(csh.end_service - 1);
  CHECK(csh.staff - last_unit < 650);
  for (uint32_t u = csh.first_service; u < csh.end_service; ++u)
    CHECK(st.service_status[u] == ServiceStatus::InMutual);
  CHECK(st.mutuals[1].end_service == st.mutuals[1].first_service + 1);  // at least one unit
  CHECK(st.events.empty());  // founded before the run: no spinout event
  // Its contract comes up in 2010-06 and the outcome is evidence at once.
  const int32_t month = month_index(w.scenario, "2010-06");
  run_commissioning(st, month - 1);
  CHECK(st.evidence.retained + st.evidence.lost == 0);
  run_commissioning(st, month);
  CHECK(st.evidence.retained + st.evidence.lost > 0);
  CHECK(st.tallies.retendered_this_month == 1);
}

TEST_CASE("an initial mutual's host is the same at every scale", "[unit][mutuals]") {
  World full({kRows});
  place_initial_mutuals(full.st());
  for (uint32_t r = 0; r < 6; ++r) {
    World sample({kRows, "population.scale=0.4"}, 7, r);
    place_initial_mutuals(sample.st());
    for (const Mutual& m : sample.st().mutuals) {
      const Mutual& same = full.st().mutuals[m.org == full.st().mutuals[0].org ? 0 : 1];
      CHECK(m.org == same.org);  // placed only where the host is sampled
      CHECK(sample.population.weight(m.org) > 0);
    }
  }
}

TEST_CASE("initial mutuals are checked", "[unit][config]") {
  const std::string row = "mutuals.initial_mutuals={x: {org_type: local_council, staff: 10, ";
  check_refused({row + "form: coop, founded: 2009-01, contract_end: 2011-01}}"},
                "mutuals.initial_mutuals.x.form");
  check_refused({row + "form: partnership, founded: 2010-01, contract_end: 2011-01}}"},
                "mutuals.initial_mutuals.x.founded");
  check_refused({row + "form: partnership, founded: 2009-01, contract_end: 2008-01}}"},
                "mutuals.initial_mutuals.x.contract_end");
  check_refused({"mutuals.initial_mutuals={x: {org_type: nowhere, staff: 10, form: partnership, "
                 "founded: 2009-01, contract_end: 2011-01}}"},
                "mutuals.initial_mutuals.x.org_type");
}

TEST_CASE("in a sample the weighted count of initial mutuals is unbiased", "[stat][mutuals]") {
  // small.yaml at scale 0.4 keeps 1 of 3 community trusts and 3 of 8
  // councils, so the community trust row is placed with probability
  // p = 1/3 at weight 3, the council row with p = 3/8 at weight 8/3. Each
  // row's weighted indicator has mean 1 and variance (1 - p) / p; the rows
  // are in different types, so independent: the weighted count has mean 2
  // and variance 2 + 5/3 per replicate. Over 600 replicates the mean's sd
  // is sqrt(3.667 / 600) = 0.078; each row is placed Binomial(600, p) times.
  // Checked at 4 sd (false alarm about 2e-4 for the three checks; fixed seeds).
  constexpr uint32_t kReplicates = 600;
  const double p[2] = {1.0 / 3.0, 3.0 / 8.0};
  double weighted = 0;
  uint32_t placed[2] = {0, 0};
  for (uint32_t r = 0; r < kReplicates; ++r) {
    World sample({kRows, "population.scale=0.4"}, 7, r);
    place_initial_mutuals(sample.st());
    for (const Mutual& m : sample.st().mutuals) {
      weighted += sample.population.weight(m.org);
      const bool council =
          sample.population.organisations[m.org].type == sample.type_index("local_council");
      ++placed[council ? 1 : 0];
    }
  }
  const double sd_mean = std::sqrt((2.0 + 5.0 / 3.0) / kReplicates);
  CHECK(std::abs(weighted / kReplicates - 2.0) < 4 * sd_mean);
  for (int k = 0; k < 2; ++k) {
    INFO("row " << k << " placed " << placed[k] << " times");
    CHECK(std::abs(placed[k] - kReplicates * p[k]) <
          4 * std::sqrt(kReplicates * p[k] * (1 - p[k])));
  }
}
