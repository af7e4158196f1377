#include "sim/sweep/sweep_file.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "sim/io/netcdf_dims.hpp"
#include "sim/sweep/h5_util.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::sweep {
namespace {

using h5::check;
using h5::Handle;
using namespace h5util;

// As in single-run files (sim/io/hdf5_writer.cpp): level 4 with shuffle.
constexpr unsigned kDeflateLevel = 4;
constexpr const char* kStatusOk = "ok";
constexpr const char* kStatusFailed = "failed";

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

/// FNV-1a, 64 bits, over length-prefixed fields: identifies, does not secure.
class Fingerprint {
 public:
  void add(const std::string& text) {
    add_bytes(std::to_string(text.size()) + ":");
    add_bytes(text);
  }
  void add(uint64_t value) { add(std::to_string(value)); }
  std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  void add_bytes(const std::string& bytes) {
    for (unsigned char c : bytes) hash_ = (hash_ ^ c) * 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

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

// ------------------------------------------------------------ writing

void write_header(hid_t file, const SweepHeader& h, const std::vector<std::string>& series) {
  write_string_attribute(file, "format", kSweepFormat);
  write_string_attribute(file, "format_version", kSweepFormatVersion);
  write_string_attribute(file, "mutsim_version", h.mutsim_version);
  write_string_attribute(file, "git_commit", h.git_commit);
  write_string_attribute(file, "library_versions", h.library_versions);
  write_string_attribute(file, "sweep_fingerprint", h.fingerprint);
  write_string_attribute(file, "sweep_path", h.sweep_path);
  write_string_attribute(file, "sweep_yaml", h.sweep_yaml);
  write_string_attribute(file, "design", h.design);
  write_u64_attribute(file, "seed", h.seed);
  write_u32_attribute(file, "replicates", h.replicates);
  write_u32_attribute(file, "points_total", h.points_total);
  std::vector<std::string> names, kinds;
  for (const auto& p : h.parameters) {
    names.push_back(p.path);
    kinds.push_back(p.numeric ? "number" : "yaml");
  }
  write_string_attribute(file, "parameters", join_lines(names));
  write_string_attribute(file, "parameter_kinds", join_lines(kinds));
  write_string_attribute(file, "series", join_lines(series));
  const Provenance& s = h.scenario;
  write_string_attribute(file, "scenario_path", s.scenario_path);
  write_string_attribute(file, "scenario_yaml", s.scenario_yaml);
  write_string_attribute(file, "effective_yaml", s.effective_yaml);
  write_string_attribute(file, "overrides", s.overrides);
  write_f64_attribute(file, "scale", s.scale);
  write_f64_attribute(file, "target_share", s.target_share);
  write_string_attribute(file, "target_date", s.target_date);
  write_string_attribute(file, "routes", s.routes);
}

/// One column of the /points compound table.
struct Column {
  std::string name;
  hid_t type;  // owned by `owned` or a predefined type
  size_t size;
  std::function<void(size_t row, char* out)> fill;
};

size_t text_width(const std::vector<PointRecord>& records,
                  const std::function<const std::string&(const PointRecord&)>& get) {
  size_t width = 1;  // HDF5 refuses zero-size strings
  for (const auto& r : records) width = std::max(width, get(r).size());
  return width;
}

void write_points(hid_t file, const SweepHeader& h, const std::vector<PointRecord>& records) {
  std::vector<Column> columns;
  std::vector<Handle> owned;
  auto text_column = [&](const std::string& name,
                         std::function<const std::string&(const PointRecord&)> get) {
    const size_t width = text_width(records, get);
    owned.push_back(string_type(width));
    columns.push_back(
        {name, owned.back().get(), width, [&records, get, width](size_t row, char* out) {
           const std::string& text = get(records[row]);
           std::memset(out, 0, width);
           std::memcpy(out, text.data(), text.size());
         }});
  };
  columns.push_back({"point", H5T_STD_U32LE, 4,
                     [&](size_t row, char* out) { std::memcpy(out, &records[row].point, 4); }});
  columns.push_back({"seed", H5T_STD_U64LE, 8,
                     [&](size_t row, char* out) { std::memcpy(out, &records[row].seed, 8); }});
  static const std::string ok = kStatusOk, failed = kStatusFailed;
  text_column("status",
              [](const PointRecord& r) -> const std::string& { return r.ok ? ok : failed; });
  text_column("error", [](const PointRecord& r) -> const std::string& { return r.error; });
  text_column("overrides", [](const PointRecord& r) -> const std::string& { return r.overrides; });
  for (size_t j = 0; j < h.parameters.size(); ++j) {
    if (h.parameters[j].numeric) {
      columns.push_back(
          {h.parameters[j].path, H5T_IEEE_F64LE, 8, [&records, j](size_t row, char* out) {
             std::memcpy(out, &records[row].numbers[j], 8);
           }});
    } else {
      text_column(h.parameters[j].path,
                  [j](const PointRecord& r) -> const std::string& { return r.values[j]; });
    }
  }
  size_t row_size = 0;
  for (const auto& c : columns) row_size += c.size;
  Handle type(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose, "create the points type");
  size_t offset = 0;
  for (const auto& c : columns) {
    check(H5Tinsert(type, c.name.c_str(), offset, c.type), "add points column " + c.name);
    offset += c.size;
  }
  std::vector<char> buffer(row_size * records.size());
  for (size_t row = 0; row < records.size(); ++row) {
    offset = 0;
    for (const auto& c : columns) {
      c.fill(row, buffer.data() + row * row_size + offset);
      offset += c.size;
    }
  }
  const hsize_t dims[1] = {records.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle set(H5Dcreate2(file, "points", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
             "create /points");
  if (!records.empty())
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write /points");
}

void write_dates(hid_t file, const std::vector<std::string>& dates) {
  Handle group = create_group(file, "time");
  constexpr size_t kDateSize = 7;  // YYYY-MM
  std::vector<char> buffer(dates.size() * kDateSize, 0);
  for (size_t i = 0; i < dates.size(); ++i)
    std::memcpy(buffer.data() + i * kDateSize, dates[i].data(),
                std::min(kDateSize, dates[i].size()));
  Handle type = string_type(kDateSize);
  const hsize_t dims[1] = {dates.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle set(H5Dcreate2(group, "date", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
             "create /time/date");
  if (!dates.empty())
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write /time/date");
}

struct Content {
  std::vector<std::string> dates;
  std::vector<SeriesInfo> series;
  /// Fills the R x T block of series k of row `row` (NaN for a failed
  /// point). Called in row order, then series order.
  std::function<void(size_t row, size_t k, double* out)> fill;
};

std::vector<char> build_image(const std::string& name, const SweepHeader& h,
                              const std::vector<PointRecord>& records, const Content& content) {
  Handle file = create_in_memory(name);
  std::vector<std::string> series_names;
  for (const auto& s : content.series) series_names.push_back(s.name);
  write_header(file, h, series_names);
  write_points(file, h, records);
  write_dates(file, content.dates);
  Handle group = create_group(file, "series");
  const hsize_t rows = records.size();
  const hsize_t R = h.replicates;
  const hsize_t T = content.dates.size();
  if (rows > 0 && T > 0 && !content.series.empty()) {
    const hsize_t dims[3] = {rows, R, T};
    const hsize_t chunk[3] = {1, R, T};
    Handle space(H5Screate_simple(3, dims, nullptr), H5Sclose, "create a dataspace");
    Handle dcpl = untimed(H5P_DATASET_CREATE);
    check(H5Pset_chunk(dcpl, 3, chunk), "set chunking");
    check(H5Pset_shuffle(dcpl), "set shuffle");
    check(H5Pset_deflate(dcpl, kDeflateLevel), "set deflate");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan), "set the fill value");
    std::vector<Handle> sets;
    for (const auto& info : content.series) {
      sets.emplace_back(H5Dcreate2(group, info.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                   dcpl, H5P_DEFAULT),
                        H5Dclose, "create series " + info.name);
      write_string_attribute(sets.back(), "unit", info.unit);
      write_string_attribute(sets.back(), "description", info.description);
    }
    std::vector<double> block(R * T);
    const hsize_t count[3] = {1, R, T};
    Handle memory(H5Screate_simple(3, count, nullptr), H5Sclose, "create a dataspace");
    for (hsize_t row = 0; row < rows; ++row)
      for (size_t k = 0; k < content.series.size(); ++k) {
        content.fill(row, k, block.data());
        const hsize_t start[3] = {row, 0, 0};
        Handle file_space(H5Dget_space(sets[k]), H5Sclose, "get a dataspace");
        check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
              "select a block");
        check(H5Dwrite(sets[k], H5T_NATIVE_DOUBLE, memory, file_space, H5P_DEFAULT, block.data()),
              "write series " + content.series[k].name);
      }
  }
  group.close();
  std::vector<uint32_t> points;
  for (const auto& r : records) points.push_back(r.point);
  netcdf::add_view(file, netcdf::sweep_view(points, h.replicates, content.dates, content.series));
  return file_image(file, name);
}

// ------------------------------------------------------------ reading

/// Reads one column of a compound dataset into `out` (rows x size bytes).
void read_column(hid_t set, const std::string& name, hid_t mem_member, size_t size, size_t rows,
                 std::vector<char>& out) {
  Handle type(H5Tcreate(H5T_COMPOUND, size), H5Tclose, "create a column type");
  check(H5Tinsert(type, name.c_str(), 0, mem_member), "select column " + name);
  out.assign(rows * size, 0);
  if (rows > 0)
    check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read column " + name);
}

std::vector<std::string> read_text_column(hid_t set, hid_t file_type, const std::string& name,
                                          size_t rows) {
  const int index = H5Tget_member_index(file_type, name.c_str());
  if (index < 0) throw IoError("/points has no column " + name);
  Handle member(H5Tget_member_type(file_type, static_cast<unsigned>(index)), H5Tclose,
                "get column type " + name);
  if (H5Tget_class(member) != H5T_STRING) throw IoError("/points column " + name + " is not text");
  const size_t width = H5Tget_size(member);
  Handle mem = string_type(width);
  std::vector<char> raw;
  read_column(set, name, mem, width, rows, raw);
  std::vector<std::string> out(rows);
  for (size_t r = 0; r < rows; ++r) {
    const char* begin = raw.data() + r * width;
    out[r].assign(begin, strnlen(begin, width));
  }
  return out;
}

template <class T>
std::vector<T> read_number_column(hid_t set, const std::string& name, hid_t mem_type, size_t rows) {
  std::vector<char> raw;
  read_column(set, name, mem_type, sizeof(T), rows, raw);
  std::vector<T> out(rows);
  if (rows > 0) std::memcpy(out.data(), raw.data(), rows * sizeof(T));
  return out;
}

SweepHeader read_header(hid_t file, const std::string& path) {
  std::string format;
  try {
    format = read_string_attribute(file, "format");
  } catch (const IoError&) {
  }
  if (format != kSweepFormat)
    throw ConfigError(fmt::format("{}: not a mutsim sweep file (format '{}')", path, format));
  const std::string version = read_string_attribute(file, "format_version");
  if (version.substr(0, version.find('.')) !=
      std::string(kSweepFormatVersion).substr(0, std::string(kSweepFormatVersion).find('.')))
    throw ConfigError(fmt::format("{}: sweep format {} is not supported (this mutsim reads {})",
                                  path, version, kSweepFormatVersion));
  SweepHeader h;
  h.mutsim_version = read_string_attribute(file, "mutsim_version");
  h.git_commit = read_string_attribute(file, "git_commit");
  h.library_versions = read_string_attribute(file, "library_versions");
  h.fingerprint = read_string_attribute(file, "sweep_fingerprint");
  h.sweep_path = read_string_attribute(file, "sweep_path");
  h.sweep_yaml = read_string_attribute(file, "sweep_yaml");
  h.design = read_string_attribute(file, "design");
  h.seed = read_u64_attribute(file, "seed");
  h.replicates = static_cast<uint32_t>(read_u64_attribute(file, "replicates"));
  h.points_total = static_cast<uint32_t>(read_u64_attribute(file, "points_total"));
  const auto names = split_lines(read_string_attribute(file, "parameters"));
  const auto kinds = split_lines(read_string_attribute(file, "parameter_kinds"));
  if (names.size() != kinds.size()) throw IoError(path + ": parameters and kinds disagree");
  for (size_t j = 0; j < names.size(); ++j)
    h.parameters.push_back({names[j], kinds[j] == "number"});
  Provenance& s = h.scenario;
  s.scenario_path = read_string_attribute(file, "scenario_path");
  s.scenario_yaml = read_string_attribute(file, "scenario_yaml");
  s.effective_yaml = read_string_attribute(file, "effective_yaml");
  s.overrides = read_string_attribute(file, "overrides");
  s.scale = read_f64_attribute(file, "scale");
  s.target_share = read_f64_attribute(file, "target_share");
  s.target_date = read_string_attribute(file, "target_date");
  s.routes = read_string_attribute(file, "routes");
  s.seed = h.seed;
  s.replicates = h.replicates;
  return h;
}

std::vector<PointRecord> read_records(hid_t file, const SweepHeader& h) {
  Handle set(H5Dopen2(file, "points", H5P_DEFAULT), H5Dclose, "open /points");
  Handle type(H5Dget_type(set), H5Tclose, "get the /points type");
  Handle space(H5Dget_space(set), H5Sclose, "get the /points dataspace");
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_dims(space, dims, nullptr) != 1) throw IoError("/points is not a table");
  const size_t rows = dims[0];
  const auto point = read_number_column<uint32_t>(set, "point", H5T_NATIVE_UINT32, rows);
  const auto seed = read_number_column<uint64_t>(set, "seed", H5T_NATIVE_UINT64, rows);
  const auto status = read_text_column(set, type, "status", rows);
  const auto error = read_text_column(set, type, "error", rows);
  const auto overrides = read_text_column(set, type, "overrides", rows);
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
  for (size_t j = 0; j < h.parameters.size(); ++j) {
    const std::string& name = h.parameters[j].path;
    if (h.parameters[j].numeric) {
      const auto numbers = read_number_column<double>(set, name, H5T_NATIVE_DOUBLE, rows);
      for (size_t r = 0; r < rows; ++r) {
        records[r].numbers[j] = numbers[r];
        records[r].values[j] = fmt::format("{}", numbers[r]);
      }
    } else {
      const auto values = read_text_column(set, type, name, rows);
      for (size_t r = 0; r < rows; ++r) records[r].values[j] = values[r];
    }
  }
  return records;
}

std::vector<std::string> read_dates(hid_t file) {
  Handle set(H5Dopen2(file, "time/date", H5P_DEFAULT), H5Dclose, "open /time/date");
  Handle space(H5Dget_space(set), H5Sclose, "get a dataspace");
  hsize_t dims[1] = {0};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  constexpr size_t kDateSize = 7;
  std::vector<char> buffer(dims[0] * kDateSize);
  Handle type = string_type(kDateSize);
  if (dims[0] > 0)
    check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "read /time/date");
  std::vector<std::string> dates(dims[0]);
  for (size_t i = 0; i < dims[0]; ++i)
    dates[i].assign(buffer.data() + i * kDateSize,
                    strnlen(buffer.data() + i * kDateSize, kDateSize));
  return dates;
}

std::vector<SeriesInfo> read_series_info(hid_t file) {
  std::vector<SeriesInfo> out;
  for (const auto& name : split_lines(read_string_attribute(file, "series"))) {
    const std::string path = "series/" + name;
    Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose, "open /" + path);
    out.push_back(
        {name, read_string_attribute(set, "unit"), read_string_attribute(set, "description")});
  }
  return out;
}

struct Input {
  std::string path;
  SweepHeader header;
  std::vector<PointRecord> records;
  std::vector<std::string> dates;
  std::vector<SeriesInfo> series;
};

Input read_input(const std::string& path) {
  Handle file = open_read(path);
  Input in;
  in.path = path;
  in.header = read_header(file, path);
  in.records = read_records(file, in.header);
  in.dates = read_dates(file);
  in.series = read_series_info(file);
  return in;
}

bool same_series(const std::vector<SeriesInfo>& a, const std::vector<SeriesInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (a[k].name != b[k].name || a[k].unit != b[k].unit || a[k].description != b[k].description)
      return false;
  return true;
}

std::string list_points(const std::vector<uint32_t>& points) {
  constexpr size_t kShown = 10;
  std::vector<uint32_t> shown(points.begin(),
                              points.begin() + static_cast<long>(std::min(points.size(), kShown)));
  return fmt::format("{}{}", fmt::join(shown, ", "), points.size() > kShown ? ", ..." : "");
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

void write_point_file(const std::string& path, const SweepHeader& header, const PointRecord& record,
                      const RunResult* result) {
  std::vector<char> image;
  {
    std::lock_guard lock(hdf5_mutex());
    Content content;
    if (result) {
      content.dates = result->dates;
      content.series = result->series;
      const size_t block = static_cast<size_t>(header.replicates) * result->months();
      content.fill = [&](size_t, size_t k, double* out) {
        std::copy(result->values[k].begin(), result->values[k].begin() + static_cast<long>(block),
                  out);
      };
    }
    image = build_image(path, header, {record}, content);
  }
  write_file_atomically(path, image, true);
}

std::optional<PartStatus> read_part_status(const std::string& path) {
  std::lock_guard lock(hdf5_mutex());
  try {
    Handle file = open_read(path);
    const SweepHeader h = read_header(file, path);
    const auto records = read_records(file, h);
    if (records.size() != 1) return std::nullopt;
    return PartStatus{h.fingerprint, records[0].ok};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

SweepHeader read_sweep_header(const std::string& path) {
  std::lock_guard lock(hdf5_mutex());
  Handle file = open_read(path);
  return read_header(file, path);
}

MergeReport merge_sweep_files(const std::vector<std::string>& inputs, const std::string& output,
                              bool overwrite,
                              const std::optional<std::vector<uint32_t>>& expected) {
  std::lock_guard lock(hdf5_mutex());
  if (inputs.empty()) throw ConfigError("merge: no input files");
  std::vector<Input> in;
  in.reserve(inputs.size());
  for (const auto& path : inputs) {
    in.push_back(read_input(path));
    if (in.back().header.fingerprint != in.front().header.fingerprint)
      throw ConfigError(fmt::format(
          "{}: belongs to a different sweep than {} (fingerprint {} vs {}: another sweep file, "
          "seed, --set, or mutsim build)",
          path, inputs.front(), in.back().header.fingerprint, in.front().header.fingerprint));
  }
  const SweepHeader& header = in.front().header;

  // Where each point is: (input, row).
  std::map<uint32_t, std::pair<size_t, size_t>> where;
  for (size_t f = 0; f < in.size(); ++f)
    for (size_t r = 0; r < in[f].records.size(); ++r) {
      const uint32_t p = in[f].records[r].point;
      auto [it, fresh] = where.emplace(p, std::make_pair(f, r));
      if (!fresh)
        throw ConfigError(fmt::format("point {} is in both {} and {}; merge each shard once", p,
                                      in[it->second.first].path, in[f].path));
    }
  std::vector<uint32_t> wanted;
  if (expected) {
    wanted = *expected;
    std::sort(wanted.begin(), wanted.end());
  } else {
    for (uint32_t p = 0; p < header.points_total; ++p) wanted.push_back(p);
  }
  std::vector<uint32_t> missing, extra;
  for (uint32_t p : wanted)
    if (!where.count(p)) missing.push_back(p);
  for (const auto& [p, loc] : where)
    if (!std::binary_search(wanted.begin(), wanted.end(), p)) extra.push_back(p);
  if (!missing.empty())
    throw ConfigError(
        fmt::format("{} of {} points missing from the inputs (points {}); run the "
                    "shards that hold them, or resume the sweep",
                    missing.size(), wanted.size(), list_points(missing)));
  if (!extra.empty())
    throw ConfigError(
        fmt::format("the inputs hold points outside this merge (points {})", list_points(extra)));

  std::vector<PointRecord> records;
  std::vector<std::pair<size_t, size_t>> source;
  Content content;
  const Input* reference = nullptr;
  MergeReport report;
  for (uint32_t p : wanted) {
    const auto [f, r] = where.at(p);
    records.push_back(in[f].records[r]);
    source.emplace_back(f, r);
    if (!records.back().ok) {
      ++report.failed;
      report.failed_points.push_back(p);
      continue;
    }
    if (!reference) {
      reference = &in[f];
      content.dates = reference->dates;
      content.series = reference->series;
    } else if (in[f].dates != reference->dates || !same_series(in[f].series, reference->series)) {
      throw ConfigError(fmt::format("{} and {}: the points have different months or series",
                                    reference->path, in[f].path));
    }
  }
  report.points = records.size();

  // Blocks are read from the inputs in point order; open files are kept
  // (a bounded number, for merges of many part files).
  constexpr size_t kMaxOpen = 64;
  std::map<size_t, Handle> open;
  const size_t R = header.replicates;
  const size_t T = content.dates.size();
  content.fill = [&](size_t row, size_t k, double* out) {
    if (!records[row].ok) {
      std::fill(out, out + R * T, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    const auto [f, r] = source[row];
    if (!open.count(f)) {
      if (open.size() >= kMaxOpen) open.clear();
      open.emplace(f, open_read(in[f].path));
    }
    const std::string path = "series/" + content.series[k].name;
    Handle set(H5Dopen2(open.at(f), path.c_str(), H5P_DEFAULT), H5Dclose,
               fmt::format("open /{} in {}", path, in[f].path));
    Handle space(H5Dget_space(set), H5Sclose, "get a dataspace");
    hsize_t dims[3] = {0, 0, 0};
    if (H5Sget_simple_extent_ndims(space) != 3 ||
        H5Sget_simple_extent_dims(space, dims, nullptr) != 3 || dims[0] != in[f].records.size() ||
        dims[1] != R || dims[2] != T)
      throw IoError(fmt::format("{}: /{} has the wrong shape", in[f].path, path));
    const hsize_t start[3] = {r, 0, 0};
    const hsize_t count[3] = {1, R, T};
    check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr),
          "select a block");
    Handle memory(H5Screate_simple(3, count, nullptr), H5Sclose, "create a dataspace");
    check(H5Dread(set, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, out),
          fmt::format("read /{} in {}", path, in[f].path));
  };
  const std::vector<char> image = build_image(output, header, records, content);
  open.clear();
  write_file_atomically(output, image, overwrite);
  return report;
}

}  // namespace mutsim::sweep
