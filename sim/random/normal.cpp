#include "sim/random/normal.hpp"

#include <immintrin.h>

#include <bit>
#include <boost/random/normal_distribution.hpp>
#include <boost/version.hpp>
#include <cmath>
#include <limits>

// The fast path mirrors Boost 1.74's ziggurat line by line; read another
// version's unit_normal_distribution before allowing it here.
static_assert(BOOST_VERSION / 100 == 1074,
              "sim/random/normal.cpp mirrors Boost 1.74's unit_normal_distribution");

namespace mutsim {
namespace {

constexpr int kLayers = 128;  // Boost's table size: 129 edges

/// Boost's tables as the float fast path needs them. Boost multiplies the
/// float r by float(table_x[i]) and compares the float product with the
/// double table_x[i + 1]; for a float x, x < d exactly when x < the least
/// float >= d, so that float is the edge to compare with. And since
/// r = k 2^-24 (k the word's top 24 bits) is exact and rounding is monotone,
/// the product is under the edge exactly when k < limit[i], the least k
/// whose product is not: the vector path compares integers, and fetches
/// x[i] and limit[i] with one 64-bit gather (pair[i]).
struct FloatTables {
  alignas(64) float x[kLayers + 1];
  alignas(64) float edge[kLayers + 1];
  alignas(64) uint64_t pair[kLayers];  // x[i] bits | limit[i] << 32
  FloatTables() {
    const double* table_x = boost::random::detail::normal_table<double>::table_x;
    for (int i = 0; i <= kLayers; ++i) {
      x[i] = static_cast<float>(table_x[i]);
      float e = static_cast<float>(table_x[i]);
      if (static_cast<double>(e) < table_x[i])
        e = std::nextafter(e, std::numeric_limits<float>::infinity());
      edge[i] = e;
    }
    for (int i = 0; i < kLayers; ++i) {
      uint32_t lo = 0, hi = 1u << 24;  // limit in [lo, hi]: products below lo are under
      while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (static_cast<float>(mid) * 0x1p-24f * x[i] < edge[i + 1])
          lo = mid + 1;
        else
          hi = mid;
      }
      pair[i] = std::bit_cast<uint32_t>(x[i]) | (static_cast<uint64_t>(lo) << 32);
    }
  }
};

const FloatTables kTables;

/// Boost's own draw for lane j, from the stream's first word: used when the
/// first attempt falls outside the rectangle (wedge, tail or rejection).
float boost_normal(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                   size_t j) {
  Stream stream(key.seed, key.replicate, key.month, key.first + static_cast<uint32_t>(j),
                key.purpose, blocks, j);
  return boost::random::normal_distribution<float>(mean, sigma)(stream);
}

/// One lane of the fast path: Boost's generate_int_float_pair<float, 8> on a
/// 32-bit engine is r = (u >> 8) * 2^-24 and bucket = u & 255; the bucket's
/// low bit is the sign (odd: +1), the rest the layer.
inline float scalar_draw(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                         size_t j) {
  const uint32_t u = blocks.word[0][j];
  const uint32_t bucket = u & 0xFFu;
  const uint32_t layer = bucket >> 1;
  const float r = static_cast<float>(u >> 8) * 0x1p-24f;
  const float x = r * kTables.x[layer];
  if (!(x < kTables.edge[layer + 1])) return boost_normal(mean, sigma, key, blocks, j);
  const float z = (bucket & 1u) != 0 ? x : -x;  // Boost: x * float(sign)
  return z * sigma + mean;                      // Boost: impl(eng) * _sigma + _mean
}

void draws_scalar(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                  size_t begin, size_t count, float* out) {
  for (size_t j = begin; j < count; ++j) out[j] = scalar_draw(mean, sigma, key, blocks, j);
}

void normal_scalar(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                   size_t count, float* out) {
  draws_scalar(mean, sigma, key, blocks, 0, count, out);
}

// Eight lanes of scalar_draw at once; lanes whose first attempt is not
// accepted are redrawn by Boost afterwards, in a second pass, so the vector
// loop has no branch on data (a mispredicted one costs more than the
// gathers). x * -1 is x with its sign bit flipped (exact in IEEE
// arithmetic), hence the xor.
__attribute__((target("avx2"))) void normal_avx2(float mean, float sigma, const ChunkKey& key,
                                                 const FirstBlocks& blocks, size_t count,
                                                 float* out) {
  const __m256 vsigma = _mm256_set1_ps(sigma), vmean = _mm256_set1_ps(mean);
  const __m256 scale = _mm256_set1_ps(0x1p-24f);
  const __m256i low8 = _mm256_set1_epi32(0xFF), one = _mm256_set1_epi32(1);
  // Lanes 0, 1, 4, 5 and 2, 3, 6, 7 are gathered apart so that one
  // shuffle per quantity puts them back in order.
  const __m256i split = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
  const auto* pair = reinterpret_cast<const long long*>(kTables.pair);
  uint8_t rejected[FirstBlocks::kMax / 8];
  const size_t vectors = count / 8;
  for (size_t v = 0; v < vectors; ++v) {
    const __m256i u = _mm256_load_si256(reinterpret_cast<const __m256i*>(&blocks.word[0][8 * v]));
    const __m256i bucket = _mm256_and_si256(u, low8);
    const __m256i layer = _mm256_permutevar8x32_epi32(_mm256_srli_epi32(bucket, 1), split);
    const __m256 a =
        _mm256_castsi256_ps(_mm256_i32gather_epi64(pair, _mm256_castsi256_si128(layer), 8));
    const __m256 b =
        _mm256_castsi256_ps(_mm256_i32gather_epi64(pair, _mm256_extracti128_si256(layer, 1), 8));
    const __m256 table_x = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256i limit = _mm256_castps_si256(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    const __m256i k = _mm256_srli_epi32(u, 8);
    const __m256 x = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(k), scale), table_x);
    rejected[v] = static_cast<uint8_t>(
        ~_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(limit, k))));
    const __m256i negative =
        _mm256_slli_epi32(_mm256_xor_si256(_mm256_and_si256(bucket, one), one), 31);
    const __m256 z = _mm256_xor_ps(x, _mm256_castsi256_ps(negative));
    _mm256_storeu_ps(out + 8 * v, _mm256_add_ps(_mm256_mul_ps(z, vsigma), vmean));
  }
  for (size_t v = 0; v < vectors; ++v)
    for (unsigned lanes = rejected[v]; lanes != 0; lanes &= lanes - 1) {
      const size_t j = 8 * v + static_cast<size_t>(__builtin_ctz(lanes));
      out[j] = boost_normal(mean, sigma, key, blocks, j);
    }
  draws_scalar(mean, sigma, key, blocks, 8 * vectors, count, out);
}

using NormalFn = void (*)(float, float, const ChunkKey&, const FirstBlocks&, size_t, float*);

NormalFn pick_normal() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? normal_avx2 : normal_scalar;
}

const NormalFn kNormal = pick_normal();

}  // namespace

void normal_from_blocks(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                        size_t count, float* out) {
  kNormal(mean, sigma, key, blocks, count, out);
}

void normal_from_blocks_scalar(float mean, float sigma, const ChunkKey& key,
                               const FirstBlocks& blocks, size_t count, float* out) {
  normal_scalar(mean, sigma, key, blocks, count, out);
}

bool normal_from_blocks_vectorised() { return kNormal == normal_avx2; }

}  // namespace mutsim
