#pragma once
// Checkpoints of `mutsim calibrate` and `mutsim sensitivity`: OUT.checkpoint
// beside the output, an HDF5 file (formats "mutsim-calibration-checkpoint"
// and "mutsim-sensitivity-checkpoint", layout in docs/CALIBRATION.md)
// written whole through write_file_atomically after every generation and
// every batch of results, so after kill -9 it holds the last state saved.
// It carries the configuration's fingerprint: a resume with a different
// configuration is refused (ConfigError), never mixed in.
#include <string>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/runner.hpp"

namespace mutsim::calibration {

inline constexpr const char* kCalibrationCheckpointFormat = "mutsim-calibration-checkpoint";
inline constexpr const char* kSensitivityCheckpointFormat = "mutsim-sensitivity-checkpoint";

std::string checkpoint_path(const std::string& output);

/// What identifies a run's results: the mutsim build (version, commit,
/// libraries), the config file (path as given, text) and the base scenario
/// (path, text). Threads and MPI ranks are not part of it.
std::string calibration_fingerprint(const CalibrationConfig& config);
std::string sensitivity_fingerprint(const SensitivityConfig& config);

void write_abc_checkpoint(const std::string& path, const std::string& fingerprint,
                          const CalibrationConfig& config, const AbcProgress& progress);
/// Throws ConfigError when the checkpoint belongs to another configuration,
/// IoError when it cannot be read (damaged, not a checkpoint).
AbcProgress read_abc_checkpoint(const std::string& path, const std::string& fingerprint,
                                const CalibrationConfig& config);

void write_morris_checkpoint(const std::string& path, const std::string& fingerprint,
                             const SensitivityConfig& config, const MorrisProgress& progress);
MorrisProgress read_morris_checkpoint(const std::string& path, const std::string& fingerprint,
                                      const SensitivityConfig& config);

/// The `config_fingerprint` of an existing calibration or sensitivity
/// output of `format`; throws IoError when the file is not one.
std::string output_fingerprint(const std::string& path, const std::string& format);

}  // namespace mutsim::calibration

namespace mutsim::calibration {

/// An exclusive lock (flock on OUT.checkpoint.lock) held while a run works
/// on OUT, so two runs cannot write one checkpoint; taking it also removes
/// the temporary files of killed writers (OUT.tmp-*, OUT.checkpoint.tmp-*).
/// Throws IoError when another run holds it.
class RunLock {
 public:
  explicit RunLock(const std::string& output);
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();
  /// The run is over: removes the lock file and releases the lock.
  void finish();

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace mutsim::calibration
