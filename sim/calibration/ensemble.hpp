#pragma once
// Posterior ensembles (issue 16): a scenario run over D draws from a
// calibration's posterior (its particles, resampled by weight) x R
// replicates. An ensemble is a sweep of `points` design whose points are
// the draws, so it inherits the sweep's part files and resume, its MPI
// scheduling and its independence of thread and rank counts (docs/CLUSTER.md);
// the generated sweep file records the posterior and the particle behind
// every draw (docs/OUTPUT.md, "Posterior ensembles").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"

namespace mutsim::calibration {

/// The posterior of a calibration file (format mutsim-calibration).
struct Posterior {
  std::string path;
  std::string fingerprint;  // of the particles, weights and parameter names
  std::vector<std::string> names;
  std::vector<double> lower, upper;
  std::vector<bool> integer;
  std::vector<double> particles;  // [N, K], row-major
  std::vector<double> weights;    // [N], normalised to sum 1
  size_t size() const { return weights.size(); }
  double value(size_t particle, size_t k) const { return particles[particle * names.size() + k]; }
};

/// Reads and checks a posterior: the format, every dataset readable and of
/// matching shape, weights finite, non-negative and not all zero, particles
/// finite and within their ranges. Throws IoError naming the file and the
/// object.
Posterior read_posterior(const std::string& path);

/// Systematic resampling: `draws` particle indices, each particle drawn
/// floor(D w) or ceil(D w) times, in ascending order; the one uniform
/// offset comes from Stream(seed, kEnsembleResampleRole, 0, 0,
/// Purpose::SweepDesign). The same seed and posterior give the same draws
/// for any scenario, which pairs a policy ensemble with the baseline's.
std::vector<uint32_t> resample(const Posterior& posterior, uint32_t draws, uint64_t seed);
inline constexpr uint32_t kEnsembleResampleRole = 7;

struct EnsembleRequest {
  std::string scenario_path;
  std::string posterior_path;
  std::string sweep_path;  // where the generated sweep file is (to be) written
  uint32_t draws = 100;
  std::optional<uint32_t> replicates;  // default: the scenario's run.replicates
  std::optional<uint64_t> seed;        // default: the scenario's run.seed
  std::vector<std::string> overrides;  // --set, applied to the scenario
};

struct Ensemble {
  Posterior posterior;
  std::vector<uint32_t> particles;  // the particle behind each draw (point)
  std::string sweep_text;           // the generated sweep file
  sweep::Sweep sweep;
};

/// Builds the ensemble's sweep; every draw is loaded as a scenario first,
/// so a posterior made for another scenario (a key it does not have, a
/// value outside the key's declared range) is refused (ConfigError naming
/// the key) before anything runs.
Ensemble make_ensemble(const EnsembleRequest& request);

}  // namespace mutsim::calibration
