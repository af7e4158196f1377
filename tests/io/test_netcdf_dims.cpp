// The netCDF view of run files (format 1.1): dimension scales at the root,
// attached to every series and table; CF attributes; root links. xarray and
// ncdump read the files for real in python/tests/test_netcdf_view.py.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/h5/handle.hpp"
#include "sim/io/hdf5_reader.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/io/netcdf_dims.hpp"
#include "sim/io/provenance.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
namespace fs = std::filesystem;
using h5::Handle;

namespace {

struct Folder {
  Folder() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_netcdf_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

/// A short run of the small scenario written to `path`; returns its result.
RunResult write_small_run(const std::string& path, uint32_t replicates) {
  const LoadedScenario loaded =
      load_scenario_file(std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml",
                         {"population.scale=0.2", "time.end=2011-06", "attitude.baseline=0.6",
                          "pipeline.entry_logit=-4", "pipeline.champion_entrepreneurial=0.5"});
  RunOptions options;
  options.seed = 5;
  options.replicates = replicates;
  options.threads = 1;
  RunResult result = run_simulation(loaded.scenario, options);
  write_run_file(path, result, loaded.scenario, make_provenance(loaded, 5, replicates), false);
  return result;
}

Handle open_file(const std::string& path) {
  h5::quiet_errors();
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open " + path);
}

Handle open_set(hid_t file, const std::string& name) {
  return Handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
}

std::string text_attribute(hid_t object, const char* name) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, std::string("open ") + name);
  Handle type(H5Aget_type(attr), H5Tclose, "type");
  REQUIRE(H5Tis_variable_str(type) == 0);  // NC_CHAR, as CF tools expect
  std::string value(H5Tget_size(type), '\0');
  REQUIRE(H5Aread(attr, type, value.data()) >= 0);
  return value.substr(0, value.find('\0'));
}

/// The NAME of a dimension scale.
std::string scale_name(hid_t scale) {
  char name[128] = {};
  REQUIRE(H5DSget_scale_name(scale, name, sizeof(name)) >= 0);
  return name;
}

/// The name of the dimension scale attached to `axis` of `set` (its NAME).
std::string attached_scale(hid_t set, unsigned axis) {
  std::string found;
  auto visit = [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
    char name[128] = {};
    H5DSget_scale_name(scale, name, sizeof(name));
    *static_cast<std::string*>(out) = name;
    return 1;
  };
  REQUIRE(H5DSiterate_scales(set, axis, nullptr, visit, &found) >= 0);
  return found;
}

}  // namespace

TEST_CASE("netcdf: CF units and month arithmetic", "[unit][io]") {
  CHECK(netcdf::cf_units("people") == "1");
  CHECK(netcdf::cf_units("fraction") == "1");
  CHECK(netcdf::cf_units("GBP") == "GBP");
  CHECK(netcdf::days_between("2010-01", "2010-01") == 0);
  CHECK(netcdf::days_between("2010-01", "2010-03") == 31 + 28);
  CHECK(netcdf::days_between("2012-01", "2012-03") == 31 + 29);  // a leap year
  CHECK(netcdf::days_between("2010-01", "2011-01") == 365);
  CHECK(netcdf::days_between("2010-03", "2010-01") == -59);
  CHECK_THROWS_AS(netcdf::days_between("2010-01", "2010-1"), IoError);
}

TEST_CASE("netcdf: a run file's series carry replicate and month scales", "[unit][io]") {
  Folder folder;
  const std::string path = (folder.path / "run.h5").string();
  const RunResult result = write_small_run(path, 3);
  Handle file = open_file(path);

  Handle replicate = open_set(file, "/replicate");
  Handle month = open_set(file, "/month");
  CHECK(H5DSis_scale(replicate) > 0);
  CHECK(scale_name(replicate) == "replicate");
  CHECK(text_attribute(month, "units") == "days since 2010-01-01");
  CHECK(text_attribute(month, "calendar") == "standard");
  std::vector<int32_t> days(result.months());
  REQUIRE(H5Dread(month, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, days.data()) >= 0);
  CHECK(days[0] == 0);
  CHECK(days[1] == 31);
  CHECK(days.back() == netcdf::days_between("2010-01", result.dates.back()));

  for (const SeriesInfo& info : result.series) {
    INFO(info.name);
    Handle set = open_set(file, "/series/" + info.name);
    CHECK(H5DSis_attached(set, replicate, 0) > 0);
    CHECK(H5DSis_attached(set, month, 1) > 0);
    CHECK(attached_scale(set, 0) == "replicate");
    CHECK(attached_scale(set, 1) == "month");
    CHECK(text_attribute(set, "units") == netcdf::cf_units(info.unit));
    CHECK(text_attribute(set, "long_name") == info.description);
    H5L_info_t link{};
    REQUIRE(H5Lget_info(file, info.name.c_str(), &link, H5P_DEFAULT) >= 0);
    CHECK(link.type == H5L_TYPE_SOFT);  // the root name of the one /series dataset
  }
  CHECK(text_attribute(open_set(file, "/series/fund_spent_gbp"), "units") == "GBP");

  // Tables run along dimensions without coordinate variables, as netCDF-C marks them.
  for (const auto& [table, dimension] :
       {std::pair{"/events", "/event"}, std::pair{"/organisations", "/organisation"}}) {
    INFO(table);
    Handle scale = open_set(file, dimension);
    CHECK_THAT(scale_name(scale),
               Catch::StartsWith("This is a netCDF dimension but not a netCDF variable."));
    CHECK(H5DSis_attached(open_set(file, table), scale, 0) > 0);
  }
  CHECK(H5DSis_attached(open_set(file, "/time/date"), month, 0) > 0);
}

TEST_CASE("netcdf: the format-1.0 reader reads a 1.4 file unchanged", "[unit][io]") {
  Folder folder;
  const std::string path = (folder.path / "run.h5").string();
  const RunResult result = write_small_run(path, 2);
  const RunFile run = read_run_file(path);
  CHECK(run.text.at("format_version") == "1.4");
  CHECK(run.series.size() == result.series.size());  // no scale in /series
  CHECK(run.dates == result.dates);
  CHECK(run.series.at("share_in_mutuals").values ==
        result.values[static_cast<size_t>(result.series_index("share_in_mutuals"))]);
}

/// An in-memory file with /time/date of `months` rows and one series
/// /series/NAME of shape [2, series_months].
struct MinimalFile {
  MinimalFile(const std::string& name, hsize_t months, hsize_t series_months) {
    h5::quiet_errors();
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "fapl");
    REQUIRE(H5Pset_fapl_core(fapl, 1 << 16, false) >= 0);
    static int count = 0;  // HDF5 refuses a second open file of one name
    const std::string image = "netcdf-test-" + std::to_string(++count) + ".h5";
    file = Handle(H5Fcreate(image.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose, "create");
    Handle time(H5Gcreate2(file, "time", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "time");
    Handle series(H5Gcreate2(file, "series", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                  "series");
    Handle text(H5Tcopy(H5T_C_S1), H5Tclose, "type");
    REQUIRE(H5Tset_size(text, 7) >= 0);
    Handle date_space(H5Screate_simple(1, &months, nullptr), H5Sclose, "space");
    Handle dates(H5Dcreate2(time, "date", text, date_space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose, "date");
    const hsize_t shape[2] = {2, series_months};
    Handle space(H5Screate_simple(2, shape, nullptr), H5Sclose, "space");
    Handle set(H5Dcreate2(series, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Dclose, name);
    std::vector<std::string> labels = {"2010-01", "2010-02", "2010-03"};
    labels.resize(months);
    view = netcdf::run_view(2, labels, {{name, "people", "a series"}});
    view.tables.clear();
    view.grids.clear();
  }
  Handle file;
  netcdf::View view;
};

TEST_CASE("netcdf: a series that does not fit the axes is refused", "[unit][io]") {
  MinimalFile wrong("x", 2, 3);  // 3 months of values against 2 dates
  CHECK_THROWS_WITH(netcdf::add_view(wrong.file, wrong.view),
                    Catch::Contains("/series/x does not have the shape"));
  MinimalFile fits("x", 2, 2);
  CHECK_NOTHROW(netcdf::add_view(fits.file, fits.view));
}

TEST_CASE("netcdf: a series named like a dimension is refused", "[unit][io]") {
  MinimalFile clash("replicate", 2, 2);
  CHECK_THROWS_WITH(netcdf::add_view(clash.file, clash.view),
                    Catch::Contains("link /replicate to /series/replicate"));
}
