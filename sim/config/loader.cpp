#include "sim/config/loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
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

// Hostile-input limits (docs/RELIABILITY.md). Real scenarios are tens of
// kilobytes, nest fewer than ten levels and use names of a few dozen
// characters; the limits bound what an alias (`*x`) repeated many times can
// copy into the Scenario, and what an error message quotes.
constexpr size_t kMaxScenarioBytes = size_t{1} << 20;
constexpr size_t kMaxTextBytes = 1024;
constexpr size_t kMaxQuotedBytes = 60;

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
    const std::string file = inherited_ ? file_of_key(*inherited_, path, file_) : file_;
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

/// At most kMaxQuotedBytes of `text`, cut on a UTF-8 character boundary.
std::string shorten(const std::string& text) {
  if (text.size() <= kMaxQuotedBytes) return text;
  size_t end = kMaxQuotedBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + fmt::format("... ({} bytes)", text.size());
}

std::string describe_node(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("'{}'", shorten(node.Scalar()));
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
  YamlReader(const Origins& origins, YAML::Node node, std::string path,
             YAML::Mark fallback = YAML::Mark::null_mark())
      : origins_(origins), node_(std::move(node)), path_(std::move(path)) {
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
    const std::string path = join_path(path_, key);
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

/// Records where a document starts; ignores everything else.
struct DocumentStart : YAML::EventHandler {
  YAML::Mark mark = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& at) override { mark = at; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// Refuses text that is not UTF-8 or holds control characters YAML does not
/// allow (yaml-cpp passes both through into names and labels).
void check_characters(const std::string& text, const std::string& name) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80                    ? 1
                    : byte >= 0xC2 && byte <= 0xDF ? 2
                    : byte >= 0xE0 && byte <= 0xEF ? 3
                    : byte >= 0xF0 && byte <= 0xF4 ? 4
                                                   : 0;
    bool valid = length != 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (valid && length >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
      const auto second = static_cast<unsigned char>(text[i + 1]);
      valid = !(byte == 0xE0 && second < 0xA0) && !(byte == 0xED && second > 0x9F) &&
              !(byte == 0xF0 && second < 0x90) && !(byte == 0xF4 && second > 0x8F);
    }
    if (!valid)
      throw ConfigError(
          fmt::format("{}:{}:{}: the scenario is not UTF-8 text (byte 0x{:02X}); save it as UTF-8",
                      name, line, column, byte));
    if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F)
      throw ConfigError(fmt::format("{}:{}:{}: control character 0x{:02X} is not allowed in YAML",
                                    name, line, column, byte));
    if (byte == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
}

void require_mapping(const YAML::Node& root, const std::string& name) {
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}:1:1: the scenario is empty", name));
  if (!root.IsMap())
    throw ConfigError(fmt::format("{}:{}:{}: the scenario must be a mapping of sections, got {}",
                                  name, root.Mark().line + 1, root.Mark().column + 1,
                                  describe_node(root)));
}

YAML::Node parse_scenario_yaml(const std::string& text, const std::string& name);
std::string read_scenario_file(const std::string& path);

LoadedScenario load_from_root(YAML::Node parsed, const std::string& name, std::string text,
                              const std::vector<std::string>& overrides) {
  std::vector<std::pair<std::string, std::string>> overridden;
  require_mapping(parsed, name);
  const ResolvedScenario resolved = resolve_extends(parsed, name, [](const std::string& parent) {
    YAML::Node node = parse_scenario_yaml(read_scenario_file(parent), parent);
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

namespace {

/// The hardened parse of one scenario file's text (size, characters, one
/// document, nesting depth), used for the scenario and each parent.
YAML::Node parse_scenario_yaml(const std::string& text, const std::string& name) {
  if (text.size() > kMaxScenarioBytes)
    throw ConfigError(fmt::format("{}: the scenario is {} bytes, more than the limit of {} bytes",
                                  name, text.size(), kMaxScenarioBytes));
  check_characters(text, name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
    // YAML::Load reads the first document only. Not YAML::LoadAll: on some
    // input (",a]") yaml-cpp 0.7 yields empty documents without end, and
    // LoadAll collects them until memory runs out (found by fuzzing).
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStart second;
    parser.HandleNextDocument(second);
    second.mark = YAML::Mark::null_mark();
    if (parser.HandleNextDocument(second))
      throw ConfigError(
          fmt::format("{}:{}:{}: more YAML after the first document (a second document, or a stray "
                      "character); a scenario is one document",
                      name, second.mark.line + 1, second.mark.column + 1));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses once per level and stops itself at a fixed
    // depth (about 500 levels); scenarios need fewer than ten.
    throw ConfigError(fmt::format("{}:{}:{}: YAML nested too deeply (more than {} levels)", name,
                                  e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", name, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read YAML: {}", name, e.msg));
  }
  return root;
}

/// Reads a scenario file, refusing folders and files over the size limit
/// without reading them whole.
std::string read_scenario_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(fmt::format("{}: is a folder, not a scenario file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the scenario file", path));
  // Read one byte past the limit, so /dev/zero or a huge file is refused
  // without reading it all.
  std::string text(kMaxScenarioBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read the scenario file", path));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxScenarioBytes)
    throw ConfigError(fmt::format("{}: the scenario is larger than the limit of {} bytes", path,
                                  kMaxScenarioBytes));
  return text;
}

}  // namespace

LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides) {
  return load_from_root(parse_scenario_yaml(text, name), name, text, overrides);
}

LoadedScenario load_scenario_file(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  return load_scenario_text(read_scenario_file(path), path, overrides);
}

}  // namespace mutsim
