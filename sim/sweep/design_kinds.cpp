// The design kinds of a sweep file: explicit points, a full factorial, and
// ranges sampled by a Latin hypercube or a Sobol sequence; and the strict
// readers of their values.
#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "sim/config/scenario.hpp"
#include "sim/sweep/design_detail.hpp"

namespace mutsim::sweep::detail {
namespace {

constexpr size_t kMaxSobolDims = 1000;

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

Range read_range(const yaml::Value& value) {
  Range r;
  const YAML::Node& node = value.node();
  if (node.IsSequence() && node.size() == 2) {
    const auto bounds = value.items();
    r.min = require_number(bounds[0].renamed(value.path()));
    r.max = require_number(bounds[1].renamed(value.path()));
  } else if (node.IsMap()) {
    value.expect_map({"min", "max", "integer"});
    r.min = require_number(value.required("min"));
    r.max = require_number(value.required("max"));
    if (value["integer"].present()) r.integer = require_bool(value["integer"]);
  } else {
    value.fail("expected a range {min: A, max: B} or [A, B], got " + yaml::describe(node));
  }
  if (!(r.min < r.max))
    value.fail(fmt::format("min must be below max, got [{}, {}]", r.min, r.max));
  if (r.integer && (r.min != std::floor(r.min) || r.max != std::floor(r.max)))
    value.fail("an integer range needs whole-number bounds");
  return r;
}

/// The parameters mapping of a factorial or sampled design, each value
/// named by its parameter (as the messages of a sweep file name them).
std::vector<std::pair<yaml::Value, yaml::Value>> parameter_entries(const yaml::Value& design,
                                                                   const char* expected) {
  const yaml::Value parameters = design.required("parameters");
  if (!parameters.node().IsMap() || parameters.node().size() == 0)
    parameters.fail(std::string("expected a mapping of key paths to ") + expected);
  std::vector<std::pair<yaml::Value, yaml::Value>> out;
  for (const auto& [key, value] : parameters.entries()) {
    const std::string name = key.node().Scalar();
    out.emplace_back(key.renamed(name), value.renamed(name));
  }
  return out;
}

}  // namespace

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

double require_number(const yaml::Value& value) {
  auto number = as_number(value.node());
  if (!number) value.fail("expected a number, got " + yaml::describe(value.node()));
  return *number;
}

uint64_t require_count(const yaml::Value& value, uint64_t lo, uint64_t hi) {
  const double x = require_number(value);
  if (x != std::floor(x) || x < static_cast<double>(lo) || x > static_cast<double>(hi))
    value.fail(fmt::format("expected a whole number in [{}, {}], got {}", lo, hi,
                           yaml::describe(value.node())));
  return static_cast<uint64_t>(x);
}

bool require_bool(const yaml::Value& value) {
  const std::string text = value.node().IsScalar() ? value.node().Scalar() : "";
  if (text == "true") return true;
  if (text == "false") return false;
  value.fail("expected true or false, got " + yaml::describe(value.node()));
}

std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

void add_parameter_name(RawDesign& d, const yaml::Value& key) {
  const std::string name = key.node().Scalar();
  if (std::find(d.names.begin(), d.names.end(), name) != d.names.end())
    key.renamed(name).fail("parameter given twice");
  d.names.push_back(name);
  d.name_nodes.push_back(key.renamed(name));
}

RawDesign read_points_design(const yaml::Value& design) {
  RawDesign raw;
  const yaml::Value points = design.required("points");
  if (!points.node().IsSequence() || points.node().size() == 0)
    points.fail("expected a non-empty list of mappings");
  for (const yaml::Value& point : points.items()) {
    if (!point.node().IsMap() || point.node().size() == 0)
      point.fail("expected a mapping of key paths to values, got " + yaml::describe(point.node()));
    if (raw.names.empty())
      for (const auto& [key, value] : point.entries()) add_parameter_name(raw, key);
    if (point.node().size() != raw.names.size())
      point.fail(fmt::format("every point sets the same parameters ({}), this one sets {}",
                             fmt::join(raw.names, ", "), point.node().size()));
    std::vector<YAML::Node> row;
    for (const auto& name : raw.names) {
      const yaml::Value value = point[name];
      if (!value.node().IsDefined()) point.fail(fmt::format("'{}' missing (set in point 0)", name));
      row.push_back(value.node());
    }
    raw.rows.push_back(std::move(row));
  }
  return raw;
}

RawDesign read_factorial_design(const yaml::Value& design) {
  RawDesign raw;
  std::vector<std::vector<YAML::Node>> levels;
  size_t total = 1;
  for (const auto& [key, value] : parameter_entries(design, "lists of values")) {
    add_parameter_name(raw, key);
    if (!value.node().IsSequence() || value.node().size() == 0)
      value.fail("expected a non-empty list of values, got " + yaml::describe(value.node()));
    std::vector<YAML::Node> values;
    for (const auto& v : value.node()) values.push_back(v);
    total *= values.size();
    if (total > kMaxPoints)
      value.fail(fmt::format("the design has more than {} points", kMaxPoints));
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
  return raw;
}

RawDesign read_sampled_design(const yaml::Value& design, DesignType type, uint64_t sweep_seed) {
  RawDesign raw;
  std::vector<Range> ranges;
  const auto entries = parameter_entries(design, "ranges");
  for (const auto& [key, value] : entries) {
    add_parameter_name(raw, key);
    ranges.push_back(read_range(value));
  }
  const size_t samples = require_count(design.required("samples"), 1, kMaxPoints);
  uint64_t seed = sweep_seed;
  if (design["seed"].present()) seed = require_count(design["seed"], 0, kMaxSeed);
  bool scramble = true;
  if (design["scramble"].present()) scramble = require_bool(design["scramble"]);
  if (type == DesignType::Sobol && ranges.size() > kMaxSobolDims)
    design["parameters"].fail(
        fmt::format("Sobol designs take at most {} parameters", kMaxSobolDims));
  const auto unit = type == DesignType::LatinHypercube
                        ? latin_hypercube(seed, samples, ranges.size())
                        : sobol_points(seed, samples, ranges.size(), scramble);
  for (const auto& u : unit) {
    std::vector<YAML::Node> row;
    for (size_t j = 0; j < ranges.size(); ++j)
      row.push_back(YAML::Node(number_text(scale_unit(u[j], ranges[j]), ranges[j].integer)));
    raw.rows.push_back(std::move(row));
  }
  return raw;
}

}  // namespace mutsim::sweep::detail
