// The mutsim command, run as a separate process: exit codes, messages,
// output files.
#include <stdlib.h>
#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cli/common.hpp"
#include "sim/io/hdf5_reader.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

using mutsim::test::quote;
using mutsim::test::read_bytes;

const std::string kBinary = MUTSIM_BINARY;
const std::string kSmall = std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml";

/// A temporary working folder; commands run inside it.
struct Sandbox {
  Sandbox() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_cli_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  struct Result {
    int status;
    std::string out, err;
  };
  /// Runs `mutsim ARGS` in the sandbox (ARGS is shell text).
  Result run(const std::string& args) const {
    const std::string command = "cd " + quote(dir.string()) + " && " + quote(kBinary) + " " + args +
                                " >stdout.txt 2>stderr.txt </dev/null";
    const int raw = std::system(command.c_str());
    REQUIRE(WIFEXITED(raw));
    Result r{WEXITSTATUS(raw), read_bytes(dir / "stdout.txt"), read_bytes(dir / "stderr.txt")};
    fs::remove(dir / "stdout.txt");
    fs::remove(dir / "stderr.txt");
    return r;
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
  size_t files() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
    return n;
  }
  fs::path dir;
};

size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

/// A quick run: one replicate, one year, a tenth of the staff.
const std::string kQuick = "-q --replicates 1 --set population.scale=0.1 --set time.end=2010-12";

}  // namespace

TEST_CASE("cli: --help and --version", "[unit][cli]") {
  Sandbox box;
  const auto help = box.run("--help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("run"));
  CHECK_THAT(help.out, Catch::Contains("validate"));
  CHECK_THAT(help.out, Catch::Contains("summary"));
  const auto version = box.run("--version");
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("mutsim "));
  const auto run_help = box.run("run --help");
  CHECK(run_help.status == 0);
  CHECK_THAT(run_help.out, Catch::Contains("--set"));
}

TEST_CASE("cli: usage errors exit 2", "[unit][cli]") {
  Sandbox box;
  CHECK(box.run("").status == 2);
  CHECK(box.run("frobnicate").status == 2);
  CHECK(box.run("run").status == 2);
  CHECK(box.run("run " + quote(kSmall)).status == 2);  // no -o
  CHECK(box.run("summary").status == 2);
  CHECK(box.run("validate").status == 2);
  CHECK(box.run("run " + quote(kSmall) + " -o x.h5 --threads 0").status == 2);
  CHECK(box.run("run " + quote(kSmall) + " -o x.h5 --replicates abc").status == 2);
  CHECK(box.run("run " + quote(kSmall) + " -o x.h5 --no-such-option").status == 2);
  // A seed out of range names the option and run.seed's range.
  const auto seed = box.run("run " + quote(kSmall) + " -o x.h5 --seed -5");
  CHECK(seed.status == 2);
  CHECK_THAT(seed.err, Catch::Contains("--seed") && Catch::Contains("9007199254740991"));
  CHECK(box.files() == 0);
}

TEST_CASE("cli: validate", "[unit][cli]") {
  Sandbox box;
  const auto good = box.run("validate " + quote(kSmall));
  CHECK(good.status == 0);
  CHECK_THAT(good.out, Catch::Contains("valid"));
  const auto baseline =
      box.run("validate " + quote(std::string(MUTSIM_SOURCE_DIR) + "/scenarios/baseline.yaml"));
  CHECK(baseline.status == 0);
  const auto printed = box.run("validate --print --set attitude.noise_sd=0.07 " + quote(kSmall));
  CHECK(printed.status == 0);
  CHECK_THAT(printed.out, Catch::Contains("noise_sd: 0.07"));
  const auto bad_set = box.run("validate --set population.scale=2 " + quote(kSmall));
  CHECK(bad_set.status == 2);
  CHECK_THAT(bad_set.err, Catch::Contains("--set population.scale=2"));
  const auto missing = box.run("validate no_such.yaml");
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("no_such.yaml"));
}

TEST_CASE("cli: a malformed scenario is one line naming file:line:column", "[unit][cli]") {
  Sandbox box;
  const std::string bad = box.write("bad.yaml",
                                    "time: {start: 2010-01, end: 2012-12}\n"
                                    "run: {seed: 1, replicates: [}\n");
  const auto validate = box.run("validate bad.yaml");
  CHECK(validate.status == 2);
  CHECK(count_lines(validate.err) == 1);
  CHECK_THAT(validate.err, Catch::Matches("mutsim: error: bad\\.yaml:[0-9]+:[0-9]+: .*\n"));

  // A semantic error in a full scenario: the line of the bad value.
  std::string text = read_bytes(kSmall);
  text.replace(text.find("count: 10"), 9, "count: -1");
  box.write("range.yaml", text);
  const auto run = box.run("run range.yaml -o out.h5");
  CHECK(run.status == 2);
  CHECK(count_lines(run.err) == 1);
  CHECK_THAT(run.err, Catch::Contains("range.yaml:"));
  CHECK_THAT(run.err, Catch::Contains("population.org_types.pct_provider.count"));
  CHECK_FALSE(fs::exists(box.dir / "out.h5"));
  CHECK(box.files() == 2);  // the two scenarios only: no output, no temporary file
}

TEST_CASE("cli: run refuses to replace a file without --force", "[regression][cli]") {
  Sandbox box;
  box.write("out.h5", "old contents");
  const auto refused = box.run("run " + quote(kSmall) + " -o out.h5 " + kQuick);
  CHECK(refused.status != 0);
  CHECK_THAT(refused.err, Catch::Contains("out.h5"));
  CHECK(read_bytes(box.dir / "out.h5") == "old contents");
  const auto forced = box.run("run " + quote(kSmall) + " -o out.h5 --force " + kQuick);
  CHECK(forced.status == 0);
  CHECK(read_run_file((box.dir / "out.h5").string()).dates.size() == 12);
  CHECK(box.files() == 1);
}

TEST_CASE("cli: run with overrides, then summary", "[regression][cli]") {
  Sandbox box;
  const auto run = box.run("run " + quote(kSmall) +
                           " -o out.h5 --seed 5 --set population.scale=0.05"
                           " --set time.end=2010-12 --threads 2");
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("share of public-sector workers"));
  const RunFile file = read_run_file((box.dir / "out.h5").string());
  CHECK(file.dates.size() == 12);
  CHECK(file.dates.back() == "2010-12");
  CHECK(file.scale == 0.05);
  CHECK(file.seed == 5);
  CHECK(file.replicates == 2);  // from the scenario
  CHECK(file.series.at("staff_total").months == 12);
  CHECK_THAT(file.text.at("overrides"), Catch::Contains("population.scale=0.05"));
  CHECK_THAT(file.text.at("overrides"), Catch::Contains("run.seed=5"));

  const auto text = box.run("summary out.h5");
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("out.h5"));
  const auto json = box.run("summary --json out.h5");
  CHECK(json.status == 0);
  // Parsed, not matched as text: the JSON is written by nlohmann-json.
  CHECK_THAT(json.out, Catch::StartsWith("{"));
  const auto parsed = nlohmann::ordered_json::parse(json.out);
  CHECK(parsed.contains("share_median"));
  CHECK(parsed["replicates"] == 2);
  CHECK(parsed["seed"] == 5);
  CHECK(parsed["spinouts_by_route"].begin().key() == "tcs");
}

TEST_CASE("cli: summary of a file that is not mutsim output exits 1", "[unit][cli]") {
  Sandbox box;
  box.write("notes.txt", "hello\n");
  const auto text = box.run("summary notes.txt");
  CHECK(text.status == 1);
  CHECK_THAT(text.err, Catch::Contains("notes.txt"));
  const auto missing = box.run("summary absent.h5");
  CHECK(missing.status == 1);
  CHECK_THAT(missing.err, Catch::Contains("absent.h5"));
}

TEST_CASE("cli: --threads 1 and 2 write the same series", "[cli][regression]") {
  Sandbox box;
  const std::string common =
      " -q --replicates 3 --set population.scale=0.3 --set "
      "attitude.baseline=0.6 --set pipeline.champion_entrepreneurial=0.5 "
      "--set pipeline.entry_logit=-4";
  REQUIRE(box.run("run " + quote(kSmall) + " -o one.h5 --threads 1" + common).status == 0);
  REQUIRE(box.run("run " + quote(kSmall) + " -o two.h5 --threads 2" + common).status == 0);
  const RunFile one = read_run_file((box.dir / "one.h5").string());
  const RunFile two = read_run_file((box.dir / "two.h5").string());
  CHECK(one.dates == two.dates);
  REQUIRE(one.series.size() == two.series.size());
  for (const auto& [name, data] : one.series) {
    INFO(name);
    REQUIRE(two.series.count(name) == 1);
    CHECK(data.values == two.series.at(name).values);
  }
  CHECK(one.series.at("spinouts_cumulative").at(2, 35) > 0);
  CHECK(one.text.at("effective_yaml") == two.text.at("effective_yaml"));
  // Object times are not stored, so the files are byte for byte the same.
  CHECK(read_bytes(box.dir / "one.h5") == read_bytes(box.dir / "two.h5"));
}

TEST_CASE("cli: progress_text gives the fraction, elapsed time and ETA", "[unit][cli]") {
  CHECK(cli::progress_text("simulated", 36, 144, "replicate-months", 3, 9) ==
        "  simulated: 36/144 replicate-months (25%), 3s elapsed, ETA 9s");
  CHECK(cli::progress_text("generation 2", 0, 10, "particles accepted", 65, -1) ==
        "  generation 2: 0/10 particles accepted (0%), 1m05s elapsed, ETA ?");
}

namespace {

/// Runs `mutsim ARGS` on a pseudo-terminal (script(1)), so that stderr is a
/// terminal, and returns everything the terminal received.
std::string run_on_terminal(const Sandbox& box, const std::string& args) {
  const std::string inner = quote(kBinary) + " " + args;
  const std::string command = "cd " + quote(box.dir.string()) + " && script -qec " + quote(inner) +
                              " /dev/null >terminal.txt 2>&1 </dev/null";
  const int raw = std::system(command.c_str());
  REQUIRE(WIFEXITED(raw));
  REQUIRE(WEXITSTATUS(raw) == 0);
  return read_bytes(box.dir / "terminal.txt");
}

}  // namespace

TEST_CASE("cli: progress with an ETA on a terminal, nothing of the kind on a pipe",
          "[regression][cli]") {
  Sandbox box;
  const std::string run = "run " + quote(kSmall) + " -o out.h5 --force --replicates 3";
  const std::string terminal = run_on_terminal(box, run);
  CHECK_THAT(terminal, Catch::Contains("replicate-months"));
  CHECK_THAT(terminal, Catch::Contains("ETA"));
  CHECK_THAT(terminal, Catch::Contains("108/108 replicate-months (100%)"));  // 3 x 36 months

  const auto piped = box.run(run);  // stderr to a file
  REQUIRE(piped.status == 0);
  CHECK_THAT(piped.err, !Catch::Contains("ETA"));
  CHECK_THAT(piped.err, !Catch::Contains("\r"));

  const std::string config =
      box.write("calibration.yaml", std::string(R"(base_scenario: )") + kSmall + R"(
seed: 1
batch_size: 4
fixed_overrides: [population.scale=0.2]
targets:
  - {id: A, statistic: level, series: proposals_cumulative, date: 2012-12, observed: 20,
     comparison: equal, tolerance: 1000, source: test}
parameters:
  - {key: pipeline.entry_logit, range: [-8, -4], source: test}
abc: {method: smc, particles: 4, generations: 2}
)");
  const std::string calibrate = run_on_terminal(box, "calibrate " + quote(config) + " -o c.h5");
  CHECK_THAT(calibrate, Catch::Contains("generation 1: "));
  CHECK_THAT(calibrate, Catch::Contains("particles accepted"));
  CHECK_THAT(calibrate, Catch::Contains("ETA"));
}
