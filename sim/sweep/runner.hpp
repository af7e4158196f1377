#pragma once
// Runs the points of a sweep: resumably (one part file per finished point in
// OUT.parts/), in parallel (TBB inside a process, dynamic scheduling over
// MPI ranks), and assembles the output from the part files in point order.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
#include "sim/sweep/merge.hpp"
#include "sim/sweep/mpi_comm.hpp"
#include "sim/sweep/sweep_file.hpp"

namespace mutsim::sweep {

/// Shard `index` of `count` (0-based) takes the points p with p % count == index.
struct Shard {
  uint32_t index = 0;
  uint32_t count = 1;
};

/// Parses "K/N" (0 <= K < N); throws ConfigError.
Shard parse_shard(const std::string& text);
/// The shard from SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) and
/// SLURM_ARRAY_TASK_COUNT, or {0, 1} outside a Slurm array job.
Shard shard_from_environment();
std::vector<uint32_t> shard_points(size_t total, const Shard& shard);

/// What rank 0 knows of the sweep's progress, for the command line to show.
struct SweepProgress {
  size_t done = 0;          // points finished, this run and earlier ones
  size_t total = 0;         // points of this run's share
  size_t resumed = 0;       // finished by an earlier run
  size_t failed = 0;        // failed in this run on this rank
  double rate = 0;          // points per second in this run
  double eta_seconds = -1;  // -1: not known yet
  bool final = false;
};

struct RunnerOptions {
  std::string output;
  bool force = false;  // replace an existing output file
  bool fresh = false;  // discard part files of an earlier run
  int threads = 0;     // per rank; 0: the cores available to this rank
  Shard shard;
  const std::atomic<int>* stop = nullptr;
  /// Rank 0, at most twice a second and once at the end (none: no progress).
  std::function<void(const SweepProgress&)> on_progress;
  /// The exit status for the exception being handled, agreed between
  /// ranks when a collective step fails (sim/cli/common.hpp).
  std::function<int()> exit_code_of_current_exception = [] { return 1; };
};

/// run_sweep stopped this rank while other ranks may still be at work or
/// waiting for it: a part file that could not be written, or a signal.
/// `reason` is the IoError or Interrupted. Under MPI nothing but ending
/// every rank stops the others; the command line decides (sim/cli).
struct RankStopped {
  std::exception_ptr reason;
};

struct SweepOutcome {
  size_t points = 0;   // in this run's share (shard)
  size_t resumed = 0;  // already finished by an earlier run
  size_t failed = 0;
  std::vector<uint32_t> failed_points;
  bool wrote_output = false;             // rank 0 only
  bool already_complete = false;         // the output held this sweep's points: nothing was run
  std::vector<int64_t> points_per_rank;  // rank 0: points each rank ran in this run
};

/// The folder of part files of `output`.
std::string parts_folder(const std::string& output);
std::string part_file(const std::string& folder, uint32_t point);

/// Runs the sweep on every rank of `ranks`; rank 0 writes `options.output`.
/// Throws RankStopped when stopped by a signal (finished points are kept
/// for a resume) or a part file cannot be written; ConfigError, IoError or
/// PeerFailed when a collective step fails. Never prints, never exits.
SweepOutcome run_sweep(const Sweep& sweep, const RunnerOptions& options, Ranks& ranks);

}  // namespace mutsim::sweep
