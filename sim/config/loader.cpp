#include "sim/config/loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/config/checks.hpp"
#include "sim/config/inheritance.hpp"
#include "sim/util/errors.hpp"

namespace mutsim {

namespace {

// Hostile-input limits (docs/RELIABILITY.md; the size and nesting limits
// are sim/yaml's). Names are a few dozen characters; the limit bounds what an
// alias (`*x`) repeated many times can copy into the Scenario.
constexpr size_t kMaxTextBytes = 1024;
constexpr const char* kWhat = "scenario";

using yaml::shorten;

std::string join_path(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

/// Where a node came from: the file (line:column) or a --set argument.
class Origins {
 public:
  Origins(std::string file, std::vector<std::pair<std::string, std::string>> overridden,
          const ResolvedScenario* inherited = nullptr)
      : file_(std::move(file)), overridden_(std::move(overridden)), inherited_(inherited) {}

  /// `fallback`: the position of the nearest enclosing node that is in the
  /// file, for keys whose whole section is missing.
  std::string where(const std::string& path, const YAML::Node& node,
                    const YAML::Mark& fallback = YAML::Mark::null_mark()) const {
    for (const auto& [key, arg] : overridden_)
      if (path == key || path.starts_with(key + ".") || key.starts_with(path + "."))
        return "--set " + arg;
    const YAML::Mark mark = node.IsDefined() && !node.Mark().is_null() ? node.Mark() : fallback;
    // Values inherited through `extends` carry their own file's positions.
    std::string file = inherited_ ? file_of_key(*inherited_, path, file_) : file_;
    if (!mark.is_null()) return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
    return file;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::pair<std::string, std::string>> overridden_;
  const ResolvedScenario* inherited_;
};

[[noreturn]] void fail(const Origins& origins, const std::string& path, const YAML::Node& node,
                       const std::string& message,
                       const YAML::Mark& fallback = YAML::Mark::null_mark()) {
  throw ConfigError(fmt::format("{}: {}: {}", origins.where(path, node, fallback), path, message));
}

std::string describe_node(const YAML::Node& node) { return yaml::describe(node); }

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
  void optional_table(T&, std::string_view key, std::string_view) {
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
  YamlReader(const Origins& origins, const YAML::Node& node, std::string path,
             YAML::Mark fallback = YAML::Mark::null_mark())
      : origins_(origins), node_(node), path_(std::move(path)) {
    fallback_ = node_.IsDefined() && !node_.Mark().is_null() ? node_.Mark() : fallback;
  }

  template <class T>
  void num(T& field, const Spec& s) {
    const std::string path = join_path(path_, s.key);
    YAML::Node value = child(s.key);
    if (!value.IsDefined() || value.IsNull()) {
      if (!s.def) fail(origins_, path, node_, "missing required key", fallback_);
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
      if (!s.def) fail(origins_, path, node_, "missing required key", fallback_);
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
      if (s.def.empty()) fail(origins_, path, node_, "missing required key", fallback_);
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
      if (!s.def) fail(origins_, path, node_, "missing required key", fallback_);
      field = std::string(*s.def);
      return;
    }
    if (!value.IsScalar())
      fail(origins_, path, value, "expected text, got " + describe_node(value));
    field = bounded_text(value, path);
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
      field.push_back(bounded_text(value[i], fmt::format("{}[{}]", path, i)));
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
    read_table(field, key, true);
  }

  /// A table that may be absent (then empty), e.g. population.service_lines.
  template <class T>
  void optional_table(std::vector<Named<T>>& field, std::string_view key, std::string_view) {
    read_table(field, key, false);
  }

  template <class T>
  void read_table(std::vector<Named<T>>& field, std::string_view key, bool required) {
    const std::string path = join_path(path_, key);
    field.clear();
    if (!required && (!child(key).IsDefined() || child(key).IsNull())) return;
    YAML::Node value = required_child(key, path);
    if (!value.IsMap())
      fail(origins_, path, value,
           "expected a mapping of names to entries, got " + describe_node(value));
    field.clear();
    check_duplicates(value, path);
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string name = bounded_text(it->first, path);
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
    YamlReader inner(origins_, node, path, fallback_);
    describe(inner, field);
    inner.reject_unknown_keys(declared_keys<T>());
  }

  void reject_unknown_keys(const std::vector<std::string>& known) {
    if (!node_.IsMap()) return;
    check_duplicates(node_, path_);
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const std::string key = it->first.IsScalar() ? shorten(it->first.Scalar()) : "?";
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      fail(origins_, join_path(path_, key), it->first,
           "unknown key" + yaml::suggestion(key, known));
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
    if (!value.IsDefined() || value.IsNull())
      fail(origins_, path, node_, "missing required key", fallback_);
    return value;
  }

  /// A scalar copied into the Scenario: bounded, so that an alias repeated
  /// many times cannot multiply a long string.
  std::string bounded_text(const YAML::Node& value, const std::string& path) const {
    if (value.Scalar().size() > kMaxTextBytes)
      fail(origins_, path, value,
           fmt::format("text longer than {} bytes ({} bytes)", kMaxTextBytes,
                       value.Scalar().size()));
    return value.Scalar();
  }

  void check_duplicates(const YAML::Node& map, const std::string& path) const {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(origins_, path, it->first, "keys must be plain names");
      if (!seen.insert(it->first.Scalar()).second)
        fail(origins_, join_path(path, shorten(it->first.Scalar())), it->first, "duplicate key");
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
  YAML::Mark fallback_;
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
  } catch (const YAML::DeepRecursion&) {
    throw ConfigError(fmt::format("--set {}: {}: value is nested too deeply", arg, path));
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

YAML::Node parse_scenario_yaml(const std::string& text, const std::string& name) {
  return yaml::parse(text, name, kWhat);
}

void require_mapping(const YAML::Node& root, const std::string& name) {
  yaml::require_mapping(root, name, kWhat);
}

LoadedScenario load_from_root(const YAML::Node& parsed, const std::string& name, std::string text,
                              const std::vector<std::string>& overrides) {
  std::vector<std::pair<std::string, std::string>> overridden;
  require_mapping(parsed, name);
  const ResolvedScenario resolved = resolve_extends(parsed, name, [](const std::string& parent) {
    YAML::Node node = parse_scenario_yaml(yaml::read_file(parent, kWhat), parent);
    require_mapping(node, parent);
    return node;
  });
  YAML::Node root = resolved.root;
  for (const auto& arg : overrides) {
    apply_override(root, arg);
    overridden.emplace_back(split_override(arg).first, arg);
  }
  Origins origins(name, overridden, &resolved);
  LoadedScenario loaded;
  YamlReader reader(origins, root, "");
  reader.read_record(loaded.scenario, root, "");
  check_scenario(loaded.scenario, [&](const std::string& path, const std::string& message) {
    YAML::Node node = root;
    std::stringstream stream(path);
    for (std::string key; std::getline(stream, key, '.');) {
      // Only locates the message: a name that itself holds '.' or '[' just
      // stops the walk at the enclosing node. Const lookups never add nodes.
      auto bracket = key.find('[');
      const YAML::Node& here = node;
      YAML::Node next = here.IsMap() ? here[key.substr(0, bracket)] : YAML::Node();
      if (next.IsDefined() && bracket != std::string::npos && next.IsSequence()) {
        size_t i = 0;
        const char* digits = key.data() + bracket + 1;
        auto [end, ec] = std::from_chars(digits, key.data() + key.size(), i);
        if (ec != std::errc() || *end != ']' || i >= next.size()) break;
        const YAML::Node& sequence = next;
        next = sequence[i];
      }
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
  return load_from_root(parse_scenario_yaml(text, name), name, text, overrides);
}

LoadedScenario load_scenario_file(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  return load_scenario_text(yaml::read_file(path, kWhat), path, overrides);
}

}  // namespace mutsim
