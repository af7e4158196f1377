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

#include <functional>

#include "sim/engine/simulation.hpp"
#include "sim/io/h5/read.hpp"
#include "sim/io/provenance.hpp"
#include "sim/sweep/design.hpp"

namespace mutsim::sweep {

inline constexpr const char* kSweepFormat = "mutsim-sweep";
// 1.1: every dataset chunked with the Fletcher32 checksum; the netCDF view.
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

/// Reads a sweep file's header (tests, merge).
SweepHeader read_sweep_header(const std::string& path);

/// What a sweep file holds besides its header and /points: the months and
/// series, and a function that gives the R x T block of series k of row
/// `row` (NaN for a failed point), called in row order, then series order.
struct SweepContent {
  std::vector<std::string> dates;
  std::vector<SeriesInfo> series;
  std::function<void(size_t row, size_t k, double* out)> fill;
};

/// The bytes of a sweep file (the caller holds h5::library_mutex()).
std::vector<char> build_sweep_image(const std::string& name, const SweepHeader& header,
                                    const std::vector<PointRecord>& records,
                                    const SweepContent& content);

/// A sweep file read and checked: its header, rows, months and series (not
/// their values). Throws IoError naming the file and the object for a
/// damaged or inconsistent file (series dimensions against /points,
/// replicates and /time/date; a series of the header missing), ConfigError
/// for a file that is not a sweep file of this format.
struct SweepInput {
  std::string path;
  SweepHeader header;
  std::vector<PointRecord> records;
  std::vector<std::string> dates;
  std::vector<SeriesInfo> series;
};
SweepInput read_sweep_input(const h5::InputFile& file);

}  // namespace mutsim::sweep
