#include "sim/cli/calibration_commands.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/calibration_io.hpp"
#include "sim/calibration/runner.hpp"
#include "sim/cli/common.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

struct Args {
  std::string calibrate_config;
  std::string calibrate_output;
  std::string sensitivity_config;
  std::string sensitivity_output;
  std::string sensitivity_table;
  int threads = 0;
  bool force = false;
  bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Runs `body` in an arena of --threads workers (default: all cores).
template <class Body>
auto in_arena(int threads, Body body) {
  const int n = threads > 0 ? threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, n);
  tbb::task_arena arena(n);
  return arena.execute(body);
}

/// The progress line of a calibration: for ABC-SMC, the particles accepted
/// in the current generation (its ETA assumes the acceptance rate so far
/// holds); for rejection ABC, the candidates evaluated.
calibration::AbcCallbacks calibration_progress(Console& console, ProgressMeter& meter,
                                               const calibration::AbcSettings& s,
                                               std::chrono::steady_clock::time_point start) {
  calibration::AbcCallbacks callbacks;
  callbacks.stop = &stop_flag();
  const bool smc = s.method == calibration::AbcMethod::Smc;
  if (console.shows_progress())
    callbacks.on_batch = [&meter, smc, generation = -1L](uint32_t g, uint32_t evaluated,
                                                         uint32_t accepted) mutable {
      if (smc && long(g) != generation) {
        meter.restart(fmt::format("generation {}", g));
        generation = g;
      }
      meter.update(smc ? accepted : evaluated);
    };
  callbacks.on_generation = [&console, start](uint32_t g, const calibration::Generation& gen) {
    console.line(fmt::format(
        "  generation {}: epsilon {:.4g}, {} accepted of {} evaluated ({:.1f}%), ESS {:.1f}, "
        "{:.0f} s",
        g, gen.epsilon, gen.accepted, gen.evaluated,
        100.0 * gen.accepted / std::max<uint32_t>(1, gen.evaluated), gen.ess,
        seconds_since(start)));
  };
  return callbacks;
}

int calibrate(const Args& a) {
  using namespace calibration;
  const CalibrationConfig config = load_calibration_config(a.calibrate_config);
  check_output_path(a.calibrate_output, a.force);
  const auto& s = config.abc;
  Console console(a.quiet);
  console.note(
      fmt::format("mutsim calibrate: {} ({}), {} parameters, {} targets, {} particles{}, seed {}, "
                  "{} replicate(s) per evaluation",
                  a.calibrate_config, config.method_name(), config.model.parameters.size(),
                  config.targets.size(), s.particles,
                  s.method == AbcMethod::Smc ? fmt::format(", up to {} generations", s.generations)
                                             : fmt::format(" of {} candidates", s.candidates),
                  config.model.seed, config.model.replicates));
  const auto start = std::chrono::steady_clock::now();
  ProgressMeter meter(console, s.method == AbcMethod::Smc ? "generation 0" : "candidates",
                      s.method == AbcMethod::Smc ? s.particles : s.candidates,
                      s.method == AbcMethod::Smc ? "particles accepted" : "evaluated");
  const AbcCallbacks callbacks = calibration_progress(console, meter, s, start);
  install_signal_handlers();
  const AbcResult result = in_arena(a.threads, [&] { return run_calibration(config, callbacks); });
  console.end_progress();  // each generation's summary line has replaced its progress line
  write_calibration_file(a.calibrate_output, config, result, a.force);
  console.note(fmt::format("mutsim calibrate: {}; {} model evaluations in {:.0f} s; wrote {}",
                           result.stop_reason, result.evaluations, seconds_since(start),
                           a.calibrate_output));
  if (!a.quiet)
    std::cout << "Fit to the observed targets (posterior particles, weighted):\n"
              << format_fit_table(config, result) << "\nPosterior:\n"
              << format_posterior_table(config, result);
  return kExitOk;
}

int sensitivity(const Args& a) {
  using namespace calibration;
  const SensitivityConfig config = load_sensitivity_config(a.sensitivity_config);
  check_output_path(a.sensitivity_output, a.force);
  if (!a.sensitivity_table.empty()) check_output_path(a.sensitivity_table, true);
  const size_t K = config.model.parameters.size();
  const size_t points = static_cast<size_t>(config.morris.trajectories) * (K + 1);
  Console console(a.quiet);
  console.note(fmt::format(
      "mutsim sensitivity: {} (Morris), {} parameters, {} trajectories x {} points = {} "
      "evaluations, {} levels, seed {}",
      a.sensitivity_config, K, config.morris.trajectories, K + 1, points, config.morris.levels,
      config.model.seed));
  const auto start = std::chrono::steady_clock::now();
  install_signal_handlers();
  ProgressMeter meter(console, "Morris points", double(points), "evaluated");
  const SensitivityResult result = in_arena(a.threads, [&] {
    return run_sensitivity(config, &stop_flag(),
                           [&meter](size_t done, size_t) { meter.update(double(done)); });
  });
  meter.finish();
  write_sensitivity_file(a.sensitivity_output, config, result, a.force);
  const std::string table = format_morris_table(config, result);
  if (!a.sensitivity_table.empty()) write_file_atomically(a.sensitivity_table, table, true);
  console.note(fmt::format("mutsim sensitivity: {} model evaluations in {:.0f} s; wrote {}", points,
                           seconds_since(start), a.sensitivity_output));
  if (!a.quiet) std::cout << table;
  return kExitOk;
}

}  // namespace

CalibrationCommands add_calibration_commands(CLI::App& app) {
  auto args = std::make_shared<Args>();
  CalibrationCommands c;

  c.calibrate = app.add_subcommand(
      "calibrate", "fit free parameters to the observed patterns (ABC) and write them to HDF5");
  c.calibrate->add_option("config", args->calibrate_config, "calibration YAML file")->required();
  c.calibrate->add_option("-o,--output", args->calibrate_output, "output HDF5 file")->required();
  c.calibrate->add_option("--threads", args->threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  c.calibrate->add_flag("--force", args->force, "replace an existing output file");
  c.calibrate->add_flag("-q,--quiet", args->quiet, "print nothing but errors");

  c.sensitivity = app.add_subcommand(
      "sensitivity", "Morris elementary-effects screening of parameters, written to HDF5");
  c.sensitivity->add_option("config", args->sensitivity_config, "sensitivity YAML file")
      ->required();
  c.sensitivity->add_option("-o,--output", args->sensitivity_output, "output HDF5 file")
      ->required();
  c.sensitivity->add_option("--table", args->sensitivity_table,
                            "also write the ranking as a Markdown table to this file");
  c.sensitivity->add_option("--threads", args->threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  c.sensitivity->add_flag("--force", args->force, "replace an existing output file");
  c.sensitivity->add_flag("-q,--quiet", args->quiet, "print nothing but errors");

  c.run = [args, calibrate_cmd = c.calibrate, sensitivity_cmd = c.sensitivity]() -> int {
    if (calibrate_cmd->parsed()) return guarded([&] { return calibrate(*args); });
    if (sensitivity_cmd->parsed()) return guarded([&] { return sensitivity(*args); });
    return kExitBadInput;
  };
  return c;
}

}  // namespace mutsim::cli
