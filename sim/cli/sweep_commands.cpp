#include "sim/cli/sweep_commands.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>

#include "sim/config/scenario.hpp"
#include "sim/sweep/design.hpp"
#include "sim/sweep/mpi_comm.hpp"
#include "sim/sweep/runner.hpp"
#include "sim/sweep/sweep_file.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

using namespace mutsim::sweep;

std::atomic<int> g_sweep_stop{0};

extern "C" void request_sweep_stop(int signal_number) { g_sweep_stop.store(signal_number); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = request_sweep_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGXFSZ, SIG_IGN);  // EFBIG is reported instead
}

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
};

std::string list_points(const std::vector<uint32_t>& points) {
  constexpr size_t kShown = 10;
  std::vector<uint32_t> shown(points.begin(),
                              points.begin() + static_cast<long>(std::min(points.size(), kShown)));
  return fmt::format("{}{}", fmt::join(shown, ", "), points.size() > kShown ? ", ..." : "");
}

/// Prints the error being handled and returns its exit status.
int report_current_exception() {
  const int code = exit_code_of_current_exception();
  try {
    throw;
  } catch (const PeerFailed&) {
    // another rank printed it
  } catch (const Interrupted& e) {
    std::cerr << fmt::format(
        "\nmutsim: stopped by signal {}; finished points are kept, run the "
        "same command again to resume\n",
        e.signal);
  } catch (const std::exception& e) {
    std::cerr << "mutsim: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "mutsim: internal error\n";
  }
  return code;
}

int sweep_command(const Args& args) {
  install_signal_handlers();
  std::unique_ptr<Ranks> ranks;
  try {
    ranks = std::make_unique<Ranks>();
  } catch (...) {
    return report_current_exception();
  }
  const bool root = ranks->rank() == 0;
  int code = 0;
  try {
    Sweep sweep;
    RunnerOptions options;
    ranks->collectively(
        [&] {
          SweepSettings settings;
          settings.overrides = args.overrides;
          if (args.seed >= 0) settings.seed = static_cast<uint64_t>(args.seed);
          if (args.replicates >= 0) settings.replicates = static_cast<uint32_t>(args.replicates);
          sweep = load_sweep_file(args.sweep_file, settings);
          options.shard = args.shard.empty() ? shard_from_environment() : parse_shard(args.shard);
        },
        exit_code_of_current_exception);
    options.output = args.output;
    options.force = args.force;
    options.fresh = args.fresh;
    options.threads = args.threads;
    options.progress = !args.quiet && isatty(STDERR_FILENO);
    options.stop = &g_sweep_stop;
    const size_t share = shard_points(sweep.points.size(), options.shard).size();
    if (root && !args.quiet)
      std::cerr << fmt::format(
          "mutsim: sweep {}: {} design, {} points{} x {} replicates of {}, seed {}{}\n",
          args.sweep_file, design_name(sweep.type), sweep.points.size(),
          options.shard.count > 1 ? fmt::format(" (shard {}/{}: {} points)", options.shard.index,
                                                options.shard.count, share)
                                  : "",
          sweep.replicates, sweep.base_path, sweep.seed,
          ranks->distributed() ? fmt::format(", {} MPI ranks", ranks->size()) : "");
    const auto started = std::chrono::steady_clock::now();
    const SweepOutcome outcome = run_sweep(sweep, options, *ranks);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (root && !args.quiet) {
      std::cerr << fmt::format(
          "mutsim: wrote {} ({} points, {} resumed from an earlier run, {:.1f} s)\n", args.output,
          outcome.points, outcome.resumed, seconds);
      if (ranks->distributed())
        std::cerr << fmt::format("mutsim: points run per rank: {}\n",
                                 fmt::join(outcome.points_per_rank, ", "));
    }
    if (root && outcome.failed > 0)
      std::cerr << fmt::format(
          "mutsim: {} of {} points failed (points {}); each error is in the `error` column of "
          "/points; the part files are kept in {}, so running the same command with --force "
          "retries only the failed points\n",
          outcome.failed, outcome.points, list_points(outcome.failed_points),
          parts_folder(args.output));
    code = outcome.failed > 0 ? 1 : 0;
  } catch (...) {
    code = report_current_exception();
  }
  ranks.reset();  // MPI_Finalize
  return code;
}

int merge_command(const Args& args) {
  try {
    const MergeReport report = merge_sweep_files(args.inputs, args.merge_output, args.merge_force);
    if (!args.merge_quiet)
      std::cerr << fmt::format("mutsim: wrote {} ({} points from {} files)\n", args.merge_output,
                               report.points, args.inputs.size());
    if (report.failed > 0) {
      std::cerr << fmt::format("mutsim: {} of {} points failed (points {}); see /points\n",
                               report.failed, report.points, list_points(report.failed_points));
      return 1;
    }
    return 0;
  } catch (...) {
    return report_current_exception();
  }
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

  SweepCommands commands{sweep, merge, nullptr};
  commands.run = [args, sweep, merge]() -> int {
    if (*sweep) return sweep_command(*args);
    if (*merge) return merge_command(*args);
    return 1;
  };
  return commands;
}

}  // namespace mutsim::cli
