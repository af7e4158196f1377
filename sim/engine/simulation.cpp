#include "sim/engine/simulation.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <csignal>

#include "sim/model/attitudes.hpp"
#include "sim/model/climate.hpp"
#include "sim/model/commissioning.hpp"
#include "sim/model/engagement.hpp"
#include "sim/model/initial_mutuals.hpp"
#include "sim/model/mutuals.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/model/programmes.hpp"
#include "sim/util/errors.hpp"

namespace mutsim {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_stop(const std::atomic<int>* stop) {
  if (stop && stop->load() != 0) throw Interrupted(stop->load());
}

/// The schedule of one month, in order.
void step_month(ReplicateState& st, int32_t month) {
  update_programmes(st, month);  // divestments, climate, Pathfinder, large trusts
  update_engagement(st, month);  // staff of mutuals gain engagement; what others see
  update_attitudes(st, month);   // the hot loop over staff
  advance_pipelines(st, month);  // proposals move, new ones enter
  run_commissioning(st, month);  // expiring mutual contracts are re-procured
  settle_mutuals(st, month);     // background failures, evidence decays
}

void record_month(const ReplicateState& st, int32_t month, RunResult& result,
                  std::vector<double>& row) {
  measure_month(st, month, row);
  const size_t offset = st.replicate * result.months() + static_cast<size_t>(month);
  for (size_t k = 0; k < row.size(); ++k) result.values[k][offset] = row[k];
}

void record_sample(const PopulationStructure& sample, uint32_t replicate, RunResult& result) {
  const size_t orgs = sample.organisations.size();
  if (result.organisations_sampled.size() < (replicate + 1) * orgs) return;  // not sized: a test
  for (size_t o = 0; o < orgs; ++o)
    result.organisations_sampled[replicate * orgs + o] = sample.sampled(static_cast<uint32_t>(o));
  if (replicate < result.staff_agents.size()) result.staff_agents[replicate] = sample.staff();
}

}  // namespace

std::vector<double> weights_when_sampled(const Scenario& scenario,
                                         const PopulationStructure& frame) {
  const std::vector<uint32_t> kept = organisations_kept(scenario);
  std::vector<double> weights;
  for (const auto& org : frame.organisations) {
    const auto count = static_cast<double>(scenario.population.org_types[org.type].value.count);
    weights.push_back(count / kept[org.type]);
  }
  return weights;
}

uint64_t RunResult::max_staff_agents() const {
  uint64_t most = 0;
  for (uint64_t n : staff_agents) most = std::max(most, n);
  return most;
}

int RunResult::series_index(const std::string& name) const {
  for (size_t i = 0; i < series.size(); ++i)
    if (series[i].name == name) return static_cast<int>(i);
  return -1;
}

void simulate_replicate(const Scenario& scenario, const ScenarioIndex& index,
                        const PopulationStructure& population, uint64_t seed, uint32_t replicate,
                        RunResult& result, std::vector<Event>& events, const std::atomic<int>* stop,
                        const std::function<void()>& on_month_done) {
  // The set-up's phases check the stop flag too: at scale 1 the staff draw
  // alone takes seconds, and a signal should not wait for every replicate's.
  check_stop(stop);
  const PopulationStructure sample = sample_population(population, scenario, seed, replicate);
  record_sample(sample, replicate, result);
  ReplicateState st(scenario, index, sample, seed, replicate);
  place_initial_mutuals(st);
  draw_staff(st);
  check_stop(stop);
  update_climate(st, 0);
  initialise_attitudes(st);
  std::vector<double> row(result.series.size());
  for (int32_t month = 0; month < scenario.months(); ++month) {
    check_stop(stop);
    step_month(st, month);
    record_month(st, month, result, row);
    if (on_month_done) on_month_done();
  }
  events = std::move(st.events);
}

RunResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RunResult result;
  result.series = series_catalogue(scenario);
  for (int32_t m = 0; m < scenario.months(); ++m)
    result.dates.push_back((scenario.time.start + m).str());
  result.replicates = options.replicates;
  result.values.assign(result.series.size(),
                       std::vector<double>(options.replicates * result.months(), 0.0));
  const ScenarioIndex index(scenario);
  std::vector<std::vector<Event>> events(options.replicates);
  std::atomic<uint64_t> months_done{0};
  std::function<void()> on_month_done;
  if (options.on_month_done) on_month_done = [&] { options.on_month_done(++months_done); };

  auto simulate = [&] {
    result.population = build_population(scenario, options.seed);
    result.organisation_weight = weights_when_sampled(scenario, result.population);
    result.organisations_sampled.assign(
        size_t{options.replicates} * result.population.organisations.size(), 0);
    result.staff_agents.assign(options.replicates, 0);
    result.setup_seconds = seconds_since(start);
    tbb::parallel_for(uint32_t{0}, options.replicates, [&](uint32_t r) {
      // Isolation stops a thread waiting inside this replicate's inner loops
      // from starting another replicate, which would hold more states in
      // memory than there are threads.
      tbb::this_task_arena::isolate([&] {
        simulate_replicate(scenario, index, result.population, options.seed, r, result, events[r],
                           options.stop, on_month_done);
      });
    });
  };
  if (options.threads > 0) {
    // A top-level run owns the machine: cap TBB at the requested threads.
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, options.threads);
    tbb::task_arena arena(options.threads);
    arena.execute(simulate);
  } else {
    // Called from inside other parallel work (calibration, sweeps): share
    // the caller's arena.
    simulate();
  }
  for (auto& e : events) result.events.insert(result.events.end(), e.begin(), e.end());
  result.simulate_seconds = seconds_since(start) - result.setup_seconds;
  return result;
}

}  // namespace mutsim
