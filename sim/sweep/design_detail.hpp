#pragma once
// Inside sim/sweep: the pieces of a sweep file's design (sim/sweep/design.hpp
// is the interface). Key paths into the base scenario, and the readers of
// each design kind, which turn the `design:` mapping into one row of YAML
// values per point.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/sweep/design.hpp"
#include "sim/yaml/source.hpp"

namespace mutsim::sweep::detail {

// A sweep of more points than this is almost certainly a typo in `samples`
// or a factorial that multiplies out further than meant.
inline constexpr size_t kMaxPoints = 1'000'000;

// ------------------------------------------------------------ values

/// The number a scalar holds (not quoted text), read strictly.
std::optional<double> as_number(const YAML::Node& node);
double require_number(const yaml::Value& value);
uint64_t require_count(const yaml::Value& value, uint64_t lo, uint64_t hi);
bool require_bool(const yaml::Value& value);
/// A node as one line of flow-style YAML (a --set value).
std::string flow_yaml(const YAML::Node& node);

// ------------------------------------------------------------ key paths

struct Segment {
  std::string key;
  std::vector<long> indices;  // -1: every element ([*])
};

std::optional<std::vector<Segment>> parse_path(const std::string& path);

/// The part of a path the loader's --set can address: up to the first
/// segment that indexes a list (that segment's key included, its index not).
struct SplitPath {
  std::vector<Segment> segments;
  size_t indexed = 0;  // index of the first indexed segment, or segments.size()
  std::string prefix;  // the --set key
  bool has_index() const { return indexed < segments.size(); }
};

SplitPath split_path(std::vector<Segment> segments);

/// "" when `segments` name existing values of `root` (the effective base
/// scenario), else what is wrong.
std::string check_exists(const YAML::Node& root, const std::vector<Segment>& segments);

/// Sets `value` at `segments[segment..]` under `node`, starting at index
/// `index_pos` of segments[segment].
void assign(YAML::Node node, const std::vector<Segment>& segments, size_t segment, size_t index_pos,
            const YAML::Node& value);

// ------------------------------------------------------------ design kinds

/// A design before its values become --set arguments: the parameter names
/// (with their key nodes, for messages) and per point one value per name.
struct RawDesign {
  std::vector<std::string> names;
  std::vector<yaml::Value> name_nodes;
  std::vector<std::vector<YAML::Node>> rows;
};

void add_parameter_name(RawDesign& d, const yaml::Value& key);

/// `design.points`: a list of mappings of key paths to values.
RawDesign read_points_design(const yaml::Value& design);
/// `design.parameters`: a mapping of key paths to lists of levels; the
/// first parameter varies slowest.
RawDesign read_factorial_design(const yaml::Value& design);
/// `design.parameters`: a mapping of key paths to ranges, sampled by a Latin
/// hypercube or a Sobol sequence (`samples`, `seed`, `scramble`).
RawDesign read_sampled_design(const yaml::Value& design, DesignType type, uint64_t sweep_seed);

}  // namespace mutsim::sweep::detail
