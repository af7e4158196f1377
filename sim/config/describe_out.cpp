// The two outward views of the parameter declarations: the effective YAML of
// a validated scenario, and the Markdown parameter table for docs/ODD.md.
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "sim/config/loader.hpp"

namespace mutsim {
namespace {

class YamlEmitterVisitor {
 public:
  explicit YamlEmitterVisitor(YAML::Emitter& out) : out_(out) {}

  template <class T>
  void num(T& field, const Spec& s) {
    out_ << YAML::Key << std::string(s.key) << YAML::Value;
    // {fmt} prints the shortest text that reads back to the same double.
    if constexpr (std::is_floating_point_v<T>)
      out_ << fmt::format("{}", field);
    else
      out_ << field;
  }
  void flag(bool& field, const Spec& s) {
    out_ << YAML::Key << std::string(s.key) << YAML::Value << field;
  }
  void date(Month& field, const DateSpec& s) {
    out_ << YAML::Key << std::string(s.key) << YAML::Value << field.str();
  }
  void date(std::optional<Month>& field, const DateSpec& s) {
    if (field) out_ << YAML::Key << std::string(s.key) << YAML::Value << field->str();
  }
  void text(std::string& field, const TextSpec& s) {
    out_ << YAML::Key << std::string(s.key) << YAML::Value << YAML::DoubleQuoted << field;
  }
  void names(std::vector<std::string>& field, std::string_view key, std::string_view) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << field;
  }
  template <class T>
  void record(T& field, std::string_view key, std::string_view) {
    out_ << YAML::Key << std::string(key) << YAML::Value;
    map(field);
  }
  template <class T>
  void table(std::vector<Named<T>>& field, std::string_view key, std::string_view) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginMap;
    for (auto& item : field) {
      out_ << YAML::Key << item.name << YAML::Value;
      map(item.value);
    }
    out_ << YAML::EndMap;
  }
  template <class T>
  void optional_table(std::vector<Named<T>>& field, std::string_view key, std::string_view m) {
    table(field, key, m);
  }
  template <class T>
  void list(std::vector<T>& field, std::string_view key, std::string_view) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq;
    for (auto& item : field) map(item);
    out_ << YAML::EndSeq;
  }
  template <class T>
  void map(T& field) {
    out_ << YAML::BeginMap;
    describe(*this, field);
    out_ << YAML::EndMap;
  }

 private:
  YAML::Emitter& out_;
};

std::string escape_cell(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '|') ? std::string("\\|") : std::string(1, c);
  return out;
}

// Required values have no default to source: each scenario gives and cites them.
constexpr std::string_view kPerScenario = "each scenario";

class MarkdownVisitor {
 public:
  explicit MarkdownVisitor(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string rows;

  template <class T>
  void num(T&, const Spec& s) {
    constexpr bool integral = std::is_integral_v<T>;
    auto number = [integral](double x) {
      return integral ? fmt::format("{}", static_cast<int64_t>(x)) : fmt::format("{:.6g}", x);
    };
    std::string def = s.def ? number(*s.def) : "required";
    std::string range = fmt::format("{}{}, {}]", s.lo_open ? "(" : "[", number(s.lo), number(s.hi));
    row(s.key, integral ? "integer" : "number", def, range, s.unit, s.meaning,
        s.def ? s.source : kPerScenario);
  }
  void flag(bool&, const Spec& s) {
    row(s.key, "boolean", s.def ? (*s.def != 0 ? "true" : "false") : "required", "", "", s.meaning,
        s.source);
  }
  void date(Month&, const DateSpec& s) {
    row(s.key, "month", s.def.empty() ? "required" : std::string(s.def), "", "YYYY-MM", s.meaning,
        s.def.empty() ? kPerScenario : s.source);
  }
  void date(std::optional<Month>&, const DateSpec& s) {
    row(s.key, "month", s.def.empty() ? "none" : std::string(s.def), "", "YYYY-MM", s.meaning,
        s.source);
  }
  void text(std::string&, const TextSpec& s) {
    row(s.key, "text", s.def ? fmt::format("\"{}\"", *s.def) : "required", "", "", s.meaning, "");
  }
  void names(std::vector<std::string>&, std::string_view key, std::string_view meaning) {
    row(key, "list of names", "[]", "", "", meaning, "");
  }
  template <class T>
  void record(T&, std::string_view key, std::string_view) {
    nested<T>(path(key));
  }
  template <class T>
  void table(std::vector<Named<T>>&, std::string_view key, std::string_view meaning) {
    row(key, "table", "required", "", "", meaning, "");
    nested<T>(path(key) + ".NAME");
  }
  template <class T>
  void optional_table(std::vector<Named<T>>&, std::string_view key, std::string_view meaning) {
    row(key, "table", "empty", "", "", meaning, "");
    nested<T>(path(key) + ".NAME");
  }
  template <class T>
  void list(std::vector<T>&, std::string_view key, std::string_view meaning) {
    row(key, "list", "required", "", "", meaning, "");
    nested<T>(path(key) + "[]");
  }

 private:
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  template <class T>
  void nested(const std::string& nested_prefix) {
    T dummy{};
    MarkdownVisitor inner(nested_prefix);
    describe(inner, dummy);
    rows += inner.rows;
  }
  void row(std::string_view key, std::string_view type, const std::string& def,
           const std::string& range, std::string_view unit, std::string_view meaning,
           std::string_view source) {
    rows +=
        fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", path(key), type, escape_cell(def),
                    range, escape_cell(unit), escape_cell(meaning), escape_cell(source));
  }
  std::string prefix_;
};

}  // namespace

std::string emit_scenario_yaml(const Scenario& s) {
  YAML::Emitter out;
  YamlEmitterVisitor visitor(out);
  Scenario copy = s;
  visitor.map(copy);
  return std::string(out.c_str()) + "\n";
}

std::string parameter_table_markdown() {
  Scenario dummy{};
  MarkdownVisitor visitor("");
  describe(visitor, dummy);
  return "| key | type | default | range | unit | meaning | source |\n"
         "|---|---|---|---|---|---|---|\n" +
         visitor.rows;
}

}  // namespace mutsim
