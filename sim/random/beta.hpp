#pragma once
// Boost's beta_distribution<double>, rounded to float, without its cost.
//
// Boost 1.74 draws Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b),
// and for shape > 1 each gamma is a rejection loop whose every attempt calls
// tan, log and exp (boost/random/gamma_distribution.hpp). Staff traits keep
// only the float of the result, which needs far less than the last bit of
// those calls. BetaFloat replays Boost's loop with its own fast tan, log and
// exp (series with error bounds tested against the C library's), carrying an
// error bound on every quantity: each decision (reject x <= 0, accept the
// attempt) is taken only when the bound makes it certain, and the float is
// returned only when every value within the bound rounds to it. Otherwise
// draw() says it cannot tell and the caller redraws from the stream's start
// with Boost itself (about one agent in 10,000). Either way the value is
// the float of what boost::random::beta_distribution<double> returns on that
// stream: tests/random/test_beta.cpp checks it on millions of draws.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/random/random.hpp"

namespace mutsim {

/// What a Stream is keyed by, but the entity.
struct StreamKey {
  uint64_t seed;
  uint32_t replicate;
  uint16_t month;
  Purpose purpose;
};

/// The fast path of one gamma distribution with shape > 1 (scale 1).
class GammaFast {
 public:
  explicit GammaFast(double shape);
  double shape() const { return shape_; }
  double shape_minus_1() const { return shape_minus_1_; }
  double sqrt_2shape_minus_1() const { return sqrt_2shape_minus_1_; }
  /// The bound on |x - Boost's x| for x = sqrt(2a - 1) y + a - 1 computed
  /// from an approximate y (sy = sqrt(2a - 1) y).
  double x_error(double sy) const;
  /// The relative error bound of (1 + y^2) exp(arg) and arg's own, from x,
  /// its error, log(x/(a-1)) and sy; see draw().
  double arg_error(double x, double x_error, double lg, double sy) const;
  static double rhs_error(double arg_error);
  /// Boost's gamma_distribution<double>(shape, 1) on `stream`: x and a bound
  /// on |x - Boost's x|; false when a decision was too close to call.
  bool draw(Stream& stream, double& x, double& error) const;

 private:
  double shape_, shape_minus_1_, sqrt_2shape_minus_1_;
};

/// The float of Boost's a / (a + b) from two gamma values and their error
/// bounds, or false when values within the bounds round to different floats.
bool beta_float(double a, double a_error, double b, double b_error, float& out);

/// Boost's beta_distribution<double>(alpha, beta) drawn from a Stream and
/// rounded to float, or "cannot tell" (false). Both shapes must be > 1 (the
/// only case with a fast path: supported()).
class BetaFloat {
 public:
  BetaFloat(double alpha, double beta);
  static bool supported(double alpha, double beta) { return alpha > 1.0 && beta > 1.0; }
  bool draw(Stream& stream, float& out) const;

 private:
  GammaFast a_, b_;
};

/// Boost's beta_distribution<double> for several traits drawn in turn from
/// one stream per entity (trait 0, then 1, ...), rounded to float: what
///   Stream s(seed, replicate, month, first + j, purpose);
///   out[t][j] = float(beta_distribution<double>(shapes[t])(s));   t = 0, 1, ...
/// gives, for j < count. Entities are processed in batches: the tan, log
/// and exp of every pending gamma attempt are computed together (AVX2 when
/// the CPU has it), the decisions per entity as in BetaFloat; an entity any
/// of whose decisions is too close to call is redrawn by Boost itself.
/// Shapes <= 1 have no fast path: then every entity is drawn by Boost.
class BetaBatch {
 public:
  struct Shape {
    double alpha, beta;
  };
  explicit BetaBatch(std::vector<Shape> shapes);
  void draw(const StreamKey& key, uint32_t first, size_t count, float* const* out) const;

 private:
  std::vector<Shape> shapes_;
  std::vector<GammaFast> gammas_;  // 2 per trait: alpha's, then beta's
  bool fast_ = true;
};

/// The approximations BetaFloat uses, exposed for their tests: tan(t) for t
/// in [0, pi), log(v) for finite v > 0, exp(v) for |v| < 700, each with
/// a relative error (log: absolute, per unit of 1 + |log v|) below the
/// bound the draws assume.
double fast_tan(double t);
double fast_log(double v);
double fast_exp(double v);
/// out[i] = the function of in[i] for i < n, four at a time where the CPU
/// has AVX2 (values within the same bounds as the scalar ones).
void fast_tan_array(const double* in, double* out, size_t n);
void fast_log_array(const double* in, double* out, size_t n);
void fast_exp_array(const double* in, double* out, size_t n);
inline constexpr double kFastTanRelError = 1e-13;
inline constexpr double kFastLogAbsError = 1e-14;
inline constexpr double kFastExpRelError = 1e-13;

}  // namespace mutsim
