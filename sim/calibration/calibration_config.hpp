#pragma once
// The YAML of a calibration run (mutsim calibrate) and of a sensitivity run
// (mutsim sensitivity), read strictly: unknown or duplicate keys, values out
// of range and parameters the base scenario does not accept are ConfigError
// with file:line:column and the key path, like the scenario loader.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/morris.hpp"
#include "sim/calibration/targets.hpp"
#include "sim/config/loader.hpp"

namespace mutsim::calibration {

/// A free parameter: a scenario key path varied over [lower, upper].
struct FreeParameter {
  std::string key;
  double lower = 0;
  double upper = 1;
  bool integer = false;  // round to the nearest whole number (integer scenario keys)
  std::string source;    // where the range comes from
};

/// What calibration and sensitivity runs share: the model they evaluate.
struct ModelSetup {
  std::string config_path;                   // the calibration or sensitivity YAML, as given
  std::string config_text;                   // its text
  std::string base_scenario_path;            // resolved against the config file's folder
  std::string base_scenario_text;            // the base scenario's text
  std::vector<std::string> fixed_overrides;  // "key.path=value", applied before the parameters
  std::vector<FreeParameter> parameters;
  uint64_t seed = 0;
  uint32_t replicates = 1;  // replicates per model evaluation
  uint32_t batch_size = 16;
  LoadedScenario reference;  // base + fixed overrides, parameters as in the base
};

struct CalibrationConfig {
  ModelSetup model;
  std::vector<Target> targets;
  AbcSettings abc;  // seed and batch_size copied from `model`
  double undefined_penalty = 2;
  std::string method_name() const;  // "abc-smc" or "abc-rejection"
};

struct SensitivityConfig {
  ModelSetup model;
  std::vector<Quantity> outputs;
  MorrisSettings morris;  // seed copied from `model`
};

CalibrationConfig load_calibration_config(const std::string& path);
CalibrationConfig load_calibration_text(const std::string& text, const std::string& name);
SensitivityConfig load_sensitivity_config(const std::string& path);
SensitivityConfig load_sensitivity_text(const std::string& text, const std::string& name);

/// The override "key=value" for a parameter value (17 significant digits,
/// rounded first for integer parameters).
std::string parameter_override(const FreeParameter& p, double value);
/// The value as that override writes it: a whole number for an integer
/// parameter, else 17 significant digits (exact for a double).
std::string parameter_value_text(double value, bool integer);

}  // namespace mutsim::calibration
