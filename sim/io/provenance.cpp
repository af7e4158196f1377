#include "sim/io/provenance.hpp"

#include <hdf5.h>
#include <oneapi/tbb/version.h>

#include <fmt/format.h>
#include <boost/version.hpp>

#include "mutsim_buildinfo.hpp"

namespace mutsim {

Provenance make_provenance(const LoadedScenario& loaded, uint64_t seed, uint32_t replicates) {
  Provenance p;
  p.scenario_path = loaded.path;
  p.scenario_yaml = loaded.source_text;
  p.effective_yaml = loaded.effective_yaml;
  p.overrides = fmt::format("{}", fmt::join(loaded.overrides, "\n"));
  p.seed = seed;
  p.replicates = replicates;
  p.scale = loaded.scenario.population.scale;
  p.target_share = loaded.scenario.target.share;
  p.target_date = loaded.scenario.target.date.str();
  std::vector<std::string> routes;
  for (const auto& route : loaded.scenario.routes) routes.push_back(route.name);
  p.routes = fmt::format("{}", fmt::join(routes, ","));
  return p;
}

std::string mutsim_version() { return MUTSIM_VERSION; }
std::string git_commit() { return MUTSIM_GIT_COMMIT; }

std::string library_versions() {
  // yaml-cpp and Random123 publish no version macro; CMake passes theirs.
  return fmt::format("Boost {}.{}.{}, oneTBB {}, HDF5 {}.{}.{}, yaml-cpp {}, Random123 {}",
                     BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100,
                     TBB_VERSION_STRING, H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE,
                     MUTSIM_YAML_CPP_VERSION, MUTSIM_RANDOM123_VERSION);
}

}  // namespace mutsim
