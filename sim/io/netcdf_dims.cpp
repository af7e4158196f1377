#include "sim/io/netcdf_dims.hpp"

#include <fmt/format.h>
#include <hdf5_hl.h>

#include <charconv>
#include <map>

#include "sim/io/h5/write.hpp"
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

/// Opens `name`, a dataset just written at the root, and makes it the
/// dimension scale `scale_name`.
Handle open_as_scale(hid_t file, const std::string& name, const std::string& scale_name) {
  Handle set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open /" + name);
  check(H5DSset_scale(set, scale_name.c_str()), "make /" + name + " a dimension scale");
  return set;
}

/// A 1-D dataset at the root that is the dimension scale `name` (through
/// the HDF5 layer, so it is chunked and checksummed like every dataset).
template <class T>
Handle create_coordinate(hid_t file, const std::string& name, const std::vector<T>& values) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0)
    throw IoError(fmt::format("HDF5: cannot create /{}: a series or table is named so", name));
  h5::write_dataset(file, name, {values.size()}, std::span<const T>(values));
  return open_as_scale(file, name, name);
}

/// A dimension without a coordinate variable: a scale that is never
/// written (so it takes no space), marked as netCDF-C marks it.
Handle create_dimension_only(hid_t file, const std::string& name, hsize_t size) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0)
    throw IoError(fmt::format("HDF5: cannot create /{}: a series or table is named so", name));
  h5::create_dataset(file, name, H5T_IEEE_F32LE, {size});
  return open_as_scale(file, name, fmt::format("{}{:10d}", kDimensionOnly, size));
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
    Handle scale = create_coordinate(file, axis.name, axis.values);
    h5::write_char_attribute(scale, "long_name", axis.long_name);
    scales.add(axis.name, std::move(scale));
  }
  const std::string origin = view.dates.empty() ? "1970-01" : view.dates.front();
  std::vector<int32_t> days;
  for (const auto& date : view.dates) days.push_back(days_between(origin, date));
  Handle month = create_coordinate(file, kMonthAxis, days);
  h5::write_char_attribute(month, "standard_name", "time");
  h5::write_char_attribute(month, "long_name",
                           "month (labelled by its first day; values are the "
                           "state at its end)");
  h5::write_char_attribute(month, "units", fmt::format("days since {}-01", origin));
  h5::write_char_attribute(month, "calendar", "standard");
  h5::write_char_attribute(month, "axis", "T");
  scales.add(kMonthAxis, std::move(month));
  for (const Table& table : view.tables)
    if (!scales.by_name.count(table.dimension))
      scales.add(table.dimension,
                 create_dimension_only(file, table.dimension, rows_of(file, table.dataset)));
  // netCDF numbers dimensions by _Netcdf4Dimid: series axes first, as they are stored.
  for (size_t id = 0; id < scales.order.size(); ++id)
    h5::write_i32_attribute(scales.by_name.at(scales.order[id]), "_Netcdf4Dimid",
                            static_cast<int32_t>(id));
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
  h5::write_char_attribute(set, "units", cf_units(info.unit));
  h5::write_char_attribute(set, "long_name", info.description);
  h5::write_char_attribute(set, "coordinates", "date");
  link_at_root(file, path, info.name);
}

void describe_dates(hid_t file, const Scales& scales) {
  Handle set(H5Dopen2(file, kDates, H5P_DEFAULT), H5Dclose, "open /time/date");
  check(H5DSattach_scale(set, scales.by_name.at(kMonthAxis), 0), "attach month to /time/date");
  h5::write_char_attribute(set, "long_name", "month (YYYY-MM)");
  // xarray decodes fixed-length byte strings to text when told their encoding.
  h5::write_char_attribute(set, "_Encoding", "utf-8");
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
  view.grids = {{"organisations_sampled", {"replicate", "organisation"}}};
  return view;
}

View sweep_view(const std::vector<uint32_t>& points, uint32_t replicates,
                const std::vector<std::string>& dates, const std::vector<SeriesInfo>& series) {
  View view = run_view(replicates, dates, series);
  view.axes.insert(view.axes.begin(),
                   Axis{"point", "sweep point (the point field of /points)", points});
  view.tables = {{"points", "point"}};
  view.grids = {};
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
  for (const Grid& grid : view.grids) {
    Handle set(H5Dopen2(file, grid.dataset.c_str(), H5P_DEFAULT), H5Dclose,
               "open /" + grid.dataset);
    for (unsigned axis = 0; axis < grid.dimensions.size(); ++axis)
      check(H5DSattach_scale(set, scales.by_name.at(grid.dimensions[axis]), axis),
            fmt::format("attach {} to /{}", grid.dimensions[axis], grid.dataset));
  }
  describe_dates(file, scales);
}

}  // namespace mutsim::netcdf
