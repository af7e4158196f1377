#pragma once
// Counter-based random streams. Every draw is a pure function of
// (seed, replicate, month, entity, purpose, draw index) through Philox4x32-10
// (Random123), so results do not depend on threads, processes or the order in
// which entities are visited. Streams feed Boost.Random distributions, whose
// algorithms are the same on every platform (unlike std:: distributions).
#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mutsim {

/// What a draw is for; each purpose gets streams of its own.
enum class Purpose : uint16_t {
  OrganisationSize = 1,
  ServiceSize,
  ServiceCulture,
  StaffTraits,
  InitialAttitude,
  AttitudeNoise,
  PipelineEntry,
  WholeOrganisationEntry,
  PipelineStage,
  BoardConsent,
  ContractAward,
  Retender,
  MutualFate,
  Growth,
  Pathfinder,
  LargeTrust,
};

/// Month value used for draws made while building the population.
inline constexpr uint16_t kSetupMonth = 0xFFFF;

/// A stream of 32-bit values for one (seed, replicate, month, entity, purpose).
/// Satisfies Boost.Random's UniformRandomNumberGenerator.
class Stream {
 public:
  using result_type = uint32_t;
  using Philox = r123::Philox4x32;

  Stream(uint64_t seed, uint32_t replicate, uint16_t month, uint32_t entity, Purpose purpose)
      : key_{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}},
        counter_{{0, entity, (static_cast<uint32_t>(month) << 16) | static_cast<uint32_t>(purpose),
                  replicate}} {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint32_t>::max(); }

  result_type operator()() {
    if (next_ == 4) {
      block_ = Philox()(counter_, key_);
      ++counter_[0];
      next_ = 0;
    }
    return block_[next_++];
  }

  /// Uniform in [0, 1) with 32 bits of resolution.
  double uniform() { return (*this)() * 0x1p-32; }

  /// true with probability p (p outside [0,1] is clamped by the comparison).
  bool bernoulli(double p) { return uniform() < p; }

 private:
  Philox::key_type key_;
  Philox::ctr_type counter_;
  Philox::ctr_type block_{};
  int next_ = 4;
};

inline double logistic(double logit) { return 1.0 / (1.0 + std::exp(-logit)); }

}  // namespace mutsim
