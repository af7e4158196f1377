#include "sim/config/inheritance.hpp"

#include <fmt/format.h>
#include <filesystem>

#include "sim/util/errors.hpp"

namespace mutsim {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExtendsKey = "extends";
// Deeper chains are surely a mistake; the limit also bounds the work.
constexpr size_t kMaxChain = 16;

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

/// Records key paths under `node` as coming from `file`, keeping earlier
/// records: ancestors are resolved first, so a path already recorded came
/// from the file that first defined it (and holds its line numbers).
void record_keys(const YAML::Node& node, const std::string& path, const std::string& file,
                 std::map<std::string, std::string>& out) {
  if (!path.empty()) out.emplace(path, file);
  if (!node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->first.IsScalar()) record_keys(it->second, join(path, it->first.Scalar()), file, out);
}

/// Overlays `child` on `base` in place. Child keys win; null removes; the
/// child's keys are recorded as its own (they are no longer the parent's).
void overlay(YAML::Node base, const YAML::Node& child, const std::string& path,
             std::map<std::string, std::string>& key_files) {
  for (auto it = child.begin(); it != child.end(); ++it) {
    if (!it->first.IsScalar()) continue;  // the loader reports non-scalar keys
    const std::string key = it->first.Scalar();
    const std::string key_path = join(path, key);
    const YAML::Node value = it->second;
    if (value.IsNull()) {
      base.remove(key);
      continue;
    }
    YAML::Node current = base[key];
    if (value.IsMap() && current.IsDefined() && current.IsMap()) {
      overlay(current, value, key_path, key_files);
      continue;
    }
    // Replaced: drop the parent's record of this subtree.
    for (auto k = key_files.lower_bound(key_path);
         k != key_files.end() && (k->first == key_path || k->first.starts_with(key_path + "."));)
      k = key_files.erase(k);
    base[key] = value;  // shares the child's node, keeping its file position
  }
}

std::string canonical_name(const std::string& path) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

ResolvedScenario resolve(const YAML::Node& root, const std::string& name,
                         std::vector<std::string>& seen, const ParentLoader& load_parent) {
  ResolvedScenario resolved;
  resolved.chain.push_back(name);
  if (!root.IsMap() || !root[kExtendsKey].IsDefined()) {
    resolved.root = root;
    return resolved;
  }
  const YAML::Node extends = root[kExtendsKey];
  const auto where =
      fmt::format("{}:{}:{}", name, extends.Mark().line + 1, extends.Mark().column + 1);
  if (!extends.IsScalar() || extends.Scalar().empty())
    throw ConfigError(fmt::format("{}: extends: expected the path of a parent scenario", where));
  const std::string parent =
      (fs::path(name).parent_path() / fs::path(extends.Scalar())).lexically_normal().string();
  const std::string parent_id = canonical_name(parent);
  for (const auto& earlier : seen)
    if (earlier == parent_id)
      throw ConfigError(fmt::format("{}: extends: cycle: {} is already in the chain ({})", where,
                                    parent, fmt::join(seen, " -> ")));
  if (seen.size() >= kMaxChain)
    throw ConfigError(fmt::format("{}: extends: more than {} levels", where, kMaxChain));
  // The error_code form: a name the system refuses (too long, say) is a bad
  // scenario, not an exception that escapes the loader.
  std::error_code lookup;
  if (!fs::exists(parent, lookup))
    throw ConfigError(fmt::format(
        "{}: extends: parent scenario {} {}", where, parent,
        lookup ? "cannot be looked up: " + lookup.message() : std::string("does not exist")));
  seen.push_back(parent_id);
  ResolvedScenario base = resolve(load_parent(parent), parent, seen, load_parent);
  if (!base.root.IsMap())
    throw ConfigError(fmt::format("{}: the scenario must be a mapping of sections", parent));
  record_keys(base.root, "", parent, base.key_files);
  // Overlaid in place: the parent's tree serves only this merge, and its
  // nodes keep their positions (a clone would drop them).
  YAML::Node merged = base.root;
  overlay(merged, root, "", base.key_files);
  merged.remove(kExtendsKey);
  resolved.root = merged;
  resolved.key_files = std::move(base.key_files);
  resolved.chain.insert(resolved.chain.end(), base.chain.begin(), base.chain.end());
  return resolved;
}

}  // namespace

ResolvedScenario resolve_extends(const YAML::Node& root, const std::string& name,
                                 const ParentLoader& load_parent) {
  std::vector<std::string> seen{canonical_name(name)};
  return resolve(root, name, seen, load_parent);
}

std::string file_of_key(const ResolvedScenario& resolved, const std::string& path,
                        const std::string& fallback) {
  std::string prefix = path;
  while (!prefix.empty()) {
    auto it = resolved.key_files.find(prefix);
    if (it != resolved.key_files.end()) return it->second;
    const auto dot = prefix.find_last_of(".[");
    if (dot == std::string::npos) break;
    prefix = prefix.substr(0, dot);
  }
  return fallback;
}

}  // namespace mutsim
