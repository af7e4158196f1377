#pragma once
// Runs the points of a sweep: resumably (one part file per finished point in
// OUT.parts/), in parallel (TBB inside a process, dynamic scheduling over
// MPI ranks), and assembles the output from the part files in point order.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
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

struct RunnerOptions {
  std::string output;
  bool force = false;  // replace an existing output file
  bool fresh = false;  // discard part files of an earlier run
  bool progress = false;
  int threads = 0;  // per rank; 0: the cores available to this rank
  Shard shard;
  const std::atomic<int>* stop = nullptr;
};

struct SweepOutcome {
  size_t points = 0;   // in this run's share (shard)
  size_t resumed = 0;  // already finished by an earlier run
  size_t failed = 0;
  std::vector<uint32_t> failed_points;
  bool wrote_output = false;             // rank 0 only
  std::vector<int64_t> points_per_rank;  // rank 0: points each rank ran in this run
};

/// The folder of part files of `output`.
std::string parts_folder(const std::string& output);
std::string part_file(const std::string& folder, uint32_t point);

/// Exit status for the exception being handled: 2 bad input (ConfigError),
/// 128 + signal (Interrupted), a peer rank's status (PeerFailed), else 1.
int exit_code_of_current_exception();

/// Runs the sweep on every rank of `ranks`; rank 0 writes `options.output`.
/// Throws Interrupted when stopped (finished points are kept for a resume).
SweepOutcome run_sweep(const Sweep& sweep, const RunnerOptions& options, Ranks& ranks);

}  // namespace mutsim::sweep
