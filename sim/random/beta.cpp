#include "sim/random/beta.hpp"

#include <immintrin.h>

#include <algorithm>
#include <boost/random/beta_distribution.hpp>
#include <boost/version.hpp>
#include <cmath>
#include <cstring>
#include <limits>

// GammaFast::draw replays Boost 1.74's gamma_distribution (shape > 1) and
// beta_distribution line by line; read another version's before allowing it.
static_assert(BOOST_VERSION / 100 == 1074,
              "sim/random/beta.cpp mirrors Boost 1.74's gamma and beta distributions");

namespace mutsim {
namespace {

constexpr double kPi = 3.14159265358979323846;  // Boost's constant in gamma_distribution
// pi/2 in two parts (Cody and Waite): kPio2Hi is the double nearest pi/2.
constexpr double kPio2Hi = 1.57079632679489655800e+00;
constexpr double kPio2Lo = 6.12323399573676603587e-17;
constexpr double kTwoOverPi = 6.36619772367581382433e-01;
// ln 2 in two parts (fdlibm): k * kLn2Hi is exact for |k| < 2^20.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kEps = 0x1p-52;  // one ulp of 1: bounds a rounding of each operation

constexpr double inverse_factorial(int n) { return n <= 1 ? 1.0 : inverse_factorial(n - 1) / n; }

/// c[n] = 1/n! for n <= 18, computed at compile time.
struct InverseFactorials {
  double c[19];
  constexpr InverseFactorials() : c() {
    for (int n = 0; n <= 18; ++n) c[n] = inverse_factorial(n);
  }
};
constexpr InverseFactorials kInv;

// Taylor series of sin and cos on |z| <= pi/4, evaluated by Estrin's scheme
// (short dependency chains): the first omitted terms, z^17/17! and
// z^18/18!, are below 5e-17 there.
double sin_series(double z, double w) {
  const double* c = kInv.c;
  const double w2 = w * w, w4 = w2 * w2;
  const double p =
      (-c[3] + w * c[5]) + w2 * (-c[7] + w * c[9]) + w4 * ((-c[11] + w * c[13]) + w2 * (-c[15]));
  return z + z * w * p;
}

double cos_series(double w) {
  const double* c = kInv.c;
  const double w2 = w * w, w4 = w2 * w2;
  const double p = (-c[2] + w * c[4]) + w2 * (-c[6] + w * c[8]) +
                   w4 * ((-c[10] + w * c[12]) + w2 * (-c[14] + w * c[16]));
  return 1.0 + w * p;
}

double from_bits(uint64_t b) {
  double d = 0;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

uint64_t to_bits(double d) {
  uint64_t b = 0;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

constexpr int kTableBits = 6;
constexpr int kTableSize = 1 << kTableBits;

/// exp2(j/64) for exp; 1/c_j and log(c_j), c_j = 1 + (j + 1/2)/64, for log.
/// Their own rounding (within an ulp of the C library's functions) is far
/// inside the error bounds the draws assume.
struct Tables {
  double exp2_frac[kTableSize];
  double inv_c[kTableSize], log_c[kTableSize];
  Tables() {
    for (int j = 0; j < kTableSize; ++j) {
      exp2_frac[j] = std::exp2(static_cast<double>(j) / kTableSize);
      const double c = 1.0 + (j + 0.5) / kTableSize;
      inv_c[j] = 1.0 / c;
      log_c[j] = std::log(c);
    }
  }
};
const Tables kTables;

}  // namespace

// t in [0, pi): t - k pi/2 with k = 0, 1, 2 is exact in its first
// subtraction (Sterbenz) and within an ulp in its second, so even next to
// the pole (k = 1, |z| >= 6e-17) z keeps its relative accuracy.
double fast_tan(double t) {
  // t >= 0, so truncating t 2/pi + 1/2 rounds to nearest (ties up), as tan4's floor does.
  const int k = static_cast<int>(t * kTwoOverPi + 0.5);  // NOLINT(bugprone-incorrect-roundings)
  const double z = (t - k * kPio2Hi) - k * kPio2Lo;
  const double z2 = z * z;
  const double s = sin_series(z, z2), c = cos_series(z2);
  return (k & 1) != 0 ? -c / s : s / c;
}

// log v = e ln 2 + log c + log1p(r), v = 2^e m, m in [1, 2), c the centre
// of m's 1/64 interval and r = m/c - 1 in [-1/128, 1/128]: the first
// omitted term of log1p's series, r^8/8, is below 2e-18.
double fast_log(double v) {
  const uint64_t b = to_bits(v);
  const auto biased = static_cast<int>((b >> 52) & 0x7FF);
  if (!(v > 0) || biased == 0 || biased == 0x7FF) return std::numeric_limits<double>::quiet_NaN();
  const double m = from_bits((b & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52));
  const auto j = static_cast<int>((b >> (52 - kTableBits)) & (kTableSize - 1));
  const int e = biased - 1023;
  const double r = m * kTables.inv_c[j] - 1.0;
  const double r2 = r * r, r4 = r2 * r2;
  const double series =
      r + r2 * ((-0.5 + r * (1.0 / 3)) + r2 * (-0.25 + r * 0.2) + r4 * (-1.0 / 6 + r * (1.0 / 7)));
  return e * kLn2Hi + (e * kLn2Lo + (kTables.log_c[j] + series));
}

// exp v = 2^(k/64) exp r, r = v - k ln2/64 in [-0.0055, 0.0055]; the Taylor
// series to r^5 leaves r^6/6! < 5e-17.
double fast_exp(double v) {
  constexpr double kShifter = 0x1.8p52;  // adding and removing it rounds to an integer
  const double kd = (v * (kInvLn2 * kTableSize) + kShifter) - kShifter;
  const double r = (v - kd * (kLn2Hi / kTableSize)) - kd * (kLn2Lo / kTableSize);
  const auto k = static_cast<int64_t>(kd);
  const double r2 = r * r;
  const double p = 1.0 + r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120)));
  const double scale = from_bits(static_cast<uint64_t>((k >> kTableBits) + 1023) << 52);
  return kTables.exp2_frac[k & (kTableSize - 1)] * p * scale;
}

GammaFast::GammaFast(double shape)
    : shape_(shape),
      shape_minus_1_(shape - 1.0),
      sqrt_2shape_minus_1_(std::sqrt(2.0 * shape - 1.0)) {}

// Boost's loop (shape > 1, scale 1): y = tan(pi u1), x = sqrt(2a-1) y + a - 1;
// x <= 0: next attempt; u2 > (1 + y^2) exp((a-1) log(x/(a-1)) - sqrt(2a-1) y):
// next attempt; else x. Error bounds: y is within kFastTanRelError of the
// C library's tan (relative); every operation of Boost's and of this code
// rounds by at most kEps relative, so quantities computed the same way from
// nearly equal inputs differ by the propagated input error plus kEps per
// operation. Each bound below is twice that sum.
double GammaFast::x_error(double sy) const {
  return 2.0 * (kFastTanRelError * std::fabs(sy) + 4.0 * kEps * (std::fabs(sy) + shape_));
}

double GammaFast::arg_error(double x, double x_error, double lg, double sy) const {
  const double am1 = shape_minus_1_, rel_x = x_error / x + kEps;
  const double log_error =
      1.01 * rel_x + kFastLogAbsError * (1.0 + std::fabs(lg)) + 2 * kEps * std::fabs(lg);
  return 2.0 * (am1 * log_error + std::fabs(sy) * (1.01 * kFastTanRelError + 2 * kEps) +
                2 * kEps * (am1 * std::fabs(lg) + std::fabs(sy)));
}

double GammaFast::rhs_error(double arg_error) {
  return 2.0 * (2.02 * kFastTanRelError + 1.01 * arg_error + kFastExpRelError + 4 * kEps);
}

bool GammaFast::draw(Stream& stream, double& x, double& error) const {
  for (;;) {
    const double y = fast_tan(kPi * (stream() * 0x1p-32));
    const double sy = sqrt_2shape_minus_1_ * y;
    x = (sy + shape_) - 1.0;
    error = x_error(sy);
    if (!(x > error)) {
      if (x < -error) continue;
      return false;
    }
    const double u2 = stream() * 0x1p-32;
    const double lg = fast_log(x / shape_minus_1_);
    const double arg = shape_minus_1_ * lg - sy;
    const double arg_err = arg_error(x, error, lg, sy);
    if (!(arg_err < 0.01) || arg > 700.0) return false;
    if (arg < -700.0) {  // Boost's right side is below 1e-270 < u2 unless u2 = 0
      if (u2 > 0) continue;
      return false;
    }
    const double rhs = (1.0 + y * y) * fast_exp(arg);
    const double rel = rhs_error(arg_err);
    if (u2 > rhs * (1.0 + rel)) continue;
    return u2 < rhs * (1.0 - rel);
  }
}

BetaFloat::BetaFloat(double alpha, double beta) : a_(alpha), b_(beta) {}

// Boost: a / (a + b). With relative errors ra, rb on a and b the quotient's
// is below ra + max(ra, rb) + 3 kEps; every value within twice that of v
// must round to the same float.
bool BetaFloat::draw(Stream& stream, float& out) const {
  double a = 0, da = 0, b = 0, db = 0;
  if (!a_.draw(stream, a, da) || !b_.draw(stream, b, db)) return false;
  return beta_float(a, da, b, db, out);
}

bool beta_float(double a, double da, double b, double db, float& out) {
  const double v = a / (a + b);
  const double rel = 2.0 * (2.0 * (da / a + db / b) + 4 * kEps);
  if (!(rel < 1e-6)) return false;
  const auto lo = static_cast<float>(v * (1.0 - rel)), hi = static_cast<float>(v * (1.0 + rel));
  if (lo != hi) return false;
  out = static_cast<float>(v);
  return true;
}

// ---- Batches: the transcendental functions of many attempts at once ----

namespace {

#define MUTSIM_AVX2 __attribute__((target("avx2")))

// The same series and reductions as fast_tan, fast_log and fast_exp, on four
// lanes (no FMA: "avx2" does not enable it). Their values may differ from
// the scalar ones in the last bits; both are within the bounds the draws
// assume (tests/random/test_beta.cpp measures each against the C library).
/// a + b x on four lanes.
MUTSIM_AVX2 inline __m256d lin(double a, double b, __m256d x) {
  return _mm256_add_pd(_mm256_set1_pd(a), _mm256_mul_pd(x, _mm256_set1_pd(b)));
}

MUTSIM_AVX2 __m256d tan4(__m256d t) {
  const __m256d kd = _mm256_floor_pd(
      _mm256_add_pd(_mm256_mul_pd(t, _mm256_set1_pd(kTwoOverPi)), _mm256_set1_pd(0.5)));
  const __m256d z = _mm256_sub_pd(_mm256_sub_pd(t, _mm256_mul_pd(kd, _mm256_set1_pd(kPio2Hi))),
                                  _mm256_mul_pd(kd, _mm256_set1_pd(kPio2Lo)));
  const __m256d w = _mm256_mul_pd(z, z), w2 = _mm256_mul_pd(w, w), w4 = _mm256_mul_pd(w2, w2);
  const double* c = kInv.c;
  const __m256d ps = _mm256_add_pd(
      _mm256_add_pd(lin(-c[3], c[5], w), _mm256_mul_pd(w2, lin(-c[7], c[9], w))),
      _mm256_mul_pd(
          w4, _mm256_add_pd(lin(-c[11], c[13], w), _mm256_mul_pd(w2, _mm256_set1_pd(-c[15])))));
  const __m256d s = _mm256_add_pd(z, _mm256_mul_pd(_mm256_mul_pd(z, w), ps));
  const __m256d pc = _mm256_add_pd(
      _mm256_add_pd(lin(-c[2], c[4], w), _mm256_mul_pd(w2, lin(-c[6], c[8], w))),
      _mm256_mul_pd(
          w4, _mm256_add_pd(lin(-c[10], c[12], w), _mm256_mul_pd(w2, lin(-c[14], c[16], w)))));
  const __m256d co = _mm256_add_pd(_mm256_set1_pd(1.0), _mm256_mul_pd(w, pc));
  const __m256d odd = _mm256_cmp_pd(kd, _mm256_set1_pd(1.0), _CMP_EQ_OQ);
  const __m256d negative_co = _mm256_xor_pd(co, _mm256_set1_pd(-0.0));
  return _mm256_blendv_pd(_mm256_div_pd(s, co), _mm256_div_pd(negative_co, s), odd);
}

// For finite v > 0 of normal size (the callers' only arguments).
MUTSIM_AVX2 __m256d log4(__m256d v) {
  const __m256i bits = _mm256_castpd_si256(v);
  const __m256i mantissa = _mm256_set1_epi64x(static_cast<long long>((uint64_t{1} << 52) - 1));
  const __m256d m = _mm256_castsi256_pd(
      _mm256_or_si256(_mm256_and_si256(bits, mantissa), _mm256_set1_epi64x(1023LL << 52)));
  const __m256i j = _mm256_and_si256(_mm256_srli_epi64(bits, 52 - kTableBits),
                                     _mm256_set1_epi64x(kTableSize - 1));
  const __m256d inv_c = _mm256_i64gather_pd(kTables.inv_c, j, 8);
  const __m256d log_c = _mm256_i64gather_pd(kTables.log_c, j, 8);
  // double(biased exponent) by the 2^52 trick, then minus the bias
  const __m256d magic = _mm256_set1_pd(0x1p52);
  const __m256d e =
      _mm256_sub_pd(_mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52),
                                                                      _mm256_castpd_si256(magic))),
                                  magic),
                    _mm256_set1_pd(1023.0));
  const __m256d r = _mm256_sub_pd(_mm256_mul_pd(m, inv_c), _mm256_set1_pd(1.0));
  const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2);
  const __m256d inner =
      _mm256_add_pd(_mm256_add_pd(lin(-0.5, 1.0 / 3, r), _mm256_mul_pd(r2, lin(-0.25, 0.2, r))),
                    _mm256_mul_pd(r4, lin(-1.0 / 6, 1.0 / 7, r)));
  const __m256d series = _mm256_add_pd(r, _mm256_mul_pd(r2, inner));
  return _mm256_add_pd(
      _mm256_mul_pd(e, _mm256_set1_pd(kLn2Hi)),
      _mm256_add_pd(_mm256_mul_pd(e, _mm256_set1_pd(kLn2Lo)), _mm256_add_pd(log_c, series)));
}

// For |v| <= 700.
MUTSIM_AVX2 __m256d exp4(__m256d v) {
  const __m256d shifter = _mm256_set1_pd(0x1.8p52);
  const __m256d y = _mm256_add_pd(_mm256_mul_pd(v, _mm256_set1_pd(kInvLn2 * kTableSize)), shifter);
  const __m256d kd = _mm256_sub_pd(y, shifter);
  const __m256d r =
      _mm256_sub_pd(_mm256_sub_pd(v, _mm256_mul_pd(kd, _mm256_set1_pd(kLn2Hi / kTableSize))),
                    _mm256_mul_pd(kd, _mm256_set1_pd(kLn2Lo / kTableSize)));
  const __m256i k = _mm256_sub_epi64(_mm256_castpd_si256(y), _mm256_castpd_si256(shifter));
  const __m256d frac = _mm256_i64gather_pd(
      kTables.exp2_frac, _mm256_and_si256(k, _mm256_set1_epi64x(kTableSize - 1)), 8);
  const __m256i scale = _mm256_slli_epi64(
      _mm256_srli_epi64(_mm256_add_epi64(k, _mm256_set1_epi64x(1023LL * kTableSize)), kTableBits),
      52);
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d p = _mm256_add_pd(
      _mm256_add_pd(_mm256_set1_pd(1.0), r),
      _mm256_mul_pd(
          r2, _mm256_add_pd(lin(0.5, 1.0 / 6, r), _mm256_mul_pd(r2, lin(1.0 / 24, 1.0 / 120, r)))));
  return _mm256_mul_pd(_mm256_mul_pd(frac, p), _mm256_castsi256_pd(scale));
}

using ArrayFn = void (*)(const double*, double*, size_t);

template <double (*Scalar)(double)>
void apply_scalar(const double* in, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = Scalar(in[i]);
}

template <__m256d (*Vector)(__m256d), double (*Scalar)(double)>
MUTSIM_AVX2 void apply_avx2(const double* in, double* out, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, Vector(_mm256_loadu_pd(in + i)));
  for (; i < n; ++i) out[i] = Scalar(in[i]);
}

struct ArrayFns {
  ArrayFn tan, log, exp;
};

ArrayFns pick_array_fns() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2"))
    return {apply_avx2<tan4, fast_tan>, apply_avx2<log4, fast_log>, apply_avx2<exp4, fast_exp>};
  return {apply_scalar<fast_tan>, apply_scalar<fast_log>, apply_scalar<fast_exp>};
}

const ArrayFns kArrayFns = pick_array_fns();

}  // namespace

void fast_tan_array(const double* in, double* out, size_t n) { kArrayFns.tan(in, out, n); }
void fast_log_array(const double* in, double* out, size_t n) { kArrayFns.log(in, out, n); }
void fast_exp_array(const double* in, double* out, size_t n) { kArrayFns.exp(in, out, n); }

// ---- BetaBatch ----------------------------------------------------------

BetaBatch::BetaBatch(std::vector<Shape> shapes) : shapes_(std::move(shapes)) {
  for (const Shape& sh : shapes_) {
    fast_ = fast_ && BetaFloat::supported(sh.alpha, sh.beta);
    // Shapes <= 1 get a placeholder: with one of them no gamma is used.
    gammas_.emplace_back(sh.alpha > 1.0 ? sh.alpha : 2.0);
    gammas_.emplace_back(sh.beta > 1.0 ? sh.beta : 2.0);
  }
}

namespace {

constexpr size_t kBatch = 64;

/// One entity in a batch: its stream, which gamma it is drawing (2 per
/// trait) and the first gamma of the current trait.
struct Slot {
  Stream stream;
  uint32_t gamma = 0;
  bool failed = false;
  double a = 0, a_error = 0;
};

/// n rounded up to whole vectors: the lanes past n hold earlier rounds'
/// values (or the zeros Round starts with), computed and ignored, so no
/// round ends in a scalar tail.
size_t padded(size_t n) { return (n + 3) & ~size_t{3}; }

/// The pending attempts of one round, by position in the active list.
/// Zero-initialised (Round r{}), so every lane holds a valid argument.
struct Round {
  size_t active[kBatch];
  double t[kBatch], y[kBatch];
  size_t tested[kBatch];  // positions whose x > 0: u2 is compared
  double x[kBatch], x_error[kBatch], ratio[kBatch], lg[kBatch], arg[kBatch], ex[kBatch];
  double sy[kBatch], u2[kBatch];
};
static_assert(kBatch % 4 == 0, "padded() must stay inside Round's arrays");

enum class Outcome : uint8_t { Retry, Tested, Failed, Done };

/// Boost's acceptance of a tested attempt (see GammaFast::draw).
Outcome decide(const GammaFast& g, const Round& r, size_t q, double y) {
  const double arg = g.shape_minus_1() * r.lg[q] - r.sy[q];
  const double arg_err = g.arg_error(r.x[q], r.x_error[q], r.lg[q], r.sy[q]);
  if (!(arg_err < 0.01) || arg > 700.0) return Outcome::Failed;
  if (arg < -700.0) return r.u2[q] > 0 ? Outcome::Retry : Outcome::Failed;
  const double rhs = (1.0 + y * y) * r.ex[q];
  const double rel = GammaFast::rhs_error(arg_err);
  if (r.u2[q] > rhs * (1.0 + rel)) return Outcome::Retry;
  return r.u2[q] < rhs * (1.0 - rel) ? Outcome::Done : Outcome::Failed;
}

/// Records an accepted gamma value: the trait's first, or with it the
/// trait's float. Failed when that float is too close to call.
Outcome accept(Slot& slot, double x, double x_error, size_t gammas, float* const* out, size_t j) {
  if (slot.gamma % 2 == 0) {
    slot.a = x, slot.a_error = x_error;
  } else {
    float value = 0;
    if (!beta_float(slot.a, slot.a_error, x, x_error, value)) return Outcome::Failed;
    out[slot.gamma / 2][j] = value;
  }
  return ++slot.gamma == gammas ? Outcome::Done : Outcome::Retry;
}

/// The x of every active entity's attempt; those with x > 0 draw u2 and
/// join r.tested. Returns how many did.
size_t attempt_x(Round& r, size_t active, std::vector<Slot>& slots,
                 const std::vector<GammaFast>& gammas, Outcome* outcome) {
  for (size_t p = 0; p < active; ++p) r.t[p] = kPi * (slots[r.active[p]].stream() * 0x1p-32);
  fast_tan_array(r.t, r.y, padded(active));
  size_t tested = 0;
  for (size_t p = 0; p < active; ++p) {
    Slot& slot = slots[r.active[p]];
    const GammaFast& g = gammas[slot.gamma];
    const double sy = g.sqrt_2shape_minus_1() * r.y[p];
    const double x = (sy + g.shape()) - 1.0, error = g.x_error(sy);
    if (!(x > error)) {
      outcome[p] = x < -error ? Outcome::Retry : Outcome::Failed;
      continue;
    }
    outcome[p] = Outcome::Tested;
    r.tested[tested] = p, r.x[tested] = x, r.x_error[tested] = error, r.sy[tested] = sy;
    r.u2[tested] = slot.stream() * 0x1p-32;
    r.ratio[tested++] = x / g.shape_minus_1();
  }
  return tested;
}

/// One attempt of every active entity's current gamma; returns how many
/// entities are still drawing, moved to the front of r.active in order.
size_t draw_round(Round& r, size_t active, std::vector<Slot>& slots,
                  const std::vector<GammaFast>& gammas, float* const* out, size_t start) {
  Outcome outcome[kBatch];
  const size_t tested = attempt_x(r, active, slots, gammas, outcome);
  fast_log_array(r.ratio, r.lg, padded(tested));
  for (size_t q = 0; q < tested; ++q) {
    const GammaFast& g = gammas[slots[r.active[r.tested[q]]].gamma];
    r.arg[q] = std::clamp(g.shape_minus_1() * r.lg[q] - r.sy[q], -700.0, 700.0);
  }
  fast_exp_array(r.arg, r.ex, padded(tested));
  for (size_t q = 0; q < tested; ++q) {
    const size_t p = r.tested[q];
    Slot& slot = slots[r.active[p]];
    outcome[p] = decide(gammas[slot.gamma], r, q, r.y[p]);
    if (outcome[p] == Outcome::Done)
      outcome[p] = accept(slot, r.x[q], r.x_error[q], gammas.size(), out, start + r.active[p]);
  }
  size_t still = 0;
  for (size_t p = 0; p < active; ++p) {
    if (outcome[p] == Outcome::Failed) slots[r.active[p]].failed = true;
    if (outcome[p] == Outcome::Retry) r.active[still++] = r.active[p];
  }
  return still;
}

}  // namespace

// Each round makes one attempt of every unfinished entity's current gamma:
// Boost's loop body, its tan, then log and exp over the whole round.
void BetaBatch::draw(const StreamKey& key, uint32_t first, size_t count, float* const* out) const {
  const size_t traits = shapes_.size();
  auto boost_draw = [&](uint32_t entity, size_t j) {
    Stream stream(key.seed, key.replicate, key.month, entity, key.purpose);
    for (size_t t = 0; t < traits; ++t)
      out[t][j] = static_cast<float>(
          boost::random::beta_distribution<double>(shapes_[t].alpha, shapes_[t].beta)(stream));
  };
  std::vector<Slot> slots;
  slots.reserve(kBatch);
  Round r{};
  for (size_t start = 0; start < count; start += kBatch) {
    const size_t n = std::min(kBatch, count - start);
    if (!fast_) {
      for (size_t j = start; j < start + n; ++j) boost_draw(first + static_cast<uint32_t>(j), j);
      continue;
    }
    slots.clear();
    for (size_t i = 0; i < n; ++i)
      slots.push_back({Stream(key.seed, key.replicate, key.month,
                              first + static_cast<uint32_t>(start + i), key.purpose)});
    size_t active = n;
    for (size_t i = 0; i < n; ++i) r.active[i] = i;
    while (active > 0) active = draw_round(r, active, slots, gammas_, out, start);
    for (size_t i = 0; i < n; ++i)
      if (slots[i].failed) boost_draw(first + static_cast<uint32_t>(start + i), start + i);
  }
}

}  // namespace mutsim
