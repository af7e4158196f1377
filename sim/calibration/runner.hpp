#pragma once
// Calibration and sensitivity analysis of mutsim: the model evaluation (a
// run of the base scenario with parameter overrides, read into targets or
// outputs) and the two drivers behind `mutsim calibrate` and
// `mutsim sensitivity`.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/morris.hpp"

namespace mutsim::calibration {

/// Runs the base scenario (plus fixed overrides) at a parameter vector and
/// reads quantities from the run. Thread-safe; each call runs its
/// replicates with run_simulation(threads = 0), inside the caller's arena.
class ModelEvaluator {
 public:
  ModelEvaluator(const ModelSetup& setup, std::vector<Quantity> quantities);
  /// One value per quantity (NaN where undefined), the mean over the setup's replicates.
  std::vector<double> evaluate(const std::vector<double>& theta, uint64_t seed,
                               const std::atomic<int>* stop = nullptr) const;
  Box box() const;

 private:
  const ModelSetup& setup_;
  std::vector<Quantity> quantities_;
};

/// One evaluation of the calibration: [distance, simulated targets...].
TaskFn calibration_task(const CalibrationConfig& config, const std::atomic<int>* stop = nullptr);

/// ABC over the calibration's parameters and targets, on the caller's arena.
AbcResult run_calibration(const CalibrationConfig& config, const AbcCallbacks& callbacks = {});
/// The same on `pool` (tasks: calibration_task), from `resume` when given.
AbcResult run_calibration(const CalibrationConfig& config, EvaluationPool& pool,
                          const AbcCallbacks& callbacks, const AbcProgress* resume = nullptr);

struct SensitivityResult {
  MorrisDesign design;
  std::vector<double> points;          // [M * K] design points in parameter units
  std::vector<double> outputs;         // [M * O]
  std::vector<uint64_t> seeds;         // [M] model seed (one per trajectory: common random numbers)
  std::vector<MorrisIndices> indices;  // [O]
  std::vector<std::vector<uint32_t>> rank;  // [O][K], 1 = largest mu*
};

/// Design points evaluated so far: what a checkpoint keeps and a resume
/// starts from. values: [indices.size() * O].
struct MorrisProgress {
  std::vector<uint32_t> indices;
  std::vector<double> values;
};

struct SensitivityCallbacks {
  const std::atomic<int>* stop = nullptr;
  /// (points done, points in the design) after each result.
  std::function<void(size_t, size_t)> on_progress;
  /// After every `batch_size` results, and once when every point is done.
  std::function<void(const MorrisProgress&)> on_checkpoint;
};

/// One evaluation of the sensitivity run: its outputs at a design point.
TaskFn sensitivity_task(const SensitivityConfig& config, const std::atomic<int>* stop = nullptr);

/// Morris screening of the sensitivity config's parameters on its outputs,
/// on the caller's arena. `on_progress(points_done, points_total)`.
SensitivityResult run_sensitivity(const SensitivityConfig& config,
                                  const std::atomic<int>* stop = nullptr,
                                  const std::function<void(size_t, size_t)>& on_progress = {});
/// The same on `pool` (tasks: sensitivity_task), from `resume` when given.
/// Design points are handed out in index order; each point's outputs
/// depend only on its index, so the result does not depend on the pool.
SensitivityResult run_sensitivity(const SensitivityConfig& config, EvaluationPool& pool,
                                  const SensitivityCallbacks& callbacks,
                                  const MorrisProgress* resume = nullptr);

/// Text table: target, observed, tolerance, simulated (weighted) median and
/// 90% interval over the posterior particles, within tolerance.
std::string format_fit_table(const CalibrationConfig& config, const AbcResult& result);
/// Text table: posterior median and 90% interval and prior range per parameter.
std::string format_posterior_table(const CalibrationConfig& config, const AbcResult& result);
/// Markdown table: per output, parameters ranked by mu* with mu and sigma.
std::string format_morris_table(const SensitivityConfig& config, const SensitivityResult& result);

}  // namespace mutsim::calibration
