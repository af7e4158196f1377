#include "sim/io/netcdf_dims.hpp"

#include <fmt/format.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "sim/io/h5/handle.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::netcdf {
namespace {

using h5::check;
using h5::Handle;

// netCDF-C's mark for a dimension that has no coordinate variable (its
// NAME attribute; the dataset holds no data). The length follows in ten
// columns, as netCDF-C writes it.
constexpr const char* kDimensionOnly = "This is a netCDF dimension but not a netCDF variable.";
constexpr const char* kMonthAxis = "month";
constexpr const char* kDates = "/time/date";

/// Creation properties without modification times, as in the rest of the
/// file, so the same run gives the same bytes.
Handle untimed_dataset_properties() {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create a property list");
  check(H5Pset_obj_track_times(plist, false), "disable object times");
  return plist;
}

/// A fixed-length text attribute: netCDF's NC_CHAR, which CF tools expect
/// for `units` and `long_name`.
void write_text_attribute(hid_t object, const char* name, const std::string& value) {
  const bool ascii = std::all_of(value.begin(), value.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  check(H5Tset_size(type, std::max<size_t>(1, value.size())), "size a string type");
  check(H5Tset_strpad(type, H5T_STR_NULLTERM), "pad a string type");
  check(H5Tset_cset(type, ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8), "set a character set");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  if (H5Aexists(object, name) > 0) check(H5Adelete(object, name), fmt::format("replace {}", name));
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  std::string buffer = value;
  buffer.resize(std::max<size_t>(1, value.size()), '\0');
  check(H5Awrite(attr, type, buffer.data()), fmt::format("write attribute {}", name));
}

/// A 1-D dataset at the root that is the dimension scale `name`.
template <class T>
Handle create_coordinate(hid_t file, const std::string& name, hid_t file_type, hid_t memory_type,
                         const std::vector<T>& values) {
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed_dataset_properties();
  Handle set(H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             H5Dclose, fmt::format("create /{} (is a series or table named so?)", name));
  if (!values.empty())
    check(H5Dwrite(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write /" + name);
  check(H5DSset_scale(set, name.c_str()), "make /" + name + " a dimension scale");
  return set;
}

/// A dimension without a coordinate variable: a scale that is never
/// written (so it takes no space), marked as netCDF-C marks it.
Handle create_dimension_only(hid_t file, const std::string& name, hsize_t size) {
  const hsize_t dims[1] = {size};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed_dataset_properties();
  Handle set(H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             H5Dclose, fmt::format("create /{} (is a series or table named so?)", name));
  const std::string mark = fmt::format("{}{:10d}", kDimensionOnly, size);
  check(H5DSset_scale(set, mark.c_str()), "make /" + name + " a dimension scale");
  return set;
}

hsize_t rows_of(hid_t file, const std::string& table) {
  Handle set(H5Dopen2(file, table.c_str(), H5P_DEFAULT), H5Dclose, "open /" + table);
  Handle space(H5Dget_space(set), H5Sclose, "read the dataspace of /" + table);
  hsize_t rows = 0;
  if (H5Sget_simple_extent_ndims(space) != 1 ||
      H5Sget_simple_extent_dims(space, &rows, nullptr) != 1)
    throw IoError(fmt::format("HDF5: /{} is not a table", table));
  return rows;
}

/// The scales by dimension name, in the order netCDF numbers them.
struct Scales {
  std::vector<std::string> order;
  std::map<std::string, Handle> by_name;
  void add(const std::string& name, Handle scale) {
    order.push_back(name);
    by_name.emplace(name, std::move(scale));
  }
};

Scales create_scales(hid_t file, const View& view) {
  Scales scales;
  for (const Axis& axis : view.axes) {
    Handle scale =
        create_coordinate(file, axis.name, H5T_STD_U32LE, H5T_NATIVE_UINT32, axis.values);
    write_text_attribute(scale, "long_name", axis.long_name);
    scales.add(axis.name, std::move(scale));
  }
  const std::string origin = view.dates.empty() ? "1970-01" : view.dates.front();
  std::vector<int32_t> days;
  for (const auto& date : view.dates) days.push_back(days_between(origin, date));
  Handle month = create_coordinate(file, kMonthAxis, H5T_STD_I32LE, H5T_NATIVE_INT32, days);
  write_text_attribute(month, "standard_name", "time");
  write_text_attribute(month, "long_name",
                       "month (labelled by its first day; values are the "
                       "state at its end)");
  write_text_attribute(month, "units", fmt::format("days since {}-01", origin));
  write_text_attribute(month, "calendar", "standard");
  write_text_attribute(month, "axis", "T");
  scales.add(kMonthAxis, std::move(month));
  for (const Table& table : view.tables)
    if (!scales.by_name.count(table.dimension))
      scales.add(table.dimension,
                 create_dimension_only(file, table.dimension, rows_of(file, table.dataset)));
  // netCDF numbers dimensions by _Netcdf4Dimid: series axes first, as they are stored.
  for (size_t id = 0; id < scales.order.size(); ++id) {
    const int32_t dimid = static_cast<int32_t>(id);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
    Handle attr(H5Acreate2(scales.by_name.at(scales.order[id]), "_Netcdf4Dimid", H5T_STD_I32LE,
                           space, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose, "create _Netcdf4Dimid");
    check(H5Awrite(attr, H5T_NATIVE_INT32, &dimid), "write _Netcdf4Dimid");
  }
  return scales;
}

void link_at_root(hid_t file, const std::string& target, const std::string& name) {
  check(H5Lcreate_soft(target.c_str(), file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
        fmt::format("link /{} to {} (is something else named so?)", name, target));
}

/// Attaches the axes and the month scale to one series; adds its CF
/// attributes and its root link.
void describe_series(hid_t file, const View& view, const Scales& scales, const SeriesInfo& info) {
  const std::string path = "/series/" + info.name;
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose, "open " + path);
  Handle space(H5Dget_space(set), H5Sclose, "read the dataspace of " + path);
  std::vector<hsize_t> dims(view.axes.size() + 1);
  const bool shaped = H5Sget_simple_extent_ndims(space) == static_cast<int>(dims.size()) &&
                      H5Sget_simple_extent_dims(space, dims.data(), nullptr) >= 0;
  for (size_t i = 0; shaped && i < view.axes.size(); ++i)
    if (dims[i] != view.axes[i].values.size())
      throw IoError(fmt::format("{} has {} along {}, expected {}", path, dims[i], view.axes[i].name,
                                view.axes[i].values.size()));
  if (!shaped || dims.back() != view.dates.size())
    throw IoError(fmt::format("{} does not have the shape of the view's axes", path));
  for (size_t i = 0; i < view.axes.size(); ++i)
    check(H5DSattach_scale(set, scales.by_name.at(view.axes[i].name), static_cast<unsigned>(i)),
          "attach " + view.axes[i].name + " to " + path);
  check(
      H5DSattach_scale(set, scales.by_name.at(kMonthAxis), static_cast<unsigned>(view.axes.size())),
      "attach month to " + path);
  write_text_attribute(set, "units", cf_units(info.unit));
  write_text_attribute(set, "long_name", info.description);
  write_text_attribute(set, "coordinates", "date");
  link_at_root(file, path, info.name);
}

void describe_dates(hid_t file, const Scales& scales) {
  Handle set(H5Dopen2(file, kDates, H5P_DEFAULT), H5Dclose, "open /time/date");
  check(H5DSattach_scale(set, scales.by_name.at(kMonthAxis), 0), "attach month to /time/date");
  write_text_attribute(set, "long_name", "month (YYYY-MM)");
  // xarray decodes fixed-length byte strings to text when told their encoding.
  write_text_attribute(set, "_Encoding", "utf-8");
  link_at_root(file, kDates, "date");
}

int parse_field(const std::string& text, size_t begin, size_t length) {
  int value = 0;
  const char* first = text.data() + begin;
  const auto [end, error] = std::from_chars(first, first + length, value);
  if (error != std::errc() || end != first + length)
    throw IoError(fmt::format("'{}' is not a YYYY-MM month", text));
  return value;
}

/// Days since 1970-01-01 of the first day of a YYYY-MM month (the proleptic
/// Gregorian calendar; H. Hinnant's days_from_civil).
int64_t days_from_epoch(const std::string& month) {
  if (month.size() != 7 || month[4] != '-')
    throw IoError(fmt::format("'{}' is not a YYYY-MM month", month));
  const int64_t y0 = parse_field(month, 0, 4);
  const int64_t m = parse_field(month, 5, 2);
  const int64_t y = m <= 2 ? y0 - 1 : y0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

}  // namespace

std::string cf_units(const std::string& unit) {
  static const char* const kDimensionless[] = {"people",    "fraction", "mutuals", "proposals",
                                               "contracts", "attitude", "signal"};
  for (const char* name : kDimensionless)
    if (unit == name) return "1";
  return unit;
}

int32_t days_between(const std::string& origin, const std::string& month) {
  return static_cast<int32_t>(days_from_epoch(month) - days_from_epoch(origin));
}

View run_view(uint32_t replicates, const std::vector<std::string>& dates,
              const std::vector<SeriesInfo>& series) {
  View view;
  Axis replicate{"replicate", "replicate (0-based; the replicate field of /events)", {}};
  for (uint32_t r = 0; r < replicates; ++r) replicate.values.push_back(r);
  view.axes.push_back(std::move(replicate));
  view.dates = dates;
  view.series = series;
  view.tables = {{"events", "event"}, {"organisations", "organisation"}};
  return view;
}

View sweep_view(const std::vector<uint32_t>& points, uint32_t replicates,
                const std::vector<std::string>& dates, const std::vector<SeriesInfo>& series) {
  View view = run_view(replicates, dates, series);
  view.axes.insert(view.axes.begin(),
                   Axis{"point", "sweep point (the point field of /points)", points});
  view.tables = {{"points", "point"}};
  return view;
}

void add_view(hid_t file, const View& view) {
  const Scales scales = create_scales(file, view);
  // A sweep whose points all failed has no series datasets.
  const bool has_series = H5Lexists(file, "series", H5P_DEFAULT) > 0;
  for (const SeriesInfo& info : view.series)
    if (has_series && H5Lexists(file, ("series/" + info.name).c_str(), H5P_DEFAULT) > 0)
      describe_series(file, view, scales, info);
  for (const Table& table : view.tables) {
    Handle set(H5Dopen2(file, table.dataset.c_str(), H5P_DEFAULT), H5Dclose,
               "open /" + table.dataset);
    check(H5DSattach_scale(set, scales.by_name.at(table.dimension), 0),
          fmt::format("attach {} to /{}", table.dimension, table.dataset));
  }
  describe_dates(file, scales);
}

}  // namespace mutsim::netcdf
