#pragma once
// Sweep files (layout in docs/CLUSTER.md). One format serves three uses: a
// part file holds one finished point, a shard file the points of one shard,
// the sweep file all points. Every one is written by the same code from
// data in point order, so the routes (one process, MPI ranks, shards merged)
// give byte-identical files.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/simulation.hpp"
#include "sim/io/provenance.hpp"
#include "sim/sweep/design.hpp"

namespace mutsim::sweep {

inline constexpr const char* kSweepFormat = "mutsim-sweep";
inline constexpr const char* kSweepFormatVersion = "1.1";

/// The root attributes: what the sweep is, identical in every file of one sweep.
struct SweepHeader {
  std::string mutsim_version, git_commit, library_versions;
  std::string sweep_path, sweep_yaml, design;
  uint64_t seed = 0;
  uint32_t replicates = 0;
  uint32_t points_total = 0;
  std::vector<Parameter> parameters;
  Provenance scenario;  // the base scenario after the sweep's --set overrides
  /// Hash of everything above and of every point's --set arguments: files
  /// of one sweep share it; resume and merge refuse files that do not.
  std::string fingerprint;
};

SweepHeader make_header(const Sweep& sweep);

/// One row of /points.
struct PointRecord {
  uint32_t point = 0;
  uint64_t seed = 0;
  bool ok = false;
  std::string error;                // empty when ok
  std::string overrides;            // the point's --set arguments, one per line
  std::vector<std::string> values;  // YAML text per parameter
  std::vector<double> numbers;      // per parameter (numeric parameters)
};

PointRecord make_record(const Point& point);

/// Writes the part file of one point: its series when `result` is given,
/// else (a failed point) only its row with the error.
void write_point_file(const std::string& path, const SweepHeader& header, const PointRecord& record,
                      const RunResult* result);

/// The fingerprint and status of a part file; nullopt if it cannot be read.
struct PartStatus {
  std::string fingerprint;
  bool ok = false;
};
std::optional<PartStatus> read_part_status(const std::string& path);

struct MergeReport {
  size_t points = 0;
  size_t failed = 0;
  std::vector<uint32_t> failed_points;
};

/// Joins sweep files (parts or shards of one sweep) into `output`, rows in
/// point order. With `expected`, exactly those points; else every point of
/// the design. Throws ConfigError for inputs that do not belong together or
/// miss points, IoError for unreadable or unwritable files.
MergeReport merge_sweep_files(const std::vector<std::string>& inputs, const std::string& output,
                              bool overwrite,
                              const std::optional<std::vector<uint32_t>>& expected = std::nullopt);

/// Reads a sweep file's header (tests, merge).
SweepHeader read_sweep_header(const std::string& path);

}  // namespace mutsim::sweep
