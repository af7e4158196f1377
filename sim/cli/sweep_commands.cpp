#include "sim/cli/sweep_commands.hpp"

#include <fmt/format.h>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "sim/calibration/ensemble.hpp"
#include "sim/cli/common.hpp"
#include "sim/config/scenario.hpp"
#include "sim/sweep/design.hpp"
#include "sim/sweep/merge.hpp"
#include "sim/sweep/mpi_comm.hpp"
#include "sim/sweep/runner.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

using namespace mutsim::sweep;

constexpr const char* kAfterSweepSignal =
    "finished points are kept, run the same command again to resume";

struct Args {
  // sweep
  std::string sweep_file;
  std::string output;
  std::vector<std::string> overrides;
  int64_t seed = -1;
  int64_t replicates = -1;
  int threads = 0;
  std::string shard;
  bool force = false;
  bool fresh = false;
  bool quiet = false;
  // merge
  std::vector<std::string> inputs;
  std::string merge_output;
  bool merge_force = false;
  bool merge_quiet = false;
  // ensemble (the sweep's options above apply too)
  std::string scenario;
  std::string posterior;
  int64_t draws = 100;
  bool ensemble = false;
};

/// The generated sweep file of an ensemble, beside its output.
std::string ensemble_sweep_path(const std::string& output) { return output + ".ensemble.yaml"; }

Sweep load_ensemble(const Args& args, std::string& sweep_text) {
  calibration::EnsembleRequest request;
  request.scenario_path = args.scenario;
  request.posterior_path = args.posterior;
  request.sweep_path = ensemble_sweep_path(args.output);
  request.draws = static_cast<uint32_t>(args.draws);
  request.overrides = args.overrides;
  if (args.seed >= 0) request.seed = static_cast<uint64_t>(args.seed);
  if (args.replicates >= 0) request.replicates = static_cast<uint32_t>(args.replicates);
  calibration::Ensemble ensemble = calibration::make_ensemble(request);
  sweep_text = std::move(ensemble.sweep_text);
  return std::move(ensemble.sweep);
}

Sweep load_sweep(const Args& args, RunnerOptions& options, Ranks& ranks,
                 std::string& ensemble_text) {
  Sweep sweep;
  ranks.collectively(
      [&] {
        options.shard = args.shard.empty() ? shard_from_environment() : parse_shard(args.shard);
        if (args.ensemble) {
          sweep = load_ensemble(args, ensemble_text);
          return;
        }
        SweepSettings settings;
        settings.overrides = args.overrides;
        if (args.seed >= 0) settings.seed = static_cast<uint64_t>(args.seed);
        if (args.replicates >= 0) settings.replicates = static_cast<uint32_t>(args.replicates);
        sweep = load_sweep_file(args.sweep_file, settings);
      },
      exit_code_of_current_exception);
  return sweep;
}

std::string describe_sweep(const Args& args, const Sweep& sweep, const RunnerOptions& options,
                           const Ranks& ranks) {
  const size_t share = shard_points(sweep.points.size(), options.shard).size();
  const std::string what =
      args.ensemble
          ? fmt::format("ensemble of posterior {}: {} draws", args.posterior, sweep.points.size())
          : fmt::format("sweep {}: {} design, {} points", args.sweep_file, design_name(sweep.type),
                        sweep.points.size());
  return fmt::format("{}{} x {} replicates of {}, seed {}{}", what,
                     options.shard.count > 1
                         ? fmt::format(" (shard {}/{}: {} points)", options.shard.index,
                                       options.shard.count, share)
                         : "",
                     sweep.replicates, sweep.base_path, sweep.seed,
                     ranks.distributed() ? fmt::format(", {} MPI ranks", ranks.size()) : "");
}

std::string progress_line(const SweepProgress& p) {
  std::string line = fmt::format("  points {}/{} done", p.done, p.total);
  if (p.resumed) line += fmt::format(" ({} from an earlier run)", p.resumed);
  if (p.failed) line += fmt::format(", {} failed", p.failed);
  line += fmt::format(", {:.2f} points/s", p.rate);
  if (p.eta_seconds >= 0) line += ", ETA " + format_duration(p.eta_seconds);
  return line;
}

void report_outcome(const Args& args, const SweepOutcome& outcome, double seconds,
                    const Ranks& ranks, const Console& console) {
  if (outcome.already_complete) {
    console.note(fmt::format(
        "{} is complete (written by this sweep, {} points{}); nothing to do (--force runs it "
        "again)",
        args.output, outcome.points,
        outcome.failed ? fmt::format(", {} failed", outcome.failed) : ""));
    if (outcome.failed > 0)
      std::cerr << fmt::format(
          "mutsim: {} of {} points failed (points {}); run with --force to retry them\n",
          outcome.failed, outcome.points, list_points(outcome.failed_points));
    return;
  }
  console.note(fmt::format("wrote {} ({} points, {} resumed from an earlier run, {:.1f} s)",
                           args.output, outcome.points, outcome.resumed, seconds));
  if (ranks.distributed())
    console.note(fmt::format("points run per rank: {}", fmt::join(outcome.points_per_rank, ", ")));
  if (outcome.failed > 0)
    std::cerr << fmt::format(
        "mutsim: {} of {} points failed (points {}); each error is in the `error` column of "
        "/points; the part files are kept in {}, so running the same command with --force "
        "retries only the failed points\n",
        outcome.failed, outcome.points, list_points(outcome.failed_points),
        parts_folder(args.output));
}

/// Under MPI the other ranks may be running or waiting for this one: only
/// MPI_Abort ends them all (with this rank's status). One message: rank 0
/// speaks for a signal, the failing rank for an error.
[[noreturn]] void abort_all_ranks(const RankStopped& stopped, Ranks& ranks) {
  int code = kExitFailure;
  try {
    std::rethrow_exception(stopped.reason);
  } catch (const Interrupted& e) {
    code = kExitSignalBase + e.signal;
    if (ranks.rank() == 0)
      std::cerr << fmt::format("\nmutsim: stopped by signal {}; finished points are kept\n",
                               e.signal);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("mutsim: error (rank {}): {}\n", ranks.rank(), e.what());
  }
  ranks.abort_all(code);
  std::_Exit(code);  // MPI_Abort does not return; this is for its failure
}

int run_sweep_command(const Args& args, Ranks& ranks) {
  Console console(args.quiet || ranks.rank() != 0);
  RunnerOptions options;
  std::string ensemble_text;
  const Sweep sweep = load_sweep(args, options, ranks, ensemble_text);
  options.output = args.output;
  options.force = args.force;
  options.fresh = args.fresh;
  options.threads = args.threads;
  options.stop = &stop_flag();
  options.exit_code_of_current_exception = exit_code_of_current_exception;
  if (console.shows_progress())
    options.on_progress = [&console](const SweepProgress& p) {
      console.progress(progress_line(p));
      if (p.final) console.end_progress();
    };
  console.note(describe_sweep(args, sweep, options, ranks));
  const auto started = std::chrono::steady_clock::now();
  SweepOutcome outcome;
  try {
    outcome = run_sweep(sweep, options, ranks);
  } catch (const RankStopped& stopped) {
    if (ranks.distributed()) abort_all_ranks(stopped, ranks);
    std::rethrow_exception(stopped.reason);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (ranks.rank() == 0) {
    // The ensemble's sweep file, named by the output's sweep_path: written
    // once the output is (an existing one is the same text).
    if (args.ensemble && (outcome.wrote_output || outcome.already_complete))
      write_file_atomically(ensemble_sweep_path(args.output), ensemble_text, true);
    report_outcome(args, outcome, seconds, ranks, console);
  }
  return outcome.failed > 0 ? kExitFailure : kExitOk;
}

int sweep_command(const Args& args) {
  install_signal_handlers();
  std::unique_ptr<Ranks> ranks;
  const int code = guarded(
      [&] {
        ranks = std::make_unique<Ranks>();
        return run_sweep_command(args, *ranks);
      },
      kAfterSweepSignal);
  ranks.reset();  // MPI_Finalize
  return code;
}

int merge_command(const Args& args) {
  return guarded([&] {
    const Console console(args.merge_quiet);
    const MergeReport report = merge_sweep_files(args.inputs, args.merge_output, args.merge_force);
    console.note(fmt::format("wrote {} ({} points from {} files)", args.merge_output, report.points,
                             args.inputs.size()));
    if (report.failed == 0) return kExitOk;
    std::cerr << fmt::format("mutsim: {} of {} points failed (points {}); see /points\n",
                             report.failed, report.points, list_points(report.failed_points));
    return kExitFailure;
  });
}

CLI::App* add_ensemble_subcommand(CLI::App& app, const std::shared_ptr<Args>& args) {
  auto* ensemble = app.add_subcommand(
      "ensemble",
      "run a scenario over draws from a calibration's posterior x replicates into one sweep "
      "file (resumable; MPI-aware; paired: the same posterior and seed give every scenario the "
      "same draws and seeds; see docs/CLUSTER.md)");
  ensemble->add_option("scenario", args->scenario, "scenario YAML file")->required();
  ensemble
      ->add_option("--posterior", args->posterior,
                   "calibration HDF5 file (mutsim calibrate) whose particles are the posterior")
      ->required();
  ensemble->add_option("--draws", args->draws, "posterior draws (systematic resampling)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  ensemble->add_option("-o,--output", args->output, "output HDF5 file (a sweep file)")->required();
  ensemble->add_option("--set", args->overrides, "override a value of the scenario: KEY=VALUE")
      ->allow_extra_args(false);
  ensemble
      ->add_option("--seed", args->seed,
                   "ensemble seed: resampling and point seeds (default: the scenario's run.seed)")
      ->check(CLI::Range(int64_t{0}, static_cast<int64_t>(kMaxSeed)));
  ensemble->add_option("--replicates", args->replicates, "replicates per draw")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  ensemble->add_option("--threads", args->threads, "worker threads per process")
      ->check(CLI::Range(1, 1024));
  ensemble->add_flag("--force", args->force, "replace an existing output file");
  ensemble->add_flag("--fresh", args->fresh,
                     "discard part files left by an earlier run instead of resuming");
  ensemble->add_flag("-q,--quiet", args->quiet, "print nothing but errors");

  return ensemble;
}

}  // namespace

SweepCommands add_sweep_commands(CLI::App& app) {
  auto args = std::make_shared<Args>();

  auto* sweep = app.add_subcommand(
      "sweep",
      "run a design of points x replicates over a base scenario into one HDF5 file "
      "(resumable; MPI-aware under mpirun; see docs/CLUSTER.md)");
  sweep->add_option("sweep", args->sweep_file, "sweep YAML file")->required();
  sweep->add_option("-o,--output", args->output, "output HDF5 file")->required();
  sweep
      ->add_option("--set", args->overrides,
                   "override a value of the base scenario: KEY.PATH=VALUE")
      ->allow_extra_args(false);
  sweep->add_option("--seed", args->seed, "sweep seed (overrides the sweep file's seed)")
      ->check(CLI::Range(int64_t{0}, static_cast<int64_t>(kMaxSeed)));
  sweep->add_option("--replicates", args->replicates, "replicates per point")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  sweep
      ->add_option("--threads", args->threads,
                   "worker threads per process (default: the cores of this process's share)")
      ->check(CLI::Range(1, 1024));
  sweep->add_option("--shard", args->shard,
                    "run only shard K of N (0-based, points p with p % N == K); default from "
                    "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT");
  sweep->add_flag("--force", args->force, "replace an existing output file");
  sweep->add_flag("--fresh", args->fresh,
                  "discard part files left by an earlier run instead of resuming");
  sweep->add_flag("-q,--quiet", args->quiet, "print nothing but errors");

  auto* merge = app.add_subcommand("merge",
                                   "join the shard files of one sweep into the file an unsharded "
                                   "sweep writes");
  merge->add_option("inputs", args->inputs, "shard files (mutsim sweep --shard K/N)")->required();
  merge->add_option("-o,--output", args->merge_output, "output HDF5 file")->required();
  merge->add_flag("--force", args->merge_force, "replace an existing output file");
  merge->add_flag("-q,--quiet", args->merge_quiet, "print nothing but errors");

  CLI::App* ensemble = add_ensemble_subcommand(app, args);

  SweepCommands commands{sweep, merge, ensemble, nullptr};
  commands.run = [args, sweep, merge, ensemble]() -> int {
    if (*sweep) return sweep_command(*args);
    if (*merge) return merge_command(*args);
    if (*ensemble) {
      args->ensemble = true;
      return sweep_command(*args);
    }
    return 1;
  };
  return commands;
}

}  // namespace mutsim::cli
