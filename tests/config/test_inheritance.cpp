// Scenario inheritance (`extends`): overlay, deletion, error locations in
// parent files, cycles, and the policy scenarios differing from the baseline
// only in their lever.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/config/loader.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& relative) {
  return std::string(MUTSIM_SOURCE_DIR) + "/" + relative;
}

/// A folder of scenario files removed at the end of the test.
struct Folder {
  fs::path path;
  Folder()
      : path(fs::temp_directory_path() / fs::path("mutsim-inherit-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
    fs::copy_file(source("tests/data/small.yaml"), path / "small.yaml",
                  fs::copy_options::overwrite_existing);
  }
  ~Folder() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

std::string error_of(const std::string& file) {
  try {
    load_scenario_file(file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError for " << file);
  return "";
}

}  // namespace

TEST_CASE("a child overrides values and inherits the rest", "[unit][config][inheritance]") {
  Folder folder;
  const auto child = folder.write("child.yaml",
                                  "extends: small.yaml\n"
                                  "run: {seed: 7}\n"
                                  "attitude: {peer_weight: 0.3}\n");
  const auto loaded = load_scenario_file(child);
  const auto parent = load_scenario_file((folder.path / "small.yaml").string());
  CHECK(loaded.scenario.run.seed == 7);
  CHECK(loaded.scenario.run.replicates == parent.scenario.run.replicates);  // merged map
  CHECK(loaded.scenario.attitude.peer_weight == 0.3);
  CHECK(loaded.scenario.population.org_types.size() == parent.scenario.population.org_types.size());
  CHECK(loaded.source_text.find("extends: small.yaml") != std::string::npos);
}

TEST_CASE("a null value removes the inherited entry", "[unit][config][inheritance]") {
  Folder folder;
  const auto child = folder.write("child.yaml", "extends: small.yaml\nroutes: {psm: ~}\n");
  const auto loaded = load_scenario_file(child);
  REQUIRE(loaded.scenario.routes.size() == 2);
  CHECK(loaded.scenario.routes[0].name == "tcs");
  CHECK(loaded.scenario.routes[1].name == "rtp");
}

TEST_CASE("lists replace rather than merge", "[unit][config][inheritance]") {
  Folder folder;
  const auto child = folder.write(
      "child.yaml",
      "extends: small.yaml\nemployment:\n  public_sector:\n    - {date: 2010-01, value: 1000}\n");
  CHECK(load_scenario_file(child).scenario.employment.public_sector.size() == 1);
}

TEST_CASE("errors name the file and line the bad value came from", "[unit][config][inheritance]") {
  Folder folder;
  // A bad value set in the child is the child's.
  const auto child =
      folder.write("child.yaml", "extends: small.yaml\nattitude:\n  peer_weight: 2\n");
  CHECK_THAT(error_of(child), Catch::Contains("child.yaml:3:16: attitude.peer_weight"));
  // A bad value inherited from the parent is the parent's, at its own line.
  std::ifstream in(source("tests/data/small.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("seed: 42"), 8, "seed: -1");
  folder.write("bad-parent.yaml", text);
  const auto orphan = folder.write("orphan.yaml", "extends: bad-parent.yaml\n");
  const auto at = text.find("seed: -1") + 6;  // the value's position
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
  const auto column = at - text.rfind('\n', at);
  CHECK_THAT(error_of(orphan), Catch::Contains("bad-parent.yaml:" + std::to_string(line) + ":" +
                                               std::to_string(column) + ": run.seed: must be in"));
}

TEST_CASE("missing parents and cycles are refused", "[unit][config][inheritance]") {
  Folder folder;
  const auto missing = folder.write("missing.yaml", "extends: nowhere.yaml\n");
  CHECK_THAT(error_of(missing), Catch::Contains("missing.yaml:1:10: extends: parent scenario") &&
                                    Catch::Contains("does not exist"));
  folder.write("a.yaml", "extends: b.yaml\n");
  const auto b = folder.write("b.yaml", "extends: a.yaml\n");
  CHECK_THAT(error_of(b), Catch::Contains("extends: cycle"));
  const auto self = folder.write("self.yaml", "extends: self.yaml\n");
  CHECK_THAT(error_of(self), Catch::Contains("extends: cycle"));
  const auto not_text = folder.write("list.yaml", "extends: [small.yaml]\n");
  CHECK_THAT(error_of(not_text), Catch::Contains("extends: expected the path"));
}

TEST_CASE("each simple policy scenario is the baseline plus its lever",
          "[unit][config][inheritance]") {
  const std::string baseline = source("scenarios/baseline.yaml");
  const std::vector<std::pair<std::string, std::vector<std::string>>> levers = {
      {"fund-off.yaml", {"programmes.support_fund.enabled=false"}},
      {"fund-doubled.yaml", {"programmes.support_fund.budget_gbp=20000000"}},
      {"pathfinder-off.yaml", {"programmes.pathfinder.enabled=false"}},
      {"pathfinder-x10.yaml", {"programmes.pathfinder.trusts=100"}},
      {"large-trusts.yaml", {"programmes.large_trust_conversion.enabled=true"}},
      {"reserved-contracts-2012.yaml",
       {"programmes.reserved_contracts.start=2012-01",
        "programmes.reserved_contracts.deferred_sectors=[]"}},
      {"no-wait-and-see.yaml", {"attitude.wait_and_see_uncertainty_weight=0"}},
  };
  for (const auto& [file, overrides] : levers) {
    INFO(file);
    const auto policy = load_scenario_file(source("scenarios/" + file));
    const auto expected = load_scenario_file(baseline, overrides);
    CHECK(policy.effective_yaml == expected.effective_yaml);
    CHECK(policy.effective_yaml != load_scenario_file(baseline).effective_yaml);
  }
}

TEST_CASE("every scenario in scenarios/ validates", "[unit][config][inheritance]") {
  for (const auto& entry : fs::directory_iterator(source("scenarios"))) {
    const std::string name = entry.path().filename().string();
    // calibration*.yaml and sensitivity.yaml configure commands, not runs
    // (calibration-production.yaml is an overlay of calibration.yaml).
    if (entry.path().extension() != ".yaml" || name.starts_with("calibration") ||
        name == "sensitivity.yaml")
      continue;
    INFO(name);
    CHECK_NOTHROW(load_scenario_file(entry.path().string()));
  }
}

TEST_CASE("a parent name the system refuses is a ConfigError", "[unit][config][inheritance]") {
  // Found by the fuzzer: std::filesystem::exists threw on ENAMETOOLONG.
  const std::string text = "extends: " + std::string(5000, 'x') + ".yaml\n";
  try {
    load_scenario_text(text, "long.yaml");
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("long.yaml:1:10: extends: parent scenario"));
    CHECK_THAT(e.what(), Catch::EndsWith("cannot be looked up: File name too long"));
  }
}
