// Where PCT provider arms went (issue 13 item 4): successor types drawn by
// share at divestment, the same for an organisation at every scale.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "sim/model/programmes.hpp"
#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

const std::vector<std::string> kShares = {
    "population.org_types.pct_provider.count=400",
    "population.org_types.pct_provider.staff_total=480000",
    "population.org_types.pct_provider.divest_shares={acute_trust: {share: 0.3}, "
    "community_trust: {share: 0.5}, local_council: {share: 0.2}}"};

}  // namespace

TEST_CASE("divesting organisations take successor types by share", "[stat][programmes]") {
  World w(kShares);
  ReplicateState& st = w.st();
  const uint32_t pct = w.type_index("pct_provider");
  std::vector<uint32_t> arms;
  for (uint32_t o = 0; o < st.org_type.size(); ++o)
    if (st.org_type[o] == pct) arms.push_back(o);
  REQUIRE(arms.size() == 400);
  update_programmes(st, month_index(w.scenario, "2011-03"));
  for (uint32_t o : arms) REQUIRE(st.org_type[o] == pct);  // not before divest_date
  update_programmes(st, month_index(w.scenario, "2011-04"));
  // Each arm an independent categorical draw: every count binomial(400, p),
  // within 4 sd (a two-sided tail of 6e-5 each).
  const auto n = double(arms.size());
  for (const auto& [type, p] : {std::pair{"acute_trust", 0.3}, std::pair{"community_trust", 0.5},
                                std::pair{"local_council", 0.2}}) {
    double count = 0;
    for (uint32_t o : arms) count += st.org_type[o] == w.type_index(type);
    INFO(type);
    CHECK(std::abs(count - n * p) <= 4 * binomial_sd(n, p));
  }
  SECTION("an organisation has the same successor at every scale and replicate") {
    std::vector<std::string> sampled = kShares;
    sampled.push_back("population.scale=0.3");
    World other(sampled, 7, 3);
    update_programmes(other.st(), month_index(other.scenario, "2011-04"));
    for (uint32_t o : arms)
      if (other.population.weight(o) > 0) CHECK(other.st().org_type[o] == st.org_type[o]);
  }
}

TEST_CASE("successor shares are checked", "[unit][config]") {
  const std::string path = "population.org_types.pct_provider.divest_shares";
  check_refused({path + "={acute_trust: {share: 0.5}, community_trust: {share: 0.4}}"}, path);
  check_refused({path + "={no_such_type: {share: 1}}"}, path + ".no_such_type");
  check_refused({path + "={pct_provider: {share: 1}}"}, path + ".pct_provider");
  check_refused({"population.org_types.acute_trust.divest_shares={community_trust: {share: 1}}"},
                "population.org_types.acute_trust.divest_shares");
}
