#pragma once
// Scenario inheritance: `extends: parent.yaml` at the top of a scenario
// takes the parent (recursively) and overlays the child on it. Mappings merge
// key by key, lists and scalars replace, and a key set to null (`key: ~`)
// removes the inherited entry. Paths are relative to the file that names them.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mutsim {

struct ResolvedScenario {
  YAML::Node root;                               // merged, without `extends`
  std::vector<std::string> chain;                // child first, then each parent
  std::map<std::string, std::string> key_files;  // key path -> file it came from (parents only)
};

/// Reads and parses a parent scenario file; throws ConfigError.
using ParentLoader = std::function<YAML::Node(const std::string& path)>;

/// Resolves the `extends` chain of `root`, already parsed from the file
/// `name`, loading each parent with `load_parent`.
/// Throws ConfigError for missing parents, cycles and chains too long.
ResolvedScenario resolve_extends(const YAML::Node& root, const std::string& name,
                                 const ParentLoader& load_parent);

/// The file a key path's value came from: the longest recorded prefix, else `fallback`.
std::string file_of_key(const ResolvedScenario& resolved, const std::string& path,
                        const std::string& fallback);

}  // namespace mutsim
