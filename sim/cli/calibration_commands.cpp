#include "sim/cli/calibration_commands.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/calibration/calibration_config.hpp"
#include "sim/calibration/calibration_io.hpp"
#include "sim/calibration/checkpoint.hpp"
#include "sim/calibration/distributed_pool.hpp"
#include "sim/calibration/runner.hpp"
#include "sim/cli/common.hpp"
#include "sim/sweep/mpi_comm.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

namespace fs = std::filesystem;
using sweep::Ranks;

constexpr const char* kAfterSignal =
    "progress is kept in the checkpoint; run the same command again to resume";

struct Args {
  std::string calibrate_config;
  std::string calibrate_output;
  std::string sensitivity_config;
  std::string sensitivity_output;
  std::string sensitivity_table;
  int threads = 0;
  bool force = false;
  bool fresh = false;
  bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Rank 0, before any work: true when `output` holds this configuration's
/// finished results (a resubmitted job then has nothing to do); refuses an
/// output of another configuration unless --force.
bool output_complete(const std::string& output, const char* format, const std::string& fingerprint,
                     bool force) {
  std::error_code ec;
  if (force || !fs::exists(output, ec)) {
    check_output_path(output, true);
    return false;
  }
  std::string found;
  try {
    found = calibration::output_fingerprint(output, format);
  } catch (const IoError& e) {
    throw ConfigError(fmt::format(
        "{}: exists and is not this configuration's output ({}); use --force to replace it, or "
        "another -o",
        output, e.what()));
  }
  if (found != fingerprint)
    throw ConfigError(fmt::format(
        "{}: exists, written by a different configuration (fingerprint {}, this run {}: the "
        "config file, its path as given, its base scenario or the mutsim build differ); use "
        "--force to replace it, or another -o",
        output, found, fingerprint));
  return true;
}

/// Rank 0: the lock, and the checkpoint to resume from (none with --fresh).
template <class Progress, class Read>
std::optional<Progress> open_checkpoint(const Args& a, const std::string& output,
                                        std::unique_ptr<calibration::RunLock>& lock, Read read) {
  lock = std::make_unique<calibration::RunLock>(output);
  const std::string path = calibration::checkpoint_path(output);
  std::error_code ec;
  if (a.fresh) fs::remove(path, ec);
  if (!fs::exists(path, ec)) return std::nullopt;
  return read(path);
}

/// Under MPI the other ranks may be evaluating or waiting for this one: only
/// MPI_Abort ends them all. One message: rank 0 speaks for a signal.
[[noreturn]] void abort_all_ranks(Ranks& ranks) {
  int code = kExitFailure;
  try {
    throw;
  } catch (const Interrupted& e) {
    code = kExitSignalBase + e.signal;
    if (ranks.rank() == 0)
      std::cerr << fmt::format("\nmutsim: stopped by signal {}; {}\n", e.signal, kAfterSignal);
  } catch (const std::exception& e) {
    code = exit_code_of_current_exception();
    std::cerr << fmt::format("mutsim: error (rank {}): {}\n", ranks.rank(), e.what());
  }
  ranks.abort_all(code);
  std::_Exit(code);  // MPI_Abort does not return; this is for its failure
}

/// Runs `root` on rank 0 and serves evaluations on the others; under MPI a
/// failure anywhere ends every rank.
template <class Root>
void distribute(Ranks& ranks, calibration::DistributedPool& pool, Root root) {
  try {
    if (ranks.rank() == 0) {
      root();
      pool.release();
    } else {
      pool.serve();
    }
  } catch (...) {
    if (ranks.distributed()) abort_all_ranks(ranks);
    throw;
  }
}

std::string ranks_note(const Ranks& ranks, const calibration::DistributedPool& pool) {
  if (!ranks.distributed())
    return fmt::format("{} thread{}", pool.slots(), pool.slots() == 1 ? "" : "s");
  return fmt::format("{} MPI ranks x {} threads", ranks.size(), pool.slots());
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

std::string describe_calibration(const Args& a, const calibration::CalibrationConfig& config) {
  const auto& s = config.abc;
  return fmt::format(
      "mutsim calibrate: {} ({}), {} parameters, {} targets, {} particles{}, seed {}, {} "
      "replicate(s) per evaluation",
      a.calibrate_config, config.method_name(), config.model.parameters.size(),
      config.targets.size(), s.particles,
      s.method == calibration::AbcMethod::Smc ? fmt::format(", up to {} generations", s.generations)
                                              : fmt::format(" of {} candidates", s.candidates),
      config.model.seed, config.model.replicates);
}

std::string describe_resume(const calibration::AbcProgress& p) {
  return fmt::format(
      "resuming from {} generation(s) completed and {} candidate(s) of the next evaluated{}",
      p.result.generations.size(), p.indices.size(), p.finished ? " (the run had finished)" : "");
}

/// Every rank: true (and rank 0 says so) when rank 0 found the job complete.
bool already_complete(Ranks& ranks, const Console& console, const char* command,
                      const std::string& output, const std::string& fingerprint, bool complete) {
  if (ranks.broadcast(complete ? 1 : 0) == 0) return false;
  console.note(fmt::format(
      "mutsim {}: {} is complete (written by this configuration, fingerprint {}); nothing to "
      "do (--force runs it again)",
      command, output, fingerprint));
  return true;
}

/// Rank 0, once the output is written: the checkpoint and the lock go.
void end_run(const std::string& output, calibration::RunLock& lock, const Ranks& ranks,
             const calibration::DistributedPool& pool, const Console& console) {
  std::error_code ec;
  fs::remove(calibration::checkpoint_path(output), ec);
  lock.finish();
  if (ranks.distributed())
    console.note(fmt::format("evaluations per rank in this run: {}",
                             fmt::join(pool.tasks_per_rank(), ", ")));
}

int calibrate(const Args& a, Ranks& ranks) {
  using namespace calibration;
  const bool root = ranks.rank() == 0;
  Console console(a.quiet || !root);
  const std::string& output = a.calibrate_output;
  CalibrationConfig config;
  std::string fingerprint;
  std::optional<AbcProgress> resume;
  std::unique_ptr<RunLock> lock;
  bool complete = false;
  ranks.collectively(
      [&] {
        config = load_calibration_config(a.calibrate_config);
        fingerprint = calibration_fingerprint(config);
        if (!root) return;
        complete = output_complete(output, kCalibrationFormat, fingerprint, a.force);
        if (!complete)
          resume = open_checkpoint<AbcProgress>(a, output, lock, [&](const std::string& path) {
            return read_abc_checkpoint(path, fingerprint, config);
          });
      },
      exit_code_of_current_exception);
  if (already_complete(ranks, console, "calibrate", output, fingerprint, complete)) return kExitOk;
  console.note(describe_calibration(a, config));
  if (resume) console.note("mutsim calibrate: " + describe_resume(*resume));
  const auto start = std::chrono::steady_clock::now();
  const auto& s = config.abc;
  const bool smc = s.method == AbcMethod::Smc;
  ProgressMeter meter(console, smc ? "generation 0" : "candidates",
                      smc ? s.particles : s.candidates, smc ? "particles accepted" : "evaluated");
  AbcCallbacks callbacks = calibration_progress(console, meter, s, start);
  const std::string checkpoint = checkpoint_path(output);
  callbacks.on_checkpoint = [&](const AbcProgress& p) {
    write_abc_checkpoint(checkpoint, fingerprint, config, p);
  };
  DistributedPool pool(ranks, calibration_task(config, &stop_flag()), a.threads,
                       config.model.parameters.size(), &stop_flag());
  if (root)
    console.note(fmt::format("mutsim calibrate: evaluating on {}", ranks_note(ranks, pool)));
  AbcResult result;
  distribute(ranks, pool, [&] {
    result = run_calibration(config, pool, callbacks, resume ? &*resume : nullptr);
  });
  if (!root) return kExitOk;
  console.end_progress();  // each generation's summary line has replaced its progress line
  write_calibration_file(output, config, result, a.force);
  console.note(fmt::format("mutsim calibrate: {}; {} model evaluations in {:.0f} s; wrote {}",
                           result.stop_reason, result.evaluations, seconds_since(start), output));
  end_run(output, *lock, ranks, pool, console);
  if (!a.quiet)
    std::cout << "Fit to the observed targets (posterior particles, weighted):\n"
              << format_fit_table(config, result) << "\nPosterior:\n"
              << format_posterior_table(config, result);
  return kExitOk;
}

std::string describe_sensitivity(const Args& a, const calibration::SensitivityConfig& config,
                                 const calibration::MorrisProgress* resume) {
  const size_t K = config.model.parameters.size();
  const size_t points = static_cast<size_t>(config.morris.trajectories) * (K + 1);
  std::string text = fmt::format(
      "mutsim sensitivity: {} (Morris), {} parameters, {} trajectories x {} points = {} "
      "evaluations, {} levels, seed {}",
      a.sensitivity_config, K, config.morris.trajectories, K + 1, points, config.morris.levels,
      config.model.seed);
  if (resume)
    text +=
        fmt::format("; resuming with {} of {} points evaluated", resume->indices.size(), points);
  return text;
}

int sensitivity(const Args& a, Ranks& ranks) {
  using namespace calibration;
  const bool root = ranks.rank() == 0;
  Console console(a.quiet || !root);
  const std::string& output = a.sensitivity_output;
  SensitivityConfig config;
  std::string fingerprint;
  std::optional<MorrisProgress> resume;
  std::unique_ptr<RunLock> lock;
  bool complete = false;
  ranks.collectively(
      [&] {
        config = load_sensitivity_config(a.sensitivity_config);
        fingerprint = sensitivity_fingerprint(config);
        if (!root) return;
        if (!a.sensitivity_table.empty()) check_output_path(a.sensitivity_table, true);
        complete = output_complete(output, kSensitivityFormat, fingerprint, a.force);
        if (!complete)
          resume = open_checkpoint<MorrisProgress>(a, output, lock, [&](const std::string& path) {
            return read_morris_checkpoint(path, fingerprint, config);
          });
      },
      exit_code_of_current_exception);
  if (already_complete(ranks, console, "sensitivity", output, fingerprint, complete))
    return kExitOk;
  const size_t K = config.model.parameters.size();
  console.note(describe_sensitivity(a, config, resume ? &*resume : nullptr));
  const auto start = std::chrono::steady_clock::now();
  const std::string checkpoint = checkpoint_path(output);
  ProgressMeter meter(console, "Morris points",
                      static_cast<double>(config.morris.trajectories) * static_cast<double>(K + 1),
                      "evaluated");
  SensitivityCallbacks callbacks;
  callbacks.stop = &stop_flag();
  callbacks.on_progress = [&meter](size_t done, size_t) { meter.update(double(done)); };
  callbacks.on_checkpoint = [&](const MorrisProgress& p) {
    write_morris_checkpoint(checkpoint, fingerprint, config, p);
  };
  DistributedPool pool(ranks, sensitivity_task(config, &stop_flag()), a.threads, K, &stop_flag());
  if (root)
    console.note(fmt::format("mutsim sensitivity: evaluating on {}", ranks_note(ranks, pool)));
  SensitivityResult result;
  distribute(ranks, pool, [&] {
    result = run_sensitivity(config, pool, callbacks, resume ? &*resume : nullptr);
  });
  if (!root) return kExitOk;
  meter.finish();
  write_sensitivity_file(output, config, result, a.force);
  const std::string table = format_morris_table(config, result);
  if (!a.sensitivity_table.empty()) write_file_atomically(a.sensitivity_table, table, true);
  console.note(fmt::format("mutsim sensitivity: {} model evaluations in {:.0f} s; wrote {}",
                           result.design.points(), seconds_since(start), output));
  end_run(output, *lock, ranks, pool, console);
  if (!a.quiet) std::cout << table;
  return kExitOk;
}

/// Creates the ranks (MPI only under an MPI launcher) and runs `command`.
int with_ranks(int (*command)(const Args&, Ranks&), const Args& a) {
  install_signal_handlers();
  std::unique_ptr<Ranks> ranks;
  const int code = guarded(
      [&] {
        ranks = std::make_unique<Ranks>();
        return command(a, *ranks);
      },
      kAfterSignal);
  ranks.reset();  // MPI_Finalize
  return code;
}

void add_common_options(CLI::App* command, Args& args) {
  command
      ->add_option("--threads", args.threads,
                   "worker threads per process (default: the cores of this process's share)")
      ->check(CLI::Range(1, 1024));
  command->add_flag("--force", args.force, "replace an existing output file");
  command->add_flag("--fresh", args.fresh,
                    "discard the checkpoint of an earlier run instead of resuming");
  command->add_flag("-q,--quiet", args.quiet, "print nothing but errors");
}

}  // namespace

CalibrationCommands add_calibration_commands(CLI::App& app) {
  auto args = std::make_shared<Args>();
  CalibrationCommands c;

  c.calibrate = app.add_subcommand(
      "calibrate",
      "fit free parameters to the observed patterns (ABC) and write them to HDF5 (resumable; "
      "MPI-aware under mpirun; see docs/CALIBRATION.md)");
  c.calibrate->add_option("config", args->calibrate_config, "calibration YAML file")->required();
  c.calibrate->add_option("-o,--output", args->calibrate_output, "output HDF5 file")->required();
  add_common_options(c.calibrate, *args);

  c.sensitivity = app.add_subcommand(
      "sensitivity",
      "Morris elementary-effects screening of parameters, written to HDF5 (resumable; "
      "MPI-aware under mpirun)");
  c.sensitivity->add_option("config", args->sensitivity_config, "sensitivity YAML file")
      ->required();
  c.sensitivity->add_option("-o,--output", args->sensitivity_output, "output HDF5 file")
      ->required();
  c.sensitivity->add_option("--table", args->sensitivity_table,
                            "also write the ranking as a Markdown table to this file");
  add_common_options(c.sensitivity, *args);

  c.run = [args, calibrate_cmd = c.calibrate, sensitivity_cmd = c.sensitivity]() -> int {
    if (calibrate_cmd->parsed()) return with_ranks(calibrate, *args);
    if (sensitivity_cmd->parsed()) return with_ranks(sensitivity, *args);
    return kExitBadInput;
  };
  return c;
}

}  // namespace mutsim::cli
