#include "sim/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/config/checks.hpp"
#include "sim/util/errors.hpp"

namespace mutsim {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

namespace {

std::string join_path(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

/// Where a node came from: the file (line:column) or a --set argument.
class Origins {
 public:
  Origins(std::string file, std::vector<std::pair<std::string, std::string>> overridden)
      : file_(std::move(file)), overridden_(std::move(overridden)) {}

  std::string where(const std::string& path, const YAML::Node& node) const {
    for (const auto& [key, arg] : overridden_)
      if (path == key || path.starts_with(key + ".") || key.starts_with(path + "."))
        return "--set " + arg;
    if (node.IsDefined() && !node.Mark().is_null())
      return fmt::format("{}:{}:{}", file_, node.Mark().line + 1, node.Mark().column + 1);
    return file_;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::pair<std::string, std::string>> overridden_;
};

[[noreturn]] void fail(const Origins& origins, const std::string& path, const YAML::Node& node,
                       const std::string& message) {
  throw ConfigError(fmt::format("{}: {}: {}", origins.where(path, node), path, message));
}

std::string describe_node(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("'{}'", node.Scalar());
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

/// Lists the keys a record declares, for unknown-key checks and suggestions.
class KeyLister {
 public:
  std::vector<std::string> keys;
  template <class T>
  void num(T&, const Spec& s) {
    keys.emplace_back(s.key);
  }
  void flag(bool&, const Spec& s) { keys.emplace_back(s.key); }
  template <class T>
  void date(T&, const DateSpec& s) {
    keys.emplace_back(s.key);
  }
  void text(std::string&, const TextSpec& s) { keys.emplace_back(s.key); }
  void names(std::vector<std::string>&, std::string_view key, std::string_view) {
    keys.emplace_back(key);
  }
  template <class T>
  void record(T&, std::string_view key, std::string_view) {
    keys.emplace_back(key);
  }
  template <class T>
  void table(T&, std::string_view key, std::string_view) {
    keys.emplace_back(key);
  }
  template <class T>
  void list(T&, std::string_view key, std::string_view) {
    keys.emplace_back(key);
  }
};

template <class T>
std::vector<std::string> declared_keys() {
  T dummy{};
  KeyLister lister;
  describe(lister, dummy);
  return lister.keys;
}

std::string range_text(const Spec& s) {
  return fmt::format("{}{}, {}]", s.lo_open ? "(" : "[", s.lo, s.hi);
}

/// Reads one record from a YAML mapping, checking every value against its Spec.
class YamlReader {
 public:
  YamlReader(const Origins& origins, YAML::Node node, std::string path)
      : origins_(origins), node_(std::move(node)), path_(std::move(path)) {}

  template <class T>
  void num(T& field, const Spec& s) {
    const std::string path = join_path(path_, s.key);
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      if (!s.def) fail(origins_, path, node_, "missing required key");
      field = static_cast<T>(*s.def);
      return;
    }
    double x = parse_number<T>(value, path);
    if (!(s.lo_open ? x > s.lo : x >= s.lo) || !(x <= s.hi))
      fail(origins_, path, value,
           fmt::format("must be in {}, got {}", range_text(s), value.Scalar()));
    field = static_cast<T>(x);
  }

  void flag(bool& field, const Spec& s) {
    const std::string path = join_path(path_, s.key);
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      if (!s.def) fail(origins_, path, node_, "missing required key");
      field = *s.def != 0.0;
      return;
    }
    bool parsed = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, parsed))
      fail(origins_, path, value, "expected true or false, got " + describe_node(value));
    field = parsed;
  }

  void date(Month& field, const DateSpec& s) {
    const std::string path = join_path(path_, s.key);
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      if (s.def.empty()) fail(origins_, path, node_, "missing required key");
      field = *Month::parse(s.def);
      return;
    }
    field = parse_month(value, path);
  }

  void date(std::optional<Month>& field, const DateSpec& s) {
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      field = s.def.empty() ? std::nullopt : Month::parse(s.def);
      return;
    }
    field = parse_month(value, join_path(path_, s.key));
  }

  void text(std::string& field, const TextSpec& s) {
    const std::string path = join_path(path_, s.key);
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      if (!s.def) fail(origins_, path, node_, "missing required key");
      field = std::string(*s.def);
      return;
    }
    if (!value.IsScalar())
      fail(origins_, path, value, "expected text, got " + describe_node(value));
    field = value.Scalar();
  }

  void names(std::vector<std::string>& field, std::string_view key, std::string_view) {
    const std::string path = join_path(path_, key);
    YAML::Node value = child(key);
    field.clear();
    if (!value.IsDefined() || value.IsNull()) return;
    if (!value.IsSequence())
      fail(origins_, path, value, "expected a list of names, got " + describe_node(value));
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].IsScalar())
        fail(origins_, fmt::format("{}[{}]", path, i), value[i], "expected a name");
      field.push_back(value[i].Scalar());
    }
  }

  template <class T>
  void record(T& field, std::string_view key, std::string_view) {
    const std::string path = join_path(path_, key);
    YAML::Node value = child(key);
    if (value.IsDefined() && !value.IsNull() && !value.IsMap())
      fail(origins_, path, value, "expected a mapping, got " + describe_node(value));
    read_record(field, value.IsMap() ? value : YAML::Node(YAML::NodeType::Map), path);
  }

  template <class T>
  void table(std::vector<Named<T>>& field, std::string_view key, std::string_view) {
    const std::string path = join_path(path_, key);
    YAML::Node value = required_child(key, path);
    if (!value.IsMap())
      fail(origins_, path, value,
           "expected a mapping of names to entries, got " + describe_node(value));
    field.clear();
    check_duplicates(value, path);
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string item_path = join_path(path, name);
      if (!it->second.IsMap())
        fail(origins_, item_path, it->second,
             "expected a mapping, got " + describe_node(it->second));
      Named<T> item{name, T{}};
      read_record(item.value, it->second, item_path);
      field.push_back(std::move(item));
    }
  }

  template <class T>
  void list(std::vector<T>& field, std::string_view key, std::string_view) {
    const std::string path = join_path(path_, key);
    YAML::Node value = required_child(key, path);
    if (!value.IsSequence())
      fail(origins_, path, value, "expected a list, got " + describe_node(value));
    field.clear();
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string item_path = fmt::format("{}[{}]", path, i);
      if (!value[i].IsMap())
        fail(origins_, item_path, value[i], "expected a mapping, got " + describe_node(value[i]));
      T item{};
      read_record(item, value[i], item_path);
      field.push_back(std::move(item));
    }
  }

  template <class T>
  void read_record(T& field, const YAML::Node& node, const std::string& path) {
    YamlReader inner(origins_, node, path);
    describe(inner, field);
    inner.reject_unknown_keys(declared_keys<T>());
  }

  void reject_unknown_keys(const std::vector<std::string>& known) {
    if (!node_.IsMap()) return;
    check_duplicates(node_, path_);
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string best;
      size_t best_distance = std::max<size_t>(2, key.size() / 3) + 1;
      for (const auto& candidate : known) {
        size_t d = edit_distance(key, candidate);
        if (d < best_distance) best_distance = d, best = candidate;
      }
      std::string hint = best.empty() ? fmt::format(" (known keys: {})", fmt::join(known, ", "))
                                      : fmt::format("; did you mean '{}'?", best);
      fail(origins_, join_path(path_, key), it->first, "unknown key" + hint);
    }
  }

 private:
  YAML::Node child(std::string_view key) const {
    const YAML::Node& node = node_;
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node found = node[std::string(key)];
    // A missing key yields an "invalid" node whose type queries throw; hand
    // back a plain undefined node instead.
    return found.IsDefined() ? found : YAML::Node(YAML::NodeType::Undefined);
  }

  YAML::Node required_child(std::string_view key, const std::string& path) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) fail(origins_, path, node_, "missing required key");
    return value;
  }

  void check_duplicates(const YAML::Node& map, const std::string& path) const {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(origins_, path, it->first, "keys must be plain names");
      if (!seen.insert(it->first.Scalar()).second)
        fail(origins_, join_path(path, it->first.Scalar()), it->first, "duplicate key");
    }
  }

  template <class T>
  double parse_number(const YAML::Node& value, const std::string& path) const {
    if (!value.IsScalar())
      fail(origins_, path, value, "expected a number, got " + describe_node(value));
    if constexpr (std::is_integral_v<T>) {
      int64_t parsed = 0;
      if (!YAML::convert<int64_t>::decode(value, parsed))
        fail(origins_, path, value, "expected a whole number, got " + describe_node(value));
      return static_cast<double>(parsed);
    } else {
      double parsed = 0;
      if (!YAML::convert<double>::decode(value, parsed) || !std::isfinite(parsed))
        fail(origins_, path, value, "expected a finite number, got " + describe_node(value));
      return parsed;
    }
  }

  Month parse_month(const YAML::Node& value, const std::string& path) const {
    auto month = value.IsScalar() ? Month::parse(value.Scalar()) : std::nullopt;
    if (!month)
      fail(origins_, path, value,
           "expected a month as YYYY-MM (1900-2200), got " + describe_node(value));
    return *month;
  }

  const Origins& origins_;
  YAML::Node node_;
  std::string path_;
};

/// Splits "a.b.c=value"; the value is parsed as YAML so lists and numbers work.
std::pair<std::string, std::string> split_override(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set {}: expected KEY.PATH=VALUE", arg));
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

void apply_override(YAML::Node& root, const std::string& arg) {
  auto [path, text] = split_override(arg);
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("--set {}: {}: value is not valid YAML: {}", arg, path, e.msg));
  }
  std::vector<std::string> keys;
  std::stringstream stream(path);
  for (std::string key; std::getline(stream, key, '.');) {
    if (key.empty()) throw ConfigError(fmt::format("--set {}: {}: empty key in path", arg, path));
    keys.push_back(key);
  }
  // yaml-cpp nodes are handles: reassigning walks down without copying.
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = chain.back()[keys[i]];
    if (!next.IsDefined() || next.IsNull()) next = YAML::Node(YAML::NodeType::Map);
    if (!next.IsMap())
      throw ConfigError(fmt::format("--set {}: {}: '{}' is not a mapping", arg, path, keys[i]));
    chain.back()[keys[i]] = next;
    chain.push_back(next);
  }
  chain.back()[keys.back()] = value;
}

LoadedScenario load_from_root(YAML::Node root, const std::string& name, std::string text,
                              const std::vector<std::string>& overrides) {
  std::vector<std::pair<std::string, std::string>> overridden;
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}: the scenario is empty", name));
  if (!root.IsMap())
    throw ConfigError(fmt::format("{}:{}:{}: the scenario must be a mapping of sections, got {}",
                                  name, root.Mark().line + 1, root.Mark().column + 1,
                                  describe_node(root)));
  for (const auto& arg : overrides) {
    apply_override(root, arg);
    overridden.emplace_back(split_override(arg).first, arg);
  }
  Origins origins(name, overridden);
  LoadedScenario loaded;
  YamlReader reader(origins, root, "");
  reader.read_record(loaded.scenario, root, "");
  check_scenario(loaded.scenario, [&](const std::string& path, const std::string& message) {
    YAML::Node node = root;
    std::stringstream stream(path);
    for (std::string key; std::getline(stream, key, '.');) {
      auto bracket = key.find('[');
      YAML::Node next = node.IsMap() ? YAML::Node(node[key.substr(0, bracket)]) : YAML::Node();
      if (next.IsDefined() && bracket != std::string::npos && next.IsSequence())
        next = next[std::stoul(key.substr(bracket + 1))];
      if (!next.IsDefined()) break;
      node = next;
    }
    fail(origins, path, node, message);
  });
  loaded.path = name;
  loaded.source_text = std::move(text);
  loaded.overrides = overrides;
  loaded.effective_yaml = emit_scenario_yaml(loaded.scenario);
  return loaded;
}

}  // namespace

LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", name, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read YAML: {}", name, e.msg));
  }
  return load_from_root(root, name, text, overrides);
}

LoadedScenario load_scenario_file(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the scenario file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_scenario_text(buffer.str(), path, overrides);
}

}  // namespace mutsim
