// Hostile scenario input, in process: every malformed scenario is a
// ConfigError (never another exception, a crash or a hang) whose one-line
// message names file:line:column and, where there is one, the key path.
// The corpus is tests/data/bad/*.yaml; each file says what is wrong on its
// first line and the expected key path on its second ("# expect: a.b.c", or
// "-" where the error is below the schema, e.g. a YAML syntax error).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/util/errors.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

using mutsim::test::read_bytes;

const fs::path kSource = MUTSIM_SOURCE_DIR;

std::vector<fs::path> bad_corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/data/bad"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// The ConfigError message, or "" (and a test failure) for anything else.
std::string config_error(const std::string& text, const std::string& name = "bad.yaml",
                         const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario_text(text, name, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL_CHECK("no ConfigError for " << name);
  return "";
}

/// One line, starting with `name:LINE:COLUMN: `.
void check_located(const std::string& message, const std::string& name) {
  INFO(message);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.size() < 400);
  CHECK(message.rfind(name + ":", 0) == 0);
  static const std::regex located("^[^:]+:[0-9]+:[0-9]+: .+");
  CHECK(std::regex_match(message, located));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string small_text() { return read_bytes(kSource / "tests/data/small.yaml"); }

}  // namespace

TEST_CASE("every scenario in tests/data/bad is refused with its place and key path",
          "[reliability][unit]") {
  const auto files = bad_corpus();
  REQUIRE(files.size() >= 40);
  for (const auto& file : files) {
    DYNAMIC_SECTION(file.filename().string()) {
      const std::string text = read_bytes(file);
      REQUIRE(text.rfind("# ", 0) == 0);
      const auto expect_at = text.find("\n# expect: ");
      REQUIRE(expect_at != std::string::npos);
      const auto expect_end = text.find('\n', expect_at + 1);
      const std::string expected_path = text.substr(expect_at + 11, expect_end - expect_at - 11);

      std::string message;
      const auto start = std::chrono::steady_clock::now();
      try {
        load_scenario_file(file.string());
        FAIL("accepted");
      } catch (const ConfigError& e) {
        message = e.what();
      }
      CHECK(seconds_since(start) < 5.0);
      check_located(message, file.string());
      if (expected_path != "-") CHECK_THAT(message, Catch::Contains(": " + expected_path + ": "));
    }
  }
}

TEST_CASE("an empty file is refused", "[reliability][unit]") {
  check_located(config_error("", "empty.yaml"), "empty.yaml");
  CHECK_THAT(config_error("", "empty.yaml"), Catch::Contains("empty"));
  CHECK_THAT(config_error("\n\n   \n", "blank.yaml"), Catch::Contains("empty"));
}

TEST_CASE("deep nesting is refused, not a stack overflow", "[reliability][unit]") {
  for (const std::string& opener : {std::string("["), std::string("{a: "), std::string("- ")}) {
    std::string text = "time: ";
    for (int i = 0; i < 100000; ++i) text += opener;
    const std::string message = config_error(text, "deep.yaml");
    check_located(message, "deep.yaml");
    INFO(message);
    // "- - - ..." nests block sequences on one line; either way a clear error.
    CHECK((message.find("nested too deeply") != std::string::npos ||
           message.find("YAML syntax error") != std::string::npos));
  }
  // Block mappings nested by indentation, within the size limit.
  std::string block;
  for (int i = 0; i < 1200; ++i) block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  check_located(config_error(block, "block.yaml"), "block.yaml");
  // And through --set.
  const std::string set_message =
      config_error(small_text(), "small.yaml", {"run.seed=" + std::string(100000, '[')});
  CHECK_THAT(set_message, Catch::StartsWith("--set run.seed="));
}

TEST_CASE("alias bombs cost neither time nor memory", "[reliability][unit]") {
  // 9^40 "lol"s if expanded.
  std::string bomb = "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 40; ++i) {
    bomb += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const std::string small = small_text();
  const auto start = std::chrono::steady_clock::now();
  SECTION("under an unknown key") {
    const std::string message = config_error("lol:\n" + bomb + small, "bomb.yaml");
    CHECK_THAT(message, Catch::Contains("bomb.yaml:1:1: lol: unknown key"));
  }
  SECTION("where the schema reads a list of names") {
    std::string text = small;
    const std::string names = "    org_types: [local_council]";
    text.replace(text.find(names), names.size(), "    org_types: *a39");
    const std::string message = config_error("x:\n" + bomb + text, "bomb.yaml");
    CHECK_THAT(message, Catch::Contains("routes.psm.org_types[0]: expected a name"));
  }
  SECTION("where the schema reads a number, a record or a table") {
    for (const std::string key : {"  scale: 1.0", "run: {seed: 42, replicates: 2}",
                                  "  sectors:\n    nhs: {label: \"NHS\", nhs: true}\n"
                                  "    council: {label: \"Councils\", nhs: false}"}) {
      std::string text = small;
      text.replace(text.find(key), key.size(), key.substr(0, key.find(':') + 1) + " *a39");
      check_located(config_error("x:\n" + bomb + text, "bomb.yaml"), "bomb.yaml");
    }
  }
  CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("a long aliased text used many times is bounded", "[reliability][unit]") {
  // One anchored label used by 2,000 sectors: each copy is bounded by the
  // text limit.
  std::string text = small_text();
  const std::string sectors = "    council: {label: \"Councils\", nhs: false}\n";
  std::string many =
      "    council: {label: &label \"" + std::string(1000, 'c') + "\", nhs: false}\n";
  for (int i = 0; i < 2000; ++i) many += "    s" + std::to_string(i) + ": {label: *label}\n";
  text.replace(text.find(sectors), sectors.size(), many);
  const auto start = std::chrono::steady_clock::now();
  check_located(config_error(text, "many.yaml"), "many.yaml");
  CHECK(seconds_since(start) < 2.0);

  // Past the text limit, a long aliased label is refused at its first use.
  std::string long_text = small_text();
  long_text.replace(long_text.find("label: \"NHS\""), 12,
                    "label: &l \"" + std::string(5000, 'x') + "\"");
  long_text.replace(long_text.find("label: \"Councils\""), 17, "label: *l");
  const std::string long_message = config_error(long_text, "long.yaml");
  CHECK_THAT(long_message, Catch::Contains("population.sectors.nhs.label: text longer than"));
  CHECK(long_message.size() < 200);
}

TEST_CASE("oversized input, folders and devices are refused", "[reliability][unit]") {
  const std::string huge = small_text() + "# " + std::string(2 << 20, 'x') + "\n";
  CHECK_THAT(config_error(huge, "huge.yaml"), Catch::Contains("limit"));
  const std::vector<std::string> paths = {kSource.string(), "/dev/zero"};
  for (const auto& path : paths) {
    INFO(path);
    CHECK_THROWS_AS(load_scenario_file(path), ConfigError);
  }
}

TEST_CASE("names holding dots and brackets do not confuse error locations", "[reliability][unit]") {
  std::string text = small_text();
  const std::string type = "local_council: {sector: council,";
  text.replace(text.find(type), type.size(), "\"a.b[1]\": {sector: nowhere,");
  // Refused as a name or for its sector; either way located, not a crash.
  const std::string message = config_error(text, "names.yaml");
  check_located(message, "names.yaml");
  CHECK_THAT(message, Catch::Contains("population.org_types."));
}

TEST_CASE("random bytes and mutated scenarios give ConfigError or a scenario",
          "[reliability][unit]") {
  // A few hundred cases as a smoke test; `make fuzz` runs libFuzzer for longer.
  std::mt19937 random(20240601);
  const std::string small = small_text();
  int refused = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text;
    if (round % 3 == 0) {
      text.resize(random() % 512);
      for (char& c : text) c = static_cast<char>(random() % 256);
    } else {
      text = small;
      const int edits = 1 + static_cast<int>(random() % 8);
      for (int e = 0; e < edits; ++e) {
        const size_t at = random() % text.size();
        switch (random() % 4) {
          case 0:
            text[at] = static_cast<char>(random() % 256);
            break;
          case 1:
            text.erase(at, random() % 16);
            break;
          case 2:
            text.insert(at, text.substr(random() % text.size(), random() % 32));
            break;
          default:
            text[at] = "[]{}:-&*!|>'\"#\n\t ,?"[random() % 20];
            break;
        }
        if (text.empty()) text.push_back('x');  // not = "x": GCC 12 -Wrestrict false positive
      }
    }
    try {
      load_scenario_text(text, "mutated.yaml");
    } catch (const ConfigError& e) {
      ++refused;
      const std::string message = e.what();
      INFO(message);
      CHECK(message.rfind("mutated.yaml", 0) == 0);
    }
  }
  CHECK(refused > 100);
}

TEST_CASE("anchors and aliases in a valid scenario load and emit plainly", "[reliability][unit]") {
  std::string text = small_text();
  const std::string retention = "  retention: {direct_award: 0.95,";
  text.replace(text.find(retention), retention.size(), "  retention: &terms {direct_award: 0.95,");
  const std::string uncertainty =
      "  uncertainty: {direct_award: 0.1, any_qualified_provider: 0.7, "
      "competitive_tender: 1.0}";
  REQUIRE(text.find(uncertainty) != std::string::npos);
  text.replace(text.find(uncertainty), uncertainty.size(), "  uncertainty: *terms");
  const LoadedScenario loaded = load_scenario_text(text, "aliases.yaml");
  CHECK(loaded.scenario.commissioning.uncertainty.competitive_tender == 0.6);
  CHECK(loaded.effective_yaml.find('*') == std::string::npos);
  CHECK(loaded.effective_yaml.find('&') == std::string::npos);
  CHECK(loaded.effective_yaml.size() < 20000);
}
