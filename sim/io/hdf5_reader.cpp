#include "sim/io/hdf5_reader.hpp"

#include <fmt/format.h>

#include "sim/io/hdf5_handle.hpp"
#include "sim/io/provenance.hpp"

namespace mutsim {
namespace {

using h5::check;
using h5::Handle;

bool has_attribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

std::string read_string_attribute(hid_t object, const char* name) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, fmt::format("open attribute {}", name));
  Handle type(H5Aget_type(attr), H5Tclose, "read an attribute type");
  if (H5Tget_class(type) != H5T_STRING)
    throw IoError(fmt::format("attribute {} is not text", name));
  if (H5Tis_variable_str(type) > 0) {
    Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose, "copy a type");
    check(H5Tset_size(memtype, H5T_VARIABLE), "size a type");
    check(H5Tset_cset(memtype, H5Tget_cset(type)), "set a character set");
    char* text = nullptr;
    check(H5Aread(attr, memtype, &text), fmt::format("read attribute {}", name));
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(type), '\0');
  check(H5Aread(attr, type, value.data()), fmt::format("read attribute {}", name));
  return value.substr(0, value.find('\0'));
}

template <class T>
T read_scalar_attribute(hid_t object, const char* name, hid_t memtype) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, fmt::format("open attribute {}", name));
  T value{};
  check(H5Aread(attr, memtype, &value), fmt::format("read attribute {}", name));
  return value;
}

void check_format(hid_t file, const std::string& path) {
  if (!has_attribute(file, "format") || read_string_attribute(file, "format") != "mutsim")
    throw IoError(fmt::format("{}: not a mutsim output file", path));
  const std::string version = read_string_attribute(file, "format_version");
  int major = 0;
  if (std::sscanf(version.c_str(), "%d", &major) != 1)
    throw IoError(fmt::format("{}: unreadable format_version '{}'", path, version));
  if (major > kFormatMajor)
    throw IoError(
        fmt::format("{}: format version {} is newer than this mutsim reads ({}.x); "
                    "use a newer mutsim",
                    path, version, kFormatMajor));
}

std::vector<std::string> read_dates(hid_t file) {
  Handle set(H5Dopen2(file, "/time/date", H5P_DEFAULT), H5Dclose, "open /time/date");
  Handle type(H5Dget_type(set), H5Tclose, "read the date type");
  Handle space(H5Dget_space(set), H5Sclose, "read the date space");
  const size_t size = H5Tget_size(type);
  const auto count = static_cast<size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<char> buffer(size * count);
  check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "read /time/date");
  std::vector<std::string> dates;
  for (size_t i = 0; i < count; ++i) {
    std::string date(buffer.data() + i * size, size);
    dates.push_back(date.substr(0, date.find('\0')));
  }
  return dates;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

SeriesData read_series(hid_t group, const std::string& name) {
  Handle set(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "open series " + name);
  Handle space(H5Dget_space(set), H5Sclose, "read a series space");
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space) != 2) throw IoError("series " + name + " is not 2-D");
  H5Sget_simple_extent_dims(space, dims, nullptr);
  SeriesData data{dims[0], dims[1], std::vector<double>(dims[0] * dims[1])};
  check(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.values.data()),
        "read series " + name);
  return data;
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  h5::quiet_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw IoError(fmt::format("{}: not an HDF5 file (or cannot be opened)", path));
  try {
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open " + path);
    check_format(file, path);
    RunFile run;
    run.path = path;
    for (const char* name :
         {"format", "format_version", "mutsim_version", "git_commit", "library_versions",
          "scenario_path", "scenario_yaml", "effective_yaml", "overrides", "target_date", "routes"})
      run.text[name] = read_string_attribute(file, name);
    run.seed = read_scalar_attribute<uint64_t>(file, "seed", H5T_NATIVE_UINT64);
    run.replicates = read_scalar_attribute<uint32_t>(file, "replicates", H5T_NATIVE_UINT32);
    run.scale = read_scalar_attribute<double>(file, "scale", H5T_NATIVE_DOUBLE);
    run.target_share = read_scalar_attribute<double>(file, "target_share", H5T_NATIVE_DOUBLE);
    run.dates = read_dates(file);
    Handle group(H5Gopen2(file, "series", H5P_DEFAULT), H5Gclose, "open /series");
    std::vector<std::string> names;
    check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names),
          "list /series");
    for (const auto& name : names) run.series[name] = read_series(group, name);
    return run;
  } catch (const IoError& e) {
    const std::string message = e.what();
    if (message.starts_with(path)) throw;
    throw IoError(fmt::format("{}: {}", path, message));
  }
}

}  // namespace mutsim
