#pragma once
// Counter-based random streams. Every draw is a pure function of
// (seed, replicate, month, entity, purpose, draw index) through Philox4x32-10
// (Random123), so results do not depend on threads, processes or the order in
// which entities are visited. Streams feed Boost.Random distributions, whose
// algorithms are the same on every platform (unlike std:: distributions).
#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstddef>
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
  // Calibration and sensitivity analysis (sim/calibration): keyed by
  // (seed, generation or 0, 0, candidate or trajectory, purpose).
  CalibrationProposal,
  CalibrationSeed,
  MorrisDesign,
  // Sweeps (sim/sweep): point seeds keyed by (sweep seed, 0, 0, point index);
  // Latin hypercube and Sobol draws keyed by (design seed, role, 0, dimension).
  SweepPoint,
  SweepDesign,
  // Organisation sampling at population.scale < 1 (sim/model/population):
  // keyed by (seed, replicate, kSetupMonth, organisation).
  OrganisationSample,
  // The support fund's last, partial grant in real-world units
  // (sim/model/pipeline): keyed by (seed, replicate, month, proposal).
  FundGrant,
  // A route's wind-down closures (sim/model/pipeline): (seed, replicate,
  // month, proposal).
  RouteWindDown,
  // The form a proposal takes (sim/model/forms): (seed, replicate, month,
  // proposal).
  FormChoice,
  // A service unit's service line (sim/model/service_lines): keyed by
  // (seed, 0, kSetupMonth, unit of the frame), so the same at any scale.
  ServiceLine,
  // An organisation's successor type at divestment (sim/model/programmes):
  // keyed by (seed, 0, kSetupMonth, organisation of the frame), so the same
  // at every scale, replicate and thread count.
  DivestSuccessor,
  // The host organisation of an initial mutual (sim/model/initial_mutuals):
  // keyed by (seed, 0, kSetupMonth, row), the same at every scale.
  InitialMutualHost,
};

/// Month value used for draws made while building the population.
inline constexpr uint16_t kSetupMonth = 0xFFFF;

/// The first Philox block (the first four draws) of the streams of up to
/// kMax consecutive entities that share seed, replicate, month and purpose.
/// Filled by philox_first_blocks(); word[w][j] is draw w of entity first + j.
struct FirstBlocks {
  static constexpr size_t kMax = 256;
  alignas(64) uint32_t word[4][kMax];
};

/// Computes the first blocks of entities [first, first + count), count <=
/// FirstBlocks::kMax: exactly the values Stream(seed, replicate, month,
/// first + j, purpose) draws first. The hot loop draws about one value per
/// agent, so one Philox block per agent is most of its cost; computed here
/// across entities it vectorises (AVX-512 or AVX2, chosen at run time, else scalar).
/// Philox is integer arithmetic only, so every instruction set gives the same
/// bits. benchmarks/ measures it against the scalar Stream (docs/PERFORMANCE.md).
void philox_first_blocks(uint64_t seed, uint32_t replicate, uint16_t month, Purpose purpose,
                         uint32_t first, size_t count, FirstBlocks& out);

/// The same without vector instructions, for tests and benchmarks.
void philox_first_blocks_scalar(uint64_t seed, uint32_t replicate, uint16_t month, Purpose purpose,
                                uint32_t first, size_t count, FirstBlocks& out);

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

  /// The same stream, its first block taken from `blocks` (entity `entity`
  /// at position j, filled by philox_first_blocks): draws are identical to
  /// the constructor above, without computing block 0 again.
  Stream(uint64_t seed, uint32_t replicate, uint16_t month, uint32_t entity, Purpose purpose,
         const FirstBlocks& blocks, size_t j)
      : Stream(seed, replicate, month, entity, purpose) {
    block_ = {{blocks.word[0][j], blocks.word[1][j], blocks.word[2][j], blocks.word[3][j]}};
    counter_[0] = 1;
    next_ = 0;
  }

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
