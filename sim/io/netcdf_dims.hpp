#pragma once
// The netCDF-4 view of a mutsim file (docs/OUTPUT.md, "The netCDF view"):
// dimension scales at the root attached to every series and table, CF-style
// `units` and `long_name`, and a root link to each series, so that
// xarray.open_dataset(path, engine="h5netcdf") and ncdump read the file with
// named dimensions and coordinates. It only adds objects and attributes:
// readers of the format-1.0 layout see the file they know.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/model/metrics.hpp"

namespace mutsim::netcdf {

/// A leading axis of every /series dataset (the `month` axis comes last).
struct Axis {
  std::string name;  // the dimension, and its coordinate variable at the root
  std::string long_name;
  std::vector<uint32_t> values;  // one coordinate value per index
};

/// A compound table at the root whose rows run along `dimension`; a
/// dimension that is also an Axis is shared (the rows of /points are points).
struct Table {
  std::string dataset;
  std::string dimension;
};

/// Any other dataset at the root, with the dimension of each of its axes.
struct Grid {
  std::string dataset;
  std::vector<std::string> dimensions;
};

struct View {
  std::vector<Axis> axes;          // outermost first
  std::vector<std::string> dates;  // YYYY-MM, as in /time/date: the month axis
  std::vector<SeriesInfo> series;  // the datasets in /series
  std::vector<Table> tables;
  std::vector<Grid> grids;
};

/// A run file's view: series [replicate, month]; /events along `event`,
/// /organisations along `organisation`; /organisations_sampled along
/// [replicate, organisation].
View run_view(uint32_t replicates, const std::vector<std::string>& dates,
              const std::vector<SeriesInfo>& series);

/// A sweep file's view: series [point, replicate, month]; /points along `point`.
View sweep_view(const std::vector<uint32_t>& points, uint32_t replicates,
                const std::vector<std::string>& dates, const std::vector<SeriesInfo>& series);

/// Adds the view to `file`, whose /time/date, /series and tables are already
/// written. Throws IoError (e.g. a series whose shape does not match the axes).
void add_view(hid_t file, const View& view);

/// CF `units` for a mutsim unit: counts and fractions are dimensionless
/// ("1"); other units are kept.
std::string cf_units(const std::string& unit);

/// Days from the first day of `origin` to the first day of `month` (both YYYY-MM).
int32_t days_between(const std::string& origin, const std::string& month);

}  // namespace mutsim::netcdf
