#include "sim/io/hdf5_reader.hpp"

#include <fmt/format.h>
#include <cstdio>

#include "sim/io/h5/read.hpp"
#include "sim/io/h5/write.hpp"
#include "sim/io/provenance.hpp"

namespace mutsim {
namespace {

// Every object a run file has (docs/OUTPUT.md); a file without one of them
// is incomplete, whatever else it holds.
constexpr const char* kRequiredObjects[] = {"/time/date", "/series", "/events", "/organisations"};
constexpr const char* kTextAttributes[] = {
    "format",           "format_version", "mutsim_version", "git_commit",
    "library_versions", "scenario_path",  "scenario_yaml",  "effective_yaml",
    "overrides",        "target_date",    "routes"};

void check_format(const h5::InputFile& file) {
  if (!file.has_attribute("format") || file.text_attribute("format") != "mutsim")
    throw IoError(fmt::format("{}: not a mutsim output file", file.path()));
  const std::string version = file.text_attribute("format_version");
  int major = 0;
  if (std::sscanf(version.c_str(), "%d", &major) != 1)
    throw IoError(fmt::format("{}: unreadable format_version '{}'", file.path(), version));
  if (major > kFormatMajor)
    throw IoError(
        fmt::format("{}: format version {} is newer than this mutsim reads ({}.x); "
                    "use a newer mutsim",
                    file.path(), version, kFormatMajor));
}

/// Each series is [replicates, months]: the root attribute `replicates`
/// gives its rows, /time/date its columns.
SeriesData read_series(const h5::InputFile& file, const RunFile& run, const std::string& name) {
  const std::string object = "/series/" + name;
  const std::vector<hsize_t> dims = file.shape(object);
  if (dims.size() != 2) file.fail(object, "is not a table of replicates by months (2-D)");
  if (dims[0] != run.replicates)
    file.fail(object, "has a different number of rows from the root attribute replicates");
  if (dims[1] != run.dates.size())
    file.fail(object, "has a different number of columns from the months in /time/date");
  return SeriesData{dims[0], dims[1], file.doubles(object, dims)};
}

RunFile read_checked(const h5::InputFile& file) {
  check_format(file);
  for (const char* object : kRequiredObjects) file.require(object);
  RunFile run;
  run.path = file.path();
  for (const char* name : kTextAttributes) run.text[name] = file.text_attribute(name);
  run.seed = file.u64_attribute("seed");
  run.replicates = static_cast<uint32_t>(file.u64_attribute("replicates"));
  run.scale = file.f64_attribute("scale");
  run.target_share = file.f64_attribute("target_share");
  run.dates = file.texts("/time/date");
  if (run.dates.empty()) file.fail("/time/date", "holds no months");
  for (const auto& name : file.members("/series")) run.series[name] = read_series(file, run, name);
  if (run.series.empty()) file.fail("/series", "holds no series");
  // Last, so that a damaged chunk anywhere (the tables too) stops the read.
  file.verify_all();
  return run;
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  std::lock_guard lock(h5::library_mutex());
  try {
    return read_checked(h5::InputFile(path));
  } catch (const IoError& e) {
    const std::string message = e.what();
    if (message.starts_with(path)) throw;
    throw IoError(fmt::format("{}: {}", path, message));
  }
}

}  // namespace mutsim
