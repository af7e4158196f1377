#include "sim/sweep/sweep_file.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "sim/io/h5/write.hpp"
#include "sim/io/netcdf_dims.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"
#include "sim/util/fingerprint.hpp"

namespace mutsim::sweep {
namespace {

using h5::Handle;

constexpr const char* kStatusOk = "ok";
constexpr const char* kStatusFailed = "failed";
constexpr size_t kDateSize = 7;  // YYYY-MM

std::string join_lines(const std::vector<std::string>& lines) {
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) out.push_back(line);
  return out;
}

std::string header_fingerprint(const SweepHeader& h, const std::vector<std::string>& extra) {
  Fingerprint f;
  f.add(kSweepFormat);
  f.add(kSweepFormatVersion);
  for (const auto* text : {&h.mutsim_version, &h.git_commit, &h.library_versions, &h.sweep_path,
                           &h.sweep_yaml, &h.design})
    f.add(*text);
  f.add(h.seed);
  f.add(h.replicates);
  f.add(h.points_total);
  for (const auto& p : h.parameters) f.add(p.path + (p.numeric ? ":number" : ":yaml"));
  const Provenance& s = h.scenario;
  for (const auto* text : {&s.scenario_path, &s.scenario_yaml, &s.effective_yaml, &s.overrides,
                           &s.target_date, &s.routes})
    f.add(*text);
  f.add(fmt::format("{} {}", s.scale, s.target_share));
  for (const auto& e : extra) f.add(e);
  return f.hex();
}

/// The header's text attributes and the fields they hold, in file order,
/// for writing (`H` const) and reading alike.
template <class H>
auto text_fields(H& h) {
  using Text = std::conditional_t<std::is_const_v<H>, const std::string, std::string>;
  return std::array<std::pair<const char*, Text*>, 13>{
      {{"mutsim_version", &h.mutsim_version},
       {"git_commit", &h.git_commit},
       {"library_versions", &h.library_versions},
       {"sweep_fingerprint", &h.fingerprint},
       {"sweep_path", &h.sweep_path},
       {"sweep_yaml", &h.sweep_yaml},
       {"design", &h.design},
       {"scenario_path", &h.scenario.scenario_path},
       {"scenario_yaml", &h.scenario.scenario_yaml},
       {"effective_yaml", &h.scenario.effective_yaml},
       {"overrides", &h.scenario.overrides},
       {"target_date", &h.scenario.target_date},
       {"routes", &h.scenario.routes}}};
}

// ------------------------------------------------------------ writing

void write_header(hid_t file, const SweepHeader& h, const std::vector<SeriesInfo>& series) {
  h5::write_text_attribute(file, "format", kSweepFormat);
  h5::write_text_attribute(file, "format_version", kSweepFormatVersion);
  for (const auto& [name, text] : text_fields(h)) h5::write_text_attribute(file, name, *text);
  h5::write_u64_attribute(file, "seed", h.seed);
  h5::write_u32_attribute(file, "replicates", h.replicates);
  h5::write_u32_attribute(file, "points_total", h.points_total);
  std::vector<std::string> names, kinds, series_names;
  for (const auto& p : h.parameters) {
    names.push_back(p.path);
    kinds.push_back(p.numeric ? "number" : "yaml");
  }
  for (const auto& s : series) series_names.push_back(s.name);
  h5::write_text_attribute(file, "parameters", join_lines(names));
  h5::write_text_attribute(file, "parameter_kinds", join_lines(kinds));
  h5::write_text_attribute(file, "series", join_lines(series_names));
  h5::write_f64_attribute(file, "scale", h.scenario.scale);
  h5::write_f64_attribute(file, "target_share", h.scenario.target_share);
}

void write_points(hid_t file, const SweepHeader& h, const std::vector<PointRecord>& records) {
  h5::Table table(records.size());
  table.add_u32("point", [&](size_t r) { return records[r].point; });
  table.add_u64("seed", [&](size_t r) { return records[r].seed; });
  table.add_text("status", 0,
                 [&](size_t r) { return std::string(records[r].ok ? kStatusOk : kStatusFailed); });
  table.add_text("error", 0, [&](size_t r) { return records[r].error; });
  table.add_text("overrides", 0, [&](size_t r) { return records[r].overrides; });
  for (size_t j = 0; j < h.parameters.size(); ++j) {
    if (h.parameters[j].numeric)
      table.add_f64(h.parameters[j].path,
                    [&records, j](size_t r) { return records[r].numbers[j]; });
    else
      table.add_text(h.parameters[j].path, 0,
                     [&records, j](size_t r) { return records[r].values[j]; });
  }
  table.write(file, "points", {});
}

/// /series/NAME, [rows, R, T], one chunk per row, NaN where nothing is written.
void write_series(hid_t file, const SweepHeader& h, size_t rows, const SweepContent& content) {
  Handle group = h5::create_group(file, "series");
  const hsize_t R = h.replicates;
  const hsize_t T = content.dates.size();
  if (rows == 0 || T == 0 || content.series.empty()) return;
  const h5::Layout layout{
      {1, R, T}, h5::Compression::ShuffleDeflate, std::numeric_limits<double>::quiet_NaN()};
  std::vector<Handle> sets;
  for (const auto& info : content.series) {
    sets.push_back(h5::create_dataset(group, info.name, H5T_IEEE_F64LE, {rows, R, T}, layout));
    h5::write_text_attribute(sets.back(), "unit", info.unit);
    h5::write_text_attribute(sets.back(), "description", info.description);
  }
  std::vector<double> block(R * T);
  for (hsize_t row = 0; row < rows; ++row)
    for (size_t k = 0; k < content.series.size(); ++k) {
      content.fill(row, k, block.data());
      h5::write_block(sets[k], {row, 0, 0}, {1, R, T}, block.data(),
                      "series " + content.series[k].name);
    }
}

// ------------------------------------------------------------ reading

SweepHeader read_header(const h5::InputFile& file) {
  const std::string format = file.has_attribute("format") ? file.text_attribute("format") : "";
  if (format != kSweepFormat)
    throw ConfigError(
        fmt::format("{}: not a mutsim sweep file (format '{}')", file.path(), format));
  const std::string version = file.text_attribute("format_version");
  const std::string supported = kSweepFormatVersion;
  if (version.substr(0, version.find('.')) != supported.substr(0, supported.find('.')))
    throw ConfigError(fmt::format("{}: sweep format {} is not supported (this mutsim reads {})",
                                  file.path(), version, supported));
  SweepHeader h;
  for (const auto& [name, text] : text_fields(h)) *text = file.text_attribute(name);
  h.seed = file.u64_attribute("seed");
  h.replicates = static_cast<uint32_t>(file.u64_attribute("replicates"));
  h.points_total = static_cast<uint32_t>(file.u64_attribute("points_total"));
  const auto names = split_lines(file.text_attribute("parameters"));
  const auto kinds = split_lines(file.text_attribute("parameter_kinds"));
  if (names.size() != kinds.size())
    file.fail("root attribute parameter_kinds", "does not match the root attribute parameters");
  for (size_t j = 0; j < names.size(); ++j)
    h.parameters.push_back({names[j], kinds[j] == "number"});
  return h;
}

SweepHeader read_full_header(const h5::InputFile& file) {
  SweepHeader h = read_header(file);
  h.scenario.scale = file.f64_attribute("scale");
  h.scenario.target_share = file.f64_attribute("target_share");
  h.scenario.seed = h.seed;
  h.scenario.replicates = h.replicates;
  return h;
}

void read_parameter_columns(const h5::InputFile& file, const SweepHeader& h,
                            std::vector<PointRecord>& records) {
  for (size_t j = 0; j < h.parameters.size(); ++j) {
    const std::string& name = h.parameters[j].path;
    if (h.parameters[j].numeric) {
      const auto numbers = file.f64_column("/points", name);
      for (size_t r = 0; r < records.size(); ++r) {
        records[r].numbers[j] = numbers[r];
        records[r].values[j] = fmt::format("{}", numbers[r]);
      }
    } else {
      const auto values = file.text_column("/points", name);
      for (size_t r = 0; r < records.size(); ++r) records[r].values[j] = values[r];
    }
  }
}

std::vector<PointRecord> read_records(const h5::InputFile& file, const SweepHeader& h) {
  const size_t rows = file.table_rows("/points");
  const auto point = file.u32_column("/points", "point");
  const auto seed = file.u64_column("/points", "seed");
  const auto status = file.text_column("/points", "status");
  const auto error = file.text_column("/points", "error");
  const auto overrides = file.text_column("/points", "overrides");
  std::vector<PointRecord> records(rows);
  for (size_t r = 0; r < rows; ++r) {
    records[r].point = point[r];
    records[r].seed = seed[r];
    records[r].ok = status[r] == kStatusOk;
    records[r].error = error[r];
    records[r].overrides = overrides[r];
    records[r].values.resize(h.parameters.size());
    records[r].numbers.assign(h.parameters.size(), std::nan(""));
  }
  read_parameter_columns(file, h, records);
  return records;
}

/// The series the header lists, each [rows, replicates, months].
std::vector<SeriesInfo> read_series_info(const h5::InputFile& file, const SweepInput& in) {
  std::vector<SeriesInfo> out;
  const std::vector<hsize_t> dims = {in.records.size(), in.header.replicates, in.dates.size()};
  for (const auto& name : split_lines(file.text_attribute("series"))) {
    const std::string object = "/series/" + name;
    file.require(object);
    if (file.shape(object) != dims)
      file.fail(object,
                "does not have the dimensions of /points by the root attribute replicates by "
                "/time/date");
    out.push_back(
        {name, file.text_attribute("unit", object), file.text_attribute("description", object)});
  }
  return out;
}

}  // namespace

SweepHeader make_header(const Sweep& sweep) {
  SweepHeader h;
  h.mutsim_version = mutsim_version();
  h.git_commit = git_commit();
  h.library_versions = library_versions();
  h.sweep_path = sweep.path;
  h.sweep_yaml = sweep.text;
  h.design = design_name(sweep.type);
  h.seed = sweep.seed;
  h.replicates = sweep.replicates;
  h.points_total = static_cast<uint32_t>(sweep.points.size());
  h.parameters = sweep.parameters;
  h.scenario = make_provenance(sweep.base, sweep.seed, sweep.replicates);
  h.scenario.scenario_path = sweep.base_path;
  std::vector<std::string> extra;
  for (const auto& p : sweep.points) extra.push_back(join_lines(p.overrides));
  h.fingerprint = header_fingerprint(h, extra);
  return h;
}

PointRecord make_record(const Point& point) {
  PointRecord r;
  r.point = point.index;
  r.seed = point.seed;
  r.overrides = join_lines(point.overrides);
  r.values = point.values;
  r.numbers = point.numbers;
  return r;
}

std::vector<char> build_sweep_image(const std::string& name, const SweepHeader& header,
                                    const std::vector<PointRecord>& records,
                                    const SweepContent& content) {
  h5::MemoryFile file(name);
  write_header(file, header, content.series);
  write_points(file, header, records);
  Handle time = h5::create_group(file, "time");
  h5::write_fixed_text_dataset(time, "date", content.dates, kDateSize);
  time.close();
  write_series(file, header, records.size(), content);
  std::vector<uint32_t> points(records.size());
  for (size_t i = 0; i < records.size(); ++i) points[i] = records[i].point;
  netcdf::add_view(file,
                   netcdf::sweep_view(points, header.replicates, content.dates, content.series));
  return file.image();
}

SweepInput read_sweep_input(const h5::InputFile& file) {
  SweepInput in;
  in.path = file.path();
  in.header = read_full_header(file);
  in.records = read_records(file, in.header);
  in.dates = file.texts("/time/date");
  in.series = read_series_info(file, in);
  file.verify_all();
  return in;
}

void write_point_file(const std::string& path, const SweepHeader& header, const PointRecord& record,
                      const RunResult* result) {
  std::vector<char> image;
  {
    std::lock_guard lock(h5::library_mutex());
    SweepContent content;
    if (result) {
      content.dates = result->dates;
      content.series = result->series;
      const size_t block = static_cast<size_t>(header.replicates) * result->months();
      // By value: `block` ends with this scope, before build_sweep_image calls fill.
      content.fill = [result, block](size_t, size_t k, double* out) {
        std::copy_n(result->values[k].begin(), block, out);
      };
    }
    image = build_sweep_image(path, header, {record}, content);
  }
  write_file_atomically(path, image, true);
}

std::optional<PartStatus> read_part_status(const std::string& path) {
  std::lock_guard lock(h5::library_mutex());
  try {
    // Read whole: a damaged part is run again rather than merged.
    const SweepInput in = read_sweep_input(h5::InputFile(path));
    if (in.records.size() != 1) return std::nullopt;
    return PartStatus{in.header.fingerprint, in.records[0].ok};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

SweepHeader read_sweep_header(const std::string& path) {
  std::lock_guard lock(h5::library_mutex());
  return read_full_header(h5::InputFile(path));
}

}  // namespace mutsim::sweep
