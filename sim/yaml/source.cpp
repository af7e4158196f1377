#include "sim/yaml/source.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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

}  // namespace mutsim

namespace mutsim::yaml {
namespace {

constexpr size_t kMaxQuotedBytes = 60;

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

/// Length of the UTF-8 character starting with `byte`, 0 if none can.
size_t utf8_length(unsigned char byte) {
  return byte < 0x80                    ? 1
         : byte >= 0xC2 && byte <= 0xDF ? 2
         : byte >= 0xE0 && byte <= 0xEF ? 3
         : byte >= 0xF0 && byte <= 0xF4 ? 4
                                        : 0;
}

bool valid_utf8_at(const std::string& text, size_t i, size_t length) {
  bool valid = length != 0 && i + length <= text.size();
  for (size_t k = 1; valid && k < length; ++k)
    valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
  if (valid && length >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto second = static_cast<unsigned char>(text[i + 1]);
    valid = !(byte == 0xE0 && second < 0xA0) && !(byte == 0xED && second > 0x9F) &&
            !(byte == 0xF0 && second < 0x90) && !(byte == 0xF4 && second > 0x8F);
  }
  return valid;
}

/// Refuses text that is not UTF-8 or holds control characters YAML does not
/// allow (yaml-cpp passes both through into names and labels).
void check_characters(const std::string& text, const std::string& name, const std::string& what) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const size_t length = utf8_length(byte);
    if (!valid_utf8_at(text, i, length))
      throw ConfigError(
          fmt::format("{}:{}:{}: the {} is not UTF-8 text (byte 0x{:02X}); save it as UTF-8", name,
                      line, column, what, byte));
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

/// Throws if `text` holds a second document (or stray text after the first).
void refuse_second_document(const std::string& text, const std::string& name,
                            const std::string& what) {
  // Not YAML::LoadAll: on some input (",a]") yaml-cpp 0.7 yields empty
  // documents without end, and LoadAll collects them until memory runs out
  // (found by fuzzing).
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStart second;
  parser.HandleNextDocument(second);
  second.mark = YAML::Mark::null_mark();
  if (parser.HandleNextDocument(second))
    throw ConfigError(
        fmt::format("{}:{}:{}: more YAML after the first document (a second document, or a stray "
                    "character); a {} is one document",
                    name, second.mark.line + 1, second.mark.column + 1, what));
}

}  // namespace

std::string read_file(const std::string& path, const std::string& what, size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(fmt::format("{}: is a folder, not a {} file", path, what));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the {} file", path, what));
  // Read one byte past the limit, so /dev/zero or a huge file is refused
  // without reading it all.
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read the {} file", path, what));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes)
    throw ConfigError(
        fmt::format("{}: the {} is larger than the limit of {} bytes", path, what, max_bytes));
  return text;
}

YAML::Node parse(const std::string& text, const std::string& name, const std::string& what,
                 size_t max_bytes) {
  if (text.size() > max_bytes)
    throw ConfigError(fmt::format("{}: the {} is {} bytes, more than the limit of {} bytes", name,
                                  what, text.size(), max_bytes));
  check_characters(text, name, what);
  try {
    YAML::Node root = YAML::Load(text);  // the first document only
    refuse_second_document(text, name, what);
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses once per level and stops itself at a fixed
    // depth (about 500 levels); inputs need fewer than ten.
    throw ConfigError(fmt::format("{}:{}:{}: YAML nested too deeply (more than {} levels)", name,
                                  e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", name, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read YAML: {}", name, e.msg));
  }
}

void require_mapping(const YAML::Node& root, const std::string& name, const std::string& what) {
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}:1:1: the {} is empty", name, what));
  if (!root.IsMap())
    throw ConfigError(fmt::format("{}: the {} must be a mapping, got {}",
                                  position(name, root.Mark()), what, describe(root)));
}

std::string position(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

std::string shorten(const std::string& text) {
  if (text.size() <= kMaxQuotedBytes) return text;
  size_t end = kMaxQuotedBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + fmt::format("... ({} bytes)", text.size());
}

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("'{}'", shorten(node.Scalar()));
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, key.size() / 3) + 1;
  for (const auto& candidate : known) {
    const size_t d = edit_distance(key, candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  return best.empty() ? fmt::format(" (known keys: {})", fmt::join(known, ", "))
                      : fmt::format("; did you mean '{}'?", best);
}

// ------------------------------------------------------------ Value

Value::Value(const std::string& file, const YAML::Node& node, std::string path, YAML::Mark fallback)
    : file_(&file), node_(node), path_(std::move(path)), mark_(fallback) {
  if (node_.IsDefined() && !node_.Mark().is_null()) mark_ = node_.Mark();
}

std::string Value::where() const {
  return fmt::format("{}: {}", position(*file_, mark_), path_.empty() ? "(top level)" : path_);
}

void Value::fail(const std::string& message) const {
  throw ConfigError(fmt::format("{}: {}", where(), message));
}

void Value::fail_choice(const std::vector<std::string>& names, const std::string& got) const {
  fail(fmt::format("expected one of {}, got '{}'", fmt::join(names, ", "), shorten(got)));
}

void Value::expect_map(const std::vector<std::string>& known) const {
  if (!node_.IsMap()) fail("expected a mapping, got " + describe(node_));
  for (const auto& [key, value] : entries()) {
    const std::string name = key.node().Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end())
      key.fail("unknown key" + suggestion(shorten(name), known));
  }
}

std::vector<std::pair<Value, Value>> Value::entries() const {
  if (!node_.IsMap()) fail("expected a mapping, got " + describe(node_));
  std::vector<std::pair<Value, Value>> out;
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar())
      Value(*file_, it->first, path_, mark_).fail("keys must be plain names");
    const std::string path = join(shorten(it->first.Scalar()));
    Value key(*file_, it->first, path, mark_);
    if (!seen.insert(it->first.Scalar()).second) key.fail("duplicate key");
    out.emplace_back(key, Value(*file_, it->second, path, mark_));
  }
  return out;
}

Value Value::operator[](const std::string& key) const {
  // A missing key yields an "invalid" node that throws on assignment and
  // Mark(); hand back a plain undefined node instead.
  if (node_.IsMap()) {
    const YAML::Node& node = node_;
    YAML::Node found = node[key];
    if (found.IsDefined()) return Value(*file_, found, join(key), mark_);
  }
  return Value(*file_, YAML::Node(YAML::NodeType::Undefined), join(key), mark_);
}

Value Value::required(const std::string& key) const {
  Value child = (*this)[key];
  if (!child.present()) child.fail("missing required key");
  return child;
}

std::vector<Value> Value::items() const {
  if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
  std::vector<Value> out;
  for (size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(*file_, node_[i], fmt::format("{}[{}]", path_, i), mark_);
  return out;
}

double Value::number(double lo, double hi, bool lo_open) const {
  double x = 0;
  if (!node_.IsScalar() || !YAML::convert<double>::decode(node_, x) || !std::isfinite(x))
    fail("expected a finite number, got " + describe(node_));
  if (!(lo_open ? x > lo : x >= lo) || !(x <= hi))
    fail(fmt::format("must be in {}{}, {}], got {}", lo_open ? "(" : "[", lo, hi,
                     shorten(node_.Scalar())));
  return x;
}

int64_t Value::whole(int64_t lo, int64_t hi) const {
  int64_t x = 0;
  if (!node_.IsScalar() || !YAML::convert<int64_t>::decode(node_, x))
    fail("expected a whole number, got " + describe(node_));
  if (x < lo || x > hi)
    fail(fmt::format("must be in [{}, {}], got {}", lo, hi, shorten(node_.Scalar())));
  return x;
}

std::string Value::text() const {
  if (!node_.IsScalar()) fail("expected text, got " + describe(node_));
  return node_.Scalar();
}

bool Value::flag() const {
  bool b = false;
  if (!node_.IsScalar() || !YAML::convert<bool>::decode(node_, b))
    fail("expected true or false, got " + describe(node_));
  return b;
}

Month Value::month() const {
  auto m = node_.IsScalar() ? Month::parse(node_.Scalar()) : std::nullopt;
  if (!m) fail("expected a month as YYYY-MM, got " + describe(node_));
  return *m;
}

}  // namespace mutsim::yaml
