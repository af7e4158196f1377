// Key paths into the base scenario: parsing "a.b[2].c" and "a[*]", checking
// they exist, and setting values under them.
#include <fmt/format.h>
#include <charconv>

#include "sim/sweep/design_detail.hpp"

namespace mutsim::sweep::detail {

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

namespace {

std::string join(const std::vector<Segment>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ".";
    out += segments[i].key;
    for (long index : segments[i].indices) out += index < 0 ? "[*]" : fmt::format("[{}]", index);
  }
  return out;
}

}  // namespace

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
                           yaml::suggestion(segments[i].key, keys));
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

}  // namespace mutsim::sweep::detail
