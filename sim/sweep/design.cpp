#include "sim/sweep/design.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_set>

#include "sim/config/scenario.hpp"
#include "sim/random/random.hpp"
#include "sim/sweep/design_detail.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::sweep {
namespace {

namespace fs = std::filesystem;
using namespace detail;

constexpr const char* kWhat = "sweep file";

/// The base scenario, relative to the sweep file, with the sweep's `set:`
/// and the command line's --set (which can still change them).
void read_base(const yaml::Value& root, const SweepSettings& settings, Sweep& sweep) {
  const yaml::Value scenario = root["scenario"];
  if (!scenario.present()) scenario.fail("required: the path of the base scenario");
  if (!scenario.node().IsScalar() || scenario.node().Scalar().empty())
    scenario.fail("expected a file path, got " + yaml::describe(scenario.node()));
  fs::path base = scenario.node().Scalar();
  if (base.is_relative()) base = fs::path(sweep.path).parent_path() / base;
  sweep.base_path = base.lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(sweep.base_path, ec))
    scenario.fail(fmt::format("{} does not exist", sweep.base_path));
  std::vector<std::string> overrides;
  if (const yaml::Value set = root["set"]; set.present()) {
    if (!set.node().IsMap())
      set.fail("expected a mapping of key paths to values, got " + yaml::describe(set.node()));
    for (const auto& [key, value] : set.entries()) {
      const std::string name = key.node().Scalar();
      if (!parse_path(name) || name.find('[') != std::string::npos)
        key.renamed("set").fail(fmt::format("'{}' is not a key path (keys joined by '.')", name));
      overrides.push_back(fmt::format("{}={}", name, flow_yaml(value.node())));
    }
  }
  overrides.insert(overrides.end(), settings.overrides.begin(), settings.overrides.end());
  try {
    sweep.base = load_scenario_file(sweep.base_path, overrides);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{} (base scenario of sweep {})", e.what(), sweep.path));
  }
}

void read_seed_and_replicates(const yaml::Value& root, const SweepSettings& settings,
                              Sweep& sweep) {
  sweep.seed = static_cast<uint64_t>(sweep.base.scenario.run.seed);
  if (root["seed"].present()) sweep.seed = require_count(root["seed"], 0, kMaxSeed);
  if (settings.seed) sweep.seed = *settings.seed;
  sweep.replicates = static_cast<uint32_t>(sweep.base.scenario.run.replicates);
  if (root["replicates"].present())
    sweep.replicates = static_cast<uint32_t>(require_count(root["replicates"], 1, 100000));
  if (settings.replicates) sweep.replicates = *settings.replicates;
}

/// `design.type`, and the keys that only some kinds take.
DesignType read_design_type(const yaml::Value& design) {
  design.expect_map({"type", "parameters", "points", "samples", "seed", "scramble"});
  const yaml::Value type = design["type"];
  if (!type.present()) type.fail("required: factorial, points, lhs or sobol");
  const std::map<std::string, DesignType> types{{"factorial", DesignType::Factorial},
                                                {"points", DesignType::Points},
                                                {"lhs", DesignType::LatinHypercube},
                                                {"sobol", DesignType::Sobol}};
  auto found = types.find(type.node().IsScalar() ? type.node().Scalar() : "");
  if (found == types.end())
    type.fail("expected factorial, points, lhs or sobol, got " + yaml::describe(type.node()));
  const DesignType kind = found->second;
  const bool sampled = kind == DesignType::LatinHypercube || kind == DesignType::Sobol;
  auto only_for = [&](const char* key, bool allowed, const char* which) {
    if (design[key].node().IsDefined() && !allowed)
      design[key].fail(fmt::format("only for {} designs", which));
  };
  only_for("points", kind == DesignType::Points, "points");
  only_for("parameters", kind != DesignType::Points, "factorial, lhs and sobol");
  only_for("samples", sampled, "lhs and sobol");
  only_for("seed", sampled, "lhs and sobol");
  only_for("scramble", kind == DesignType::Sobol, "sobol");
  return kind;
}

RawDesign read_design(const yaml::Value& design, Sweep& sweep) {
  if (!design.present()) design.fail("required");
  if (!design.node().IsMap())
    design.fail("expected a mapping, got " + yaml::describe(design.node()));
  sweep.type = read_design_type(design);
  if (sweep.type == DesignType::Points) return read_points_design(design);
  if (sweep.type == DesignType::Factorial) return read_factorial_design(design);
  return read_sampled_design(design, sweep.type, sweep.seed);
}

/// Parameters: valid key paths of the base scenario, not run.seed or
/// run.replicates (the sweep sets those), not overlapping each other.
std::vector<SplitPath> check_parameters(const RawDesign& raw, const YAML::Node& effective) {
  std::vector<SplitPath> splits;
  for (size_t j = 0; j < raw.names.size(); ++j) {
    const std::string& name = raw.names[j];
    auto segments = parse_path(name);
    if (!segments)
      raw.name_nodes[j].fail(
          "not a key path (keys joined by '.', a list element as key[0] or key[*])");
    if (name == "run" || name.starts_with("run."))
      raw.name_nodes[j].fail(
          "the sweep sets run.seed and run.replicates itself (use the sweep's seed and "
          "replicates)");
    const std::string missing = check_exists(effective, *segments);
    if (!missing.empty()) raw.name_nodes[j].fail(missing);
    splits.push_back(split_path(std::move(*segments)));
  }
  for (size_t a = 0; a < splits.size(); ++a)
    for (size_t b = 0; b < splits.size(); ++b) {
      const auto& pa = splits[a].prefix;
      const auto& pb = splits[b].prefix;
      const bool same_list = pa == pb && splits[a].has_index() && splits[b].has_index();
      if (a != b && !same_list && (pa == pb || pb.starts_with(pa + ".")))
        raw.name_nodes[b].fail(fmt::format("overlaps parameter '{}'", raw.names[a]));
    }
  return splits;
}

/// The list under `split.prefix` of the effective base, to be changed in place.
YAML::Node copy_of_list(const YAML::Node& effective, const SplitPath& split) {
  // reset() rebinds the handle; operator= would overwrite the tree.
  YAML::Node node;
  node.reset(effective);
  for (size_t i = 0; i <= split.indexed; ++i) {
    const YAML::Node& const_node = node;
    YAML::Node child = const_node[split.segments[i].key];
    node.reset(child);
  }
  return YAML::Clone(node);
}

/// One point: its values, numbers, and the --set arguments that make it.
Point make_point(const Sweep& sweep, const RawDesign& raw, const std::vector<SplitPath>& splits,
                 const YAML::Node& effective, size_t p, uint64_t seed) {
  Point point;
  point.index = static_cast<uint32_t>(p);
  point.seed = seed;
  std::map<std::string, YAML::Node> lists;  // indexed lists, set whole
  for (size_t j = 0; j < raw.names.size(); ++j) {
    const YAML::Node& value = raw.rows[p][j];
    point.values.push_back(flow_yaml(value));
    point.numbers.push_back(sweep.parameters[j].numeric ? *as_number(value) : std::nan(""));
    const SplitPath& split = splits[j];
    if (!split.has_index()) {
      point.overrides.push_back(fmt::format("{}={}", split.prefix, point.values.back()));
      continue;
    }
    if (!lists.count(split.prefix)) {
      lists.emplace(split.prefix, copy_of_list(effective, split));
      point.overrides.push_back(split.prefix);  // filled in below
    }
    assign(lists[split.prefix], split.segments, split.indexed, 0, value);
  }
  for (auto& o : point.overrides)
    if (lists.count(o)) o = fmt::format("{}={}", o, flow_yaml(lists[o]));
  point.overrides.push_back(fmt::format("run.seed={}", point.seed));
  point.overrides.push_back(fmt::format("run.replicates={}", sweep.replicates));
  for (const auto& o : point.overrides)
    if (o.find('\n') != std::string::npos)
      raw.name_nodes[0].renamed("design").fail(
          fmt::format("point {}: a value spans several lines: {}", p, o));
  return point;
}

}  // namespace

const char* design_name(DesignType type) {
  switch (type) {
    case DesignType::Factorial:
      return "factorial";
    case DesignType::Points:
      return "points";
    case DesignType::LatinHypercube:
      return "lhs";
    case DesignType::Sobol:
      return "sobol";
  }
  return "?";
}

std::vector<uint64_t> derive_point_seeds(uint64_t sweep_seed, size_t count) {
  std::vector<uint64_t> seeds(count);
  std::unordered_set<uint64_t> used;
  used.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Stream stream(sweep_seed, 0, 0, static_cast<uint32_t>(i), Purpose::SweepPoint);
    uint64_t seed = 0;
    do {  // a repeat among 2^53 values is rare; the next draw replaces it
      const uint64_t hi = stream();
      seed = ((hi << 32) | stream()) & kMaxSeed;
    } while (!used.insert(seed).second);
    seeds[i] = seed;
  }
  return seeds;
}

std::vector<std::vector<double>> latin_hypercube(uint64_t seed, size_t samples, size_t dims) {
  std::vector<std::vector<double>> out(samples, std::vector<double>(dims));
  for (size_t j = 0; j < dims; ++j) {
    // Stratum order: a Fisher-Yates shuffle; position within a stratum: uniform.
    Stream shuffle(seed, 0, 0, static_cast<uint32_t>(j), Purpose::SweepDesign);
    Stream jitter(seed, 1, 0, static_cast<uint32_t>(j), Purpose::SweepDesign);
    std::vector<size_t> stratum(samples);
    for (size_t i = 0; i < samples; ++i) stratum[i] = i;
    for (size_t i = samples; i > 1; --i) {
      const auto k = static_cast<size_t>(shuffle.uniform() * static_cast<double>(i));
      std::swap(stratum[i - 1], stratum[std::min(k, i - 1)]);
    }
    for (size_t i = 0; i < samples; ++i)
      out[i][j] =
          (static_cast<double>(stratum[i]) + jitter.uniform()) / static_cast<double>(samples);
  }
  return out;
}

std::vector<std::vector<double>> sobol_points(uint64_t seed, size_t samples, size_t dims,
                                              bool scramble) {
  // Joe and Kuo's direction numbers (new-joe-kuo-6.21201) through Boost's
  // generator. Boost skips the all-zero first point; it is put back, as SciPy
  // does, so the first 2^m points form a complete net. Scrambled by a random
  // digital shift (XOR of each coordinate with a word drawn from the design
  // seed), which keeps the net's stratification.
  boost::random::sobol_engine<uint32_t, 32> engine(dims);
  std::vector<uint32_t> shift(dims, 0);
  if (scramble)
    for (size_t j = 0; j < dims; ++j)
      shift[j] = Stream(seed, 2, 0, static_cast<uint32_t>(j), Purpose::SweepDesign)();
  std::vector<std::vector<double>> out(samples, std::vector<double>(dims));
  for (size_t i = 0; i < samples; ++i)
    for (size_t j = 0; j < dims; ++j) out[i][j] = ((i == 0 ? 0u : engine()) ^ shift[j]) * 0x1p-32;
  return out;
}

Sweep load_sweep_text(const std::string& text, const std::string& path,
                      const SweepSettings& settings) {
  const YAML::Node document = yaml::parse(text, path, kWhat);
  yaml::require_mapping(document, path, kWhat);
  const yaml::Value root(path, document, "");
  // `ensemble` is written by `mutsim ensemble` (the posterior and the
  // particle behind each point): recorded with the file's text, not read.
  root.expect_map({"scenario", "set", "seed", "replicates", "design", "description", "ensemble"});
  Sweep sweep;
  sweep.path = path;
  sweep.text = text;
  read_base(root, settings, sweep);
  read_seed_and_replicates(root, settings, sweep);
  const RawDesign raw = read_design(root["design"], sweep);
  const YAML::Node effective = YAML::Load(sweep.base.effective_yaml);
  const std::vector<SplitPath> splits = check_parameters(raw, effective);
  for (size_t j = 0; j < raw.names.size(); ++j) {
    Parameter parameter{raw.names[j], true};
    for (const auto& row : raw.rows) parameter.numeric = parameter.numeric && as_number(row[j]);
    sweep.parameters.push_back(parameter);
  }
  const std::vector<uint64_t> seeds = derive_point_seeds(sweep.seed, raw.rows.size());
  for (size_t p = 0; p < raw.rows.size(); ++p)
    sweep.points.push_back(make_point(sweep, raw, splits, effective, p, seeds[p]));
  return sweep;
}

Sweep load_sweep_file(const std::string& path, const SweepSettings& settings) {
  return load_sweep_text(yaml::read_file(path, kWhat), path, settings);
}

LoadedScenario load_point(const Sweep& sweep, const Point& point) {
  std::vector<std::string> overrides = sweep.base.overrides;
  overrides.insert(overrides.end(), point.overrides.begin(), point.overrides.end());
  return load_scenario_file(sweep.base_path, overrides);
}

}  // namespace mutsim::sweep
