// The fast Beta traits (sim/random/beta.cpp) against Boost's
// beta_distribution<double> rounded to float: every value bit for bit; and
// the approximations it relies on, within their stated error bounds.
#include <catch2/catch.hpp>

#include <boost/random/beta_distribution.hpp>
#include <cmath>
#include <vector>

#include "sim/random/beta.hpp"
#include "sim/random/random.hpp"

using namespace mutsim;

namespace {

/// Agents [first, first + count) drawn by BetaBatch in uneven blocks; the
/// number of (agent, trait) values that differ from Boost's.
size_t batch_mismatches(const std::vector<BetaBatch::Shape>& shapes, uint64_t seed, uint32_t first,
                        size_t count) {
  const BetaBatch batch(shapes);
  std::vector<std::vector<float>> got(shapes.size(), std::vector<float>(count));
  const StreamKey key{seed, 1, kSetupMonth, Purpose::StaffTraits};
  for (size_t start = 0; start < count;) {
    const size_t n = std::min<size_t>(count - start, 1 + (start * 7919) % 3000);
    std::vector<float*> out;
    for (auto& g : got) out.push_back(g.data() + start);
    batch.draw(key, first + static_cast<uint32_t>(start), n, out.data());
    start += n;
  }
  size_t bad = 0;
  for (size_t j = 0; j < count; ++j) {
    Stream stream(seed, 1, kSetupMonth, first + static_cast<uint32_t>(j), Purpose::StaffTraits);
    for (size_t t = 0; t < shapes.size(); ++t) {
      const auto want = static_cast<float>(
          boost::random::beta_distribution<double>(shapes[t].alpha, shapes[t].beta)(stream));
      bad += got[t][j] != want;
    }
  }
  return bad;
}

}  // namespace

TEST_CASE("BetaBatch equals Boost's beta, rounded to float, on a million traits",
          "[unit][rng][beta]") {
  // The baseline's four traits: 3 seeds x 100,000 agents x 4 = 1.2 M values.
  const std::vector<BetaBatch::Shape> traits = {{2.0, 2.0}, {3.0, 2.0}, {1.5, 4.0}, {3.0, 2.5}};
  for (uint64_t seed : {20100101ull, 7ull, 0xDEADBEEFCAFEull})
    CHECK(batch_mismatches(traits, seed, static_cast<uint32_t>(seed % 1000), 100'000) == 0);
  // Shapes near 1 (x close to 0 is common) and large (long tails).
  CHECK(batch_mismatches({{1.01, 1.2}, {40.0, 0.5e2}}, 3, 0, 50'000) == 0);
}

TEST_CASE("BetaBatch leaves shapes <= 1 to Boost", "[unit][rng][beta]") {
  CHECK_FALSE(BetaFloat::supported(1.0, 2.0));
  CHECK_FALSE(BetaFloat::supported(2.0, 0.5));
  CHECK(batch_mismatches({{0.5, 2.0}, {1.0, 1.0}, {2.0, 3.0}}, 11, 5, 20'000) == 0);
}

TEST_CASE("BetaFloat equals Boost or says it cannot tell", "[unit][rng][beta]") {
  const BetaFloat fast(2.0, 2.0);
  size_t undecided = 0, bad = 0;
  for (uint32_t e = 0; e < 100'000; ++e) {
    Stream a(5, 0, 0, e, Purpose::StaffTraits), b(5, 0, 0, e, Purpose::StaffTraits);
    float value = 0;
    if (!fast.draw(a, value)) {
      ++undecided;
      continue;
    }
    bad += value != static_cast<float>(boost::random::beta_distribution<double>(2.0, 2.0)(b));
    bad += a() != b();  // and it used exactly Boost's words
  }
  CHECK(bad == 0);
  // About 1 in 10,000 draws is too close to a float boundary to call.
  CHECK(undecided < 100);
}

TEST_CASE("the fast tan, log and exp are within their error bounds", "[unit][rng][beta]") {
  // Every argument Boost's gamma can give tan is pi * k 2^-32; a stride of
  // 4099 covers a million of them, plus every k within 10^5 of the pole
  // (k = 2^31) and of pi (k = 2^32). The bounds the draws assume are 1e-13
  // (tan, exp; relative) and 1e-14 (log; absolute per unit of |log|); the
  // series are good to ~5e-16, so a hundredth of each bound must hold.
  std::vector<double> t;
  for (uint64_t k = 0; k < (uint64_t{1} << 32); k += 4099)
    t.push_back(3.14159265358979323846 * (k * 0x1p-32));
  for (uint64_t k : {uint64_t{1} << 31, uint64_t{1} << 32})
    for (uint64_t d = 1; d <= 100'000; ++d) {
      t.push_back(3.14159265358979323846 * ((k - d) * 0x1p-32));
      if (k + d < (uint64_t{1} << 32)) t.push_back(3.14159265358979323846 * ((k + d) * 0x1p-32));
    }
  std::vector<double> y(t.size());
  fast_tan_array(t.data(), y.data(), t.size());
  double tan_error = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const double want = std::tan(t[i]);
    if (want == 0) continue;
    tan_error = std::max(tan_error, std::fabs(y[i] - want) / std::fabs(want));
    tan_error = std::max(tan_error, std::fabs(fast_tan(t[i]) - want) / std::fabs(want));
  }
  CHECK(tan_error < kFastTanRelError / 100);

  std::vector<double> v, lg(1 << 20), ex(1 << 20);
  for (int i = 0; i < (1 << 20); ++i) v.push_back(std::exp(-40.0 + 80.0 * i / (1 << 20)));
  fast_log_array(v.data(), lg.data(), v.size());
  double log_error = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double want = std::log(v[i]);
    log_error = std::max(log_error, std::fabs(lg[i] - want) / (1 + std::fabs(want)));
    log_error = std::max(log_error, std::fabs(fast_log(v[i]) - want) / (1 + std::fabs(want)));
  }
  CHECK(log_error < kFastLogAbsError / 10);

  for (int i = 0; i < (1 << 20); ++i) v[i] = -700.0 + 1400.0 * i / (1 << 20);
  fast_exp_array(v.data(), ex.data(), v.size());
  double exp_error = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double want = std::exp(v[i]);
    exp_error = std::max(exp_error, std::fabs(ex[i] - want) / want);
    exp_error = std::max(exp_error, std::fabs(fast_exp(v[i]) - want) / want);
  }
  CHECK(exp_error < kFastExpRelError / 100);
}
