#pragma once
// HDF5 files of `mutsim calibrate` (format "mutsim-calibration") and
// `mutsim sensitivity` (format "mutsim-sensitivity"); layouts in
// docs/CALIBRATION.md. Written like run files: built in memory, written to a
// temporary file beside the target and renamed only when complete, without
// object modification times.
#include <string>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/runner.hpp"

namespace mutsim::calibration {

inline constexpr const char* kCalibrationFormat = "mutsim-calibration";
inline constexpr const char* kSensitivityFormat = "mutsim-sensitivity";
inline constexpr const char* kCalibrationFormatVersion = "1.0";

/// Throws IoError; never leaves a partial file. Refuses to replace an
/// existing file unless `overwrite`.
void write_calibration_file(const std::string& path, const CalibrationConfig& config,
                            const AbcResult& result, bool overwrite);
void write_sensitivity_file(const std::string& path, const SensitivityConfig& config,
                            const SensitivityResult& result, bool overwrite);

}  // namespace mutsim::calibration
