#pragma once
// What a run file records about how it was made, so the file alone
// reproduces its run.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"

namespace mutsim {

inline constexpr int kFormatMajor = 1;
// 1.1: every dataset chunked with the Fletcher32 checksum; tables packed;
// the netCDF view (sim/io/netcdf_dims.hpp).
// 1.2: the climate series (what the model reads each month), the event kind
// pathfinder_chosen, /organisations/pathfinder_replicates.
// 1.3: population.scale samples whole organisations (issue 12): /events has
// a weight column, /organisations a weight column, and
// /organisations_sampled {replicates, organisations} says which each
// replicate simulated.
// 1.4 (issue 13): forms of mutuals: /events has form and service_line
// columns and the event kind aqp_volume_loss; the series of both readings
// of the target, of each form, and of commissioning (AQP by line, the
// commissioning periods, Article 77 reservations).
inline constexpr int kFormatMinor = 4;

struct Provenance {
  std::string scenario_path;
  std::string scenario_yaml;
  std::string effective_yaml;
  std::string overrides;
  uint64_t seed = 0;
  uint32_t replicates = 0;
  double scale = 1.0;
  double target_share = 0;
  std::string target_date;
  std::string routes;  // comma-separated, scenario order
};

Provenance make_provenance(const LoadedScenario& loaded, uint64_t seed, uint32_t replicates);

std::string mutsim_version();
std::string git_commit();
/// "Boost x, oneTBB y, HDF5 z, yaml-cpp 0.7, Random123 1.14" as compiled in.
std::string library_versions();

}  // namespace mutsim
