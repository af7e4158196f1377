#include "sim/io/hdf5_writer.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "sim/io/h5/write.hpp"
#include "sim/io/netcdf_dims.hpp"
#include "sim/model/programmes.hpp"
#include "sim/model/service_lines.hpp"

namespace mutsim {
namespace {

using h5::Handle;

// Room for the longest event kind and any scenario name (validated to
// kMaxNameLength) with a terminating zero.
constexpr size_t kEventTextSize = kMaxNameLength + 1;
constexpr size_t kNameTextSize = kMaxNameLength + 1;
static_assert(sizeof("contract_retained") <= kEventTextSize);
static_assert(sizeof("community_interest_company") <= kEventTextSize);
constexpr size_t kDateSize = 7;  // YYYY-MM
constexpr hsize_t kTableChunkRows = 4096;
// Fixed-width text in run files is ASCII-tagged, as format 1.0 wrote it.
constexpr H5T_cset_t kAscii = H5T_CSET_ASCII;

void write_root_attributes(hid_t file, const Provenance& p) {
  h5::write_text_attribute(file, "format", "mutsim");
  h5::write_text_attribute(file, "format_version",
                           fmt::format("{}.{}", kFormatMajor, kFormatMinor));
  h5::write_text_attribute(file, "mutsim_version", mutsim_version());
  h5::write_text_attribute(file, "git_commit", git_commit());
  h5::write_text_attribute(file, "library_versions", library_versions());
  h5::write_u64_attribute(file, "seed", p.seed);
  h5::write_u32_attribute(file, "replicates", p.replicates);
  h5::write_f64_attribute(file, "scale", p.scale);
  h5::write_text_attribute(file, "scenario_path", p.scenario_path);
  h5::write_text_attribute(file, "scenario_yaml", p.scenario_yaml);
  h5::write_text_attribute(file, "effective_yaml", p.effective_yaml);
  h5::write_text_attribute(file, "overrides", p.overrides);
  h5::write_f64_attribute(file, "target_share", p.target_share);
  h5::write_text_attribute(file, "target_date", p.target_date);
  h5::write_text_attribute(file, "routes", p.routes);
}

void write_series(hid_t file, const RunResult& result) {
  Handle group = h5::create_group(file, "series");
  const std::vector<hsize_t> dims = {result.replicates, result.months()};
  const h5::Layout layout{{1, result.months()}, h5::Compression::ShuffleDeflate, std::nullopt};
  for (size_t k = 0; k < result.series.size(); ++k) {
    const SeriesInfo& info = result.series[k];
    h5::write_dataset(group, info.name, dims, std::span<const double>(result.values[k]), layout);
    Handle set(H5Dopen2(group, info.name.c_str(), H5P_DEFAULT), H5Dclose,
               "open series " + info.name);
    h5::write_text_attribute(set, "unit", info.unit);
    h5::write_text_attribute(set, "description", info.description);
  }
}

h5::Layout table_layout(size_t rows) {
  return {{std::min<hsize_t>(rows, kTableChunkRows)}, h5::Compression::Deflate, std::nullopt};
}

void write_events(hid_t file, const RunResult& result, const Scenario& scenario) {
  const auto& events = result.events;
  h5::Table table(events.size());
  table.add_u32("replicate", [&](size_t i) { return events[i].replicate; });
  table.add_i32("month", [&](size_t i) { return events[i].month; });
  table.add_text(
      "kind", kEventTextSize,
      [&](size_t i) { return std::string(kEventKindNames[static_cast<int>(events[i].kind)]); },
      kAscii);
  table.add_text(
      "route", kEventTextSize, [&](size_t i) { return scenario.routes[events[i].route].name; },
      kAscii);
  table.add_u32("organisation", [&](size_t i) { return events[i].organisation; });
  table.add_u32("service", [&](size_t i) { return events[i].service; });
  table.add_f64("staff", [&](size_t i) { return events[i].staff; });
  table.add_f64("weight", [&](size_t i) { return events[i].weight; });
  table.add_u8("whole_organisation",
               [&](size_t i) { return static_cast<uint8_t>(events[i].whole_organisation); });
  // Format 1.4: the form of the proposal or mutual ("" for pathfinder_chosen).
  table.add_text(
      "form", kEventTextSize,
      [&](size_t i) {
        const uint8_t form = events[i].form;
        return form < kForms ? std::string(kFormNames[form]) : std::string();
      },
      kAscii);
  // Format 1.4 (issue 13 item 5): the unit's service line, "" for a whole
  // organisation or a unit on no line.
  table.add_text(
      "service_line", kNameTextSize,
      [&](size_t i) { return service_line_name(scenario, events[i].service_line); }, kAscii);
  table.write(file, "events", table_layout(events.size()));
}

/// Per organisation, the replicates in which it was chosen for the
/// Pathfinder (the events say which ones).
std::vector<uint32_t> pathfinder_replicates(const RunResult& result) {
  std::vector<uint32_t> chosen(result.population.organisations.size(), 0);
  for (const Event& e : result.events)
    if (e.kind == EventKind::PathfinderChosen) ++chosen[e.organisation];
  return chosen;
}

void write_organisations(hid_t file, const RunResult& result, const Scenario& scenario,
                         uint64_t seed) {
  const auto& orgs = result.population.organisations;
  const auto& population = scenario.population;
  // A result filled by hand (a test, a benchmark) must say the same as
  // run_simulation's, or the table would read past its vectors.
  if (result.organisation_weight.size() != orgs.size() ||
      result.organisations_sampled.size() != size_t{result.replicates} * orgs.size())
    throw std::logic_error(fmt::format(
        "write_run_file: {} organisations but {} weights and {} sampled flags for {} replicates",
        orgs.size(), result.organisation_weight.size(), result.organisations_sampled.size(),
        result.replicates));
  h5::Table table(orgs.size());
  table.add_u32("id", [](size_t i) { return static_cast<uint32_t>(i); });
  table.add_text(
      "type", kNameTextSize, [&](size_t i) { return population.org_types[orgs[i].type].name; },
      kAscii);
  table.add_text(
      "sector", kNameTextSize, [&](size_t i) { return population.sectors[orgs[i].sector].name; },
      kAscii);
  table.add_f64("staff", [&](size_t i) { return static_cast<double>(orgs[i].staff()); });
  table.add_u32("services", [&](size_t i) { return orgs[i].end_service - orgs[i].first_service; });
  const std::vector<uint32_t> chosen = pathfinder_replicates(result);
  table.add_u32("pathfinder_replicates", [&](size_t i) { return chosen[i]; });
  table.add_f64("weight", [&](size_t i) { return result.organisation_weight[i]; });
  // Format 1.4 (issue 13 item 4): the type a divesting organisation becomes
  // (the same in every replicate), "" for a type that does not divest.
  const ScenarioIndex index(scenario);
  table.add_text(
      "successor_type", kNameTextSize,
      [&](size_t i) {
        const uint32_t type = orgs[i].type;
        if (!population.org_types[type].value.divest_date) return std::string();
        const auto o = static_cast<uint32_t>(i);
        return population.org_types[successor_type(scenario, index, seed, type, o)].name;
      },
      kAscii);
  table.write(file, "organisations", table_layout(orgs.size()));
  // Which organisations each replicate simulated (format 1.3).
  const std::vector<hsize_t> dims = {result.replicates, orgs.size()};
  const h5::Layout layout{
      {1, std::max<hsize_t>(orgs.size(), 1)}, h5::Compression::Deflate, std::nullopt};
  h5::write_dataset(file, "organisations_sampled", dims,
                    std::span<const uint8_t>(result.organisations_sampled), layout);
}

std::vector<char> build_image(const std::string& path, const RunResult& result,
                              const Scenario& scenario, const Provenance& provenance) {
  h5::MemoryFile file(path);
  write_root_attributes(file, provenance);
  Handle time = h5::create_group(file, "time");
  h5::write_fixed_text_dataset(time, "date", result.dates, kDateSize, kAscii);
  time.close();
  write_series(file, result);
  write_events(file, result, scenario);
  write_organisations(file, result, scenario, provenance.seed);
  netcdf::add_view(file, netcdf::run_view(result.replicates, result.dates, result.series));
  return file.image();
}

}  // namespace

void write_run_file(const std::string& path, const RunResult& result, const Scenario& scenario,
                    const Provenance& provenance, bool overwrite) {
  check_output_path(path, overwrite);
  std::vector<char> image;
  try {
    std::lock_guard lock(h5::library_mutex());
    image = build_image(path, result, scenario, provenance);
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: could not write the results: {}", path, e.what()));
  }
  write_file_atomically(path, image, overwrite);
}

}  // namespace mutsim
