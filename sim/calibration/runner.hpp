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

/// ABC over the calibration's parameters and targets.
AbcResult run_calibration(const CalibrationConfig& config, const AbcCallbacks& callbacks = {});

struct SensitivityResult {
  MorrisDesign design;
  std::vector<double> points;          // [M * K] design points in parameter units
  std::vector<double> outputs;         // [M * O]
  std::vector<uint64_t> seeds;         // [M] model seed (one per trajectory: common random numbers)
  std::vector<MorrisIndices> indices;  // [O]
  std::vector<std::vector<uint32_t>> rank;  // [O][K], 1 = largest mu*
};

/// Morris screening of the sensitivity config's parameters on its outputs.
/// `on_progress(points_done, points_total)` after each batch.
SensitivityResult run_sensitivity(const SensitivityConfig& config,
                                  const std::atomic<int>* stop = nullptr,
                                  const std::function<void(size_t, size_t)>& on_progress = {});

/// Text table: target, observed, tolerance, simulated (weighted) median and
/// 90% interval over the posterior particles, within tolerance.
std::string format_fit_table(const CalibrationConfig& config, const AbcResult& result);
/// Text table: posterior median and 90% interval and prior range per parameter.
std::string format_posterior_table(const CalibrationConfig& config, const AbcResult& result);
/// Markdown table: per output, parameters ranked by mu* with mu and sigma.
std::string format_morris_table(const SensitivityConfig& config, const SensitivityResult& result);

}  // namespace mutsim::calibration
