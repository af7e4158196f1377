// Sweeps (issue 5): designs, seeds, shards and merge, failed points, resume
// after kill -9, and rerunning one point from the file. The MPI route is
// tested by scripts/test-sweep-mpi.sh (ctest sweep.mpi_two_ranks).
#include <fmt/format.h>
#include <hdf5.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/sweep/design.hpp"
#include "sim/sweep/merge.hpp"
#include "sim/sweep/runner.hpp"
#include "sim/sweep/sweep_file.hpp"
#include "sim/util/errors.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
using namespace mutsim::sweep;
namespace fs = std::filesystem;

namespace {

using mutsim::test::quote;
using mutsim::test::read_bytes;

const std::string kSource = MUTSIM_SOURCE_DIR;
const std::string kSmall = kSource + "/tests/data/small.yaml";
const std::string kSweeps = kSource + "/tests/data/sweeps/";

/// The mutsim binary; MUTSIM_SWEEP_BINARY overrides it (to try the sweep
/// commands before they are wired into the main binary).
std::string binary() {
  const char* env = std::getenv("MUTSIM_SWEEP_BINARY");
  return env ? env : MUTSIM_BINARY;
}

struct Sandbox {
  Sandbox() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_sweep_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  /// Runs `mutsim ARGS` here; returns the exit status.
  int run(const std::string& args, std::string* err = nullptr) const {
    const std::string command = "cd " + quote(dir.string()) + " && " + quote(binary()) + " " +
                                args + " >stdout.txt 2>stderr.txt </dev/null";
    const int raw = std::system(command.c_str());
    if (err) *err = read_bytes(dir / "stderr.txt");
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  }
  fs::path dir;
};

/// A quick sweep of the small scenario: 4 x 2 factorial, 2 replicates.
std::string quick_sweep(const std::string& extra = "") {
  return "scenario: " + kSmall +
         "\n"
         "set: {population.scale: 0.2, time.end: 2011-06}\n"
         "seed: 3\n"
         "replicates: 2\n" +
         extra +
         "design:\n"
         "  type: factorial\n"
         "  parameters:\n"
         "    attitude.baseline: [-0.2, -0.1, 0.0, 0.1]\n"
         "    commissioning.sectors.nhs.periods[*].contract_years:\n"
         "      - [{years: 1, share: 1.0}]\n"
         "      - [{years: 5, share: 1.0}]\n";
}

SweepOutcome run_in_process(const Sweep& sweep, const std::string& output, Shard shard = {},
                            bool force = false) {
  Ranks ranks;  // one rank: ctest does not run under mpirun
  RunnerOptions options;
  options.output = output;
  options.shard = shard;
  options.threads = 2;
  options.force = force;
  return run_sweep(sweep, options, ranks);
}

/// Block [R, T] of /series/NAME of row `row` of a sweep file.
std::vector<double> read_block(const std::string& file, const std::string& name, size_t row) {
  std::vector<double> out;
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t set = H5Dopen2(f, ("series/" + name).c_str(), H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t space = H5Dget_space(set);
  hsize_t dims[3];
  REQUIRE(H5Sget_simple_extent_dims(space, dims, nullptr) == 3);
  const hsize_t start[3] = {row, 0, 0}, count[3] = {1, dims[1], dims[2]};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  const hid_t memory = H5Screate_simple(3, count, nullptr);
  out.resize(dims[1] * dims[2]);
  REQUIRE(H5Dread(set, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, out.data()) >= 0);
  H5Sclose(memory);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(f);
  return out;
}

std::string read_text_attribute(const std::string& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t attr = H5Aopen(f, name, H5P_DEFAULT);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  const hid_t stored = H5Aget_type(attr);
  H5Tset_cset(type, H5Tget_cset(stored));  // HDF5 does not convert character sets
  H5Tclose(stored);
  char* text = nullptr;
  REQUIRE(H5Aread(attr, type, &text) >= 0);
  std::string value = text;
  H5free_memory(text);
  H5Tclose(type);
  H5Aclose(attr);
  H5Fclose(f);
  return value;
}

/// The /points text column `name` (fixed-length strings).
std::vector<std::string> read_points_text(const std::string& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(f, "points", H5P_DEFAULT);
  const hid_t file_type = H5Dget_type(set);
  const hid_t member = H5Tget_member_type(file_type, H5Tget_member_index(file_type, name));
  const size_t width = H5Tget_size(member);
  const hid_t space = H5Dget_space(set);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space, &rows, nullptr);
  const hid_t mem = H5Tcreate(H5T_COMPOUND, width);
  H5Tinsert(mem, name, 0, member);
  std::vector<char> raw(rows * width);
  REQUIRE(H5Dread(set, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) >= 0);
  std::vector<std::string> out(rows);
  for (size_t r = 0; r < rows; ++r)
    out[r].assign(raw.data() + r * width, ::strnlen(raw.data() + r * width, width));
  H5Tclose(mem);
  H5Sclose(space);
  H5Tclose(member);
  H5Tclose(file_type);
  H5Dclose(set);
  H5Fclose(f);
  return out;
}

bool binary_has_sweep() {
  const std::string command = quote(binary()) + " sweep --help >/dev/null 2>&1";
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
}

}  // namespace

// ------------------------------------------------------------ designs

TEST_CASE("sweep: a factorial runs the first parameter slowest, seeds derived and distinct",
          "[unit][sweep]") {
  Sandbox box;
  const Sweep sweep = load_sweep_file(box.write("s.yaml", quick_sweep()));
  REQUIRE(sweep.points.size() == 8);
  REQUIRE(sweep.parameters.size() == 2);
  CHECK(sweep.parameters[0].numeric);
  CHECK_FALSE(sweep.parameters[1].numeric);
  CHECK(sweep.points[0].values[0] == "-0.2");
  CHECK(sweep.points[1].values[0] == "-0.2");
  CHECK(sweep.points[2].values[0] == "-0.1");
  CHECK(sweep.points[1].values[1] == "[{years: 5, share: 1.0}]");
  std::set<uint64_t> seeds;
  for (const auto& p : sweep.points) seeds.insert(p.seed);
  CHECK(seeds.size() == sweep.points.size());
  // The same sweep gives the same seeds; another sweep seed gives others.
  CHECK(load_sweep_file(box.path("s.yaml")).points[5].seed == sweep.points[5].seed);
  SweepSettings other;
  other.seed = 4;
  CHECK(load_sweep_file(box.path("s.yaml"), other).points[5].seed != sweep.points[5].seed);
  const auto many = derive_point_seeds(1, 100000);
  CHECK(std::set<uint64_t>(many.begin(), many.end()).size() == many.size());
  CHECK(*std::max_element(many.begin(), many.end()) < (uint64_t{1} << 53));
}

TEST_CASE("sweep: an indexed key path becomes a --set of the whole list", "[unit][sweep]") {
  Sandbox box;
  const Sweep sweep = load_sweep_file(box.write("s.yaml", quick_sweep()));
  const auto& o = sweep.points[1].overrides;
  REQUIRE(o.size() == 4);
  CHECK(o[0] == "attitude.baseline=-0.2");
  CHECK_THAT(o[1], Catch::StartsWith("commissioning.sectors.nhs.periods=[{from: 2010-01, "
                                     "contract_years: [{years: 5, share: 1.0}]"));
  CHECK(o[2] == fmt::format("run.seed={}", sweep.points[1].seed));
  CHECK(o[3] == "run.replicates=2");
  const LoadedScenario point = load_point(sweep, sweep.points[1]);
  for (const auto& period : point.scenario.commissioning.sectors[0].value.periods) {
    REQUIRE(period.contract_years.size() == 1);
    CHECK(period.contract_years[0].years == 5);
  }
}

TEST_CASE("sweep: a Latin hypercube has one sample per stratum in every dimension",
          "[unit][sweep]") {
  const size_t n = 50, d = 4;
  const auto u = latin_hypercube(9, n, d);
  REQUIRE(u.size() == n);
  for (size_t j = 0; j < d; ++j) {
    std::set<size_t> strata;
    for (size_t i = 0; i < n; ++i) {
      CHECK(u[i][j] >= 0.0);
      CHECK(u[i][j] < 1.0);
      strata.insert(static_cast<size_t>(u[i][j] * n));
    }
    CHECK(strata.size() == n);
  }
  CHECK(latin_hypercube(9, n, d) == u);
  CHECK(latin_hypercube(10, n, d) != u);
}

TEST_CASE("sweep: Sobol points are Joe-Kuo's, digitally shifted by the seed", "[unit][sweep]") {
  const auto plain = sobol_points(1, 4, 2, false);
  // The first points of the unscrambled sequence, the zero point included.
  CHECK(plain[0] == std::vector<double>{0.0, 0.0});
  CHECK(plain[1] == std::vector<double>{0.5, 0.5});
  CHECK(plain[2] == std::vector<double>{0.75, 0.25});
  CHECK(plain[3] == std::vector<double>{0.25, 0.75});
  const size_t n = 64;
  const auto shifted = sobol_points(7, n, 3, true);
  CHECK(sobol_points(7, n, 3, true) == shifted);
  CHECK(sobol_points(8, n, 3, true) != shifted);
  // A digital shift keeps the net: the first 64 points put one point in
  // each of 64 strata of every coordinate.
  for (size_t j = 0; j < 3; ++j) {
    std::set<size_t> strata;
    for (const auto& p : shifted) strata.insert(static_cast<size_t>(p[j] * n));
    CHECK(strata.size() == n);
  }
}

TEST_CASE("sweep: lhs and sobol designs map ranges, integers included", "[unit][sweep]") {
  Sandbox box;
  const std::string text = "scenario: " + kSmall +
                           "\n"
                           "design:\n"
                           "  type: sobol\n"
                           "  samples: 16\n"
                           "  seed: 2\n"
                           "  parameters:\n"
                           "    attitude.baseline: {min: -0.5, max: 0.5}\n"
                           "    pipeline.min_months_exploring: {min: 1, max: 6, integer: true}\n";
  const Sweep sweep = load_sweep_file(box.write("s.yaml", text));
  REQUIRE(sweep.points.size() == 16);
  std::set<double> months;
  for (const auto& p : sweep.points) {
    CHECK(p.numbers[0] >= -0.5);
    CHECK(p.numbers[0] < 0.5);
    CHECK(p.numbers[1] == std::floor(p.numbers[1]));
    months.insert(p.numbers[1]);
  }
  CHECK(*months.begin() >= 1);
  CHECK(*months.rbegin() <= 6);
  CHECK(months.size() >= 5);
}

TEST_CASE("sweep: a bad sweep file names file:line:column and the key", "[unit][sweep]") {
  Sandbox box;
  auto error_of = [&](const std::string& text) {
    try {
      load_sweep_file(box.write("bad.yaml", text));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string head = "scenario: " + kSmall + "\n";
  CHECK_THAT(
      error_of(head +
               "replicate: 3\ndesign: {type: factorial, parameters: {attitude.baseline: [0]}}\n"),
      Catch::StartsWith(box.path("bad.yaml") +
                        ":2:1: replicate: unknown key; did you mean 'replicates'?"));
  CHECK_THAT(
      error_of(head + "design:\n  type: factorial\n  parameters:\n    attitude.baselin: [0]\n"),
      Catch::StartsWith(box.path("bad.yaml") +
                        ":5:5: attitude.baselin: the base scenario has no") &&
          Catch::Contains("did you mean 'baseline'"));
  CHECK_THAT(error_of(head + "design:\n  type: factorial\n  parameters:\n    run.seed: [1, 2]\n"),
             Catch::Contains(":5:5: run.seed:"));
  CHECK_THAT(
      error_of(head + "design:\n  type: factorial\n  parameters:\n    attitude.baseline: 0.1\n"),
      Catch::Contains(":5:24: attitude.baseline: expected a non-empty list"));
  CHECK_THAT(error_of(head + "design: {type: grid}\n"),
             Catch::Contains("design.type: expected factorial"));
  CHECK_THAT(
      error_of(
          head +
          "design: {type: lhs, samples: 4, parameters: {attitude.baseline: {min: 1, max: 0}}}\n"),
      Catch::Contains("min must be below max"));
  CHECK_THAT(error_of(head + "design:\n  type: factorial\n  parameters:\n"
                             "    commissioning.sectors.nhs.periods[9].contract_years: [[]]\n"),
             Catch::Contains("has 1 elements"));
  CHECK_THAT(error_of("scenario: nowhere.yaml\ndesign: {type: points, points: [{a: 1}]}\n"),
             Catch::Contains(":1:11: scenario:") && Catch::Contains("does not exist"));
  CHECK_THAT(error_of(head + "design:\n  type: points\n  points:\n    - {attitude.baseline: 0}\n"
                             "    - {attitude.noise_sd: 0.1}\n"),
             Catch::Contains(":6:7: design.points[1]:"));
}

TEST_CASE("sweep: shards partition the points, --shard is K/N from 0", "[unit][sweep]") {
  std::vector<uint32_t> all;
  for (uint32_t k = 0; k < 4; ++k) {
    const auto mine = shard_points(10, {k, 4});
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == shard_points(10, {0, 1}));
  CHECK(parse_shard("3/4").index == 3);
  CHECK(parse_shard("3/4").count == 4);
  CHECK_THROWS_AS(parse_shard("4/4"), ConfigError);
  CHECK_THROWS_AS(parse_shard("1"), ConfigError);
  CHECK_THROWS_AS(parse_shard("a/b"), ConfigError);
}

// ------------------------------------------------------------ whole sweeps

TEST_CASE("sweep: shards merged give the unsharded file byte for byte", "[regression][sweep]") {
  Sandbox box;
  const Sweep sweep = load_sweep_file(box.write("s.yaml", quick_sweep()));
  const SweepOutcome whole = run_in_process(sweep, box.path("whole.h5"));
  CHECK(whole.points == 8);
  CHECK(whole.failed == 0);
  CHECK_FALSE(fs::exists(box.path("whole.h5.parts")));  // removed when every point is ok
  std::vector<std::string> shards;
  for (uint32_t k = 0; k < 3; ++k) {
    shards.push_back(box.path(fmt::format("shard{}.h5", k)));
    run_in_process(sweep, shards.back(), {k, 3});
  }
  std::reverse(shards.begin(), shards.end());  // input order does not matter
  const MergeReport report = merge_sweep_files(shards, box.path("merged.h5"), false);
  CHECK(report.points == 8);
  CHECK(read_bytes(box.path("merged.h5")) == read_bytes(box.path("whole.h5")));
  // Missing or foreign shards are refused.
  shards.pop_back();
  CHECK_THROWS_WITH(merge_sweep_files(shards, box.path("m2.h5"), false),
                    Catch::Contains("points missing"));
  SweepSettings other;
  other.seed = 99;
  run_in_process(load_sweep_file(box.path("s.yaml"), other), box.path("other.h5"), {0, 3});
  shards.push_back(box.path("other.h5"));
  CHECK_THROWS_WITH(merge_sweep_files(shards, box.path("m3.h5"), false),
                    Catch::Contains("different sweep"));
}

TEST_CASE("sweep: a point reruns alone from the file's provenance", "[regression][sweep]") {
  Sandbox box;
  const Sweep sweep = load_sweep_file(box.write("s.yaml", quick_sweep()));
  const std::string out = box.path("whole.h5");
  run_in_process(sweep, out);
  const std::string effective = read_text_attribute(out, "effective_yaml");
  const auto overrides = read_points_text(out, "overrides");
  REQUIRE(overrides.size() == 8);
  const size_t row = 5;
  std::vector<std::string> lines;
  std::stringstream stream(overrides[row]);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  const LoadedScenario point = load_scenario_text(effective, "effective.yaml", lines);
  RunOptions options;
  options.seed = static_cast<uint64_t>(point.scenario.run.seed);
  options.replicates = static_cast<uint32_t>(point.scenario.run.replicates);
  const RunResult alone = run_simulation(point.scenario, options);
  for (size_t k = 0; k < alone.series.size(); ++k) {
    INFO(alone.series[k].name);
    CHECK(read_block(out, alone.series[k].name, row) == alone.values[k]);
  }
}

TEST_CASE("sweep: a failing point is recorded and the others finish", "[regression][sweep]") {
  Sandbox box;
  const Sweep sweep = load_sweep_file(kSweeps + "small-failing.yaml");
  const std::string out = box.path("f.h5");
  const SweepOutcome outcome = run_in_process(sweep, out);
  CHECK(outcome.points == 3);
  CHECK(outcome.failed == 1);
  CHECK(outcome.failed_points == std::vector<uint32_t>{1});
  const auto status = read_points_text(out, "status");
  CHECK(status == std::vector<std::string>{"ok", "failed", "ok"});
  const auto errors = read_points_text(out, "error");
  CHECK(errors[0].empty());
  CHECK_THAT(errors[1], Catch::Contains("population.scale"));
  const auto failed = read_block(out, "staff_total", 1);
  CHECK(std::all_of(failed.begin(), failed.end(), [](double v) { return std::isnan(v); }));
  const auto ok = read_block(out, "staff_total", 2);
  CHECK(std::none_of(ok.begin(), ok.end(), [](double v) { return std::isnan(v); }));
  // The parts are kept; a rerun with --force redoes only the failed point.
  CHECK(fs::exists(box.path("f.h5.parts")));
  const SweepOutcome again = run_in_process(sweep, out, {}, true);
  CHECK(again.resumed == 2);
  CHECK(again.failed == 1);

  // Through the command: exit status 1, the file written.
  if (!binary_has_sweep()) FAIL("mutsim has no `sweep` subcommand: wire add_sweep_commands");
  std::string err;
  CHECK(box.run("sweep -q " + quote(kSweeps + "small-failing.yaml") + " -o cli.h5", &err) == 1);
  CHECK(fs::exists(box.path("cli.h5")));
  CHECK_THAT(err, Catch::Contains("1 of 3 points failed"));
  // Run again without --force: complete, and still says a point failed.
  CHECK(box.run("sweep " + quote(kSweeps + "small-failing.yaml") + " -o cli.h5", &err) == 1);
  CHECK_THAT(err, Catch::Contains("is complete"));
  CHECK_THAT(err, Catch::Contains("1 of 3 points failed"));
}

TEST_CASE("sweep: command-line statuses", "[regression][sweep][cli]") {
  if (!binary_has_sweep()) FAIL("mutsim has no `sweep` subcommand: wire add_sweep_commands");
  Sandbox box;
  box.write("s.yaml", quick_sweep());
  std::string err;
  CHECK(box.run("sweep -q nowhere.yaml -o x.h5", &err) == 2);
  CHECK_THAT(err, Catch::Contains("nowhere.yaml"));
  box.write("bad.yaml", quick_sweep("replicatez: 3\n"));
  CHECK(box.run("sweep -q bad.yaml -o x.h5", &err) == 2);
  CHECK_THAT(err, Catch::Contains("bad.yaml:5:1: replicatez: unknown key"));
  CHECK(box.run("sweep -q s.yaml -o x.h5 --shard 5/2", &err) == 2);
  CHECK(box.run("sweep -q s.yaml -o x.h5 --set population.scale=0.1", &err) == 0);
  // x.h5 exists from another configuration (the --set): refused, exit 2.
  CHECK(box.run("sweep -q s.yaml -o x.h5", &err) == 2);
  CHECK_THAT(err, Catch::Contains("written by a different sweep"));
  CHECK_THAT(err, Catch::Contains("--force"));
  // The same command again: complete, nothing to do, exit 0 (a resubmitted
  // Slurm job does not fail), the file untouched.
  const auto before = read_bytes(box.path("x.h5"));
  CHECK(box.run("sweep s.yaml -o x.h5 --set population.scale=0.1", &err) == 0);
  CHECK_THAT(err, Catch::Contains("x.h5 is complete"));
  CHECK(read_bytes(box.path("x.h5")) == before);
  CHECK(box.run("sweep -q s.yaml -o x.h5 --force", &err) == 0);
  CHECK(box.run("sweep -q s.yaml -o s0.h5 --shard 0/2") == 0);
  CHECK(box.run("sweep -q s.yaml -o s1.h5 --shard 1/2") == 0);
  CHECK(box.run("sweep -q s.yaml -o s0.h5 --shard 0/2") == 0);        // complete
  CHECK(box.run("sweep -q s.yaml -o s0.h5 --shard 1/2", &err) == 2);  // another shard's file
  CHECK_THAT(err, Catch::Contains("other points of this sweep"));
  CHECK(box.run("merge -q s0.h5 -o m.h5", &err) == 2);  // shard 1 missing
  CHECK(box.run("merge -q s1.h5 s0.h5 -o m.h5") == 0);
  CHECK(box.run("sweep -q s.yaml -o y.h5") == 0);
  CHECK(read_bytes(box.path("m.h5")) == read_bytes(box.path("y.h5")));
  // SLURM array variables choose the shard (task 2 of an --array=1-2 job is shard 1/2).
  const std::string slurm = "cd " + quote(box.dir.string()) +
                            " && SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 "
                            "SLURM_ARRAY_TASK_COUNT=2 " +
                            quote(binary()) + " sweep -q s.yaml -o a2.h5";
  CHECK(std::system(slurm.c_str()) == 0);
  CHECK(read_bytes(box.path("a2.h5")) == read_bytes(box.path("s1.h5")));
}

TEST_CASE("sweep: killed with SIGKILL and resumed, it equals an uninterrupted sweep",
          "[regression][sweep]") {
  if (!binary_has_sweep()) FAIL("mutsim has no `sweep` subcommand: wire add_sweep_commands");
  Sandbox box;
  // 16 points run one at a time, so the kill lands between and inside points.
  const std::string sweep =
      box.write("s.yaml", "scenario: " + kSmall +
                              "\n"
                              "set: {population.scale: 0.3, time.end: 2011-12}\n"
                              "replicates: 2\n"
                              "design:\n"
                              "  type: lhs\n"
                              "  samples: 16\n"
                              "  parameters:\n"
                              "    attitude.baseline: {min: -0.3, max: 0.2}\n");
  REQUIRE(box.run("sweep -q " + quote(sweep) + " -o whole.h5 --threads 1") == 0);

  const fs::path parts = box.dir / "killed.h5.parts";
  auto count_parts = [&] {
    size_t n = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parts, ec))
      n += entry.path().filename().string().starts_with("point-");
    return n;
  };
  size_t kills = 0;
  for (size_t target : {3, 9}) {  // kill twice, after about 3 and 9 finished points
    const std::string program = binary();
    const std::string output = box.path("killed.h5");
    std::vector<std::string> args{program, "sweep", "-q", sweep, "-o", output, "--threads", "1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count_parts() < target && std::chrono::steady_clock::now() < deadline &&
           !fs::exists(output))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool finished = fs::exists(output);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!finished && WIFSIGNALED(status)) ++kills;
  }
  if (kills == 0) WARN("the sweep finished before it could be killed; resume not exercised");
  CHECK_FALSE(fs::exists(box.path("killed.h5")));
  std::string err;
  // The same command as the killed runs (the sweep path is part of the sweep's identity).
  REQUIRE(box.run("sweep " + quote(sweep) + " -o killed.h5 --threads 1", &err) == 0);
  CHECK_THAT(err, Catch::Contains("resumed from an earlier run"));
  CHECK(read_bytes(box.path("killed.h5")) == read_bytes(box.path("whole.h5")));
  CHECK_FALSE(fs::exists(parts));
}
