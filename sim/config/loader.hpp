#pragma once
// scenario YAML (+ --set overrides) -> validated, typed Scenario.
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/yaml/source.hpp"  // edit_distance

namespace mutsim {

struct LoadedScenario {
  Scenario scenario;
  std::string path;                    // as given
  std::string source_text;             // the file as read
  std::vector<std::string> overrides;  // "key.path=value", as given
  std::string effective_yaml;          // every parameter after defaults and overrides
};

/// Reads, overrides and validates a scenario. Throws ConfigError whose message
/// names file:line:column (or the --set argument) and the key path.
LoadedScenario load_scenario_file(const std::string& path,
                                  const std::vector<std::string>& overrides = {});

/// The same from text already in memory; `name` is used in messages.
LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides = {});

/// YAML text of every parameter of `s`, doubles written to round-trip exactly.
std::string emit_scenario_yaml(const Scenario& s);

/// Markdown table of every parameter: key path, type, default, range, unit,
/// meaning, source. docs/ODD.md embeds it; a test keeps the two equal.
std::string parameter_table_markdown();

}  // namespace mutsim
