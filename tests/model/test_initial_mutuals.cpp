// Mutuals from before the run (issue 13 item 3): placed at the start, then
// re-procured like any mutual, their outcomes counted as evidence.
#include <catch2/catch.hpp>

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
