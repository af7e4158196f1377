#pragma once
// A sweep: a base scenario, a design over scenario parameters (factorial,
// explicit points, Latin hypercube, Sobol) and replicates per point. The
// sweep YAML is described in docs/CLUSTER.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"

namespace mutsim::sweep {

enum class DesignType { Factorial, Points, LatinHypercube, Sobol };
const char* design_name(DesignType type);

/// One varied parameter: a scenario key path, where `name[i]` picks element
/// i of a list and `name[*]` every element (the loader's --set cannot index
/// lists, so such paths become a --set of the whole list; see Point::overrides).
struct Parameter {
  std::string path;
  bool numeric = false;  // every value is a number: a float64 column in /points
};

struct Point {
  uint32_t index = 0;
  uint64_t seed = 0;                   // run.seed of the point, derived from the sweep seed
  std::vector<std::string> values;     // YAML text (flow style) per parameter
  std::vector<double> numbers;         // per parameter; NaN unless Parameter::numeric
  std::vector<std::string> overrides;  // the --set arguments that make the point from the base
};

struct Sweep {
  std::string path;       // the sweep file as given
  std::string text;       // its text as read
  LoadedScenario base;    // the base scenario after the sweep's --set overrides
  std::string base_path;  // relative to the sweep file, as resolved
  DesignType type = DesignType::Factorial;
  uint64_t seed = 0;  // sweep seed
  uint32_t replicates = 1;
  std::vector<Parameter> parameters;
  std::vector<Point> points;
};

struct SweepSettings {
  std::vector<std::string> overrides;  // --set, applied to the base scenario
  std::optional<uint64_t> seed;        // --seed: replaces the sweep's seed
  std::optional<uint32_t> replicates;  // --replicates
};

/// Reads and validates a sweep file and expands its design into points.
/// Throws ConfigError naming file:line:column and the key.
Sweep load_sweep_file(const std::string& path, const SweepSettings& settings = {});
Sweep load_sweep_text(const std::string& text, const std::string& path,
                      const SweepSettings& settings = {});

/// The validated scenario of one point: the base with the sweep's and the
/// point's overrides. Throws ConfigError for a bad parameter combination.
LoadedScenario load_point(const Sweep& sweep, const Point& point);

/// The seed of point `index`: distinct for distinct indices of one sweep
/// (collisions are redrawn), at most 2^53 - 1 (run.seed's bound).
std::vector<uint64_t> derive_point_seeds(uint64_t sweep_seed, size_t count);

/// Latin hypercube and Sobol samples in [0,1)^d, point-major.
std::vector<std::vector<double>> latin_hypercube(uint64_t seed, size_t samples, size_t dims);
std::vector<std::vector<double>> sobol_points(uint64_t seed, size_t samples, size_t dims,
                                              bool scramble);

}  // namespace mutsim::sweep
