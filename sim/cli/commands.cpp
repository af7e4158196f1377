#include "sim/cli/commands.hpp"

#include <fmt/format.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>

#include "sim/cli/calibration_commands.hpp"
#include "sim/cli/common.hpp"
#include "sim/cli/summary.hpp"
#include "sim/cli/sweep_commands.hpp"
#include "sim/config/loader.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/hdf5_reader.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/population.hpp"
#include "sim/model/state.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

struct RunArgs {
  std::string scenario;
  std::string output;
  std::vector<std::string> overrides;
  int64_t seed = -1;
  int64_t replicates = -1;
  int threads = 0;
  std::string max_memory;  // "" : the machine's available memory
  bool force = false;
  bool quiet = false;
};

/// --seed and --replicates are overrides too, so the file's effective YAML
/// records the values actually used.
std::vector<std::string> all_overrides(const RunArgs& args) {
  std::vector<std::string> overrides = args.overrides;
  if (args.seed >= 0) overrides.push_back(fmt::format("run.seed={}", args.seed));
  if (args.replicates >= 0) overrides.push_back(fmt::format("run.replicates={}", args.replicates));
  return overrides;
}

// Per-service tables (aggregates, status, sizes) in each replicate's state.
constexpr double kBytesPerService = 64;

std::string format_bytes(double bytes) {
  constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) bytes /= 1024, ++unit;
  return unit == 0 ? fmt::format("{:.0f} bytes", bytes)
                   : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

/// "512M", "2G", "1.5GiB", "1000000" (bytes); K, M, G, T are powers of 1024.
std::optional<double> parse_size(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || !(value >= 0) || value > 1e18) return std::nullopt;
  std::string suffix(rest, end);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B")))
    suffix.resize(suffix.ends_with("IB") ? suffix.size() - 2 : suffix.size() - 1);
  static const std::string kSuffixes = "KMGT";
  if (suffix.empty() || suffix == "B") return value;
  const auto power = kSuffixes.find(suffix);
  if (suffix.size() != 1 || power == std::string::npos) return std::nullopt;
  for (size_t i = 0; i <= power; ++i) value *= 1024;
  return value;
}

/// MemAvailable from /proc/meminfo, or nullopt where it cannot be read.
std::optional<double> available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return std::nullopt;
}

/// Refuses, before anything is allocated, a run whose memory estimate
/// exceeds --max-memory (default: the machine's available memory).
void check_memory(const RunArgs& args, const Scenario& s) {
  const double agents = expected_staff_agents(s);
  double smallest_median = std::numeric_limits<double>::infinity();
  for (const auto& type : s.population.org_types)
    smallest_median = std::min(smallest_median, type.value.service_median);
  const double services = agents / std::max(1.0, smallest_median);
  const int threads = args.threads > 0 ? args.threads : tbb::this_task_arena::max_concurrency();
  const double alive = std::min<double>(std::max(threads, 1), s.run.replicates);
  const double results = static_cast<double>(series_catalogue(s).size()) * s.run.replicates *
                         s.months() * sizeof(double);
  const double estimate =
      alive * (agents * StaffArrays::kBytesPerAgent + services * kBytesPerService) + results;

  std::optional<double> limit;
  std::string limit_source;
  if (!args.max_memory.empty()) {
    limit = parse_size(args.max_memory);
    if (!limit)
      throw ConfigError(
          fmt::format("--max-memory {}: expected a size such as 512M, 2G or a number of bytes",
                      args.max_memory));
    limit_source = "--max-memory";
  } else {
    limit = available_memory();
    limit_source = "available memory; raise with --max-memory";
  }
  if (limit && estimate > *limit)
    throw ConfigError(fmt::format(
        "{}: population too large: the run needs about {} ({:.0f} staff agents x {} bytes x {:.0f} "
        "replicates at once, plus services and results), more than the limit of {} ({}); "
        "lower population.scale, --threads or --replicates",
        args.scenario, format_bytes(estimate), agents, StaffArrays::kBytesPerAgent, alive,
        format_bytes(*limit), limit_source));
}

int run_command(const RunArgs& args) {
  const LoadedScenario loaded = load_scenario_file(args.scenario, all_overrides(args));
  const Scenario& s = loaded.scenario;
  check_memory(args, s);
  check_output_path(args.output, args.force);
  const auto seed = static_cast<uint64_t>(s.run.seed);
  const auto replicates = static_cast<uint32_t>(s.run.replicates);
  Console console(args.quiet);
  console.note(fmt::format("{} replicates of {} ({} to {}, scale {}), seed {}", replicates,
                           args.scenario, s.time.start.str(), s.time.end.str(), s.population.scale,
                           seed));
  RunOptions options;
  options.seed = seed;
  options.replicates = replicates;
  options.threads = args.threads > 0 ? args.threads : tbb::info::default_concurrency();
  options.stop = &stop_flag();
  ProgressMeter meter(console, "simulated", double(replicates) * s.months(), "replicate-months");
  if (console.shows_progress())
    options.on_month_done = [&meter](uint64_t done) { meter.update(double(done)); };
  install_signal_handlers();
  const RunResult result = run_simulation(s, options);
  meter.finish();
  if (stop_flag().load()) throw Interrupted(stop_flag().load());
  write_run_file(args.output, result, s, make_provenance(loaded, seed, replicates), args.force);
  console.note(fmt::format(
      "wrote {} ({} staff agents per replicate at most; set-up {:.2f} s, "
      "simulation {:.2f} s)",
      args.output, result.max_staff_agents(), result.setup_seconds, result.simulate_seconds));
  if (!args.quiet) {
    const RunFile run = read_run_file(args.output);
    std::cout << format_headline_text(run, compute_headline(run));
  }
  return kExitOk;
}

int validate_command(const std::string& scenario, const std::vector<std::string>& overrides,
                     bool print_effective) {
  const LoadedScenario loaded = load_scenario_file(scenario, overrides);
  if (print_effective)
    std::cout << loaded.effective_yaml;
  else
    std::cout << fmt::format("{}: valid ({} organisation types, {} routes, {} to {})\n", scenario,
                             loaded.scenario.population.org_types.size(),
                             loaded.scenario.routes.size(), loaded.scenario.time.start.str(),
                             loaded.scenario.time.end.str());
  return 0;
}

int summary_command(const std::string& file, bool json) {
  const RunFile run = read_run_file(file);
  const Headline headline = compute_headline(run);
  std::cout << (json ? format_headline_json(run, headline) : format_headline_text(run, headline));
  return 0;
}

/// `mutsim run` and its options, parsed into `run`.
CLI::App* add_run_command(CLI::App& app, RunArgs& run) {
  auto* run_cmd = app.add_subcommand("run", "run a scenario and write its time series to HDF5");
  run_cmd->add_option("scenario", run.scenario, "scenario YAML file")->required();
  run_cmd->add_option("-o,--output", run.output, "output HDF5 file")->required();
  run_cmd->add_option("--replicates", run.replicates, "replicates (overrides run.replicates)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  run_cmd->add_option("--seed", run.seed, "master seed (overrides run.seed)")
      ->check(CLI::Range(int64_t{0}, static_cast<int64_t>(kMaxSeed)));
  run_cmd->add_option("--threads", run.threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  run_cmd->add_option("--max-memory", run.max_memory,
                      "refuse runs estimated to need more memory, e.g. 512M or 2G "
                      "(default: the machine's available memory)");
  run_cmd->add_option("--set", run.overrides, "override a scenario value: KEY.PATH=VALUE")
      ->allow_extra_args(false);
  run_cmd->add_flag("--force", run.force, "replace an existing output file");
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing but errors");
  return run_cmd;
}

int run_main(int argc, char** argv) {
  CLI::App app{"mutsim: agent-based simulation of public service mutualisation"};
  app.set_version_flag("--version", fmt::format("mutsim {} ({})", mutsim_version(), git_commit()));
  app.require_subcommand(1);

  RunArgs run;
  CLI::App* run_cmd = add_run_command(app, run);

  std::string validate_file;
  std::vector<std::string> validate_overrides;
  bool print_effective = false;
  auto* validate_cmd = app.add_subcommand("validate", "check a scenario file and exit");
  validate_cmd->add_option("scenario", validate_file, "scenario YAML file")->required();
  validate_cmd->add_option("--set", validate_overrides, "override a value: KEY.PATH=VALUE")
      ->allow_extra_args(false);
  validate_cmd->add_flag("--print", print_effective,
                         "print every parameter after defaults and overrides");

  auto* params_cmd =
      app.add_subcommand("params", "print the parameter table (Markdown) used in docs/ODD.md");

  std::string summary_file;
  bool json = false;
  auto* summary_cmd = app.add_subcommand("summary", "print the headline figures of a run file");
  summary_cmd->add_option("file", summary_file, "mutsim HDF5 output")->required();
  summary_cmd->add_flag("--json", json, "print JSON instead of text");

  const SweepCommands sweep = add_sweep_commands(app);
  const CalibrationCommands calibration = add_calibration_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  return guarded([&] {
    if (*run_cmd) return run_command(run);
    if (*validate_cmd) return validate_command(validate_file, validate_overrides, print_effective);
    if (*params_cmd) return std::cout << parameter_table_markdown(), kExitOk;
    if (*summary_cmd) return summary_command(summary_file, json);
    if (*sweep.sweep || *sweep.merge || *sweep.ensemble) return sweep.run();
    if (*calibration.calibrate || *calibration.sensitivity) return calibration.run();
    return kExitFailure;
  });
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (...) {  // setting up the options failed (out of memory)
    return report_current_exception();
  }
}

}  // namespace mutsim::cli
