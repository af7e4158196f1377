#include "sim/sweep/design.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/random/sobol.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_set>

#include "sim/config/scenario.hpp"
#include "sim/random/random.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::sweep {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxSweepBytes = size_t{1} << 20;
// A sweep of more points than this is almost certainly a typo in `samples`
// or a factorial that multiplies out further than meant.
constexpr size_t kMaxPoints = 1'000'000;
constexpr size_t kMaxSobolDims = 1000;

// ------------------------------------------------------------ messages

class Where {
 public:
  explicit Where(std::string file) : file_(std::move(file)) {}
  std::string operator()(const YAML::Node& node) const {
    if (node.IsDefined() && !node.Mark().is_null())
      return fmt::format("{}:{}:{}", file_, node.Mark().line + 1, node.Mark().column + 1);
    return file_;
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                         const std::string& message) const {
    throw ConfigError(fmt::format("{}: {}: {}", (*this)(node), key, message));
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) {
    std::string text = node.Scalar();
    if (text.size() > 60) text = text.substr(0, 60) + "...";
    return fmt::format("'{}'", text);
  }
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = 3;  // suggest only close matches
  for (const auto& k : known) {
    const size_t d = edit_distance(key, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  return best.empty() ? fmt::format(" (expected one of: {})", fmt::join(known, ", "))
                      : fmt::format(" (did you mean '{}'?)", best);
}

/// Refuses keys of `map` not in `known`.
void check_keys(const Where& where, const YAML::Node& map, const std::string& prefix,
                const std::vector<std::string>& known) {
  for (const auto& entry : map) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), key) == known.end())
      where.fail(entry.first, prefix.empty() ? key : prefix + "." + key,
                 "unknown key" + suggestion(key, known));
  }
}

YAML::Node require_map(const Where& where, const YAML::Node& node, const std::string& key,
                       const YAML::Node& parent) {
  if (!node.IsDefined() || node.IsNull()) where.fail(parent, key, "required");
  if (!node.IsMap()) where.fail(node, key, "expected a mapping, got " + describe(node));
  return node;
}

std::optional<double> as_number(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;  // "!": quoted text
  const std::string& text = node.Scalar();
  double value = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

double require_number(const Where& where, const YAML::Node& node, const std::string& key) {
  auto value = as_number(node);
  if (!value) where.fail(node, key, "expected a number, got " + describe(node));
  return *value;
}

uint64_t require_count(const Where& where, const YAML::Node& node, const std::string& key,
                       uint64_t lo, uint64_t hi) {
  const double value = require_number(where, node, key);
  if (value != std::floor(value) || value < static_cast<double>(lo) ||
      value > static_cast<double>(hi))
    where.fail(node, key,
               fmt::format("expected a whole number in [{}, {}], got {}", lo, hi, describe(node)));
  return static_cast<uint64_t>(value);
}

bool require_bool(const Where& where, const YAML::Node& node, const std::string& key) {
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  if (text == "true") return true;
  if (text == "false") return false;
  where.fail(node, key, "expected true or false, got " + describe(node));
}

std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// ------------------------------------------------------------ key paths

struct Segment {
  std::string key;
  std::vector<long> indices;  // -1: every element ([*])
};

std::optional<std::vector<Segment>> parse_path(const std::string& path) {
  std::vector<Segment> segments;
  size_t i = 0;
  while (i <= path.size()) {
    Segment s;
    while (i < path.size() && path[i] != '.' && path[i] != '[') s.key += path[i++];
    if (s.key.empty()) return std::nullopt;
    while (i < path.size() && path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string::npos) return std::nullopt;
      const std::string inside = path.substr(i + 1, close - i - 1);
      if (inside == "*") {
        s.indices.push_back(-1);
      } else {
        long index = 0;
        auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), index);
        if (inside.empty() || ec != std::errc() || end != inside.data() + inside.size() ||
            index < 0)
          return std::nullopt;
        s.indices.push_back(index);
      }
      i = close + 1;
    }
    segments.push_back(std::move(s));
    if (i == path.size()) break;
    if (path[i] != '.') return std::nullopt;
    ++i;
    if (i == path.size()) return std::nullopt;
  }
  return segments;
}

std::string join(const std::vector<Segment>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ".";
    out += segments[i].key;
    for (long index : segments[i].indices) out += index < 0 ? "[*]" : fmt::format("[{}]", index);
  }
  return out;
}

/// The part of a path the loader's --set can address: up to the first
/// segment that indexes a list (that segment's key included, its index not).
struct SplitPath {
  std::vector<Segment> segments;
  size_t indexed = 0;  // index of the first indexed segment, or segments.size()
  std::string prefix;  // the --set key
  bool has_index() const { return indexed < segments.size(); }
};

SplitPath split_path(std::vector<Segment> segments) {
  SplitPath split;
  split.indexed = segments.size();
  for (size_t i = 0; i < segments.size(); ++i)
    if (!segments[i].indices.empty()) {
      split.indexed = i;
      break;
    }
  std::vector<Segment> head(
      segments.begin(),
      segments.begin() + static_cast<long>(std::min(split.indexed + 1, segments.size())));
  if (split.indexed < segments.size()) head.back().indices.clear();
  split.prefix = join(head, head.size());
  split.segments = std::move(segments);
  return split;
}

/// Checks that `path` names existing values of `node` (the effective base
/// scenario); returns a message, or "" when it does.
std::string check_exists(const YAML::Node& root, const std::vector<Segment>& segments) {
  std::vector<YAML::Node> here{root};
  for (size_t i = 0; i < segments.size(); ++i) {
    std::vector<YAML::Node> next;
    for (const YAML::Node& node : here) {
      if (!node.IsMap()) return fmt::format("'{}' is not a mapping", join(segments, i));
      const YAML::Node& const_node = node;
      YAML::Node child = const_node[segments[i].key];
      if (!child.IsDefined()) {
        std::vector<std::string> keys;
        for (const auto& entry : const_node) keys.push_back(entry.first.Scalar());
        return fmt::format("the base scenario has no '{}'{}", join(segments, i + 1),
                           suggestion(segments[i].key, keys));
      }
      std::vector<YAML::Node> level{child};
      for (long index : segments[i].indices) {
        std::vector<YAML::Node> deeper;
        for (const YAML::Node& list : level) {
          if (!list.IsSequence())
            return fmt::format("'{}' is not a list", join(segments, i) + "." + segments[i].key);
          if (index >= 0 && static_cast<size_t>(index) >= list.size())
            return fmt::format("'{}' has {} elements (indices from 0)", segments[i].key,
                               list.size());
          for (size_t k = 0; k < list.size(); ++k)
            if (index < 0 || static_cast<size_t>(index) == k) deeper.push_back(list[k]);
        }
        level = std::move(deeper);
      }
      next.insert(next.end(), level.begin(), level.end());
    }
    here = std::move(next);
  }
  return "";
}

/// Sets the value at `segments[from..]` (starting with the indices of
/// segments[from - 1]... see apply) under `node`.
void assign(YAML::Node node, const std::vector<Segment>& segments, size_t segment, size_t index_pos,
            const YAML::Node& value) {
  const Segment& s = segments[segment];
  if (index_pos < s.indices.size()) {
    const long index = s.indices[index_pos];
    for (size_t k = 0; k < node.size(); ++k)
      if (index < 0 || static_cast<size_t>(index) == k) {
        if (segment + 1 == segments.size() && index_pos + 1 == s.indices.size())
          node[k] = YAML::Clone(value);
        else
          assign(node[k], segments, segment, index_pos + 1, value);
      }
    return;
  }
  // Past this segment's indices: step into the next key.
  const Segment& next = segments[segment + 1];
  if (next.indices.empty() && segment + 2 == segments.size()) {
    node[next.key] = YAML::Clone(value);
    return;
  }
  assign(node[next.key], segments, segment + 1, 0, value);
}

// ------------------------------------------------------------ design values

struct Range {
  double min = 0, max = 1;
  bool integer = false;
};

std::string number_text(double value, bool integer) {
  if (integer) return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);  // shortest text that reads back exactly
}

double scale_unit(double u, const Range& r) {
  if (!r.integer) return r.min + u * (r.max - r.min);
  const double v = std::floor(r.min + u * (r.max - r.min + 1));
  return std::min(v, r.max);
}

Range read_range(const Where& where, const YAML::Node& node, const std::string& key) {
  Range r;
  if (node.IsSequence() && node.size() == 2) {
    r.min = require_number(where, node[0], key);
    r.max = require_number(where, node[1], key);
  } else if (node.IsMap()) {
    check_keys(where, node, key, {"min", "max", "integer"});
    if (!node["min"]) where.fail(node, key + ".min", "required");
    if (!node["max"]) where.fail(node, key + ".max", "required");
    r.min = require_number(where, node["min"], key + ".min");
    r.max = require_number(where, node["max"], key + ".max");
    if (node["integer"]) r.integer = require_bool(where, node["integer"], key + ".integer");
  } else {
    where.fail(node, key, "expected a range {min: A, max: B} or [A, B], got " + describe(node));
  }
  if (!(r.min < r.max))
    where.fail(node, key, fmt::format("min must be below max, got [{}, {}]", r.min, r.max));
  if (r.integer && (r.min != std::floor(r.min) || r.max != std::floor(r.max)))
    where.fail(node, key, "an integer range needs whole-number bounds");
  return r;
}

struct RawDesign {
  std::vector<std::string> names;
  std::vector<YAML::Node> name_nodes;         // for messages
  std::vector<std::vector<YAML::Node>> rows;  // per point, per parameter
};

void add_parameter_name(const Where& where, RawDesign& d, const YAML::Node& key_node) {
  if (!key_node.IsScalar()) where.fail(key_node, "design.parameters", "keys must be key paths");
  const std::string name = key_node.Scalar();
  if (std::find(d.names.begin(), d.names.end(), name) != d.names.end())
    where.fail(key_node, name, "parameter given twice");
  d.names.push_back(name);
  d.name_nodes.push_back(key_node);
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
  const Where where(path);
  if (text.size() > kMaxSweepBytes)
    throw ConfigError(
        fmt::format("{}: the sweep file is larger than {} bytes", path, kMaxSweepBytes));
  YAML::Node root;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.size() > 1)
      throw ConfigError(
          fmt::format("{}: a second YAML document ('---'); a sweep is a single "
                      "document",
                      where(documents[1])));
    if (!documents.empty()) root = documents.front();
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read YAML: {}", path, e.msg));
  }
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}:1:1: the sweep file is empty", path));
  if (!root.IsMap())
    throw ConfigError(
        fmt::format("{}: the sweep must be a mapping, got {}", where(root), describe(root)));
  check_keys(where, root, "", {"scenario", "set", "seed", "replicates", "design", "description"});

  Sweep sweep;
  sweep.path = path;
  sweep.text = text;

  // Base scenario, relative to the sweep file.
  const YAML::Node scenario = root["scenario"];
  if (!scenario) where.fail(root, "scenario", "required: the path of the base scenario");
  if (!scenario.IsScalar() || scenario.Scalar().empty())
    where.fail(scenario, "scenario", "expected a file path, got " + describe(scenario));
  fs::path base = scenario.Scalar();
  if (base.is_relative()) base = fs::path(path).parent_path() / base;
  sweep.base_path = base.lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(sweep.base_path, ec))
    where.fail(scenario, "scenario", fmt::format("{} does not exist", sweep.base_path));
  // `set:` fixes values of the base for every point, as --set does (and
  // before the command line's --set, which can still change them).
  std::vector<std::string> overrides;
  if (const YAML::Node set = root["set"]) {
    if (!set.IsMap())
      where.fail(set, "set", "expected a mapping of key paths to values, got " + describe(set));
    for (const auto& entry : set) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      auto segments = parse_path(key);
      if (!segments || key.find('[') != std::string::npos)
        where.fail(entry.first, "set",
                   fmt::format("'{}' is not a key path (keys joined by '.')", key));
      overrides.push_back(fmt::format("{}={}", key, flow_yaml(entry.second)));
    }
  }
  overrides.insert(overrides.end(), settings.overrides.begin(), settings.overrides.end());
  try {
    sweep.base = load_scenario_file(sweep.base_path, overrides);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{} (base scenario of sweep {})", e.what(), path));
  }

  sweep.seed = static_cast<uint64_t>(sweep.base.scenario.run.seed);
  if (root["seed"]) sweep.seed = require_count(where, root["seed"], "seed", 0, kMaxSeed);
  if (settings.seed) sweep.seed = *settings.seed;
  sweep.replicates = static_cast<uint32_t>(sweep.base.scenario.run.replicates);
  if (root["replicates"])
    sweep.replicates =
        static_cast<uint32_t>(require_count(where, root["replicates"], "replicates", 1, 100000));
  if (settings.replicates) sweep.replicates = *settings.replicates;

  // Design.
  const YAML::Node design = require_map(where, root["design"], "design", root);
  check_keys(where, design, "design",
             {"type", "parameters", "points", "samples", "seed", "scramble"});
  const YAML::Node type = design["type"];
  if (!type) where.fail(design, "design.type", "required: factorial, points, lhs or sobol");
  const std::string type_name = type.IsScalar() ? type.Scalar() : "";
  const std::map<std::string, DesignType> types{{"factorial", DesignType::Factorial},
                                                {"points", DesignType::Points},
                                                {"lhs", DesignType::LatinHypercube},
                                                {"sobol", DesignType::Sobol}};
  auto found = types.find(type_name);
  if (found == types.end())
    where.fail(type, "design.type",
               "expected factorial, points, lhs or sobol, got " + describe(type));
  sweep.type = found->second;
  const bool sampled = sweep.type == DesignType::LatinHypercube || sweep.type == DesignType::Sobol;
  auto only_for = [&](const char* key, bool allowed, const char* which) {
    if (design[key] && !allowed)
      where.fail(design[key], fmt::format("design.{}", key),
                 fmt::format("only for {} designs", which));
  };
  only_for("points", sweep.type == DesignType::Points, "points");
  only_for("parameters", sweep.type != DesignType::Points, "factorial, lhs and sobol");
  only_for("samples", sampled, "lhs and sobol");
  only_for("seed", sampled, "lhs and sobol");
  only_for("scramble", sweep.type == DesignType::Sobol, "sobol");

  RawDesign raw;
  std::vector<YAML::Node> value_owner;  // keeps generated value nodes alive
  if (sweep.type == DesignType::Points) {
    const YAML::Node points = design["points"];
    if (!points) where.fail(design, "design.points", "required: a list of mappings");
    if (!points.IsSequence() || points.size() == 0)
      where.fail(points, "design.points", "expected a non-empty list of mappings");
    for (size_t i = 0; i < points.size(); ++i) {
      const YAML::Node point = points[i];
      const std::string key = fmt::format("design.points[{}]", i);
      if (!point.IsMap() || point.size() == 0)
        where.fail(point, key, "expected a mapping of key paths to values, got " + describe(point));
      if (i == 0)
        for (const auto& entry : point) add_parameter_name(where, raw, entry.first);
      if (point.size() != raw.names.size())
        where.fail(point, key,
                   fmt::format("every point sets the same parameters ({}), this one sets {}",
                               fmt::join(raw.names, ", "), point.size()));
      std::vector<YAML::Node> row;
      for (const auto& name : raw.names) {
        const YAML::Node value = point[name];
        if (!value) where.fail(point, key, fmt::format("'{}' missing (set in point 0)", name));
        row.push_back(value);
      }
      raw.rows.push_back(std::move(row));
    }
  } else {
    const YAML::Node parameters = design["parameters"];
    if (!parameters) where.fail(design, "design.parameters", "required");
    if (!parameters.IsMap() || parameters.size() == 0)
      where.fail(parameters, "design.parameters",
                 "expected a mapping of key paths to " +
                     std::string(sampled ? "ranges" : "lists of values"));
    for (const auto& entry : parameters) add_parameter_name(where, raw, entry.first);
    if (sweep.type == DesignType::Factorial) {
      std::vector<std::vector<YAML::Node>> levels;
      size_t total = 1;
      for (const auto& entry : parameters) {
        const std::string name = entry.first.Scalar();
        if (!entry.second.IsSequence() || entry.second.size() == 0)
          where.fail(entry.second, name,
                     "expected a non-empty list of values, got " + describe(entry.second));
        std::vector<YAML::Node> values;
        for (const auto& v : entry.second) values.push_back(v);
        total *= values.size();
        if (total > kMaxPoints)
          where.fail(entry.second, name,
                     fmt::format("the design has more than {} points", kMaxPoints));
        levels.push_back(std::move(values));
      }
      // The first parameter varies slowest, as in nested loops written in file order.
      for (size_t p = 0; p < total; ++p) {
        std::vector<YAML::Node> row(levels.size());
        size_t rest = p;
        for (size_t j = levels.size(); j-- > 0;) {
          row[j] = levels[j][rest % levels[j].size()];
          rest /= levels[j].size();
        }
        raw.rows.push_back(std::move(row));
      }
    } else {
      std::vector<Range> ranges;
      for (const auto& entry : parameters)
        ranges.push_back(read_range(where, entry.second, entry.first.Scalar()));
      if (!design["samples"]) where.fail(design, "design.samples", "required");
      const size_t samples =
          require_count(where, design["samples"], "design.samples", 1, kMaxPoints);
      uint64_t design_seed = sweep.seed;
      if (design["seed"])
        design_seed = require_count(where, design["seed"], "design.seed", 0, kMaxSeed);
      bool scramble = true;
      if (design["scramble"]) scramble = require_bool(where, design["scramble"], "design.scramble");
      if (sweep.type == DesignType::Sobol && ranges.size() > kMaxSobolDims)
        where.fail(parameters, "design.parameters",
                   fmt::format("Sobol designs take at most {} parameters", kMaxSobolDims));
      const auto unit = sweep.type == DesignType::LatinHypercube
                            ? latin_hypercube(design_seed, samples, ranges.size())
                            : sobol_points(design_seed, samples, ranges.size(), scramble);
      for (const auto& u : unit) {
        std::vector<YAML::Node> row;
        for (size_t j = 0; j < ranges.size(); ++j)
          row.push_back(YAML::Node(number_text(scale_unit(u[j], ranges[j]), ranges[j].integer)));
        raw.rows.push_back(std::move(row));
      }
    }
  }

  // Parameters: valid key paths of the base scenario, not run.seed or
  // run.replicates (the sweep sets those), not overlapping each other.
  const YAML::Node effective = YAML::Load(sweep.base.effective_yaml);
  std::vector<SplitPath> splits;
  for (size_t j = 0; j < raw.names.size(); ++j) {
    const std::string& name = raw.names[j];
    auto segments = parse_path(name);
    if (!segments)
      where.fail(raw.name_nodes[j], name,
                 "not a key path (keys joined by '.', a list element as key[0] or key[*])");
    if (name == "run" || name.starts_with("run."))
      where.fail(raw.name_nodes[j], name,
                 "the sweep sets run.seed and run.replicates itself (use the sweep's seed and "
                 "replicates)");
    const std::string missing = check_exists(effective, *segments);
    if (!missing.empty()) where.fail(raw.name_nodes[j], name, missing);
    splits.push_back(split_path(std::move(*segments)));
  }
  for (size_t a = 0; a < splits.size(); ++a)
    for (size_t b = 0; b < splits.size(); ++b) {
      if (a == b) continue;
      const auto& pa = splits[a].prefix;
      const auto& pb = splits[b].prefix;
      const bool same_list = pa == pb && splits[a].has_index() && splits[b].has_index();
      if (!same_list && (pa == pb || pb.starts_with(pa + ".")))
        where.fail(raw.name_nodes[b], raw.names[b],
                   fmt::format("overlaps parameter '{}'", raw.names[a]));
    }

  for (size_t j = 0; j < raw.names.size(); ++j) {
    Parameter parameter{raw.names[j], true};
    for (const auto& row : raw.rows) parameter.numeric = parameter.numeric && as_number(row[j]);
    sweep.parameters.push_back(parameter);
  }

  // Points: values, --set arguments, seeds.
  const std::vector<uint64_t> seeds = derive_point_seeds(sweep.seed, raw.rows.size());
  for (size_t p = 0; p < raw.rows.size(); ++p) {
    Point point;
    point.index = static_cast<uint32_t>(p);
    point.seed = seeds[p];
    std::vector<std::string> prefixes;  // indexed lists, in first-use order
    std::map<std::string, YAML::Node> lists;
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
        // reset() rebinds the handle; operator= would overwrite the tree.
        YAML::Node node;
        node.reset(effective);
        for (size_t i = 0; i <= split.indexed; ++i) {
          const YAML::Node& const_node = node;
          YAML::Node child = const_node[split.segments[i].key];
          node.reset(child);
        }
        lists.emplace(split.prefix, YAML::Clone(node));
        prefixes.push_back(split.prefix);
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
        where.fail(raw.name_nodes[0], "design",
                   fmt::format("point {}: a value spans several lines: {}", p, o));
    sweep.points.push_back(std::move(point));
  }
  return sweep;
}

Sweep load_sweep_file(const std::string& path, const SweepSettings& settings) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ConfigError(fmt::format("{}: is a folder, not a sweep file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the sweep file", path));
  std::string text(kMaxSweepBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read the sweep file", path));
  text.resize(static_cast<size_t>(in.gcount()));
  return load_sweep_text(text, path, settings);
}

LoadedScenario load_point(const Sweep& sweep, const Point& point) {
  std::vector<std::string> overrides = sweep.base.overrides;
  overrides.insert(overrides.end(), point.overrides.begin(), point.overrides.end());
  return load_scenario_file(sweep.base_path, overrides);
}

}  // namespace mutsim::sweep
