// Scenario loading: the real files load, every kind of bad input is a
// ConfigError naming file:line:column and the key path, overrides and
// defaults take effect.
#include <catch2/catch.hpp>

#include <fstream>
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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::string& small_text() {
  static const std::string text = read_text(source_path("tests/data/small.yaml"));
  return text;
}

/// small.yaml with the first occurrence of `from` replaced by `to`.
std::string small_with(const std::string& from, const std::string& to) {
  std::string text = small_text();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

/// "name:line:column" (1-based) of the first occurrence of `needle` in `text`.
std::string location_of(const std::string& text, const std::string& needle,
                        const std::string& name = "small.yaml") {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  const auto line_start = text.rfind('\n', at);
  const size_t column = line_start == std::string::npos ? at : at - line_start - 1;
  const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return name + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
}

/// Loads and returns the ConfigError message; fails the test if none is thrown.
std::string config_error(const std::string& text, const std::vector<std::string>& overrides = {},
                         const std::string& name = "small.yaml") {
  try {
    load_scenario_text(text, name, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError for " << name);
  return "";
}

}  // namespace

TEST_CASE("the baseline and the small test scenario load", "[unit][config]") {
  const LoadedScenario baseline = load_scenario_file(source_path("scenarios/baseline.yaml"));
  CHECK(baseline.scenario.time.start == Month::of(2010, 1));
  CHECK(baseline.scenario.time.end == Month::of(2015, 12));
  CHECK(baseline.scenario.months() == 72);
  CHECK(baseline.scenario.run.seed == 20100101);
  CHECK(baseline.scenario.population.sectors.size() == 7);
  CHECK(baseline.scenario.population.org_types.size() >= 4);
  CHECK(baseline.path == source_path("scenarios/baseline.yaml"));
  CHECK(baseline.source_text == read_text(source_path("scenarios/baseline.yaml")));
  CHECK_FALSE(baseline.effective_yaml.empty());

  const LoadedScenario small = load_scenario_file(source_path("tests/data/small.yaml"));
  const Scenario& s = small.scenario;
  CHECK(s.months() == 36);
  CHECK(s.run.seed == 42);
  CHECK(s.run.replicates == 2);
  REQUIRE(s.population.org_types.size() == 4);
  CHECK(s.population.org_types[0].name == "pct_provider");
  CHECK(s.population.org_types[0].value.count == 10);
  CHECK(s.population.org_types[0].value.staff_total == 12000.0);
  CHECK(s.population.org_types[0].value.divest_date == Month::of(2011, 4));
  CHECK(s.population.org_types[0].value.divest_to == "community_trust");
  CHECK(s.population.org_types[2].value.board_consent == 0.3);
  REQUIRE(s.routes.size() == 3);
  CHECK(s.routes[0].name == "tcs");
  CHECK(s.routes[0].value.end == Month::of(2011, 4));
  CHECK(s.routes[0].value.contract.guaranteed);
  CHECK_FALSE(s.routes[1].value.end.has_value());
  CHECK(s.routes[1].value.org_types == std::vector<std::string>{"acute_trust", "community_trust"});
  CHECK(s.commissioning.sectors[0].value.periods[0].contract_years[1].years == 3);
  CHECK(s.commissioning.sectors[0].value.periods[0].contract_years[1].share == 0.3);
  CHECK(s.commissioning.retention.competitive_tender == 0.6);
  CHECK(s.employment.public_sector.size() == 2);
  CHECK(s.employment.public_sector[1].value == 60000.0);
}

TEST_CASE("a missing scenario file is a ConfigError naming the path", "[unit][config]") {
  const std::string path = source_path("tests/data/no_such_file.yaml");
  try {
    load_scenario_file(path);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains(path));
  }
}

TEST_CASE("YAML syntax errors name file:line:column", "[unit][config]") {
  // An unclosed flow mapping on the run line.
  const std::string text = small_with("run: {seed: 42, replicates: 2}", "run: {seed: 42, [");
  const std::string message = config_error(text);
  CHECK_THAT(message, Catch::Contains("small.yaml:"));
  CHECK_THAT(message, Catch::Contains("YAML syntax error"));
  // The error is reported on or after the run line, never on line 1.
  const auto line = std::stoi(message.substr(message.find(':') + 1));
  const auto run_line = std::stoi(location_of(text, "run:").substr(11));
  CHECK(line >= run_line);

  // A tab used for indentation is also a syntax error.
  const std::string tab = "time:\n\tstart: 2010-01\n";
  CHECK_THAT(config_error(tab, {}, "tab.yaml"), Catch::StartsWith("tab.yaml:"));
}

TEST_CASE("a wrong type names the location, key path and value", "[unit][config]") {
  SECTION("text for a whole number") {
    const std::string text = small_with("count: 10", "count: many");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "many")));
    CHECK_THAT(message, Catch::Contains("population.org_types.pct_provider.count"));
    CHECK_THAT(message, Catch::Contains("'many'"));
  }
  SECTION("text for a real number") {
    const std::string text = small_with("staff_total: 12000", "staff_total: lots");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "lots")));
    CHECK_THAT(message, Catch::Contains("population.org_types.pct_provider.staff_total"));
  }
  SECTION("a fraction for a whole number") {
    const std::string text = small_with("count: 10", "count: 10.5");
    CHECK_THAT(config_error(text), Catch::Contains("whole number"));
  }
  SECTION("a list for a number") {
    const std::string text = small_with("board_consent: 0.5", "board_consent: [1, 2]");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "[1, 2]")));
    CHECK_THAT(message, Catch::Contains("board_consent"));
  }
  SECTION("a number for a flag") {
    const std::string text = small_with("nhs: true}", "nhs: 7}");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "7}")));
    CHECK_THAT(message, Catch::Contains("population.sectors.nhs.nhs"));
  }
  SECTION("a scalar where a section is expected") {
    const std::string text = small_text() + "attitude: 3\n";
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("attitude: expected a mapping"));
  }
}

TEST_CASE("out-of-range values name the bound and the value", "[unit][config]") {
  SECTION("negative staff_total") {
    const std::string text = small_with("staff_total: 12000", "staff_total: -5");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "-5")));
    CHECK_THAT(message, Catch::Contains("population.org_types.pct_provider.staff_total"));
    CHECK_THAT(message, Catch::Contains("got -5"));
  }
  SECTION("probability above 1") {
    const std::string text = small_with("board_consent: 0.3", "board_consent: 1.2");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "1.2")));
    CHECK_THAT(message, Catch::Contains("population.org_types.acute_trust.board_consent"));
    CHECK_THAT(message, Catch::Contains("[0, 1]"));
  }
  SECTION("scale 0 (open lower bound)") {
    const std::string text = small_with("scale: 1.0", "scale: 0");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "0\n  sectors")));
    CHECK_THAT(message, Catch::Contains("population.scale: must be in (0, 1], got 0"));
  }
  SECTION("scale 1.5") {
    const std::string text = small_with("scale: 1.0", "scale: 1.5");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "1.5")));
    CHECK_THAT(message, Catch::Contains("population.scale: must be in (0, 1], got 1.5"));
  }
  SECTION("the smallest positive scale and exactly 1 are accepted") {
    CHECK_NOTHROW(load_scenario_text(small_with("scale: 1.0", "scale: 1"), "small.yaml"));
    CHECK_NOTHROW(load_scenario_text(small_with("scale: 1.0", "scale: 1e-9"), "small.yaml"));
  }
  SECTION("infinity and NaN are not numbers") {
    CHECK_THAT(config_error(small_with("scale: 1.0", "scale: .nan")),
               Catch::Contains("population.scale"));
    CHECK_THAT(config_error(small_with("staff_total: 12000", "staff_total: .inf")),
               Catch::Contains("staff_total"));
  }
}

TEST_CASE("time.end before time.start is rejected at time.end", "[unit][config]") {
  const std::string text = small_with("end: 2012-12}", "end: 2009-06}");
  const std::string message = config_error(text);
  CHECK_THAT(message, Catch::Contains(location_of(text, "2009-06")));
  CHECK_THAT(message, Catch::Contains("time.end"));
  CHECK_THAT(message, Catch::Contains("2009-06"));
  CHECK_THAT(message, Catch::Contains("2010-01"));
  // One month is allowed.
  const auto one = load_scenario_text(small_with("end: 2012-12}", "end: 2010-01}"), "small.yaml");
  CHECK(one.scenario.months() == 1);
}

TEST_CASE("impossible dates are rejected", "[unit][config]") {
  for (const std::string bad : {"2013-13", "2013-1", "2013-00", "13-01", "2013/01", "1899-12"}) {
    INFO(bad);
    const std::string text = small_with("end: 2012-12}", "end: " + bad + "}");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, bad + "}")));
    CHECK_THAT(message, Catch::Contains("time.end"));
    CHECK_THAT(message, Catch::Contains("YYYY-MM"));
  }
}

TEST_CASE("an unknown key suggests the closest known key", "[unit][config]") {
  SECTION("misspelt parameter") {
    const std::string text = small_text() + "attitude:\n  peer_wieght: 0.2\n";
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "peer_wieght")));
    CHECK_THAT(message, Catch::Contains("attitude.peer_wieght"));
    CHECK_THAT(message, Catch::Contains("did you mean 'peer_weight'?"));
  }
  SECTION("misspelt section") {
    const std::string text = small_text() + "pipelin:\n  quorum: 0.2\n";
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "pipelin:")));
    CHECK_THAT(message, Catch::Contains("did you mean 'pipeline'?"));
  }
  SECTION("nothing close: the known keys are listed") {
    const std::string text = small_text() + "mutuals: {zzzzzzzzzzzz: 1}\n";
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("mutuals.zzzzzzzzzzzz"));
    CHECK_THAT(message, Catch::Contains("monthly_failure_prob"));
    CHECK_THAT(message, Catch::Contains("growth_on_retention_prob"));
  }
  SECTION("inside a named table entry") {
    const std::string text = small_with("service_median: 50,", "service_medain: 50,");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains(location_of(text, "service_medain")));
    CHECK_THAT(message, Catch::Contains("population.org_types.acute_trust.service_medain"));
    CHECK_THAT(message, Catch::Contains("'service_median'"));
  }
}

TEST_CASE("a missing required key names the mapping that lacks it", "[unit][config]") {
  SECTION("inside an entry") {
    const std::string text =
        small_with("community_trust: {sector: nhs, count: 3, ", "community_trust: {sector: nhs, ");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("population.org_types.community_trust.count"));
    CHECK_THAT(message, Catch::Contains("missing required key"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "{sector: nhs, staff_total: 3000")));
  }
  SECTION("a required table") {
    const std::string text = small_with("routes:\n", "unused_routes:\n");
    // Either the unknown key or the missing table is reported; both name a place.
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("small.yaml:"));
  }
  SECTION("a required list in a present section") {
    const std::string text = small_with("  public_sector:\n", "  public_sectr:\n");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("employment.public_sect"));
    CHECK_THAT(message, Catch::Contains("small.yaml:"));
  }
}

// The whole `time` section is missing: there is no value to point at, but the
// message still carries a line:column (of the enclosing mapping).
TEST_CASE("a missing required section still names a line and column", "[unit][config]") {
  std::string text = small_text();
  const auto at = text.find("time: {start: 2010-01, end: 2012-12}\n");
  REQUIRE(at != std::string::npos);
  text.erase(at, std::string("time: {start: 2010-01, end: 2012-12}\n").size());
  const std::string message = config_error(text);
  CHECK_THAT(message, Catch::Contains("time.start"));
  CHECK_THAT(message, Catch::Contains("missing required key"));
  CHECK_THAT(message, Catch::Matches("small\\.yaml:[0-9]+:[0-9]+: .*"));
}

TEST_CASE("duplicate keys are rejected", "[unit][config]") {
  SECTION("in a flow mapping") {
    const std::string text =
        small_with("run: {seed: 42, replicates: 2}", "run: {seed: 42, seed: 43, replicates: 2}");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("run.seed"));
    CHECK_THAT(message, Catch::Contains("duplicate key"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "seed: 43")));
  }
  SECTION("a duplicate table entry") {
    const std::string text =
        small_with("    community_trust: {sector: nhs",
                   "    local_council: {sector: council, count: 1, staff_total: 10}\n"
                   "    community_trust: {sector: nhs");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("population.org_types.local_council"));
    CHECK_THAT(message, Catch::Contains("duplicate key"));
  }
  SECTION("a duplicate section") {
    const std::string text = small_text() + "time: {start: 2010-01, end: 2011-12}\n";
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("time: duplicate key"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "time: {start: 2010-01, end: 2011")));
  }
}

TEST_CASE("names that refer to nothing are rejected", "[unit][config]") {
  SECTION("organisation type in a route") {
    const std::string text = small_with("org_types: [acute_trust, community_trust]",
                                        "org_types: [acute_trust, community_trusts]");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("routes.rtp.org_types"));
    CHECK_THAT(message, Catch::Contains("'community_trusts'"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "[acute_trust, community_trusts]")));
  }
  SECTION("sector in an organisation type") {
    const std::string text = small_with("{sector: council, count: 8", "{sector: councl, count: 8");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("population.org_types.local_council.sector"));
    CHECK_THAT(message, Catch::Contains("unknown sector 'councl'"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "councl")));
  }
  SECTION("divestment target") {
    const std::string text = small_with("divest_to: community_trust", "divest_to: nowhere");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("population.org_types.pct_provider.divest_to"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "nowhere")));
  }
  SECTION("pathfinder organisation type") {
    const std::string text = small_with("org_types: [acute_trust]}", "org_types: [hospital]}");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("programmes.pathfinder.org_types"));
    CHECK_THAT(message, Catch::Contains("'hospital'"));
  }
  SECTION("reserved-contract sector") {
    const std::string text = small_with("sectors: [nhs]}", "sectors: [nhs, police]}");
    CHECK_THAT(config_error(text), Catch::Contains("programmes.reserved_contracts.sectors"));
  }
  SECTION("commissioning for an unknown sector") {
    const std::string text =
        small_with("  retention:", "    police:\n      periods: []\n  retention:");
    CHECK_THAT(config_error(text), Catch::Contains("commissioning.sectors.police"));
  }
}

TEST_CASE("shares must sum to 1", "[unit][config]") {
  SECTION("procurement route shares") {
    const std::string text =
        small_with("{direct_award: 0.6, any_qualified_provider: 0.2, competitive_tender: 0.2}",
                   "{direct_award: 0.6, any_qualified_provider: 0.3, competitive_tender: 0.2}");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("commissioning.sectors.nhs.periods[0].route_shares"));
    CHECK_THAT(message, Catch::Contains("sum to 1"));
    CHECK_THAT(message, Catch::Matches(".*got 1\\.(1|0999).*"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "{direct_award: 0.6, any_qualified")));
  }
  SECTION("contract length shares") {
    const std::string text = small_with("[{years: 3, share: 1.0}]", "[{years: 3, share: 0.9}]");
    const std::string message = config_error(text);
    CHECK_THAT(message, Catch::Contains("commissioning.sectors.council.periods[0].contract_years"));
    CHECK_THAT(message, Catch::Contains("0.9"));
    CHECK_THAT(message, Catch::Contains(location_of(text, "[{years: 3, share: 0.9}]")));
  }
  SECTION("hand-typed thirds within the tolerance are accepted") {
    const std::string text =
        small_with("{direct_award: 0.6, any_qualified_provider: 0.2, competitive_tender: 0.2}",
                   "{direct_award: 0.3333333, any_qualified_provider: 0.3333333, "
                   "competitive_tender: 0.3333334}");
    CHECK_NOTHROW(load_scenario_text(text, "small.yaml"));
  }
}

TEST_CASE("empty and non-mapping files are rejected", "[unit][config]") {
  const std::string empty = config_error("", {}, "empty.yaml");
  CHECK_THAT(empty, Catch::StartsWith("empty.yaml"));
  CHECK_THAT(empty, Catch::Contains("the scenario is empty"));
  CHECK_THAT(config_error("# only a comment\n", {}, "c.yaml"), Catch::Contains("c.yaml"));
  CHECK_THAT(config_error("- time\n- run\n", {}, "list.yaml"),
             Catch::Contains("list.yaml:1:1: the scenario must be a mapping"));
  CHECK_THAT(config_error("just text\n", {}, "scalar.yaml"),
             Catch::Contains("scalar.yaml:1:1: the scenario must be a mapping"));
}

TEST_CASE("overrides (--set) take effect", "[unit][config]") {
  const std::string path = source_path("tests/data/small.yaml");
  const LoadedScenario loaded =
      load_scenario_file(path, {"population.scale=0.01", "time.end=2011-06"});
  CHECK(loaded.scenario.population.scale == 0.01);
  CHECK(loaded.scenario.time.end == Month::of(2011, 6));
  CHECK(loaded.scenario.months() == 18);
  CHECK(loaded.overrides == std::vector<std::string>{"population.scale=0.01", "time.end=2011-06"});
  // The file's text is kept as read; the effective YAML carries the overrides.
  CHECK(loaded.source_text == small_text());
  CHECK_THAT(loaded.effective_yaml, Catch::Contains("scale: 0.01"));
  CHECK_THAT(loaded.effective_yaml, Catch::Contains("end: 2011-06"));

  SECTION("later overrides win") {
    const auto twice = load_scenario_file(path, {"run.seed=5", "run.seed=9"});
    CHECK(twice.scenario.run.seed == 9);
  }
  SECTION("an override creates a missing section and nested keys") {
    const auto created = load_scenario_file(
        path, {"attitude.noise_sd=0.07", "programmes.large_trust_conversion.enabled=true",
               "programmes.large_trust_conversion.org_types=[acute_trust]"});
    CHECK(created.scenario.attitude.noise_sd == 0.07);
    CHECK(created.scenario.programmes.large_trust_conversion.enabled);
    CHECK(created.scenario.programmes.large_trust_conversion.org_types ==
          std::vector<std::string>{"acute_trust"});
    // Untouched siblings keep their defaults.
    CHECK(created.scenario.attitude.peer_weight == 0.1);
    CHECK(created.scenario.programmes.large_trust_conversion.min_staff == 5000);
  }
  SECTION("an override inside a named table entry") {
    const auto changed =
        load_scenario_file(path, {"population.org_types.acute_trust.board_consent=0.9"});
    CHECK(changed.scenario.population.org_types[2].value.board_consent == 0.9);
    CHECK(changed.scenario.population.org_types[2].value.staff_total == 25000);
  }
}

TEST_CASE("bad overrides name the --set argument", "[unit][config]") {
  const std::string path = source_path("tests/data/small.yaml");
  auto message = [&](const std::string& arg) {
    try {
      load_scenario_file(path, {arg});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    FAIL("no ConfigError for --set " << arg);
    return std::string();
  };
  CHECK_THAT(message("population.scale=1.5"),
             Catch::StartsWith("--set population.scale=1.5: population.scale: must be in (0, 1]"));
  CHECK_THAT(message("population.scale=abc"), Catch::StartsWith("--set population.scale=abc:"));
  CHECK_THAT(message("time.end=2013-13"), Catch::StartsWith("--set time.end=2013-13: time.end"));
  CHECK_THAT(message("time.end=2009-01"), Catch::StartsWith("--set time.end=2009-01: time.end"));
  CHECK_THAT(message("noequals"), Catch::Contains("--set noequals"));
  CHECK_THAT(message("=3"), Catch::Contains("--set =3"));
  CHECK_THAT(message("time..end=2011-01"), Catch::Contains("--set time..end=2011-01"));
  CHECK_THAT(message("time.start.month=3"), Catch::Contains("--set time.start.month=3"));
  CHECK_THAT(message("run.seed=[1, "), Catch::Contains("--set run.seed=[1, "));
  SECTION("unknown key via override") {
    const std::string m = message("attitude.peer_wieght=0.2");
    CHECK_THAT(m, Catch::StartsWith("--set attitude.peer_wieght=0.2: attitude.peer_wieght"));
    CHECK_THAT(m, Catch::Contains("did you mean 'peer_weight'?"));
  }
  SECTION("an error elsewhere still points into the file, not at the override") {
    const std::string text = small_with("staff_total: 12000", "staff_total: -5");
    const std::string m = config_error(text, {"population.scale=0.5"});
    CHECK_THAT(m, Catch::StartsWith(location_of(text, "-5")));
  }
}

namespace {

/// Checks that every scalar of a record holds the default its declaration
/// names (for records absent from the scenario file).
class DefaultChecker {
 public:
  explicit DefaultChecker(std::string prefix) : prefix_(std::move(prefix)) {}
  size_t checked = 0;
  template <class T>
  void num(T& field, const Spec& s) {
    INFO(prefix_ << "." << s.key);
    REQUIRE(s.def.has_value());
    CHECK(field == static_cast<T>(*s.def));
    ++checked;
  }
  void flag(bool& field, const Spec& s) {
    INFO(prefix_ << "." << s.key);
    REQUIRE(s.def.has_value());
    CHECK(field == (*s.def != 0));
    ++checked;
  }
  void date(Month& field, const DateSpec& s) {
    INFO(prefix_ << "." << s.key);
    CHECK(field == *Month::parse(s.def));
    ++checked;
  }
  void date(std::optional<Month>& field, const DateSpec& s) {
    INFO(prefix_ << "." << s.key);
    CHECK(field == (s.def.empty() ? std::nullopt : Month::parse(s.def)));
    ++checked;
  }
  void text(std::string& field, const TextSpec& s) {
    INFO(prefix_ << "." << s.key);
    REQUIRE(s.def.has_value());
    CHECK(field == *s.def);
    ++checked;
  }
  void names(std::vector<std::string>& field, std::string_view, std::string_view) {
    CHECK(field.empty());
    ++checked;
  }
  template <class T>
  void optional_table(std::vector<Named<T>>& field, std::string_view, std::string_view) {
    CHECK(field.empty());  // an absent table is empty
    ++checked;
  }
  template <class T>
  void record(T& field, std::string_view key, std::string_view) {
    DefaultChecker inner(prefix_ + "." + std::string(key));
    describe(inner, field);
    checked += inner.checked;
  }

 private:
  std::string prefix_;
};

template <class T>
size_t check_defaults(T record, const std::string& name) {
  DefaultChecker checker(name);
  describe(checker, record);
  return checker.checked;
}

}  // namespace

TEST_CASE("absent keys take the defaults declared in scenario.hpp", "[unit][config]") {
  const Scenario s = load_scenario_file(source_path("tests/data/small.yaml")).scenario;
  // small.yaml has none of these sections: every value is its declared default.
  CHECK(check_defaults(s.attitude, "attitude") >= 14);
  CHECK(check_defaults(s.wait_and_see, "wait_and_see") == 3);
  CHECK(check_defaults(s.pipeline, "pipeline") >= 20);
  CHECK(check_defaults(s.mutuals, "mutuals") == 6);
  CHECK(check_defaults(s.target, "target") == 3);
  CHECK(check_defaults(s.programmes.information_service, "information_service") == 3);
  CHECK(check_defaults(s.programmes.support_fund, "support_fund") == 5);
  CHECK(check_defaults(s.programmes.large_trust_conversion, "large_trust_conversion") == 9);
  // A few written out, from their sources.
  CHECK(s.target.share == 1.0 / 6.0);
  CHECK(s.programmes.support_fund.budget_gbp == 10e6);
  CHECK(s.programmes.pathfinder.grant_gbp == 100000);
  CHECK_FALSE(s.programmes.support_fund.end.has_value());
  CHECK_FALSE(s.programmes.large_trust_conversion.enabled);
  // Defaults inside table entries and records that are only partly given.
  const OrgType& community = s.population.org_types[1].value;
  CHECK(community.service_median == 30);  // given
  CHECK(community.size_sigma == 0.5);
  CHECK(community.service_min == 3);
  CHECK(community.service_max == 3000);
  CHECK(community.board_consent == 0.5);
  CHECK_FALSE(community.divest_date.has_value());
  CHECK(community.divest_to.empty());
  CHECK(s.routes[1].value.enabled);
  CHECK(s.routes[1].value.entry_logit_shift == 0);
  CHECK_FALSE(s.routes[1].value.whole_organisation);
  CHECK_FALSE(s.routes[1].value.contract.guaranteed);
  CHECK(s.routes[1].value.contract.min_years == 3);
  CHECK(s.routes[1].value.contract.max_years == 5);
  CHECK(s.routes[1].value.label.empty());
  CHECK(s.population.sectors[0].value.label == "NHS");
  // Partly given programme: start and trusts given, the rest default.
  CHECK(s.programmes.pathfinder.start == Month::of(2012, 1));
  CHECK(s.programmes.pathfinder.trusts == 2);
  CHECK(s.programmes.pathfinder.enabled);
  CHECK(s.programmes.reserved_contracts.start == Month::of(2012, 6));
  CHECK(s.programmes.reserved_contracts.max_years == 3);
}

TEST_CASE("cross-field checks: service_min, divest_to, route contract", "[unit][config]") {
  const std::string path = source_path("tests/data/small.yaml");
  auto message = [&](std::vector<std::string> args) {
    try {
      load_scenario_file(path, args);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    FAIL("no ConfigError");
    return std::string();
  };
  CHECK_THAT(message({"population.org_types.acute_trust.service_min=100",
                      "population.org_types.acute_trust.service_max=50"}),
             Catch::Contains("population.org_types.acute_trust.service_min"));
  CHECK_THAT(message({"population.org_types.pct_provider.divest_to=pct_provider"}),
             Catch::Contains("cannot divest to itself"));
  CHECK_THAT(message({"population.org_types.acute_trust.divest_date=2011-01"}),
             Catch::Contains("population.org_types.acute_trust.divest_to"));
  CHECK_THAT(message({"routes.tcs.contract.min_years=6"}),
             Catch::Contains("routes.tcs.contract.min_years"));
  CHECK_THAT(message({"routes.rtp.end=2011-01"}), Catch::Contains("routes.rtp.end"));
  CHECK_THAT(message({"population.org_types.acute_trust.staff_total=4"}),
             Catch::Contains("population.org_types.acute_trust.staff_total"));
  CHECK_THAT(message({"employment.public_sector=[]"}), Catch::Contains("employment.public_sector"));
  CHECK_THAT(message({"commissioning.sectors.nhs.periods=[]"}),
             Catch::Contains("commissioning.sectors.nhs.periods"));
}

TEST_CASE("table names must be short identifiers", "[unit][config]") {
  const std::string long_name(kMaxNameLength + 1, 'x');
  const std::string too_long = config_error(small_with("  psm:\n", "  " + long_name + ":\n"));
  CHECK_THAT(too_long, Catch::Contains("routes." + long_name));
  CHECK_THAT(too_long, Catch::Contains("names must be 1 to 31"));
  const std::string spaces = config_error(small_with("  psm:\n", "  \"public mutuals\":\n"));
  CHECK_THAT(spaces, Catch::Contains("routes.public mutuals"));
  // The longest allowed name loads.
  CHECK_NOTHROW(load_scenario_text(
      small_with("  psm:\n", "  " + std::string(kMaxNameLength, 'x') + ":\n"), "small.yaml"));
}
