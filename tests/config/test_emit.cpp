// The outward views of the parameter declarations (effective YAML, the
// Markdown table), edit_distance and Month.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;

namespace {

std::string source_path(const std::string& relative) {
  return std::string(MUTSIM_SOURCE_DIR) + "/" + relative;
}

/// A double as the effective YAML writes it (%.17g, which reads back exactly).
/// The emitter's form: the shortest text that reads back to the same double.
std::string fmt_double(double x) { return fmt::format("{}", x); }

/// Every value of a scenario, flattened in declaration order with its key
/// path: numbers as their exact bits, everything else as text.
class Flattener {
 public:
  explicit Flattener(std::string prefix = "") : prefix_(std::move(prefix)) {}
  std::vector<std::pair<std::string, std::string>> values;

  template <class T>
  void num(T& field, const Spec& s) {
    const double x = static_cast<double>(field);
    uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    add(s.key, std::to_string(bits));
  }
  void flag(bool& field, const Spec& s) { add(s.key, field ? "true" : "false"); }
  void date(Month& field, const DateSpec& s) { add(s.key, field.str()); }
  void date(std::optional<Month>& field, const DateSpec& s) {
    add(s.key, field ? field->str() : "none");
  }
  void text(std::string& field, const TextSpec& s) { add(s.key, "\"" + field + "\""); }
  void names(std::vector<std::string>& field, std::string_view key, std::string_view) {
    std::string joined;
    for (const auto& name : field) joined += name + ",";
    add(key, "[" + joined + "]");
  }
  template <class T>
  void record(T& field, std::string_view key, std::string_view) {
    nested(field, path(key));
  }
  template <class T>
  void table(std::vector<Named<T>>& field, std::string_view key, std::string_view) {
    for (auto& item : field) nested(item.value, path(key) + "." + item.name);
  }
  template <class T>
  void optional_table(std::vector<Named<T>>& field, std::string_view key, std::string_view m) {
    table(field, key, m);
  }
  template <class T>
  void list(std::vector<T>& field, std::string_view key, std::string_view) {
    for (size_t i = 0; i < field.size(); ++i)
      nested(field[i], path(key) + "[" + std::to_string(i) + "]");
  }

 private:
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  void add(std::string_view key, std::string value) {
    values.emplace_back(path(key), std::move(value));
  }
  template <class T>
  void nested(T& field, const std::string& prefix) {
    Flattener inner(prefix);
    describe(inner, field);
    values.insert(values.end(), inner.values.begin(), inner.values.end());
  }
  std::string prefix_;
};

std::vector<std::pair<std::string, std::string>> flatten(Scenario s) {
  Flattener f;
  describe(f, s);
  return f.values;
}

/// Key paths of every scalar parameter in the table's notation
/// (tables as .NAME, lists as []).
class KeyPaths {
 public:
  explicit KeyPaths(std::string prefix = "") : prefix_(std::move(prefix)) {}
  std::vector<std::string> paths;
  template <class T>
  void num(T&, const Spec& s) {
    paths.push_back(path(s.key));
  }
  void flag(bool&, const Spec& s) { paths.push_back(path(s.key)); }
  template <class T>
  void date(T&, const DateSpec& s) {
    paths.push_back(path(s.key));
  }
  void text(std::string&, const TextSpec& s) { paths.push_back(path(s.key)); }
  void names(std::vector<std::string>&, std::string_view key, std::string_view) {
    paths.push_back(path(key));
  }
  template <class T>
  void record(T&, std::string_view key, std::string_view) {
    nested<T>(path(key));
  }
  template <class T>
  void table(std::vector<Named<T>>&, std::string_view key, std::string_view) {
    nested<T>(path(key) + ".NAME");
  }
  template <class T>
  void optional_table(std::vector<Named<T>>& field, std::string_view key, std::string_view m) {
    table(field, key, m);
  }
  template <class T>
  void list(std::vector<T>&, std::string_view key, std::string_view) {
    nested<T>(path(key) + "[]");
  }

 private:
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  template <class T>
  void nested(const std::string& prefix) {
    T dummy{};
    KeyPaths inner(prefix);
    describe(inner, dummy);
    paths.insert(paths.end(), inner.paths.begin(), inner.paths.end());
  }
  std::string prefix_;
};

}  // namespace

TEST_CASE("effective YAML round-trips: load, emit, load", "[unit][config]") {
  for (const char* file : {"tests/data/small.yaml", "scenarios/baseline.yaml"}) {
    INFO(file);
    // Awkward doubles and text survive too.
    const LoadedScenario first = load_scenario_file(
        source_path(file), {"pipeline.entry_logit=-6.123456789012345", "attitude.noise_sd=0.1",
                            "population.scale=0.30000000000000004", "target.share=1e-7"});
    const LoadedScenario second = load_scenario_text(first.effective_yaml, "effective.yaml");
    CHECK(second.effective_yaml == first.effective_yaml);
    const auto a = flatten(first.scenario);
    const auto b = flatten(second.scenario);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      INFO(a[i].first);
      CHECK(a[i] == b[i]);
    }
    CHECK(second.scenario.pipeline.entry_logit == -6.123456789012345);
    CHECK(second.scenario.population.scale == 0.30000000000000004);
    CHECK(second.scenario.target.share == 1e-7);
    CHECK(second.scenario.attitude.noise_sd == 0.1);
  }
}

TEST_CASE("effective YAML of the small scenario holds every parameter", "[unit][config]") {
  const LoadedScenario loaded = load_scenario_file(source_path("tests/data/small.yaml"));
  // Defaults not in the file are written out.
  const Scenario& s = loaded.scenario;
  CHECK_THAT(loaded.effective_yaml,
             Catch::Contains("noise_sd: " + fmt_double(s.attitude.noise_sd)));
  CHECK_THAT(loaded.effective_yaml, Catch::Contains("monthly_failure_prob: " +
                                                    fmt_double(s.mutuals.monthly_failure_prob)));
  CHECK_THAT(loaded.effective_yaml,
             Catch::Contains("cooldown_months: " + std::to_string(s.pipeline.cooldown_months)));
  CHECK_THAT(loaded.effective_yaml, Catch::Contains("budget_gbp: 10000000"));
  // Order of named entries follows the file.
  const auto& y = loaded.effective_yaml;
  CHECK(y.find("pct_provider:") < y.find("community_trust:"));
  CHECK(y.find("community_trust:") < y.find("acute_trust:"));
  CHECK(y.find("tcs:") < y.find("rtp:"));
  CHECK(y.find("rtp:") < y.find("psm:"));
  // Text with YAML-special characters survives the round trip.
  const auto odd = load_scenario_file(source_path("tests/data/small.yaml"),
                                      {"population.sectors.nhs.label='a: \"b\" # c'"});
  CHECK(odd.scenario.population.sectors[0].value.label == "a: \"b\" # c");
  const auto again = load_scenario_text(odd.effective_yaml, "again.yaml");
  CHECK(again.scenario.population.sectors[0].value.label == "a: \"b\" # c");
}

TEST_CASE("the parameter table lists every scalar key path", "[unit][config]") {
  const std::string table = parameter_table_markdown();
  CHECK_THAT(table,
             Catch::StartsWith("| key | type | default | range | unit | meaning | source |"));
  Scenario dummy{};
  KeyPaths keys;
  describe(keys, dummy);
  CHECK(keys.paths.size() > 100);
  for (const auto& path : keys.paths) {
    INFO(path);
    CHECK_THAT(table, Catch::Contains("| `" + path + "` |"));
  }
  // Spot checks written out by hand, so a renamed key fails here.
  for (const char* path :
       {"time.start", "run.seed", "population.scale", "population.org_types.NAME.board_consent",
        "population.org_types.NAME.divest_date", "attitude.peer_weight",
        "wait_and_see.memory_months", "pipeline.entry_support_coef",
        "routes.NAME.contract.min_years", "routes.NAME.org_types",
        "commissioning.sectors.NAME.periods[].contract_years[].share",
        "commissioning.retention.any_qualified_provider", "programmes.pathfinder.trusts",
        "programmes.support_fund.budget_gbp", "employment.public_sector[].value", "target.share"}) {
    INFO(path);
    CHECK_THAT(table, Catch::Contains("| `" + std::string(path) + "` |"));
  }
  // A row carries default, range and unit.
  CHECK_THAT(table, Catch::Contains("| `programmes.pathfinder.trusts` | integer | 10 | [0, 100000] "
                                    "| organisations |"));
  CHECK_THAT(table, Catch::Contains("| `population.scale` | number | 1 | (0, 1] | fraction |"));
  CHECK_THAT(table, Catch::Contains("| `population.org_types.NAME.count` | integer | required |"));
  CHECK_THAT(table, Catch::Contains("pathfinder seed: 10 trusts"));
  // Every row has the same number of cells (no unescaped '|').
  size_t rows = 0;
  for (size_t begin = 0; begin < table.size();) {
    const size_t end = table.find('\n', begin);
    const std::string line = table.substr(begin, end - begin);
    size_t bars = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++bars;
    INFO(line);
    CHECK(bars == 8);
    ++rows;
    begin = end + 1;
  }
  CHECK(rows > keys.paths.size());
}

TEST_CASE("edit_distance is the Levenshtein distance", "[unit][config]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("", "abcd") == 4);
  CHECK(edit_distance("peer_weight", "peer_weight") == 0);
  CHECK(edit_distance("peer_wieght", "peer_weight") == 2);  // a transposition is two edits
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("sitting", "kitten") == 3);
  CHECK(edit_distance("flaw", "lawn") == 2);
  CHECK(edit_distance("quorum", "quorums") == 1);
  CHECK(edit_distance("scale", "sale") == 1);
  CHECK(edit_distance("abc", "xyz") == 3);
}

TEST_CASE("Month parses and prints YYYY-MM", "[unit][config]") {
  CHECK(Month::parse("2013-01") == Month::of(2013, 1));
  CHECK(Month::parse("2013-12")->month() == 12);
  CHECK(Month::parse("2013-12")->year() == 2013);
  CHECK(Month::parse("1900-01").has_value());
  CHECK(Month::parse("2200-12").has_value());
  for (const char* bad : {"2013-13", "2013-00", "2013-1", "13-01", "2013/01", "201a-01", "2013-0a",
                          "1899-12", "2201-01", "", "2013-011", " 2013-01", "+013-01", "2013--1"}) {
    INFO(bad);
    CHECK_FALSE(Month::parse(bad).has_value());
  }
  CHECK(Month::of(2010, 1).str() == "2010-01");
  CHECK(Month::of(2015, 12).str() == "2015-12");
  CHECK((Month::of(2010, 12) + 1).str() == "2011-01");
  CHECK((Month::of(2011, 1) + 23).str() == "2012-12");
  CHECK(Month::of(2012, 3) - Month::of(2010, 1) == 26);
  CHECK(Month::of(2010, 1) < Month::of(2010, 2));
  for (int index = Month::of(1990, 1).index; index < Month::of(2030, 1).index; ++index) {
    const Month m{index};
    REQUIRE(Month::parse(m.str()) == m);
  }
}
