#include "sim/calibration/calibration_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "sim/util/errors.hpp"
#include "sim/yaml/source.hpp"

namespace mutsim::calibration {
namespace {

constexpr uint32_t kMaxCount = 1000000;

/// A YAML value with its key path and file (sim/yaml/source.hpp).
using Node = yaml::Value;

std::string read_file(const std::string& path, const char* what) {
  return yaml::read_file(path, std::string(what));
}

YAML::Node parse(const std::string& text, const std::string& name) {
  YAML::Node root = yaml::parse(text, name, "file");
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}:1:1: the file is empty", name));
  return root;
}

const std::vector<std::string> kModelKeys = {
    "base_scenario", "seed", "replicates", "batch_size", "fixed_overrides", "parameters"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Loads the base scenario with the fixed overrides and `extra`; a
/// ConfigError is re-thrown prefixed with `at` (the config entry at fault).
LoadedScenario load_base(const ModelSetup& m, const std::vector<std::string>& extra,
                         const Node& at) {
  try {
    return load_scenario_text(m.base_scenario_text, m.base_scenario_path,
                              with(m.fixed_overrides, extra));
  } catch (const ConfigError& e) {
    at.fail(fmt::format("the base scenario refuses it: {}", e.what()));
  }
}

ModelSetup read_model(const Node& root, const std::string& text, const std::string& name) {
  ModelSetup m;
  m.config_path = name;
  m.config_text = text;
  const Node base = root.required("base_scenario");
  namespace fs = std::filesystem;
  fs::path base_path = base.text();
  if (base_path.is_relative()) base_path = fs::path(name).parent_path() / base_path;
  m.base_scenario_path = base_path.lexically_normal().string();
  try {
    m.base_scenario_text = read_file(m.base_scenario_path, "scenario");
  } catch (const ConfigError& e) {
    base.fail(e.what());
  }
  m.seed = static_cast<uint64_t>(root.required("seed").whole(0, (int64_t{1} << 53) - 1));
  if (root["replicates"].present())
    m.replicates = static_cast<uint32_t>(root["replicates"].whole(1, 1000));
  if (root["batch_size"].present())
    m.batch_size = static_cast<uint32_t>(root["batch_size"].whole(1, 4096));
  const Node fixed = root["fixed_overrides"];
  if (fixed.present())
    for (const Node& item : fixed.items()) {
      const std::string o = item.text();
      if (o.find('=') == std::string::npos || o.front() == '=')
        item.fail("expected KEY.PATH=VALUE, got '" + o + "'");
      m.fixed_overrides.push_back(o);
    }
  m.reference = load_base(m, {}, fixed.present() ? fixed : base);

  const Node params = root.required("parameters");
  std::set<std::string> keys;
  for (const Node& item : params.items()) {
    item.expect_map({"key", "range", "integer", "source"});
    FreeParameter p;
    const Node key = item.required("key");
    p.key = key.text();
    if (!keys.insert(p.key).second) key.fail(fmt::format("parameter '{}' listed twice", p.key));
    for (const auto& o : m.fixed_overrides)
      if (o.starts_with(p.key + "="))
        key.fail(fmt::format("'{}' is also a fixed override; a parameter cannot be both", p.key));
    const Node range = item.required("range");
    const auto bounds = range.items();
    if (bounds.size() != 2) range.fail("expected [lower, upper]");
    p.lower = bounds[0].number(-1e300, 1e300);
    p.upper = bounds[1].number(-1e300, 1e300);
    if (!(p.lower < p.upper)) range.fail("lower must be less than upper");
    if (item["integer"].present()) p.integer = item["integer"].flag();
    p.source = item.required("source").text();
    // The scenario must accept the whole range (checked at both ends and at
    // a point between whole numbers, which catches integer keys).
    for (double u : {0.0, 0.37, 1.0})
      load_base(m, {parameter_override(p, p.lower + u * (p.upper - p.lower))}, item);
    m.parameters.push_back(std::move(p));
  }
  if (m.parameters.empty()) params.fail("at least one parameter is needed");
  return m;
}

Quantity read_quantity(const Node& item, bool allow_target_date) {
  Quantity q;
  q.id = item.required("id").text();
  q.statistic = item.required("statistic")
                    .choice<Statistic>({{"level", Statistic::Level},
                                        {"change", Statistic::Change},
                                        {"size_ratio", Statistic::SizeRatio},
                                        {"listed_abandoned", Statistic::ListedAbandoned},
                                        {"proposal_size_ratio", Statistic::ProposalSizeRatio}});
  const Node date = item.required("date");
  if (allow_target_date && date.node().IsScalar() && date.node().Scalar() == "target")
    q.date = std::nullopt;
  else
    q.date = date.month();
  const std::string name = statistic_name(q.statistic);
  if (reads_events(q.statistic)) {
    if (item["series"].present()) item["series"].fail("a " + name + " reads /events, not a series");
  } else {
    q.series = item.required("series").text();
  }
  if (takes_routes(q.statistic)) {
    const Node routes = item.required("routes");
    const auto r = routes.items();
    if (r.size() != 2) routes.fail("expected [larger_route, smaller_route]");
    q.big_route = r[0].text();
    q.small_route = r[1].text();
  } else if (item["routes"].present()) {
    item["routes"].fail("only size_ratio and proposal_size_ratio take routes");
  }
  if (q.statistic == Statistic::ListedAbandoned)
    q.route = item.required("route").text();
  else if (item["route"].present())
    item["route"].fail("only listed_abandoned takes a route");
  if (takes_start(q.statistic))
    q.start = item.required("start").month();
  else if (item["start"].present())
    item["start"].fail("only change and listed_abandoned take a start month");
  return q;
}

/// The `abc` section: method, sizes and stop rules.
void read_abc_settings(const Node& abc, CalibrationConfig& c) {
  abc.expect_map({"method", "particles", "generations", "quantile", "min_epsilon",
                  "min_epsilon_shrink", "min_generations", "epsilon", "candidates",
                  "max_evaluations_per_generation", "undefined_penalty"});
  AbcSettings& s = c.abc;
  s.method = abc.required("method").choice<AbcMethod>(
      {{"smc", AbcMethod::Smc}, {"rejection", AbcMethod::Rejection}});
  s.particles = static_cast<uint32_t>(abc.required("particles").whole(2, kMaxCount));
  const bool smc = s.method == AbcMethod::Smc;
  auto only = [&](const char* key, bool allowed) {
    if (!allowed && abc[key].present())
      abc[key].fail(fmt::format("not used by method {}", smc ? "smc" : "rejection"));
    return abc[key].present();
  };
  if (only("generations", smc))
    s.generations = static_cast<uint32_t>(abc["generations"].whole(1, 100));
  if (only("quantile", smc)) s.quantile = abc["quantile"].number(0, 1, true);
  if (s.quantile >= 1) abc["quantile"].fail("must be below 1");
  if (only("min_epsilon", smc)) s.min_epsilon = abc["min_epsilon"].number(0, 1e300);
  if (only("min_epsilon_shrink", smc))
    s.min_epsilon_shrink = abc["min_epsilon_shrink"].number(0, 1);
  if (only("min_generations", smc)) {
    s.min_generations = static_cast<uint32_t>(abc["min_generations"].whole(1, 100));
    if (s.min_generations > s.generations)
      abc["min_generations"].fail(fmt::format("must be at most generations ({})", s.generations));
  }
  if (only("max_evaluations_per_generation", smc))
    s.max_evaluations_per_generation =
        static_cast<uint32_t>(abc["max_evaluations_per_generation"].whole(1, 100000000));
  if (smc && s.max_evaluations_per_generation < s.particles)
    abc["max_evaluations_per_generation"].fail("must be at least particles");
  if (only("candidates", !smc))
    s.candidates = static_cast<uint32_t>(abc["candidates"].whole(2, 100000000));
  if (!smc && !abc["candidates"].present()) abc.required("candidates");
  if (!smc && s.candidates < s.particles) abc["candidates"].fail("must be at least particles");
  if (abc["epsilon"].present()) s.epsilon = abc["epsilon"].number(0, 1e300, true);
  if (abc["undefined_penalty"].present())
    c.undefined_penalty = abc["undefined_penalty"].number(0, 1e6);
}

}  // namespace

std::string parameter_value_text(double value, bool integer) {
  if (integer) return fmt::format("{}", static_cast<int64_t>(std::llround(value)));
  return fmt::format("{:.17g}", value);
}

std::string parameter_override(const FreeParameter& p, double value) {
  return p.key + "=" + parameter_value_text(value, p.integer);
}

std::string CalibrationConfig::method_name() const {
  return abc.method == AbcMethod::Smc ? "abc-smc" : "abc-rejection";
}

CalibrationConfig load_calibration_text(const std::string& text, const std::string& name) {
  const YAML::Node yaml = parse(text, name);
  const Node root(name, yaml, "", YAML::Mark());
  root.expect_map(with(kModelKeys, {"targets", "abc"}));
  CalibrationConfig c;
  c.model = read_model(root, text, name);

  std::set<std::string> ids;
  for (const Node& item : root.required("targets").items()) {
    item.expect_map({"id", "statistic", "series", "route", "routes", "start", "date", "observed",
                     "comparison", "tolerance", "source"});
    Target t;
    t.quantity = read_quantity(item, false);
    if (!ids.insert(t.quantity.id).second) item["id"].fail("target id listed twice");
    t.observed = item.required("observed").number(-1e300, 1e300);
    t.comparison =
        item.required("comparison")
            .choice<Comparison>({{"equal", Comparison::Equal}, {"at_least", Comparison::AtLeast}});
    t.tolerance = item.required("tolerance").number(0, 1e300, true);
    t.source = item.required("source").text();
    resolve_quantity(t.quantity, c.model.reference.scenario, item.where());
    c.targets.push_back(std::move(t));
  }
  if (c.targets.empty()) root["targets"].fail("at least one target is needed");

  read_abc_settings(root.required("abc"), c);
  AbcSettings& s = c.abc;
  s.seed = c.model.seed;
  s.batch_size = c.model.batch_size;
  return c;
}

CalibrationConfig load_calibration_config(const std::string& path) {
  return load_calibration_text(read_file(path, "calibration"), path);
}

SensitivityConfig load_sensitivity_text(const std::string& text, const std::string& name) {
  const YAML::Node yaml = parse(text, name);
  const Node root(name, yaml, "", YAML::Mark());
  root.expect_map(with(kModelKeys, {"outputs", "morris"}));
  SensitivityConfig c;
  c.model = read_model(root, text, name);
  std::set<std::string> ids;
  for (const Node& item : root.required("outputs").items()) {
    item.expect_map({"id", "statistic", "series", "route", "routes", "start", "date"});
    Quantity q = read_quantity(item, true);
    if (!ids.insert(q.id).second) item["id"].fail("output id listed twice");
    resolve_quantity(q, c.model.reference.scenario, item.where());
    c.outputs.push_back(std::move(q));
  }
  if (c.outputs.empty()) root["outputs"].fail("at least one output is needed");
  const Node morris = root.required("morris");
  morris.expect_map({"trajectories", "levels", "candidates"});
  c.morris.trajectories = static_cast<uint32_t>(morris.required("trajectories").whole(1, 10000));
  c.morris.levels = static_cast<uint32_t>(morris.required("levels").whole(2, 1000));
  if (c.morris.levels % 2)
    morris["levels"].fail("must be even (Delta = p / (2 (p - 1)) on the grid)");
  if (morris["candidates"].present()) {
    c.morris.candidates = static_cast<uint32_t>(morris["candidates"].whole(0, 2000));
    if (c.morris.candidates != 0 && c.morris.candidates < c.morris.trajectories)
      morris["candidates"].fail("must be 0 or at least trajectories");
  }
  c.morris.seed = c.model.seed;
  return c;
}

SensitivityConfig load_sensitivity_config(const std::string& path) {
  return load_sensitivity_text(read_file(path, "sensitivity"), path);
}

}  // namespace mutsim::calibration
