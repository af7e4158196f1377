// Counter-based random streams: reproducible, distinct per key, and
// uniform enough for the model (tolerances from the sampling distribution).
#include <catch2/catch.hpp>

#include <array>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <vector>

#include "sim/random/random.hpp"

using namespace mutsim;

namespace {

std::vector<uint32_t> draws(Stream stream, size_t n) {
  std::vector<uint32_t> out(n);
  for (auto& x : out) x = stream();
  return out;
}

}  // namespace

TEST_CASE("a stream is a pure function of its key", "[unit][rng]") {
  const auto a = draws(Stream(20100101, 3, 17, 12345, Purpose::PipelineEntry), 64);
  const auto b = draws(Stream(20100101, 3, 17, 12345, Purpose::PipelineEntry), 64);
  CHECK(a == b);
  // Draws within a stream are not constant and span several Philox blocks.
  CHECK(a[0] != a[1]);
  CHECK(a[3] != a[4]);
  CHECK(a[4] != a[8]);
  // Interleaving with another stream does not change either.
  Stream s1(1, 0, 0, 0, Purpose::AttitudeNoise);
  Stream s2(1, 0, 0, 1, Purpose::AttitudeNoise);
  std::vector<uint32_t> x, y;
  for (int i = 0; i < 10; ++i) x.push_back(s1()), y.push_back(s2());
  CHECK(x == draws(Stream(1, 0, 0, 0, Purpose::AttitudeNoise), 10));
  CHECK(y == draws(Stream(1, 0, 0, 1, Purpose::AttitudeNoise), 10));
}

TEST_CASE("known Philox output pins the stream layout", "[unit][rng]") {
  // Independent of Stream: Philox4x32-10 on the documented counter layout
  // {draw block, entity, month << 16 | purpose, replicate} and key {seed lo, seed hi}.
  const uint64_t seed = 0x123456789abcdefULL;
  r123::Philox4x32::key_type key{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  r123::Philox4x32::ctr_type ctr{
      {0, 77, (5u << 16) | static_cast<uint32_t>(Purpose::BoardConsent), 2}};
  const auto block0 = r123::Philox4x32()(ctr, key);
  ctr[0] = 1;
  const auto block1 = r123::Philox4x32()(ctr, key);
  Stream stream(seed, 2, 5, 77, Purpose::BoardConsent);
  for (int i = 0; i < 4; ++i) CHECK(stream() == block0[i]);
  for (int i = 0; i < 4; ++i) CHECK(stream() == block1[i]);
}

TEST_CASE("every component of the key changes the stream", "[unit][rng]") {
  const auto base = draws(Stream(42, 1, 7, 1000, Purpose::ContractAward), 8);
  CHECK(base != draws(Stream(43, 1, 7, 1000, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42 + (1ULL << 32), 1, 7, 1000, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42, 2, 7, 1000, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42, 1, 8, 1000, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42, 1, kSetupMonth, 1000, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42, 1, 7, 1001, Purpose::ContractAward), 8));
  CHECK(base != draws(Stream(42, 1, 7, 1000, Purpose::Retender), 8));
  // Month and purpose share a counter word: swapping them must not collide.
  CHECK(
      draws(Stream(42, 0, 3, 0, Purpose::ServiceSize), 8) !=
      draws(Stream(42, 0, static_cast<uint16_t>(Purpose::ServiceSize), 0, static_cast<Purpose>(3)),
            8));
}

TEST_CASE("uniform() has mean 1/2 and variance 1/12", "[stat][rng]") {
  // One draw from each of N streams (the way the model uses them) and N
  // draws from one stream.
  constexpr int kN = 200000;
  for (int mode = 0; mode < 2; ++mode) {
    INFO((mode == 0 ? "one draw per entity" : "one long stream"));
    double sum = 0, sum_sq = 0, lo = 1, hi = 0;
    Stream single(99, 0, 3, 0, Purpose::MutualFate);
    for (int i = 0; i < kN; ++i) {
      const double u =
          mode == 0 ? Stream(99, 0, 3, static_cast<uint32_t>(i), Purpose::MutualFate).uniform()
                    : single.uniform();
      REQUIRE(u >= 0.0);
      REQUIRE(u < 1.0);
      sum += u;
      sum_sq += u * u;
      lo = std::min(lo, u);
      hi = std::max(hi, u);
    }
    const double mean = sum / kN;
    const double variance = sum_sq / kN - mean * mean;
    // sd of U(0,1) is 1/sqrt(12); sd of (U - 1/2)^2 is sqrt(1/80 - 1/144).
    CHECK(std::abs(mean - 0.5) < 4 * std::sqrt(1.0 / 12) / std::sqrt(kN));
    CHECK(std::abs(variance - 1.0 / 12) < 4 * std::sqrt(1.0 / 80 - 1.0 / 144) / std::sqrt(kN));
    CHECK(lo < 1e-4);
    CHECK(hi > 1 - 1e-4);
  }
}

TEST_CASE("bernoulli(p) succeeds with probability p", "[stat][rng]") {
  constexpr int kN = 100000;
  for (double p : {0.001, 0.05, 0.3, 0.5, 0.97}) {
    INFO("p = " << p);
    int hits = 0;
    for (int i = 0; i < kN; ++i)
      hits += Stream(7, 1, 12, static_cast<uint32_t>(i), Purpose::BoardConsent).bernoulli(p);
    CHECK(std::abs(hits - kN * p) < 4 * std::sqrt(kN * p * (1 - p)));
  }
  // The boundaries are exact.
  int zero = 0, one = 0;
  for (int i = 0; i < 10000; ++i) {
    Stream s(7, 1, 12, static_cast<uint32_t>(i), Purpose::Growth);
    zero += s.bernoulli(0.0);
    one += s.bernoulli(1.0);
  }
  CHECK(zero == 0);
  CHECK(one == 10000);
}

TEST_CASE("first draws of consecutive entities fill 10 bins evenly", "[stat][rng]") {
  constexpr int kN = 100000;
  std::array<int, 10> bins{};
  for (int i = 0; i < kN; ++i)
    ++bins[static_cast<size_t>(
        Stream(5, 0, 0, static_cast<uint32_t>(i), Purpose::PipelineEntry).uniform() * 10)];
  double chi2 = 0;
  for (int count : bins) chi2 += (count - kN / 10.0) * (count - kN / 10.0) / (kN / 10.0);
  // Chi-square with 9 degrees of freedom: P(X > 27.88) = 0.001.
  CHECK(chi2 < 27.88);
}

TEST_CASE("neighbouring entities' first draws are uncorrelated", "[stat][rng]") {
  constexpr int kN = 100000;
  for (Purpose purpose : {Purpose::StaffTraits, Purpose::AttitudeNoise}) {
    std::vector<double> u(kN + 1);
    for (int i = 0; i <= kN; ++i)
      u[static_cast<size_t>(i)] = Stream(11, 0, 4, static_cast<uint32_t>(i), purpose).uniform();
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < kN; ++i) {
      const double x = u[static_cast<size_t>(i)], y = u[static_cast<size_t>(i) + 1];
      sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    const double cov = sxy / kN - (sx / kN) * (sy / kN);
    const double r =
        cov / std::sqrt((sxx / kN - sx * sx / kN / kN) * (syy / kN - sy * sy / kN / kN));
    // Under independence r is approximately N(0, 1/N).
    CHECK(std::abs(r) < 4 / std::sqrt(kN));
  }
  // Neighbouring months of one entity too (the attitude noise is keyed by month).
  double sxy = 0, sx = 0, sy = 0;
  for (int i = 0; i < kN; ++i) {
    const double x = Stream(11, 0, 4, static_cast<uint32_t>(i), Purpose::AttitudeNoise).uniform();
    const double y = Stream(11, 0, 5, static_cast<uint32_t>(i), Purpose::AttitudeNoise).uniform();
    sxy += (x - 0.5) * (y - 0.5), sx += x, sy += y;
  }
  CHECK(std::abs(sxy / kN * 12) < 4 / std::sqrt(kN));
}

TEST_CASE("Boost normal draws from streams have the requested moments", "[stat][rng]") {
  constexpr int kN = 100000;
  boost::random::normal_distribution<double> normal(0.3, 2.0);
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kN; ++i) {
    Stream s(3, 0, 1, static_cast<uint32_t>(i), Purpose::ServiceCulture);
    const double x = normal(s);
    sum += x, sum_sq += x * x;
  }
  const double mean = sum / kN;
  const double var = sum_sq / kN - mean * mean;
  CHECK(std::abs(mean - 0.3) < 4 * 2.0 / std::sqrt(kN));
  // sd of the sample variance of a normal: sigma^2 * sqrt(2 / N).
  CHECK(std::abs(var - 4.0) < 4 * 4.0 * std::sqrt(2.0 / kN));
}

TEST_CASE("logistic", "[unit][rng]") {
  CHECK(logistic(0) == 0.5);
  CHECK(logistic(std::log(3.0)) == Approx(0.75).epsilon(1e-12));
  CHECK(logistic(-std::log(3.0)) == Approx(0.25).epsilon(1e-12));
  CHECK(logistic(-30) < 1e-12);
  CHECK(logistic(30) > 1 - 1e-12);
}
