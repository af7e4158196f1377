#pragma once
// Joining sweep files: the part files of one run, or the shard files of one
// sweep, into the file an unsharded sweep writes (sim/sweep/sweep_file.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mutsim::sweep {

struct MergeReport {
  size_t points = 0;
  size_t failed = 0;
  std::vector<uint32_t> failed_points;
};

/// Joins sweep files (parts or shards of one sweep) into `output`, rows in
/// point order. With `expected`, exactly those points; else every point of
/// the design. Throws ConfigError for inputs that do not belong together or
/// miss points, IoError for unreadable, damaged or unwritable files.
MergeReport merge_sweep_files(const std::vector<std::string>& inputs, const std::string& output,
                              bool overwrite,
                              const std::optional<std::vector<uint32_t>>& expected = std::nullopt);

/// "3, 5, 9" or, past ten, the first ten and "...".
std::string list_points(const std::vector<uint32_t>& points);

}  // namespace mutsim::sweep
