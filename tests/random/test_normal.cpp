// The vectorised ziggurat (sim/random/normal.cpp) against Boost's
// normal_distribution<float> on the same Stream: every value bit for bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "sim/random/normal.hpp"
#include "sim/random/random.hpp"

using namespace mutsim;

namespace {

uint32_t bits(float x) {
  uint32_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

/// Draws one chunk by the dispatched path, the scalar path and Boost on each
/// lane's Stream; returns how many lanes differ from Boost in any bit.
size_t mismatches(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                  size_t count) {
  alignas(64) float fast[FirstBlocks::kMax], scalar[FirstBlocks::kMax];
  normal_from_blocks(mean, sigma, key, blocks, count, fast);
  normal_from_blocks_scalar(mean, sigma, key, blocks, count, scalar);
  boost::random::normal_distribution<float> normal(mean, sigma);
  size_t bad = 0;
  for (size_t j = 0; j < count; ++j) {
    Stream stream(key.seed, key.replicate, key.month, key.first + static_cast<uint32_t>(j),
                  key.purpose, blocks, j);
    const uint32_t want = bits(normal(stream));
    bad += bits(fast[j]) != want || bits(scalar[j]) != want;
  }
  return bad;
}

}  // namespace

TEST_CASE("the vectorised ziggurat equals Boost's normal on millions of streams",
          "[unit][rng][normal]") {
  // 3 seeds x 2 (mean, sigma) x 4 M draws = 24 M values; at the 2.8%
  // of draws outside the first rectangle that is ~670,000 fallbacks, so the
  // wedge, tail and rejection paths are exercised too. Chunks of 256 and of
  // odd sizes (the scalar tail after the last whole vector).
  const float params[][2] = {{0.0f, 0.1f}, {0.25f, 1.7f}};
  size_t bad = 0, draws = 0;
  FirstBlocks blocks;
  for (uint64_t seed : {20100101ull, 1ull, 0x9E3779B97F4A7C15ull})
    for (const auto& p : params)
      for (uint32_t first = 0; first < 4'000'000;) {
        const size_t count = first % 7 == 0 ? 13 + first % 200 : FirstBlocks::kMax;
        const ChunkKey key{seed, 2, 17, Purpose::AttitudeNoise, first};
        philox_first_blocks(seed, 2, 17, Purpose::AttitudeNoise, first, count, blocks);
        bad += mismatches(p[0], p[1], key, blocks, count);
        draws += count;
        first += static_cast<uint32_t>(count);
      }
  CHECK(draws >= 24'000'000);
  CHECK(bad == 0);
}

TEST_CASE("the vectorised ziggurat equals Boost at every layer's edge and sign",
          "[unit][rng][normal]") {
  // Forced first words: for each of the 256 buckets (128 layers x 2 signs),
  // r = 0, the largest r, and the five r around where r * x[i] crosses the
  // edge x[i + 1] (the accept test). The stream continues with the entity's
  // real counter-1 block when Boost needs more words.
  const double* table_x = boost::random::detail::normal_table<double>::table_x;
  std::vector<uint32_t> words;
  for (uint32_t bucket = 0; bucket < 256; ++bucket) {
    const uint32_t layer = bucket >> 1;
    const double cross = table_x[layer + 1] / table_x[layer] * 0x1p24;
    std::vector<int64_t> rs = {0, (1 << 24) - 1};
    for (int64_t d = -2; d <= 2; ++d) rs.push_back(static_cast<int64_t>(std::floor(cross)) + d);
    for (int64_t r : rs)
      if (r >= 0 && r < (1 << 24)) words.push_back((static_cast<uint32_t>(r) << 8) | bucket);
  }
  FirstBlocks blocks;
  size_t bad = 0;
  for (size_t start = 0; start < words.size(); start += FirstBlocks::kMax) {
    const size_t count = std::min(FirstBlocks::kMax, words.size() - start);
    const ChunkKey key{7, 0, 3, Purpose::InitialAttitude, static_cast<uint32_t>(start)};
    philox_first_blocks(7, 0, 3, Purpose::InitialAttitude, key.first, count, blocks);
    for (size_t j = 0; j < count; ++j) blocks.word[0][j] = words[start + j];
    for (float sigma : {0.1f, 1.0f, 0.0f}) bad += mismatches(0.0f, sigma, key, blocks, count);
    bad += mismatches(-0.5f, 3.0f, key, blocks, count);
  }
  CHECK(words.size() > 256 * 5);
  CHECK(bad == 0);
}

TEST_CASE("the ziggurat's fast path is vectorised where the CPU has AVX2", "[unit][rng][normal]") {
  __builtin_cpu_init();
  CHECK(normal_from_blocks_vectorised() == (__builtin_cpu_supports("avx2") != 0));
}
