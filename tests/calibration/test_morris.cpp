// The Morris design (sim/calibration/morris.hpp): its shape, its steps, its
// grid, its seed, and mu* on functions with known elementary effects.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "sim/calibration/morris.hpp"

using namespace mutsim::calibration;

namespace {

MorrisSettings settings(uint64_t seed, uint32_t r, uint32_t p, uint32_t candidates = 0) {
  MorrisSettings s;
  s.seed = seed;
  s.trajectories = r;
  s.levels = p;
  s.candidates = candidates;
  return s;
}

template <class F>
std::vector<double> outputs(const MorrisDesign& d, F f) {
  std::vector<double> y;
  for (size_t i = 0; i < d.points(); ++i) y.push_back(f(d.point(i)));
  return y;
}

}  // namespace

TEST_CASE("Morris design: r trajectories of K + 1 points, one factor moved by Delta per step",
          "[unit]") {
  const size_t K = 5;
  for (uint32_t candidates : {0u, 30u}) {
    const MorrisDesign d = morris_design(K, settings(2024, 8, 4, candidates));
    REQUIRE(d.trajectories == 8);
    REQUIRE(d.points() == 8 * (K + 1));
    REQUIRE(d.unit.size() == d.points() * K);
    CHECK(d.delta == Approx(4.0 / 6.0));
    for (uint32_t t = 0; t < d.trajectories; ++t) {
      std::set<uint32_t> moved;
      for (size_t j = 1; j <= K; ++j) {
        const double* a = d.point(t * (K + 1) + j - 1);
        const double* b = d.point(t * (K + 1) + j);
        int changed = 0;
        for (size_t k = 0; k < K; ++k)
          if (a[k] != b[k]) {
            ++changed;
            CHECK(std::abs(b[k] - a[k]) == Approx(d.delta));
            CHECK(k == d.changed[t * K + j - 1]);
            moved.insert(static_cast<uint32_t>(k));
          }
        CHECK(changed == 1);
      }
      CHECK(moved.size() == K);  // every factor moves exactly once
    }
    // Every coordinate is a grid level k / (p - 1) inside [0, 1].
    for (double x : d.unit) {
      CHECK(x >= 0.0);
      CHECK(x <= 1.0);
      const double level = x * (d.levels - 1);
      CHECK(std::abs(level - std::round(level)) < 1e-12);
    }
  }
}

TEST_CASE("Morris design is reproducible from its seed and differs between seeds", "[unit]") {
  const MorrisDesign a = morris_design(4, settings(7, 6, 4, 20));
  const MorrisDesign b = morris_design(4, settings(7, 6, 4, 20));
  const MorrisDesign c = morris_design(4, settings(8, 6, 4, 20));
  CHECK(a.unit == b.unit);
  CHECK(a.changed == b.changed);
  CHECK(a.unit != c.unit);
}

TEST_CASE("Campolongo selection keeps r distinct trajectories spread wider than the first r",
          "[unit]") {
  const size_t K = 4;
  const MorrisDesign plain = morris_design(K, settings(5, 6, 4, 0));
  const MorrisDesign chosen = morris_design(K, settings(5, 6, 4, 60));
  REQUIRE(chosen.trajectories == 6);
  CHECK(std::set<uint32_t>(chosen.drawn_as.begin(), chosen.drawn_as.end()).size() == 6);
  auto total_spread = [K](const MorrisDesign& d) {
    double total = 0;
    for (uint32_t s = 0; s < d.trajectories; ++s)
      for (uint32_t t = s + 1; t < d.trajectories; ++t)
        for (size_t i = 0; i <= K; ++i)
          for (size_t j = 0; j <= K; ++j) {
            double sq = 0;
            for (size_t k = 0; k < K; ++k) {
              const double dx = d.point(s * (K + 1) + i)[k] - d.point(t * (K + 1) + j)[k];
              sq += dx * dx;
            }
            total += std::sqrt(sq);
          }
    return total;
  };
  CHECK(total_spread(chosen) > total_spread(plain));
}

TEST_CASE("mu* ranks the factors of f = 10 x1 + x2 + 0 x3", "[unit]") {
  const MorrisDesign d = morris_design(3, settings(1, 10, 4));
  const auto y = outputs(d, [](const double* x) { return 10 * x[0] + x[1] + 0 * x[2]; });
  const MorrisIndices m = morris_indices(d, y);
  // A linear function's elementary effects are its coefficients exactly.
  CHECK(m.mu_star[0] == Approx(10));
  CHECK(m.mu_star[1] == Approx(1));
  CHECK(m.mu_star[2] == Approx(0).margin(1e-12));
  CHECK(m.mu[0] == Approx(10));
  CHECK(m.sigma[0] == Approx(0).margin(1e-9));
  CHECK(rank_by_mu_star(m.mu_star) == std::vector<uint32_t>{1, 2, 3});
}

TEST_CASE("mu* catches effects that cancel in mu, sigma flags interactions", "[unit]") {
  const MorrisDesign d = morris_design(3, settings(3, 20, 4));
  // x1 enters non-monotonically, x2 x3 interact.
  const auto y =
      outputs(d, [](const double* x) { return 4 * std::abs(x[0] - 0.5) + 2 * x[1] * x[2]; });
  const MorrisIndices m = morris_indices(d, y);
  CHECK(m.mu_star[0] > std::abs(m.mu[0]));
  CHECK(m.sigma[1] > 0);
  CHECK(m.sigma[2] > 0);
  CHECK(rank_by_mu_star(m.mu_star)[0] == 1);
}

TEST_CASE("Morris design refuses odd levels and empty designs", "[unit]") {
  CHECK_THROWS_AS(morris_design(3, settings(1, 4, 3)), std::invalid_argument);
  CHECK_THROWS_AS(morris_design(0, settings(1, 4, 4)), std::invalid_argument);
  CHECK_THROWS_AS(morris_design(3, settings(1, 0, 4)), std::invalid_argument);
}
