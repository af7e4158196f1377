#include "sim/random/random.hpp"

#include <immintrin.h>

#include <cassert>

namespace mutsim {
namespace {

// Philox4x32-10 constants (Random123's philox.h, Salmon et al. 2011).
constexpr uint32_t kM0 = 0xD2511F53;
constexpr uint32_t kM1 = 0xCD9E8D57;
constexpr uint32_t kW0 = 0x9E3779B9;
constexpr uint32_t kW1 = 0xBB67AE85;
constexpr int kRounds = 10;

inline uint32_t lo32(uint64_t x) { return static_cast<uint32_t>(x); }
inline uint32_t hi32(uint64_t x) { return static_cast<uint32_t>(x >> 32); }
inline uint64_t mul(uint32_t a, uint32_t b) { return static_cast<uint64_t>(a) * b; }

// Counter {0, entity, month << 16 | purpose, replicate}: only the entity
// word differs between lanes, so the products of the shared words (both of
// round 1, where counter word 0 is 0; one in round 2; one in round 3) are
// computed once. Rounds 4-10 are Random123's round, lane by lane.
struct Shared {
  uint32_t k0[kRounds], k1[kRounds];
  uint32_t r1_v0, r2_v1, r3_hi0, r3_lo0, first;
};

Shared shared_terms(uint64_t seed, uint32_t replicate, uint16_t month, Purpose purpose,
                    uint32_t first) {
  Shared sh{};
  sh.k0[0] = static_cast<uint32_t>(seed);
  sh.k1[0] = static_cast<uint32_t>(seed >> 32);
  for (int r = 1; r < kRounds; ++r) sh.k0[r] = sh.k0[r - 1] + kW0, sh.k1[r] = sh.k1[r - 1] + kW1;
  const uint32_t c2 = (static_cast<uint32_t>(month) << 16) | static_cast<uint32_t>(purpose);
  // Round 1 on {0, e, c2, c3}: -> {hi(M1 c2) ^ e ^ k0, lo(M1 c2), c3 ^ k1, 0}.
  const uint64_t p1 = mul(kM1, c2);
  sh.r1_v0 = hi32(p1) ^ sh.k0[0];  // ^ e per lane
  const uint32_t r1_v2 = replicate ^ sh.k1[0];
  // Round 2 on {v0(e), lo(M1 c2), r1_v2, 0}: the M1 product is shared.
  const uint64_t p2 = mul(kM1, r1_v2);
  const uint32_t r2_v0 = hi32(p2) ^ lo32(p1) ^ sh.k0[1];
  sh.r2_v1 = lo32(p2);
  // Round 3 on {r2_v0, r2_v1, v2(e), v3(e)}: the M0 product is shared.
  const uint64_t p3 = mul(kM0, r2_v0);
  sh.r3_hi0 = hi32(p3);
  sh.r3_lo0 = lo32(p3);
  sh.first = first;
  return sh;
}

void blocks_scalar(const Shared& sh, size_t count, FirstBlocks& out) {
  for (size_t j = 0; j < count; ++j) {
    const uint32_t e = sh.first + static_cast<uint32_t>(j);
    const uint64_t q2 = mul(kM0, sh.r1_v0 ^ e);  // round 2
    const uint32_t v2_2 = hi32(q2) ^ sh.k1[1];
    const uint64_t q3 = mul(kM1, v2_2);  // round 3
    uint32_t v0 = hi32(q3) ^ sh.r2_v1 ^ sh.k0[2];
    uint32_t v1 = lo32(q3);
    uint32_t v2 = sh.r3_hi0 ^ lo32(q2) ^ sh.k1[2];
    uint32_t v3 = sh.r3_lo0;
    for (int r = 3; r < kRounds; ++r) {
      const uint64_t a = mul(kM0, v0);
      const uint64_t b = mul(kM1, v2);
      const uint32_t n0 = hi32(b) ^ v1 ^ sh.k0[r];
      const uint32_t n2 = hi32(a) ^ v3 ^ sh.k1[r];
      v1 = lo32(b), v3 = lo32(a), v0 = n0, v2 = n2;
    }
    out.word[0][j] = v0, out.word[1][j] = v1, out.word[2][j] = v2, out.word[3][j] = v3;
  }
}

// 32 x 32 -> 64 products of every lane: even lanes and odd lanes separately
// (vpmuludq reads the low half of each 64-bit lane), then the low and high
// halves interleaved back into 32-bit lanes.
// The arguments are type and intrinsic names, which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define MUTSIM_PHILOX_SIMD(NAME, TARGET, VEC, WIDTH, SET1, MUL, SRL, SLL, BLEND_LO, BLEND_HI, XOR, \
                           ADD, LOAD, STORE, SETR)                                                 \
  __attribute__((target(TARGET))) void NAME(const Shared& sh, size_t count, FirstBlocks& out) {    \
    const VEC m0 = SET1(static_cast<int>(kM0)), m1 = SET1(static_cast<int>(kM1));                  \
    auto mulhilo = [&](VEC x, VEC m, VEC & lo, VEC & hi) __attribute__((target(TARGET))) {         \
      const VEC even = MUL(x, m);                                                                  \
      const VEC odd = MUL(SRL(x, 32), m);                                                          \
      lo = BLEND_LO(even, SLL(odd, 32));                                                           \
      hi = BLEND_HI(SRL(even, 32), odd);                                                           \
    };                                                                                             \
    const VEC lane = SETR;                                                                         \
    for (size_t j = 0; j < count; j += WIDTH) {                                                    \
      const VEC e = ADD(SET1(static_cast<int>(sh.first + static_cast<uint32_t>(j))), lane);        \
      VEC lo, hi, lo2, hi2;                                                                        \
      mulhilo(XOR(SET1(static_cast<int>(sh.r1_v0)), e), m0, lo, hi); /* round 2 */                 \
      const VEC v2_2 = XOR(hi, SET1(static_cast<int>(sh.k1[1])));                                  \
      mulhilo(v2_2, m1, lo2, hi2); /* round 3 */                                                   \
      VEC v0 = XOR(hi2, SET1(static_cast<int>(sh.r2_v1 ^ sh.k0[2])));                              \
      VEC v1 = lo2;                                                                                \
      VEC v2 = XOR(lo, SET1(static_cast<int>(sh.r3_hi0 ^ sh.k1[2])));                              \
      VEC v3 = SET1(static_cast<int>(sh.r3_lo0));                                                  \
      for (int r = 3; r < kRounds; ++r) {                                                          \
        mulhilo(v0, m0, lo, hi);                                                                   \
        mulhilo(v2, m1, lo2, hi2);                                                                 \
        v0 = XOR(XOR(hi2, v1), SET1(static_cast<int>(sh.k0[r])));                                  \
        v2 = XOR(XOR(hi, v3), SET1(static_cast<int>(sh.k1[r])));                                   \
        v1 = lo2;                                                                                  \
        v3 = lo;                                                                                   \
      }                                                                                            \
      STORE(reinterpret_cast<VEC*>(&out.word[0][j]), v0);                                          \
      STORE(reinterpret_cast<VEC*>(&out.word[1][j]), v1);                                          \
      STORE(reinterpret_cast<VEC*>(&out.word[2][j]), v2);                                          \
      STORE(reinterpret_cast<VEC*>(&out.word[3][j]), v3);                                          \
    }                                                                                              \
  }
// NOLINTEND(bugprone-macro-parentheses)

// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_epi32,
// GCC bug 105593); the warning is about the header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define MUTSIM_BLEND8(a, b) _mm256_blend_epi32(a, b, 0xAA)
#define MUTSIM_BLEND16(a, b) _mm512_mask_blend_epi32(0xAAAA, a, b)
MUTSIM_PHILOX_SIMD(blocks_avx2, "avx2", __m256i, 8, _mm256_set1_epi32, _mm256_mul_epu32,
                   _mm256_srli_epi64, _mm256_slli_epi64, MUTSIM_BLEND8, MUTSIM_BLEND8,
                   _mm256_xor_si256, _mm256_add_epi32, _mm256_load_si256, _mm256_store_si256,
                   _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
MUTSIM_PHILOX_SIMD(blocks_avx512, "avx512f", __m512i, 16, _mm512_set1_epi32, _mm512_mul_epu32,
                   _mm512_srli_epi64, _mm512_slli_epi64, MUTSIM_BLEND16, MUTSIM_BLEND16,
                   _mm512_xor_si512, _mm512_add_epi32, _mm512_load_si512, _mm512_store_si512,
                   _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))

#pragma GCC diagnostic pop

using BlocksFn = void (*)(const Shared&, size_t, FirstBlocks&);

BlocksFn pick_blocks() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return blocks_avx512;
  if (__builtin_cpu_supports("avx2")) return blocks_avx2;
  return blocks_scalar;
}

const BlocksFn kBlocks = pick_blocks();

}  // namespace

// Vector widths round `count` up: lanes past it are computed and ignored
// (kMax is a multiple of 16, so they stay inside `out`).
void philox_first_blocks(uint64_t seed, uint32_t replicate, uint16_t month, Purpose purpose,
                         uint32_t first, size_t count, FirstBlocks& out) {
  assert(count <= FirstBlocks::kMax);
  kBlocks(shared_terms(seed, replicate, month, purpose, first), count, out);
}

void philox_first_blocks_scalar(uint64_t seed, uint32_t replicate, uint16_t month, Purpose purpose,
                                uint32_t first, size_t count, FirstBlocks& out) {
  assert(count <= FirstBlocks::kMax);
  blocks_scalar(shared_terms(seed, replicate, month, purpose, first), count, out);
}

}  // namespace mutsim
