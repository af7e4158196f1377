#pragma once
// `mutsim sweep`, `mutsim merge` (docs/CLUSTER.md) and `mutsim ensemble`
// (a sweep over posterior draws, sim/calibration/ensemble.hpp). The subcommands only
// parse and call sim/sweep.
#include <CLI/CLI.hpp>
#include <functional>

namespace mutsim::cli {

struct SweepCommands {
  CLI::App* sweep;
  CLI::App* merge;
  CLI::App* ensemble;
  /// Runs whichever of the two was given; returns the exit status (0 ok,
  /// 1 runtime failure or some points failed, 2 bad input, 128 + signal).
  /// Catches its own exceptions and prints its own messages.
  std::function<int()> run;
};

SweepCommands add_sweep_commands(CLI::App& app);

}  // namespace mutsim::cli
