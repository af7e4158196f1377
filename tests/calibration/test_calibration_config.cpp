// The calibration and sensitivity YAML: the shipped files load, and bad
// files are refused with file:line:column and the key path.
#include <catch2/catch.hpp>

#include <string>

#include "sim/calibration/calibration_config.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
using namespace mutsim::calibration;

namespace {

const std::string kSource = MUTSIM_SOURCE_DIR;
// A name in tests/calibration/, so base_scenario resolves against it.
const std::string kName = kSource + "/tests/calibration/inline.yaml";

const std::string kGood = R"(base_scenario: ../data/small.yaml
seed: 1
targets:
  - id: A
    statistic: level
    series: proposals_cumulative
    date: 2012-12
    observed: 20
    comparison: equal
    tolerance: 5
    source: test
parameters:
  - key: pipeline.entry_logit
    range: [-8, -4]
    source: test
abc:
  method: smc
  particles: 10
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    load_calibration_text(text, kName);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("The shipped calibration and sensitivity files load", "[unit]") {
  const CalibrationConfig c = load_calibration_config(kSource + "/scenarios/calibration.yaml");
  CHECK(c.targets.size() == 8);  // P1, P1b, P2a, P2b, P3, P4, P5 and the survey S1
  CHECK(c.model.parameters.size() >= 5);
  CHECK(c.abc.method == AbcMethod::Smc);
  for (const auto& p : c.model.parameters) CHECK_FALSE(p.source.empty());
  const SensitivityConfig s = load_sensitivity_config(kSource + "/scenarios/sensitivity.yaml");
  CHECK(s.outputs.size() == 2);
  CHECK(s.model.parameters.size() >= 10);
}

TEST_CASE("A minimal calibration file loads with defaults", "[unit]") {
  const CalibrationConfig c = load_calibration_text(kGood, kName);
  CHECK(c.model.replicates == 1);
  CHECK(c.abc.particles == 10);
  CHECK(c.abc.seed == 1);
  CHECK(c.model.base_scenario_path == kSource + "/tests/data/small.yaml");
  CHECK(parameter_override(c.model.parameters[0], -6.5) == "pipeline.entry_logit=-6.5");
}

TEST_CASE("Bad calibration files give ConfigError with the location", "[unit]") {
  SECTION("unknown key, with a suggestion") {
    const auto e = error_of(replace(kGood, "  particles: 10", "  particle: 10"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:18:3: abc.particle: unknown key; did you mean "
                                  "'particles'?"));
  }
  SECTION("missing required key") {
    const auto e = error_of(replace(kGood, "    tolerance: 5\n", ""));
    CHECK_THAT(e, Catch::Contains("inline.yaml:4:5: targets[0].tolerance: missing required key"));
  }
  SECTION("zero tolerance") {
    const auto e = error_of(replace(kGood, "tolerance: 5", "tolerance: 0"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:10:16: targets[0].tolerance: must be in (0,"));
  }
  SECTION("a parameter the scenario does not have") {
    const auto e = error_of(replace(kGood, "pipeline.entry_logit", "pipeline.entry_logt"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:13:5: parameters[0]: the base scenario refuses it"));
    CHECK_THAT(e, Catch::Contains("did you mean 'entry_logit'"));
  }
  SECTION("a range the scenario refuses") {
    const auto e = error_of(replace(kGood, "[-8, -4]", "[-8, 40]"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:13:5: parameters[0]"));
    CHECK_THAT(e, Catch::Contains("must be in [-30, 30]"));
  }
  SECTION("an integer key without integer: true") {
    const auto e = error_of(replace(kGood, "key: pipeline.entry_logit\n    range: [-8, -4]",
                                    "key: pipeline.cooldown_months\n    range: [12, 36]"));
    CHECK_THAT(e, Catch::Contains("whole number"));
  }
  SECTION("lower not below upper") {
    const auto e = error_of(replace(kGood, "[-8, -4]", "[-4, -8]"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:14:12: parameters[0].range: lower must be less"));
  }
  SECTION("a series the run does not write") {
    const auto e = error_of(replace(kGood, "proposals_cumulative", "proposals_xyz_cumulative"));
    CHECK_THAT(e,
               Catch::Contains("inline.yaml:4:5: targets[0]: series 'proposals_xyz_cumulative'"));
  }
  SECTION("a date outside the horizon") {
    const auto e = error_of(replace(kGood, "date: 2012-12", "date: 2014-01"));
    CHECK_THAT(e, Catch::Contains("outside the scenario's horizon"));
  }
  SECTION("an unknown method") {
    const auto e = error_of(replace(kGood, "method: smc", "method: mcmc"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:17:11: abc.method: expected one of smc, rejection"));
  }
  SECTION("min_generations above generations") {
    const auto e = error_of(replace(kGood, "  particles: 10",
                                    "  particles: 10\n  generations: 4\n  min_generations: 5"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:20:20: abc.min_generations: must be at most "
                                  "generations (4)"));
  }
  SECTION("min_epsilon_shrink outside [0, 1]") {
    const auto e =
        error_of(replace(kGood, "  particles: 10", "  particles: 10\n  min_epsilon_shrink: 1.5"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:19:23: abc.min_epsilon_shrink: must be in [0, 1]"));
  }
  SECTION("the shrink rule under rejection") {
    const auto e = error_of(replace(kGood, "  method: smc\n  particles: 10",
                                    "  method: rejection\n  particles: 10\n  candidates: 20\n"
                                    "  min_epsilon_shrink: 0.05"));
    CHECK_THAT(e, Catch::Contains("abc.min_epsilon_shrink: not used by method rejection"));
  }
  SECTION("a missing base scenario") {
    const auto e = error_of(replace(kGood, "../data/small.yaml", "nowhere.yaml"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:1:16: base_scenario: "));
  }
  SECTION("YAML syntax") {
    const auto e = error_of(replace(kGood, "seed: 1", "seed: [1"));
    CHECK_THAT(e, Catch::Contains("inline.yaml:"));
    CHECK_THAT(e, Catch::Contains("YAML syntax error"));
  }
}

TEST_CASE("Bad sensitivity files give ConfigError with the location", "[unit]") {
  const std::string good = R"(base_scenario: ../data/small.yaml
seed: 1
fixed_overrides: [target.date=2012-06]
outputs:
  - {id: spinouts, statistic: level, series: spinouts_cumulative, date: target}
parameters:
  - {key: attitude.baseline, range: [-0.1, 0.3], source: test}
morris: {trajectories: 4, levels: 4}
)";
  const SensitivityConfig s = load_sensitivity_text(good, kName);
  CHECK_FALSE(s.outputs[0].date.has_value());
  try {
    load_sensitivity_text(replace(good, "levels: 4", "levels: 5"), kName);
    FAIL("odd levels accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("inline.yaml:8:"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("morris.levels: must be even"));
  }
}
