#pragma once
// Reads a run file back (for `mutsim summary`, tests and tools). Refuses
// files that are not mutsim output or carry a newer major format version.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mutsim {

struct SeriesData {
  size_t replicates = 0;
  size_t months = 0;
  std::vector<double> values;  // row-major [replicate][month]
  double at(size_t replicate, size_t month) const { return values[replicate * months + month]; }
};

struct RunFile {
  std::string path;
  std::map<std::string, std::string> text;  // string root attributes
  uint64_t seed = 0;
  uint32_t replicates = 0;
  double scale = 1;
  double target_share = 0;
  std::vector<std::string> dates;
  std::map<std::string, SeriesData> series;
};

/// Throws IoError naming the file and the object for anything unreadable,
/// foreign, damaged (a checksum, a truncated file) or inconsistent (series
/// rows against the root attribute replicates, columns against /time/date,
/// a required object missing).
RunFile read_run_file(const std::string& path);

}  // namespace mutsim
