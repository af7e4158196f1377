#pragma once
// YAML sources with positions: the one way mutsim reads a YAML file
// (scenarios, sweeps, calibration and sensitivity files). Reading and
// parsing are hardened against hostile input (size, UTF-8, control
// characters, one document, nesting depth; docs/RELIABILITY.md), and every
// error is a ConfigError "FILE:LINE:COLUMN: KEY.PATH: MESSAGE", with a
// did-you-mean for unknown keys.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/util/month.hpp"

namespace mutsim {

/// Levenshtein distance, for did-you-mean suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace mutsim

namespace mutsim::yaml {

// Real inputs are tens of kilobytes; the limit also bounds what an alias
// repeated many times can copy.
inline constexpr size_t kMaxFileBytes = size_t{1} << 20;

/// The text of a YAML file; `what` names it in messages ("scenario",
/// "sweep file"). Refuses folders, unreadable files and files over the
/// limit without reading them whole.
std::string read_file(const std::string& path, const std::string& what,
                      size_t max_bytes = kMaxFileBytes);

/// The one document of `text` (from `name`). Refuses text over the limit,
/// not UTF-8 or holding control characters, empty, nested too deeply, with
/// a syntax error, or with more than one document.
YAML::Node parse(const std::string& text, const std::string& name, const std::string& what,
                 size_t max_bytes = kMaxFileBytes);

/// "FILE:LINE:COLUMN", or FILE where the mark is unknown.
std::string position(const std::string& file, const YAML::Mark& mark);
/// At most 60 bytes of `text`, cut on a UTF-8 character boundary.
std::string shorten(const std::string& text);
/// 'text' for a scalar (shortened), else "a list", "a mapping" or "nothing".
std::string describe(const YAML::Node& node);
/// "; did you mean 'x'?" for a close match of `key` in `known`, else
/// " (known keys: a, b, ...)".
std::string suggestion(const std::string& key, const std::vector<std::string>& known);

/// A value of a YAML source with the file it came from and its key path;
/// every error it raises names FILE:LINE:COLUMN and the path. A missing
/// key gives a value that is not present(), positioned at its parent.
class Value {
 public:
  Value(const std::string& file, const YAML::Node& node, std::string path,
        YAML::Mark fallback = YAML::Mark::null_mark());

  [[noreturn]] void fail(const std::string& message) const;
  /// "FILE:LINE:COLUMN: KEY.PATH", the start of every message.
  std::string where() const;
  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  /// The same value under another key path (for messages).
  Value renamed(std::string path) const { return Value(*file_, node_, std::move(path), mark_); }

  /// A mapping without duplicate or unknown keys (`known` lists the allowed).
  void expect_map(const std::vector<std::string>& known) const;
  Value operator[](const std::string& key) const;
  Value required(const std::string& key) const;
  /// The elements of a list, paths "path[i]".
  std::vector<Value> items() const;
  /// The (key, value) pairs of a mapping, keys checked to be plain names;
  /// both carry the path "path.key".
  std::vector<std::pair<Value, Value>> entries() const;

  double number(double lo, double hi, bool lo_open = false) const;
  int64_t whole(int64_t lo, int64_t hi) const;
  std::string text() const;
  bool flag() const;
  Month month() const;
  template <class E>
  E choice(const std::vector<std::pair<std::string, E>>& options) const {
    const std::string t = text();
    std::vector<std::string> names;
    for (const auto& [name, value] : options) {
      if (name == t) return value;
      names.push_back(name);
    }
    fail_choice(names, t);
  }

 private:
  [[noreturn]] void fail_choice(const std::vector<std::string>& names,
                                const std::string& got) const;
  std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string* file_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark mark_;
};

}  // namespace mutsim::yaml

namespace mutsim::yaml {

/// Refuses an empty document ("FILE:1:1: the WHAT is empty") and one that
/// is not a mapping ("FILE:L:C: the WHAT must be a mapping, got ...").
void require_mapping(const YAML::Node& root, const std::string& name, const std::string& what);

}  // namespace mutsim::yaml
