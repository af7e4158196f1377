#pragma once
// `mutsim calibrate` (ABC against the observed patterns) and
// `mutsim sensitivity` (Morris screening). commands.cpp adds them with
// add_calibration_commands and, after parsing, returns run() if either was
// chosen.
#include <CLI/CLI.hpp>
#include <functional>

namespace mutsim::cli {

struct CalibrationCommands {
  CLI::App* calibrate = nullptr;
  CLI::App* sensitivity = nullptr;
  /// Runs whichever of the two was parsed; returns the exit status (0 done,
  /// 1 runtime or output failure, 2 bad input, 128 + signal when stopped).
  /// Catches its own exceptions, so it is safe outside a try block.
  std::function<int()> run;
};

/// Declares both subcommands and their options on `app`.
CalibrationCommands add_calibration_commands(CLI::App& app);

}  // namespace mutsim::cli
