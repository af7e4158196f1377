#pragma once
// The month loop over replicates. Replicates run in parallel (TBB), each
// with its own state; inside a replicate the attitude step is parallel over
// service units. Output does not depend on the number of threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/population.hpp"
#include "sim/model/state.hpp"

namespace mutsim {

struct RunOptions {
  uint64_t seed = 0;
  uint32_t replicates = 1;
  int threads = 0;  // > 0: run in an arena of that many threads; 0: the caller's arena
  /// Set (e.g. by a signal handler) to ask the run to stop between months.
  const std::atomic<int>* stop = nullptr;
  /// Called after each month of each replicate, from worker threads, with
  /// the replicate-months done so far (of replicates x months); for a
  /// progress line.
  std::function<void(uint64_t months_done)> on_month_done;
};

struct RunResult {
  std::vector<SeriesInfo> series;
  std::vector<std::string> dates;  // YYYY-MM per month
  uint32_t replicates = 0;
  /// values[series][replicate * months + month]
  std::vector<std::vector<double>> values;
  std::vector<Event> events;  // by replicate, then month, then model order
  /// The frame: every organisation at its real size (population.hpp).
  PopulationStructure population;
  /// organisations_sampled[replicate * organisations + o]: 1 when
  /// organisation o is in that replicate's sample (all 1 at scale 1).
  std::vector<uint8_t> organisations_sampled;
  /// Per organisation, the weight it carries when sampled (N_t / n_t).
  std::vector<double> organisation_weight;
  /// Staff agents each replicate simulated.
  std::vector<uint64_t> staff_agents;
  double setup_seconds = 0;
  double simulate_seconds = 0;

  size_t months() const { return dates.size(); }
  double at(size_t k, uint32_t replicate, size_t month) const {
    return values[k][replicate * months() + month];
  }
  /// The most staff agents any replicate simulated.
  uint64_t max_staff_agents() const;
  /// Index of a series by name, or -1.
  int series_index(const std::string& name) const;
};

/// The weight each organisation of the frame carries when it is sampled
/// (N_t / n_t for its type t): RunResult::organisation_weight.
std::vector<double> weights_when_sampled(const Scenario& scenario,
                                         const PopulationStructure& frame);

/// Runs every replicate of the scenario. Throws Interrupted if *stop is set.
RunResult run_simulation(const Scenario& scenario, const RunOptions& options);

/// One replicate, month by month, on its sample of the frame `population`
/// (sample_population), writing its rows of `result.values`, its row of
/// `result.organisations_sampled` and its `result.staff_agents` (each sized
/// for every replicate by the caller). Exposed for tests and benchmarks.
void simulate_replicate(const Scenario& scenario, const ScenarioIndex& index,
                        const PopulationStructure& population, uint64_t seed, uint32_t replicate,
                        RunResult& result, std::vector<Event>& events, const std::atomic<int>* stop,
                        const std::function<void()>& on_month_done = {});

}  // namespace mutsim
