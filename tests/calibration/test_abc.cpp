// ABC (sim/calibration/abc.hpp) on a toy model with a known posterior, and
// the distance over targets.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/targets.hpp"
#include "sim/random/random.hpp"

using namespace mutsim;
using namespace mutsim::calibration;

namespace {

// Normal mean with known variance: n observations y_i ~ N(theta, 1), the
// sufficient statistic ybar ~ N(theta, 1/n). With a uniform prior much wider
// than the likelihood, the posterior is N(ybar_obs, 1/n); ABC with a cut-off
// epsilon on |ybar - ybar_obs| adds about epsilon^2 / 3 to the variance.
constexpr int kObservations = 20;
constexpr double kObservedMean = 0.7;

EvaluateFn toy_model() {
  return [](const std::vector<double>& theta, uint64_t seed) {
    Stream rng(seed, 0, 0, 0, Purpose::AttitudeNoise);
    boost::random::normal_distribution<double> normal(theta[0], 1.0 / std::sqrt(kObservations));
    Evaluation e;
    e.simulated = {normal(rng)};
    e.distance = std::abs(e.simulated[0] - kObservedMean);
    return e;
  };
}

struct Moments {
  double mean = 0;
  double variance = 0;
};

Moments weighted_moments(const Generation& g) {
  Moments m;
  for (uint32_t i = 0; i < g.accepted; ++i) m.mean += g.weights[i] * g.particles[i];
  for (uint32_t i = 0; i < g.accepted; ++i)
    m.variance += g.weights[i] * (g.particles[i] - m.mean) * (g.particles[i] - m.mean);
  return m;
}

const Box kWidePrior{{-3.0}, {3.0}};

}  // namespace

TEST_CASE("ABC rejection recovers the analytic posterior of a normal mean", "[stat]") {
  AbcSettings s;
  s.method = AbcMethod::Rejection;
  s.seed = 11;
  s.candidates = 40000;
  s.particles = 400;  // 1% kept: epsilon about 0.03, negligible beside sd 0.22
  s.batch_size = 256;
  const AbcResult r = run_abc(kWidePrior, toy_model(), 1, s);
  const Generation& g = r.posterior();
  REQUIRE(g.accepted == 400);
  REQUIRE(r.evaluations == 40000);
  const Moments m = weighted_moments(g);
  const double sd = 1.0 / std::sqrt(kObservations);
  const double analytic_var = sd * sd + g.epsilon * g.epsilon / 3;
  // 4 standard errors of a mean of 400 draws; the variance within 30%
  // (its relative standard error is sqrt(2 / 400) = 7%).
  CHECK(m.mean == Approx(kObservedMean).margin(4 * sd / std::sqrt(400.0)));
  CHECK(m.variance == Approx(analytic_var).epsilon(0.3));
  // Distances are sorted and within epsilon.
  for (uint32_t i = 1; i < g.accepted; ++i) CHECK(g.distances[i - 1] <= g.distances[i]);
  CHECK(g.distances.back() == g.epsilon);
}

TEST_CASE("ABC-SMC recovers the analytic posterior of a normal mean", "[stat]") {
  AbcSettings s;
  s.method = AbcMethod::Smc;
  s.seed = 12;
  s.particles = 400;
  s.generations = 8;
  s.quantile = 0.5;
  s.batch_size = 64;
  const AbcResult r = run_abc(kWidePrior, toy_model(), 1, s);
  REQUIRE(r.generations.size() == 8);
  for (size_t g = 1; g < r.generations.size(); ++g)
    CHECK(r.generations[g].epsilon < r.generations[g - 1].epsilon);
  const Generation& g = r.posterior();
  const double weight_sum = std::accumulate(g.weights.begin(), g.weights.end(), 0.0);
  CHECK(weight_sum == Approx(1.0));
  CHECK(g.ess > 0.5 * g.accepted);
  const Moments m = weighted_moments(g);
  const double sd = 1.0 / std::sqrt(kObservations);
  const double analytic_var = sd * sd + g.epsilon * g.epsilon / 3;
  CHECK(g.epsilon < 0.1);
  CHECK(m.mean == Approx(kObservedMean).margin(4 * sd / std::sqrt(g.ess)));
  CHECK(m.variance == Approx(analytic_var).epsilon(0.35));
  for (uint32_t i = 0; i < g.accepted; ++i) CHECK(g.distances[i] <= g.epsilon);
}

TEST_CASE("ABC-SMC stops at min_epsilon and when a generation costs too much", "[unit]") {
  AbcSettings s;
  s.seed = 3;
  s.particles = 50;
  s.generations = 20;
  s.min_epsilon = 0.2;
  const AbcResult r = run_abc(kWidePrior, toy_model(), 1, s);
  CHECK(r.generations.size() < 20);
  CHECK(r.posterior().epsilon == 0.2);
  CHECK_THAT(r.stop_reason, Catch::Contains("min_epsilon"));

  s.min_epsilon = 0;
  s.max_evaluations_per_generation = 100;
  const AbcResult capped = run_abc(kWidePrior, toy_model(), 1, s);
  CHECK(capped.generations.size() < 20);
  CHECK_THAT(capped.stop_reason, Catch::Contains("max_evaluations_per_generation"));
  for (const auto& g : capped.generations) CHECK(g.accepted == 50);
}

TEST_CASE("ABC-SMC stops once epsilon shrinks by less than min_epsilon_shrink", "[unit]") {
  // With quantile 0.5 the toy's epsilon falls to about 0.6 of the one
  // before each generation (seed 5: inf, 1.58, 0.947, 0.529, ...), so a
  // rule asking for at least 60% shrinkage is met by generation 2, the
  // first with a finite epsilon before it.
  AbcSettings s;
  s.seed = 5;
  s.particles = 50;
  s.generations = 30;
  s.min_epsilon_shrink = 0.6;
  const AbcResult first = run_abc(kWidePrior, toy_model(), 1, s);
  INFO(first.stop_reason);
  REQUIRE(first.generations.size() == 3);
  CHECK_THAT(first.stop_reason, Catch::Contains("min_epsilon_shrink 0.6 at generation 2"));
  CHECK(first.generations[2].epsilon > 0.4 * first.generations[1].epsilon);

  // min_generations 4 runs on past it, to the first stall from generation 3.
  s.min_generations = 4;
  const AbcResult r = run_abc(kWidePrior, toy_model(), 1, s);
  const auto& g = r.generations;
  REQUIRE(g.size() >= 4);
  REQUIRE(g.size() < 30);
  CHECK_THAT(r.stop_reason, Catch::Contains("min_epsilon_shrink"));
  CHECK(g[2].epsilon == first.generations[2].epsilon);
  CHECK(g.back().epsilon > 0.4 * g[g.size() - 2].epsilon);
  for (size_t k = 3; k + 1 < g.size(); ++k) CHECK(g[k].epsilon <= 0.4 * g[k - 1].epsilon);

  // Without the rule the same seed runs on: the stop is the rule's doing.
  s.min_epsilon_shrink = 0;
  s.generations = static_cast<uint32_t>(g.size()) + 1;
  const AbcResult longer = run_abc(kWidePrior, toy_model(), 1, s);
  CHECK(longer.generations.size() == g.size() + 1);
  CHECK(longer.generations[g.size() - 1].epsilon == g.back().epsilon);
}

TEST_CASE("ABC results do not depend on the number of threads", "[regression]") {
  AbcSettings s;
  s.seed = 99;
  s.particles = 64;
  s.generations = 4;
  s.batch_size = 16;
  auto run_with = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(threads);
    return arena.execute([&] { return run_abc(kWidePrior, toy_model(), 1, s); });
  };
  const AbcResult one = run_with(1);
  const AbcResult two = run_with(2);
  REQUIRE(one.generations.size() == two.generations.size());
  for (size_t g = 0; g < one.generations.size(); ++g) {
    const auto& a = one.generations[g];
    const auto& b = two.generations[g];
    REQUIRE(a.particles.size() == b.particles.size());
    CHECK(std::memcmp(a.particles.data(), b.particles.data(),
                      a.particles.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0);
    CHECK(a.seeds == b.seeds);
    CHECK(a.evaluated == b.evaluated);
  }
}

TEST_CASE("Candidate seeds are 53-bit and differ by generation and index", "[unit]") {
  const uint64_t a = candidate_seed(1, 0, 0);
  CHECK(a < (uint64_t{1} << 53));
  CHECK(a != candidate_seed(1, 0, 1));
  CHECK(a != candidate_seed(1, 1, 0));
  CHECK(a != candidate_seed(2, 0, 0));
  CHECK(a == candidate_seed(1, 0, 0));
}

TEST_CASE("Weighted quantile inverts the weighted empirical CDF", "[unit]") {
  CHECK(weighted_quantile({3, 1, 2}, {1, 1, 1}, 0.5) == 2);
  CHECK(weighted_quantile({1, 2, 3}, {0.1, 0.1, 0.8}, 0.5) == 3);
  CHECK(weighted_quantile({1, 2, 3}, {0.1, 0.1, 0.8}, 0.05) == 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(weighted_quantile({nan, 5}, {1, 1}, 0.5) == 5);
  CHECK(std::isnan(weighted_quantile({nan}, {1}, 0.5)));
}

TEST_CASE("Distance is the RMS of deviations in tolerances, one-sided for at-least targets",
          "[unit]") {
  calibration::Target equal;
  equal.observed = 19;
  equal.tolerance = 8;
  calibration::Target at_least;
  at_least.observed = 39;
  at_least.tolerance = 4;
  at_least.comparison = Comparison::AtLeast;
  CHECK(scaled_deviation(equal, 27, 2) == Approx(1.0));
  CHECK(scaled_deviation(equal, 11, 2) == Approx(-1.0));
  CHECK(scaled_deviation(at_least, 60, 2) == 0.0);
  CHECK(scaled_deviation(at_least, 31, 2) == Approx(2.0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(scaled_deviation(equal, nan, 3) == 3.0);
  const std::vector<calibration::Target> targets = {equal, at_least};
  const std::vector<double> sim = {27, 31};  // deviations 1 and 2
  CHECK(distance(targets, sim, 2) == Approx(std::sqrt((1.0 + 4.0) / 2)));
  CHECK(within_tolerance(equal, 27));
  CHECK_FALSE(within_tolerance(equal, 27.5));
  CHECK(within_tolerance(at_least, 35));
  CHECK_FALSE(within_tolerance(at_least, 34.9));
}
