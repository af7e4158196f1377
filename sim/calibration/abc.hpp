#pragma once
// Approximate Bayesian computation over a box of uniform priors: rejection,
// and sequential Monte Carlo (ABC-SMC; Toni et al. 2009, with the adaptive
// kernel of Beaumont et al. 2009). Generic in the model: tests run it on toy
// models, sim/calibration/runner.cpp on mutsim.
//
// Determinism: candidate i of generation g draws its parameters and its
// model seed from Stream(seed, g, 0, i, CalibrationProposal / CalibrationSeed).
// Candidates are handed out in index order to an EvaluationPool (threads,
// MPI ranks) and their results accepted in index order, batch by batch of
// `batch_size`: a generation ends with the batch in which the N-th particle
// is accepted, whatever order evaluations finish in. Candidates evaluated
// past that batch (idle slots working ahead) are discarded. So the accepted
// particles do not depend on the number of threads or ranks, nor on a resume.
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "sim/calibration/pool.hpp"

namespace mutsim::calibration {

/// Independent uniform priors on [lower[k], upper[k]].
struct Box {
  std::vector<double> lower;
  std::vector<double> upper;
  size_t size() const { return lower.size(); }
  bool contains(const double* theta) const;
};

/// What one model evaluation returns: the simulated summaries (for the
/// record) and their distance to the observations.
struct Evaluation {
  double distance = 0;
  std::vector<double> simulated;
};

/// Evaluates the model at `theta` with model seed `seed`. Called
/// concurrently from TBB workers; must be thread-safe.
using EvaluateFn = std::function<Evaluation(const std::vector<double>& theta, uint64_t seed)>;

enum class AbcMethod { Rejection, Smc };

struct AbcSettings {
  AbcMethod method = AbcMethod::Smc;
  uint64_t seed = 0;
  uint32_t particles = 100;  // N accepted per generation
  uint32_t batch_size = 16;  // candidates evaluated in parallel before accepting in order
  // Rejection: evaluate `candidates` prior draws and keep the N closest
  // (and only those within `epsilon`, if finite).
  uint32_t candidates = 1000;
  // ABC-SMC.
  uint32_t generations = 4;  // at most, generation 0 (from the prior) included
  double quantile = 0.5;     // epsilon_g = this quantile of generation g-1's distances
  double min_epsilon = 0;    // stop after the generation whose epsilon reaches it
  // Stop once a generation shrinks epsilon by less than this fraction of
  // the one before (issue 15: "until epsilon shrinks by less than 5%"), but
  // not before `min_generations` generations; 0 never stops on it.
  double min_epsilon_shrink = 0;
  uint32_t min_generations = 1;
  double epsilon = std::numeric_limits<double>::infinity();  // generation 0 / rejection cut-off
  uint32_t max_evaluations_per_generation = 100000;          // give up a generation beyond this
};

struct Generation {
  double epsilon = 0;      // acceptance threshold used (rejection: the largest accepted distance)
  uint32_t evaluated = 0;  // candidates evaluated
  uint32_t accepted = 0;   // = particles
  double ess = 0;          // effective sample size of the weights, (sum w)^2 / sum w^2
  std::vector<double> particles;  // [accepted * K], row-major
  std::vector<double> distances;  // [accepted]
  std::vector<double> weights;    // [accepted], sum to 1
  std::vector<double> simulated;  // [accepted * S]
  std::vector<uint64_t> seeds;    // [accepted] model seeds
};

struct AbcResult {
  std::vector<Generation> generations;  // completed generations; the last is the posterior
  uint64_t evaluations = 0;             // including those of an abandoned generation
  std::string stop_reason;
  const Generation& posterior() const { return generations.back(); }
};

/// How far a run has come: what a checkpoint keeps and a resume starts from.
struct AbcProgress {
  AbcResult result;       // completed generations (and the evaluations they took)
  bool finished = false;  // result is final: stop_reason is set
  /// Candidates of the generation in progress (generation result.generations.size())
  /// already evaluated, and their values: [indices.size() * (1 + S)], distance then
  /// the S simulated summaries.
  std::vector<uint32_t> indices;
  std::vector<double> values;
};

struct AbcCallbacks {
  const std::atomic<int>* stop = nullptr;  // ends the run (Interrupted)
  std::function<void(uint32_t generation, const Generation&)> on_generation;
  std::function<void(uint32_t generation, uint32_t evaluated, uint32_t accepted)> on_batch;
  /// After each generation, and after each `batch_size` further results of
  /// the generation in progress: the state a resume needs.
  std::function<void(const AbcProgress&)> on_checkpoint;
};

/// Runs ABC. `simulated_size` is the length of Evaluation::simulated.
/// Throws std::invalid_argument on bad settings. Evaluates on the caller's
/// TBB arena (LocalPool).
AbcResult run_abc(const Box& prior, const EvaluateFn& evaluate, size_t simulated_size,
                  const AbcSettings& settings, const AbcCallbacks& callbacks = {});

/// Runs ABC on `pool`, whose tasks return [distance, simulated...] (see
/// abc_task), continuing from `resume` when given (a checkpoint of the same
/// settings and model).
AbcResult run_abc(const Box& prior, EvaluationPool& pool, size_t simulated_size,
                  const AbcSettings& settings, const AbcCallbacks& callbacks,
                  const AbcProgress* resume = nullptr);

/// A pool's task function from an EvaluateFn: [distance, simulated...].
TaskFn abc_task(EvaluateFn evaluate);

/// Model seed of candidate `index` in `generation`: 53 bits, so it is also a
/// valid run.seed for `mutsim run --seed`.
uint64_t candidate_seed(uint64_t seed, uint32_t generation, uint32_t index);

/// Weighted quantile: the smallest value whose normalised cumulative weight
/// reaches q (the inverse of the weighted empirical CDF). NaNs are skipped.
double weighted_quantile(std::vector<double> values, std::vector<double> weights, double q);

}  // namespace mutsim::calibration
