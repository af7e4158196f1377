// The run file: write, read back, refuse to overwrite, never leave partial
// or temporary files, refuse foreign and newer files.
#include <hdf5.h>
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/hdf5_reader.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/io/provenance.hpp"
#include "sim/model/forms.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

/// A fresh folder under the system temp folder, removed at scope exit.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_io_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(path)) out.push_back(entry.path().filename());
    return out;
  }
  fs::path path;
};

struct Run {
  LoadedScenario loaded;
  RunResult result;
  Provenance provenance;
};

Run make_run(uint32_t replicates = 2, int threads = 2, std::vector<std::string> extra = {}) {
  Run run;
  std::vector<std::string> overrides = {"attitude.baseline=0.6",
                                        "pipeline.champion_entrepreneurial=0.5",
                                        "pipeline.entry_logit=-4", "population.scale=0.5"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  run.loaded =
      load_scenario_file(std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml", overrides);
  RunOptions options;
  options.seed = 42;
  options.replicates = replicates;
  options.threads = threads;
  run.result = run_simulation(run.loaded.scenario, options);
  run.provenance = make_provenance(run.loaded, 42, replicates);
  return run;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool has_temporary(const TempDir& dir) {
  for (const auto& name : dir.names())
    if (name.find(".tmp-") != std::string::npos) return true;
  return false;
}

std::string io_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const IoError& e) {
    return e.what();
  }
  FAIL("no IoError");
  return "";
}

/// One fixed-length text field of a compound table, read with the C API.
std::vector<std::string> read_text_field(const std::string& path, const char* table,
                                         const char* field, size_t size) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t set = H5Dopen2(file, table, H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t text = H5Tcopy(H5T_C_S1);
  H5Tset_size(text, size);
  H5Tset_strpad(text, H5T_STR_NULLPAD);
  const hid_t type = H5Tcreate(H5T_COMPOUND, size);
  H5Tinsert(type, field, 0, text);
  const hid_t space = H5Dget_space(set);
  const auto rows = static_cast<size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<char> buffer(rows * size + 1);
  herr_t status = rows ? H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) : 0;
  H5Sclose(space);
  H5Tclose(type);
  H5Tclose(text);
  H5Dclose(set);
  H5Fclose(file);
  REQUIRE(status >= 0);
  std::vector<std::string> out;
  for (size_t i = 0; i < rows; ++i) {
    std::string value(buffer.data() + i * size, size);
    out.push_back(value.substr(0, value.find('\0')));
  }
  return out;
}

/// A float64 field of a table, read by name through a one-field compound type.
std::vector<double> read_f64_field(const std::string& path, const char* table, const char* field) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t set = H5Dopen2(file, table, H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(double));
  H5Tinsert(type, field, 0, H5T_NATIVE_DOUBLE);
  const hid_t space = H5Dget_space(set);
  std::vector<double> out(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  const herr_t status =
      out.empty() ? 0 : H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(set);
  H5Fclose(file);
  REQUIRE(status >= 0);
  return out;
}

/// The uint8 dataset /organisations_sampled and its dimensions.
std::vector<uint8_t> read_sampled(const std::string& path, std::array<hsize_t, 2>& dims) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t set = H5Dopen2(file, "/organisations_sampled", H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t space = H5Dget_space(set);
  REQUIRE(H5Sget_simple_extent_ndims(space) == 2);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<uint8_t> out(dims[0] * dims[1]);
  const herr_t status = H5Dread(set, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  REQUIRE(status >= 0);
  return out;
}

/// Replaces the root attribute format_version with `version` (C API).
void rewrite_format_version(const std::string& path, const std::string& version) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  REQUIRE(H5Adelete(file, "format_version") >= 0);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, "format_version", type, space, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  const char* text = version.c_str();
  REQUIRE(H5Awrite(attr, type, &text) >= 0);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
}

}  // namespace

TEST_CASE("a run file reads back exactly", "[unit][io]") {
  const Run run = make_run();
  TempDir dir;
  const std::string path = dir.file("out.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  CHECK(fs::exists(path));
  CHECK_FALSE(has_temporary(dir));

  const RunFile file = read_run_file(path);
  CHECK(file.path == path);
  CHECK(file.dates == run.result.dates);
  CHECK(file.dates.front() == "2010-01");
  CHECK(file.dates.back() == "2012-12");
  REQUIRE(file.series.size() == run.result.series.size());
  for (size_t k = 0; k < run.result.series.size(); ++k) {
    const std::string& name = run.result.series[k].name;
    INFO(name);
    REQUIRE(file.series.count(name) == 1);
    const SeriesData& data = file.series.at(name);
    CHECK(data.replicates == 2);
    CHECK(data.months == run.result.months());
    REQUIRE(data.values.size() == run.result.values[k].size());
    CHECK(std::memcmp(data.values.data(), run.result.values[k].data(),
                      data.values.size() * sizeof(double)) == 0);
  }
  // The active scenario did something worth round-tripping.
  CHECK(file.series.at("spinouts_cumulative").at(0, 35) > 0);
  CHECK(file.series.at("mean_attitude").at(1, 3) ==
        run.result.at(static_cast<size_t>(run.result.series_index("mean_attitude")), 1, 3));

  CHECK(file.text.at("format") == "mutsim");
  CHECK(file.text.at("format_version") == "1.4");  // 1.2: climate; 1.3: samples; 1.4: forms, lines
  CHECK(file.text.at("mutsim_version") == mutsim_version());
  CHECK_FALSE(file.text.at("git_commit").empty());
  CHECK_THAT(file.text.at("library_versions"), Catch::Contains("HDF5"));
  CHECK(file.seed == 42);
  CHECK(file.replicates == 2);
  CHECK(file.scale == 0.5);
  CHECK(file.target_share == 1.0 / 6.0);
  CHECK(file.text.at("target_date") == "2015-12");
  CHECK(file.text.at("routes") == "tcs,rtp,psm");
  CHECK(file.text.at("scenario_path") == run.loaded.path);
  CHECK(file.text.at("scenario_yaml") == run.loaded.source_text);
  CHECK(file.text.at("effective_yaml") == run.loaded.effective_yaml);
  CHECK(file.text.at("overrides") ==
        "attitude.baseline=0.6\npipeline.champion_entrepreneurial=0.5\npipeline.entry_logit=-4\n"
        "population.scale=0.5");
}

TEST_CASE("the events and organisations tables hold every row", "[unit][io]") {
  const Run run = make_run();
  TempDir dir;
  const std::string path = dir.file("out.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  const auto routes = read_text_field(path, "/events", "route", 16);
  CHECK(routes.size() == run.result.events.size());
  CHECK(routes.size() > 100);
  for (size_t i = 0; i < routes.size(); ++i)
    REQUIRE(routes[i] == run.loaded.scenario.routes[run.result.events[i].route].name);
  const auto types = read_text_field(path, "/organisations", "type", 32);
  REQUIRE(types.size() == run.result.population.organisations.size());
  CHECK(types.front() == "pct_provider");
  CHECK(types.back() == "local_council");
}

TEST_CASE("events carry their weight; the file says which organisations were sampled",
          "[unit][io]") {
  const Run run = make_run();  // scale 0.5
  TempDir dir;
  const std::string path = dir.file("out.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  const auto weights = read_f64_field(path, "/events", "weight");
  REQUIRE(weights.size() == run.result.events.size());
  const size_t orgs = run.result.population.organisations.size();
  std::array<hsize_t, 2> dims{};
  const auto sampled = read_sampled(path, dims);
  CHECK(dims[0] == 2);
  CHECK(dims[1] == orgs);
  CHECK(sampled == run.result.organisations_sampled);
  const auto org_weight = read_f64_field(path, "/organisations", "weight");
  REQUIRE(org_weight.size() == orgs);
  for (size_t i = 0; i < weights.size(); ++i) {
    const Event& e = run.result.events[i];
    INFO("event " << i);
    REQUIRE(weights[i] == e.weight);
    // An event happens in a sampled organisation and weighs what it does.
    REQUIRE(sampled[e.replicate * orgs + e.organisation] == 1);
    REQUIRE(e.weight == org_weight[e.organisation]);
  }
  // small.yaml's PCT arms: 10, round(0.5 x 10) = 5 kept, weight 2.
  CHECK(org_weight.front() == 2.0);
  size_t kept = 0;
  for (size_t o = 0; o < 10; ++o) kept += sampled[o];
  CHECK(kept == 5);
}

// docs/OUTPUT.md: `kind` is one of proposal, in_progress, spinout, abandoned,
// failure, contract_retained, contract_lost, growth, pathfinder_chosen.
// "contract_retained" has 17 characters and the field is string(16).
TEST_CASE("event kinds are written in full", "[unit][io]") {
  // Long enough for one-year contracts to come up for re-tender.
  const Run run = make_run(2, 2, {"time.end=2014-06", "population.scale=1"});
  TempDir dir;
  const std::string path = dir.file("out.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  size_t retained = 0;
  for (const auto& e : run.result.events) retained += e.kind == EventKind::ContractRetained;
  REQUIRE(retained > 0);
  // Read with a wide field so a truncated value cannot be mistaken for a whole one.
  const auto kinds = read_text_field(path, "/events", "kind", 64);
  const std::set<std::string> documented = {"proposal",      "in_progress", "spinout",
                                            "abandoned",     "failure",     "contract_retained",
                                            "contract_lost", "growth",      "pathfinder_chosen"};
  std::set<std::string> seen(kinds.begin(), kinds.end());
  for (const auto& kind : seen) {
    INFO(kind);
    CHECK(documented.count(kind) == 1);
  }
  CHECK(seen.count("contract_retained") == 1);
}

TEST_CASE("an existing file is replaced only with overwrite", "[unit][io]") {
  const Run run = make_run(1);
  TempDir dir;
  const std::string path = dir.file("out.h5");
  {
    std::ofstream old(path);
    old << "previous results";
  }
  const std::string message = io_error(
      [&] { write_run_file(path, run.result, run.loaded.scenario, run.provenance, false); });
  CHECK_THAT(message, Catch::Contains(path));
  CHECK_THAT(message, Catch::Contains("exists"));
  CHECK(read_bytes(path) == "previous results");
  CHECK_THROWS_AS(check_output_path(path, false), IoError);
  CHECK_NOTHROW(check_output_path(path, true));
  CHECK_FALSE(has_temporary(dir));

  write_run_file(path, run.result, run.loaded.scenario, run.provenance, true);
  CHECK(read_run_file(path).replicates == 1);
  CHECK_FALSE(has_temporary(dir));
  CHECK(dir.names().size() == 1);
}

TEST_CASE("failed writes leave no output and no temporary file", "[unit][io]") {
  const Run run = make_run(1);
  TempDir dir;
  SECTION("a folder that does not exist") {
    const std::string path = dir.file("missing/out.h5");
    const std::string message = io_error(
        [&] { write_run_file(path, run.result, run.loaded.scenario, run.provenance, false); });
    CHECK_THAT(message, Catch::Contains(path));
    CHECK(dir.names().empty());
  }
  SECTION("the output path is a folder") {
    fs::create_directory(dir.path / "folder.h5");
    CHECK_THROWS_AS(write_run_file(dir.file("folder.h5"), run.result, run.loaded.scenario,
                                   run.provenance, true),
                    IoError);
    CHECK(dir.names().size() == 1);
  }
  SECTION("HDF5 fails half way (two series with one name)") {
    RunResult broken = run.result;
    broken.series.push_back(broken.series.front());
    broken.values.push_back(broken.values.front());
    const std::string path = dir.file("out.h5");
    const std::string message =
        io_error([&] { write_run_file(path, broken, run.loaded.scenario, run.provenance, false); });
    CHECK_THAT(message, Catch::Contains(path));
    CHECK_FALSE(fs::exists(path));
    CHECK(dir.names().empty());
  }
  SECTION("an HDF5 failure with overwrite keeps the old file") {
    const std::string path = dir.file("out.h5");
    write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
    const std::string before = read_bytes(path);
    RunResult broken = run.result;
    broken.series.push_back({"bad/name", "x", "y"});
    broken.values.push_back(broken.values.front());
    CHECK_THROWS_AS(write_run_file(path, broken, run.loaded.scenario, run.provenance, true),
                    IoError);
    CHECK(read_bytes(path) == before);
    CHECK(dir.names().size() == 1);
  }
}

TEST_CASE("read_run_file refuses foreign and newer files", "[unit][io]") {
  TempDir dir;
  SECTION("not HDF5") {
    const std::string path = dir.file("notes.h5");
    std::ofstream(path) << "this is not HDF5\n";
    const std::string message = io_error([&] { read_run_file(path); });
    CHECK_THAT(message, Catch::StartsWith(path));
    CHECK_THAT(message, Catch::Contains("not an HDF5 file"));
  }
  SECTION("missing file") {
    const std::string path = dir.file("nothing.h5");
    CHECK_THAT(io_error([&] { read_run_file(path); }), Catch::StartsWith(path));
  }
  SECTION("HDF5 without the format attribute") {
    const std::string path = dir.file("other.h5");
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    H5Fclose(file);
    const std::string message = io_error([&] { read_run_file(path); });
    CHECK_THAT(message, Catch::StartsWith(path));
    CHECK_THAT(message, Catch::Contains("not a mutsim output file"));
  }
  SECTION("format_version 2.0 is refused, 1.7 is read") {
    const Run run = make_run(1);
    const std::string path = dir.file("run.h5");
    write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
    const std::string newer = dir.file("newer.h5");
    fs::copy_file(path, newer);
    rewrite_format_version(newer, "2.0");
    const std::string message = io_error([&] { read_run_file(newer); });
    CHECK_THAT(message, Catch::StartsWith(newer));
    CHECK_THAT(message, Catch::Contains("2.0"));
    CHECK_THAT(message, Catch::Contains("newer"));
    const std::string minor = dir.file("minor.h5");
    fs::copy_file(path, minor);
    rewrite_format_version(minor, "1.7");
    const RunFile read = read_run_file(minor);
    CHECK(read.text.at("format_version") == "1.7");
    CHECK(read.series.at("staff_total").values ==
          read_run_file(path).series.at("staff_total").values);
    const std::string garbage = dir.file("garbage.h5");
    fs::copy_file(path, garbage);
    rewrite_format_version(garbage, "one");
    CHECK_THAT(io_error([&] { read_run_file(garbage); }), Catch::Contains("format_version"));
  }
}

TEST_CASE("the effective YAML in a file reproduces its run", "[regression][io]") {
  const Run run = make_run(2);
  TempDir dir;
  const std::string path = dir.file("out.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  const RunFile file = read_run_file(path);
  const LoadedScenario again = load_scenario_text(file.text.at("effective_yaml"), "effective");
  RunOptions options;
  options.seed = file.seed;
  options.replicates = file.replicates;
  options.threads = 1;
  const RunResult rerun = run_simulation(again.scenario, options);
  REQUIRE(rerun.series.size() == run.result.series.size());
  for (size_t k = 0; k < rerun.series.size(); ++k) {
    INFO(rerun.series[k].name);
    CHECK(rerun.values[k] == file.series.at(rerun.series[k].name).values);
  }
}

TEST_CASE("a run without events writes an empty events table", "[unit][io]") {
  const Run run = make_run(1, 1,
                           {"routes.tcs.enabled=false", "routes.rtp.enabled=false",
                            "routes.psm.enabled=false", "programmes.pathfinder.enabled=false"});
  REQUIRE(run.result.events.empty());
  TempDir dir;
  const std::string path = dir.file("quiet.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  CHECK(read_text_field(path, "/events", "kind", 16).empty());
  CHECK(read_run_file(path).series.at("spinouts_cumulative").values ==
        std::vector<double>(36, 0.0));
}

// Names up to kMaxNameLength must survive whole in the tables' fixed text
// fields, or /events no longer matches the `routes` attribute.
TEST_CASE("long route names survive in the events table", "[unit][io]") {
  std::ifstream in(std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string long_name = "public_service_mutuals";  // 22 characters
  text.replace(text.find("  psm:\n"), 7, "  " + long_name + ":\n");
  Run run;
  run.loaded = load_scenario_text(text, "long.yaml",
                                  {"attitude.baseline=0.6", "pipeline.champion_entrepreneurial=0.5",
                                   "pipeline.entry_logit=-4"});
  RunOptions options;
  options.seed = 42;
  options.replicates = 1;
  options.threads = 2;
  run.result = run_simulation(run.loaded.scenario, options);
  run.provenance = make_provenance(run.loaded, 42, 1);
  size_t on_route = 0;
  for (const auto& e : run.result.events) on_route += e.route == 2;
  REQUIRE(on_route > 0);
  TempDir dir;
  const std::string path = dir.file("long.h5");
  write_run_file(path, run.result, run.loaded.scenario, run.provenance, false);
  CHECK(read_run_file(path).text.at("routes") == "tcs,rtp," + long_name);
  const auto routes = read_text_field(path, "/events", "route", 64);
  std::set<std::string> seen(routes.begin(), routes.end());
  CHECK(seen.count(long_name) == 1);
}

// docs/OUTPUT.md documents every series the baseline writes: per-route and
// per-type series by their pattern (ROUTE, TYPE).
TEST_CASE("every series of the baseline is documented in docs/OUTPUT.md", "[unit][io]") {
  const std::string source = MUTSIM_SOURCE_DIR;
  const Scenario s = load_scenario_file(source + "/scenarios/baseline.yaml", {}).scenario;
  std::ifstream in(source + "/docs/OUTPUT.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const auto generic = [&](std::string name) {
    for (const auto& [route, _] : s.routes) {
      const std::string infix = "_" + route + "_";
      if (const auto at = name.find(infix); at != std::string::npos)
        return name.replace(at, infix.size(), "_ROUTE_");
    }
    for (const auto& [line, _] : s.population.service_lines) {
      const std::string infix = "_" + line + "_";
      if (const auto at = name.find(infix); at != std::string::npos)
        return name.replace(at, infix.size(), "_LINE_");
    }
    const auto suffixed = [&](const std::string& key, const char* placeholder) {
      const std::string suffix = "_" + key;
      if (!name.ends_with(suffix)) return false;
      name.replace(name.size() - suffix.size(), suffix.size(), placeholder);
      return true;
    };
    for (const auto& [type, _] : s.population.org_types)
      if (suffixed(type, "_TYPE")) return name;
    for (const char* form : kFormNames)
      if (suffixed(form, "_FORM")) return name;
    if (name.starts_with("commissioning_"))
      for (const auto& [sector, _] : s.population.sectors)
        if (suffixed(sector, "_SECTOR")) return name;
    return name;
  };
  for (const SeriesInfo& info : series_catalogue(s)) {
    const std::string row = "| `" + generic(info.name) + "` |";
    INFO(info.name << " as " << row);
    CHECK(doc.str().find(row) != std::string::npos);
  }
}
