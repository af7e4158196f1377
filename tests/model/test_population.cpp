// The population structure (organisations, service units, staff slots) and
// the staff traits drawn on it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

void check_layout(const Scenario& s, const PopulationStructure& pop) {
  size_t expected_orgs = 0;
  for (const auto& type : s.population.org_types) expected_orgs += type.value.count;
  REQUIRE(pop.organisations.size() == expected_orgs);
  REQUIRE(pop.service_staff_begin.size() == pop.services() + 1);
  CHECK(pop.service_staff_begin.front() == 0);
  uint32_t next_service = 0;
  uint64_t next_staff = 0;
  for (size_t o = 0; o < pop.organisations.size(); ++o) {
    const Organisation& org = pop.organisations[o];
    REQUIRE(org.first_service == next_service);
    REQUIRE(org.first_staff == next_staff);
    REQUIRE(org.first_service <= org.end_service);
    for (uint32_t sv = org.first_service; sv < org.end_service; ++sv) {
      REQUIRE(pop.service_org[sv] == o);
      REQUIRE(pop.service_size(sv) > 0);
    }
    REQUIRE(org.end_staff == pop.service_staff_begin[org.end_service]);
    REQUIRE(org.sector ==
            static_cast<uint32_t>(index_of_named(s.population.sectors,
                                                 s.population.org_types[org.type].value.sector)));
    next_service = org.end_service;
    next_staff = org.end_staff;
  }
  CHECK(next_service == pop.services());
  CHECK(next_staff == pop.staff());
}

}  // namespace

TEST_CASE("at scale 1 every type's headcount is its staff_total", "[unit][population]") {
  const Scenario s = small_scenario();
  const PopulationStructure pop = build_population(s, 7);
  check_layout(s, pop);
  std::vector<double> staff_by_type(s.population.org_types.size(), 0);
  for (const auto& org : pop.organisations) staff_by_type[org.type] += double(org.staff());
  double total = 0;
  for (size_t t = 0; t < staff_by_type.size(); ++t) {
    const OrgType& type = s.population.org_types[t].value;
    INFO(s.population.org_types[t].name);
    // Organisation sizes are rescaled to the total, then rounded one by one.
    CHECK(std::abs(staff_by_type[t] - type.staff_total) <= 0.5 * type.count);
    total += type.staff_total;
  }
  CHECK(std::abs(double(pop.staff()) - total) <= 0.5 * pop.organisations.size());
  CHECK(pop.weighted_staff() == double(pop.staff()));
  CHECK(expected_staff_agents(s) == total);
}

TEST_CASE("size_sigma 0 gives equal organisations", "[unit][population]") {
  const Scenario s = small_scenario({"population.org_types.local_council.size_sigma=0"});
  const PopulationStructure pop = build_population(s, 7);
  const auto council =
      static_cast<uint32_t>(index_of_named(s.population.org_types, "local_council"));
  const auto acute = static_cast<uint32_t>(index_of_named(s.population.org_types, "acute_trust"));
  int seen = 0;
  std::vector<uint64_t> acute_sizes;
  for (const auto& org : pop.organisations) {
    if (org.type == council) {
      CHECK(org.staff() == 2500);  // 20000 staff over 8 councils
      ++seen;
    } else if (org.type == acute) {
      acute_sizes.push_back(org.staff());
    }
  }
  CHECK(seen == 8);
  // With the default spread (0.5), the five acute trusts differ in size.
  REQUIRE(acute_sizes.size() == 5);
  const auto [lo, hi] = std::minmax_element(acute_sizes.begin(), acute_sizes.end());
  CHECK(double(*hi) > 1.2 * double(*lo));
}

TEST_CASE("service units lie within [service_min, service_max]", "[unit][population]") {
  // A wide spread and tight bounds make the clamps bite.
  const Scenario s = small_scenario({"population.org_types.acute_trust.service_min=10",
                                     "population.org_types.acute_trust.service_max=60",
                                     "population.org_types.acute_trust.service_sigma=2",
                                     "population.org_types.local_council.service_min=7"});
  const PopulationStructure pop = build_population(s, 3);
  check_layout(s, pop);
  size_t at_min = 0, at_max = 0, units = 0;
  for (const auto& org : pop.organisations) {
    const OrgType& type = s.population.org_types[org.type].value;
    for (uint32_t sv = org.first_service; sv < org.end_service; ++sv) {
      const auto size = static_cast<int64_t>(pop.service_size(sv));
      INFO("type " << s.population.org_types[org.type].name << " unit " << sv << " size " << size);
      REQUIRE(size >= type.service_min);
      if (sv + 1 < org.end_service) {
        REQUIRE(size <= type.service_max);
      } else {
        // The last unit absorbs a remainder smaller than service_min.
        REQUIRE(size <= type.service_max + type.service_min - 1);
      }
      if (s.population.org_types[org.type].name == "acute_trust") {
        ++units;
        at_min += size == type.service_min;
        at_max += size == type.service_max;
      }
    }
  }
  // log-normal(log 50, 2): P(X < 10) and P(X > 60) are both large.
  CHECK(at_min > units / 10);
  CHECK(at_max > units / 10);
}

TEST_CASE("service sizes have the configured median", "[stat][population]") {
  const Scenario s = small_scenario({"population.org_types.local_council.service_median=80",
                                     "population.org_types.local_council.service_sigma=0.5",
                                     "population.org_types.local_council.service_min=1",
                                     "population.org_types.local_council.service_max=100000"});
  const PopulationStructure pop = build_population(s, 11);
  const auto council =
      static_cast<uint32_t>(index_of_named(s.population.org_types, "local_council"));
  std::vector<double> logs;
  for (const auto& org : pop.organisations) {
    if (org.type != council) continue;
    // Leave out each organisation's last unit (it holds the remainder).
    for (uint32_t sv = org.first_service; sv + 1 < org.end_service; ++sv)
      logs.push_back(std::log(double(pop.service_size(sv))));
  }
  REQUIRE(logs.size() > 100);
  double mean = 0;
  for (double x : logs) mean += x;
  mean /= double(logs.size());
  // Rounding to whole people adds at most 1/80 relative error.
  CHECK(std::abs(mean - std::log(80.0)) < 4 * 0.5 / std::sqrt(double(logs.size())) + 0.02);
}

/// The sample's layout: the frame's organisations and units, in order; a
/// kept organisation with every unit at its frame size, the others empty.
void check_sample(const PopulationStructure& frame, const PopulationStructure& sample) {
  REQUIRE(sample.organisations.size() == frame.organisations.size());
  REQUIRE(sample.services() == frame.services());
  CHECK(sample.service_org == frame.service_org);
  uint64_t next_staff = 0;
  for (uint32_t o = 0; o < frame.organisations.size(); ++o) {
    const Organisation& f = frame.organisations[o];
    const Organisation& g = sample.organisations[o];
    REQUIRE(g.first_service == f.first_service);
    REQUIRE(g.end_service == f.end_service);
    REQUIRE(g.first_staff == next_staff);
    for (uint32_t sv = f.first_service; sv < f.end_service; ++sv)
      REQUIRE(sample.service_size(sv) == (sample.sampled(o) ? frame.service_size(sv) : 0));
    next_staff = g.end_staff;
  }
  CHECK(next_staff == sample.staff());
}

TEST_CASE("a sample keeps whole organisations, n_t of each type", "[unit][population]") {
  const Scenario s = small_scenario({"population.scale=0.3"});
  const PopulationStructure frame = build_population(s, 7);
  check_layout(s, frame);
  // small.yaml: 10 PCT arms, 3 community trusts, 5 acute trusts, 8 councils.
  // round(0.3 N): 3, 1 (0.9), 2 (1.5 rounds up), 2 (2.4); at least 1 each.
  CHECK(organisations_kept(s) == std::vector<uint32_t>{3, 1, 2, 2});
  CHECK(organisations_kept(small_scenario({"population.scale=0.01"})) ==
        std::vector<uint32_t>{1, 1, 1, 1});
  // oversample multiplies a type's fraction, capped at the whole type:
  // acute trusts round(0.6 x 5) = 3, community trusts min(1, 3 x 0.3) x 3 = 3.
  CHECK(organisations_kept(
            small_scenario({"population.scale=0.3", "population.org_types.acute_trust.oversample=2",
                            "population.org_types.community_trust.oversample="
                            "10"})) == std::vector<uint32_t>{3, 3, 3, 2});
  for (uint32_t replicate : {0u, 1u, 2u}) {
    INFO("replicate " << replicate);
    const PopulationStructure sample = sample_population(frame, s, 7, replicate);
    check_sample(frame, sample);
    std::vector<uint32_t> kept(4, 0);
    for (uint32_t o = 0; o < frame.organisations.size(); ++o) {
      const uint32_t t = frame.organisations[o].type;
      const OrgType& type = s.population.org_types[t].value;
      if (sample.sampled(o)) {
        ++kept[t];
        CHECK(sample.weight(o) == Approx(double(type.count) / organisations_kept(s)[t]));
      }
    }
    CHECK(kept == organisations_kept(s));
  }
  // Replicates draw different samples; the same replicate the same one.
  CHECK(sample_population(frame, s, 7, 0).org_weight !=
        sample_population(frame, s, 7, 1).org_weight);
  CHECK(sample_population(frame, s, 7, 1).org_weight ==
        sample_population(frame, s, 7, 1).org_weight);
  // At scale 1 the sample is the frame.
  const Scenario full = small_scenario();
  const PopulationStructure whole = sample_population(build_population(full, 7), full, 7, 3);
  CHECK(whole.service_staff_begin == build_population(full, 7).service_staff_begin);
  CHECK(whole.org_weight == std::vector<double>(whole.organisations.size(), 1.0));
}

TEST_CASE("each organisation is sampled with probability n_t / N_t", "[stat][population]") {
  // Over R replicates organisation o of type t is kept Binomial(R, n_t/N_t)
  // times. 26 organisations are checked at 4 sd each: a false alarm has
  // probability below 26 x 6.3e-5 = 0.002 (normal tail), and the seeds are fixed.
  // Acute trusts oversampled (0.6 of them), so the weights differ by type.
  const Scenario s =
      small_scenario({"population.scale=0.3", "population.org_types.acute_trust.oversample=2"});
  const PopulationStructure frame = build_population(s, 7);
  const std::vector<uint32_t> kept = organisations_kept(s);
  REQUIRE(kept == std::vector<uint32_t>{3, 1, 3, 2});
  constexpr uint32_t kReplicates = 2000;
  std::vector<double> times(frame.organisations.size(), 0);
  double weighted_staff = 0;
  for (uint32_t r = 0; r < kReplicates; ++r) {
    const PopulationStructure sample = sample_population(frame, s, 7, r);
    for (uint32_t o = 0; o < frame.organisations.size(); ++o) times[o] += sample.sampled(o);
    weighted_staff += sample.weighted_staff();
  }
  for (uint32_t o = 0; o < frame.organisations.size(); ++o) {
    const uint32_t t = frame.organisations[o].type;
    const double p = double(kept[t]) / s.population.org_types[t].value.count;
    INFO("organisation " << o << " p " << p);
    CHECK(std::abs(times[o] - kReplicates * p) < 4 * binomial_sd(kReplicates, p));
  }
  // The weighted staff total is unbiased for the frame's: its mean over
  // 2000 samples is within 2%. The sd of one sample's total is about 20% of
  // it for these sizes (sum over types of N_t^2 (1 - f_t) / n_t x S_t^2, S_t
  // the sd of the type's sizes), so the mean's is about 0.45%: 2% is over 4 sd.
  CHECK(weighted_staff / kReplicates == Approx(double(frame.staff())).epsilon(0.02));
}

TEST_CASE("the structure depends on the seed alone", "[unit][population]") {
  const Scenario s = small_scenario();
  const PopulationStructure a = build_population(s, 7);
  const PopulationStructure b = build_population(s, 7);
  const PopulationStructure c = build_population(s, 8);
  CHECK(a.service_staff_begin == b.service_staff_begin);
  CHECK(a.service_org == b.service_org);
  CHECK(a.service_staff_begin != c.service_staff_begin);
  // The seed in the scenario's run section is not what is used: the argument is.
  const Scenario other = small_scenario({"run.seed=999"});
  CHECK(build_population(other, 7).service_staff_begin == a.service_staff_begin);
}

TEST_CASE("staff traits follow their Beta distributions", "[stat][population]") {
  World w({"staff.engagement.alpha=5", "staff.engagement.beta=1"});
  const StaffArrays& staff = w.st().staff;
  const auto n = double(staff.size());
  REQUIRE(staff.size() == w.population.staff());
  REQUIRE(n > 50000);
  struct Trait {
    const char* name;
    const std::vector<float>* values;
    BetaDist dist;
  };
  const StaffTraits& t = w.scenario.staff;
  for (const Trait& trait : {Trait{"engagement", &staff.engagement, t.engagement},
                             Trait{"risk_aversion", &staff.risk_aversion, t.risk_aversion},
                             Trait{"entrepreneurial", &staff.entrepreneurial, t.entrepreneurial},
                             Trait{"pension_concern", &staff.pension_concern, t.pension_concern}}) {
    INFO(trait.name);
    const double a = trait.dist.alpha, b = trait.dist.beta;
    const double mean = a / (a + b);
    const double var = a * b / ((a + b) * (a + b) * (a + b + 1));
    double sum = 0, sum_sq = 0;
    float lo = 1, hi = 0;
    for (float x : *trait.values) {
      sum += x, sum_sq += double(x) * x;
      lo = std::min(lo, x), hi = std::max(hi, x);
    }
    const double m = sum / n;
    CHECK(std::abs(m - mean) < 4 * std::sqrt(var / n));
    CHECK(sum_sq / n - m * m == Approx(var).epsilon(0.05));
    CHECK(lo >= 0.0f);
    CHECK(hi <= 1.0f);
  }
  CHECK(t.engagement.alpha == 5);
  // Different replicates draw different staff on the same structure.
  World other({"staff.engagement.alpha=5", "staff.engagement.beta=1"}, 7, 1);
  CHECK(other.st().staff.engagement != staff.engagement);
  CHECK(other.population.service_staff_begin == w.population.service_staff_begin);
}

TEST_CASE("service culture has sd service_culture_sd", "[stat][population]") {
  World w({"attitude.service_culture_sd=0.4"});
  const auto& culture = w.st().service_culture;
  REQUIRE(culture.size() == w.population.services());
  const auto n = double(culture.size());
  double sum = 0, sum_sq = 0;
  for (float c : culture) sum += c, sum_sq += double(c) * c;
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  CHECK(std::abs(mean) < 4 * 0.4 / std::sqrt(n));
  CHECK(std::abs(sd - 0.4) < 4 * 0.4 / std::sqrt(2 * n));
}
