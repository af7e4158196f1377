// mutsim_bench: micro-benchmarks of the hot loop and the month phases at
// national scale (scenarios/baseline.yaml, scale 1, one replicate), beside
// their speed-of-light references and a naive baseline, all in one run so
// ratios are not skewed by other load on the machine. docs/PERFORMANCE.md
// explains each figure; `make bench` runs this and scripts/bench-national.sh.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <tbb/global_control.h>

#include <unistd.h>
#include <algorithm>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/io/provenance.hpp"
#include "sim/model/attitudes.hpp"
#include "sim/model/climate.hpp"
#include "sim/model/commissioning.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/mutuals.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/model/programmes.hpp"
#include "sim/random/beta.hpp"
#include "sim/random/normal.hpp"
#include "sim/random/random.hpp"
#include "tests/reference/staff_step.hpp"

using namespace mutsim;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Bytes of staff state the attitude step reads and writes per agent: all five
// arrays read, attitude written back.
constexpr double kStepReadBytes = StaffArrays::kBytesPerAgent;
constexpr double kStepWriteBytes = sizeof(float);

/// The small tables the pipeline, commissioning and mutual phases change,
/// so a benchmark can restore them between iterations.
struct Tables {
  std::vector<ServiceStatus> service_status;
  std::vector<int32_t> service_owner, cooldown_until;
  std::vector<uint32_t> org_type;
  std::vector<uint8_t> org_whole_busy, org_pathfinder;
  std::vector<Proposal> proposals;
  std::vector<Mutual> mutuals;
  RetentionEvidence evidence;
  Tallies tallies;
  std::vector<Event> events;

  explicit Tables(const ReplicateState& st)
      : service_status(st.service_status),
        service_owner(st.service_owner),
        cooldown_until(st.cooldown_until),
        org_type(st.org_type),
        org_whole_busy(st.org_whole_busy),
        org_pathfinder(st.org_pathfinder),
        proposals(st.proposals),
        mutuals(st.mutuals),
        evidence(st.evidence),
        tallies(st.tallies),
        events(st.events) {}
  void restore(ReplicateState& st) const {
    st.service_status = service_status;
    st.service_owner = service_owner;
    st.cooldown_until = cooldown_until;
    st.org_type = org_type;
    st.org_whole_busy = org_whole_busy;
    st.org_pathfinder = org_pathfinder;
    st.proposals = proposals;
    st.mutuals = mutuals;
    st.evidence = evidence;
    st.tallies = tallies;
    st.events = events;
  }
};

/// One national replicate run to its last month through the schedule of
/// simulation.cpp's step_month (mirrored here so each phase can be timed),
/// recorded into a RunResult for the HDF5 benchmark.
struct National {
  LoadedScenario loaded;
  ScenarioIndex index;
  PopulationStructure population;
  std::unique_ptr<ReplicateState> state;
  RunResult result;
  std::vector<ServiceStepTerms> service_terms;  // month-end terms, for the kernels
  std::map<std::string, double> phase_seconds;  // one pass, for orientation
  int32_t last_month = 0;
  static constexpr uint64_t kSeed = 20100101;

  National()
      : loaded(load_scenario_file(std::string(MUTSIM_SOURCE_DIR) + "/scenarios/baseline.yaml",
                                  {"population.scale=1.0", "run.replicates=1"})),
        index(loaded.scenario) {
    const Scenario& s = loaded.scenario;
    auto t = Clock::now();
    population = build_population(s, kSeed);
    phase_seconds["0 population structure"] = seconds_since(t);
    state = std::make_unique<ReplicateState>(s, index, population, kSeed, 0);
    ReplicateState& st = *state;
    t = Clock::now();
    draw_staff(st);
    phase_seconds["1 draw staff traits"] = seconds_since(t);
    t = Clock::now();
    update_climate(st, 0);
    initialise_attitudes(st);
    phase_seconds["2 initialise attitudes"] = seconds_since(t);

    result.series = series_catalogue(s);
    for (int32_t m = 0; m < s.months(); ++m) result.dates.push_back((s.time.start + m).str());
    result.replicates = 1;
    result.values.assign(result.series.size(), std::vector<double>(result.months(), 0.0));
    std::vector<double> row(result.series.size());
    auto timed = [&](const char* name, auto&& phase) {
      const auto start = Clock::now();
      phase();
      phase_seconds[name] += seconds_since(start);
    };
    for (int32_t m = 0; m < s.months(); ++m) {
      timed("3 update_programmes", [&] { update_programmes(st, m); });
      timed("4 update_attitudes", [&] { update_attitudes(st, m); });
      timed("5 advance_pipelines", [&] { advance_pipelines(st, m); });
      timed("6 run_commissioning", [&] { run_commissioning(st, m); });
      timed("7 settle_mutuals", [&] { settle_mutuals(st, m); });
      timed("8 measure_month", [&] {
        measure_month(st, m, row);
        for (size_t k = 0; k < row.size(); ++k) result.values[k][static_cast<size_t>(m)] = row[k];
      });
    }
    last_month = s.months() - 1;
    result.events = st.events;
    result.population = population;
    // The /organisations table's columns, as run_simulation fills them (one
    // replicate at scale 1: every organisation sampled).
    result.organisation_weight = weights_when_sampled(s, population);
    result.organisations_sampled.assign(population.organisations.size(), 1);
    result.staff_agents = {population.staff()};

    // Kernel inputs: each unit's month-end aggregates stand in for the
    // per-month terms (the kernels' speed does not depend on their values).
    const AttitudeParams& a = s.attitude;
    service_terms.resize(population.services());
    for (uint32_t u = 0; u < population.services(); ++u)
      service_terms[u] = {static_cast<float>(a.baseline + st.service_culture[u]),
                          static_cast<float>(a.contract_insecurity_weight * 0.5),
                          static_cast<float>(a.information_weight * 0.5),
                          static_cast<float>(st.service_mean_attitude(u))};
  }
  uint64_t staff() const { return population.staff(); }
};

National& national() {
  static National n;
  return n;
}

// ---------------------------------------------------------------- kernels

/// The attitude kernel as it was before issue 6 (tests/reference), kept to
/// quote the speed-up.
constexpr auto step_service_staff_v0 = reference::scalar_staff_step;

template <class Kernel>
double step_all(Kernel kernel, StaffArrays& staff, int32_t month) {
  const National& n = national();
  const AttitudeStepTerms terms = attitude_step_terms(n.loaded.scenario);
  const auto& begin = n.population.service_staff_begin;
  double total = 0;
  for (uint32_t s = 0; s < n.population.services(); ++s)
    total +=
        kernel(terms, n.service_terms[s], staff, begin[s], begin[s + 1], National::kSeed, 0, month)
            .attitude_sum;
  return total;
}

void set_staff_counters(benchmark::State& bs, double agents_per_iteration) {
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * agents_per_iteration));
  bs.SetBytesProcessed(static_cast<int64_t>(bs.iterations() * agents_per_iteration *
                                            (kStepReadBytes + kStepWriteBytes)));
  bs.counters["state_B_per_agent"] = StaffArrays::kBytesPerAgent;
  bs.counters["agents"] = agents_per_iteration;
}

// 1. The staff attitude step, one thread, every national agent per iteration.
void BM_StaffStep(benchmark::State& bs) {
  StaffArrays staff = national().state->staff;
  int32_t month = 0;
  for (auto _ : bs) {
    benchmark::DoNotOptimize(step_all(step_service_staff, staff, month));
    month = (month + 1) % 72;
  }
  set_staff_counters(bs, static_cast<double>(national().staff()));
}

void BM_StaffStep_v0_ScalarStreams(benchmark::State& bs) {
  StaffArrays staff = national().state->staff;
  int32_t month = 0;
  for (auto _ : bs) {
    benchmark::DoNotOptimize(step_all(step_service_staff_v0, staff, month));
    month = (month + 1) % 72;
  }
  set_staff_counters(bs, static_cast<double>(national().staff()));
}

// The whole phase (service terms, kernel, reductions), in parallel over
// services as the model runs it, on 1 and 2 threads.
void BM_UpdateAttitudes(benchmark::State& bs) {
  const auto threads = static_cast<size_t>(bs.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  ReplicateState& st = *national().state;
  int32_t month = 0;
  for (auto _ : bs) {
    update_attitudes(st, month);
    month = (month + 1) % 72;
  }
  set_staff_counters(bs, static_cast<double>(national().staff()));
  bs.counters["threads"] = static_cast<double>(threads);
}

// 2a. Speed of light: the same arrays read and written, the same random
// values drawn per agent (one 32-bit value from the agent's stream, block 0
// computed in batches as the kernel does), no model logic.
void BM_LoopA_Minimal(benchmark::State& bs) {
  const National& n = national();
  StaffArrays staff = n.state->staff;
  const auto& begin = n.population.service_staff_begin;
  FirstBlocks blocks;
  uint16_t month = 0;
  for (auto _ : bs) {
    for (uint32_t s = 0; s < n.population.services(); ++s)
      for (uint64_t c = begin[s]; c < begin[s + 1]; c += FirstBlocks::kMax) {
        const size_t count = std::min<uint64_t>(FirstBlocks::kMax, begin[s + 1] - c);
        philox_first_blocks(National::kSeed, 0, month, Purpose::AttitudeNoise,
                            static_cast<uint32_t>(c), count, blocks);
        for (size_t j = 0; j < count; ++j) {
          const uint64_t i = c + j;
          const float x = staff.attitude[i] + staff.engagement[i] + staff.risk_aversion[i] +
                          staff.entrepreneurial[i] + staff.pension_concern[i];
          staff.attitude[i] = 0.2f * x + static_cast<float>(blocks.word[0][j]) * 0x1p-33f;
        }
      }
    benchmark::ClobberMemory();
    month = static_cast<uint16_t>((month + 1) % 72);
  }
  set_staff_counters(bs, static_cast<double>(n.staff()));
}

// The same minimal loop with one scalar Stream per agent: the floor the v0
// kernel had.
void BM_LoopA_ScalarStreams(benchmark::State& bs) {
  const National& n = national();
  StaffArrays staff = n.state->staff;
  const uint64_t agents = n.staff();
  uint16_t month = 0;
  for (auto _ : bs) {
    for (uint64_t i = 0; i < agents; ++i) {
      Stream stream(National::kSeed, 0, month, static_cast<uint32_t>(i), Purpose::AttitudeNoise);
      const float x = staff.attitude[i] + staff.engagement[i] + staff.risk_aversion[i] +
                      staff.entrepreneurial[i] + staff.pension_concern[i];
      staff.attitude[i] = 0.2f * x + static_cast<float>(stream()) * 0x1p-33f;
    }
    benchmark::ClobberMemory();
    month = static_cast<uint16_t>((month + 1) % 72);
  }
  set_staff_counters(bs, static_cast<double>(agents));
}

// 2b. STREAM triad, a = b + q c, over float arrays of one staff array's
// length (3 x 25 MB at national scale, beyond the 32 MB L3 together).
void BM_TriadB(benchmark::State& bs) {
  const auto n = static_cast<size_t>(national().staff());
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
  const float q = 3.0f;
  for (auto _ : bs) {
    float* __restrict pa = a.data();
    const float* __restrict pb = b.data();
    const float* __restrict pc = c.data();
    for (size_t i = 0; i < n; ++i) pa[i] = pb[i] + q * pc[i];
    benchmark::ClobberMemory();
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * n));
  bs.SetBytesProcessed(static_cast<int64_t>(bs.iterations() * n * 3 * sizeof(float)));
}

// 3. The naive baseline: the same step as a modeller might first write it.
struct NaiveContext {
  const AttitudeStepTerms* terms;
  const std::vector<ServiceStepTerms>* services;
};

class NaiveAgent {
 public:
  virtual ~NaiveAgent() = default;
  virtual void step(const NaiveContext& context) = 0;
};

class NaiveStaff final : public NaiveAgent {
 public:
  NaiveStaff(uint32_t service, uint32_t seed, float a, float e, float r, float en, float p)
      : service_(service),
        attitude(a),
        engagement_(e),
        risk_aversion_(r),
        entrepreneurial(en),
        pension_concern_(p),
        rng_(seed) {}
  void step(const NaiveContext& c) override {
    const AttitudeStepTerms& t = *c.terms;
    const ServiceStepTerms& s = (*c.services)[service_];
    std::normal_distribution<float> noise(0.0f, t.noise_sd);
    const float target = s.base + t.entrepreneurial_weight * entrepreneurial -
                         t.pension_weight * pension_concern_ - risk_aversion_ * s.insecurity +
                         engagement_ * s.information_gain;
    const float next = attitude + t.adjustment_rate * (target - attitude) +
                       t.peer_weight * engagement_ * (s.peer_mean - attitude) + noise(rng_);
    attitude = std::clamp(next, -1.0f, 1.0f);
  }
  uint32_t service() const { return service_; }

 private:
  uint32_t service_;

 public:
  float attitude;

 private:
  float engagement_, risk_aversion_;

 public:
  float entrepreneurial;

 private:
  float pension_concern_;
  std::mt19937 rng_;
};

// 65,536 agents: a std::mt19937 each is 5 KB, so the national population
// would need 31 GB; at this size the agents (330 MB) are still far beyond
// cache, as they would be at national scale.
constexpr uint64_t kNaiveAgents = 1 << 16;

void BM_Naive_VirtualMt19937(benchmark::State& bs) {
  const National& n = national();
  const StaffArrays& staff = n.state->staff;
  const auto& begin = n.population.service_staff_begin;
  std::vector<std::unique_ptr<NaiveAgent>> agents;
  uint32_t services = 0;
  while (begin[services + 1] <= kNaiveAgents) ++services;
  for (uint32_t s = 0; s < services; ++s)
    for (uint64_t i = begin[s]; i < begin[s + 1]; ++i)
      agents.push_back(std::make_unique<NaiveStaff>(
          s, static_cast<uint32_t>(National::kSeed + i), staff.attitude[i], staff.engagement[i],
          staff.risk_aversion[i], staff.entrepreneurial[i], staff.pension_concern[i]));
  const AttitudeStepTerms terms = attitude_step_terms(n.loaded.scenario);
  const NaiveContext context{&terms, &n.service_terms};
  std::vector<ServiceSums> sums(services);
  for (auto _ : bs) {
    for (auto& agent : agents) agent->step(context);
    std::fill(sums.begin(), sums.end(), ServiceSums{});
    for (auto& agent : agents) {
      const auto& a = static_cast<const NaiveStaff&>(*agent);
      ServiceSums& s = sums[a.service()];
      s.attitude_sum += a.attitude;
      s.supporters += a.attitude > terms.support_threshold;
      s.champions += (a.attitude >= terms.champion_attitude) &&
                     (a.entrepreneurial >= terms.champion_entrepreneurial);
    }
    benchmark::DoNotOptimize(sums.data());
  }
  const auto count = static_cast<double>(agents.size());
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * count));
  bs.counters["state_B_per_agent"] = sizeof(NaiveStaff) + sizeof(void*) + 16;  // + pointer, malloc
  bs.counters["agents"] = count;
}

// Random streams: what one agent's noise costs.
constexpr uint32_t kStreamEntities = 1 << 20;

void BM_Stream_ScalarFirstDraw(benchmark::State& bs) {
  uint16_t month = 0;
  for (auto _ : bs) {
    uint32_t x = 0;
    for (uint32_t e = 0; e < kStreamEntities; ++e)
      x ^= Stream(National::kSeed, 0, month, e, Purpose::AttitudeNoise)();
    benchmark::DoNotOptimize(x);
    ++month;
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kStreamEntities));
}

void BM_Stream_BatchedFirstBlocks(benchmark::State& bs) {
  FirstBlocks blocks;
  uint16_t month = 0;
  for (auto _ : bs) {
    uint32_t x = 0;
    for (uint32_t e = 0; e < kStreamEntities; e += FirstBlocks::kMax) {
      philox_first_blocks(National::kSeed, 0, month, Purpose::AttitudeNoise, e, FirstBlocks::kMax,
                          blocks);
      x ^= blocks.word[0][e % 251];
    }
    benchmark::DoNotOptimize(x);
    ++month;
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kStreamEntities));
}

void BM_Stream_ScalarNormal(benchmark::State& bs) {
  boost::random::normal_distribution<float> normal(0.0f, 1.0f);
  uint16_t month = 0;
  for (auto _ : bs) {
    float x = 0;
    for (uint32_t e = 0; e < kStreamEntities; ++e) {
      Stream stream(National::kSeed, 0, month, e, Purpose::AttitudeNoise);
      x += normal(stream);
    }
    benchmark::DoNotOptimize(x);
    ++month;
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kStreamEntities));
}

void BM_Stream_BatchedNormal(benchmark::State& bs) {
  boost::random::normal_distribution<float> normal(0.0f, 1.0f);
  FirstBlocks blocks;
  uint16_t month = 0;
  for (auto _ : bs) {
    float x = 0;
    for (uint32_t c = 0; c < kStreamEntities; c += FirstBlocks::kMax) {
      philox_first_blocks(National::kSeed, 0, month, Purpose::AttitudeNoise, c, FirstBlocks::kMax,
                          blocks);
      for (uint32_t j = 0; j < FirstBlocks::kMax; ++j) {
        Stream stream(National::kSeed, 0, month, c + j, Purpose::AttitudeNoise, blocks, j);
        x += normal(stream);
      }
    }
    benchmark::DoNotOptimize(x);
    ++month;
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kStreamEntities));
}

void BM_Stream_LongSequence(benchmark::State& bs) {
  Stream stream(National::kSeed, 0, 0, 0, Purpose::AttitudeNoise);
  for (auto _ : bs) {
    uint32_t x = 0;
    for (uint32_t k = 0; k < kStreamEntities; ++k) x ^= stream();
    benchmark::DoNotOptimize(x);
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kStreamEntities));
}

// The service pipeline step at the last month of the national run (every
// open proposal advanced, every public unit considered for entry).
void BM_PipelineStep(benchmark::State& bs) {
  National& n = national();
  ReplicateState& st = *n.state;
  const Tables saved(st);
  for (auto _ : bs) {
    bs.PauseTiming();
    saved.restore(st);
    bs.ResumeTiming();
    advance_pipelines(st, n.last_month);
  }
  saved.restore(st);
  const auto services = static_cast<double>(n.population.services());
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * services));
  // status 1 + cooldown 4 + org 4 + champions 4 + supporters 4 + staff offsets 8.
  bs.counters["state_B_per_item"] = 25;
  bs.counters["services"] = services;
  bs.counters["proposals"] = static_cast<double>(st.proposals.size());
}

// Commissioning in a month where every active mutual's contract expires.
void BM_Commissioning(benchmark::State& bs) {
  National& n = national();
  ReplicateState& st = *n.state;
  const Tables saved(st);
  int32_t month = n.last_month;
  for (const auto& m : st.mutuals) month = std::max(month, m.contract_end);
  double retendered = 0;
  for (const auto& m : st.mutuals) retendered += m.active;
  for (auto _ : bs) {
    bs.PauseTiming();
    saved.restore(st);
    bs.ResumeTiming();
    run_commissioning(st, month);
  }
  saved.restore(st);
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * retendered));
  bs.counters["state_B_per_item"] = sizeof(Mutual);
  bs.counters["mutuals"] = retendered;
}

// The recorder: one month's row of every series.
void BM_RecordMonth(benchmark::State& bs) {
  const National& n = national();
  std::vector<double> row(n.result.series.size());
  for (auto _ : bs) {
    measure_month(*n.state, n.last_month, row);
    benchmark::DoNotOptimize(row.data());
  }
  const auto services = static_cast<double>(n.population.services());
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * services));
  bs.counters["state_B_per_item"] = sizeof(double) + sizeof(uint32_t);  // unit sums read
  bs.counters["series"] = static_cast<double>(row.size());
}

// The HDF5 file of the national one-replicate run (series, events, provenance).
void BM_HDF5Write(benchmark::State& bs) {
  const National& n = national();
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("mutsim_bench_{}.h5", static_cast<long>(getpid()));
  const Provenance provenance = make_provenance(n.loaded, National::kSeed, 1);
  for (auto _ : bs) write_run_file(path.string(), n.result, n.loaded.scenario, provenance, true);
  const auto bytes = static_cast<double>(std::filesystem::file_size(path));
  std::filesystem::remove(path);
  const double values = static_cast<double>(n.result.series.size() * n.result.months());
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * values));
  bs.SetBytesProcessed(static_cast<int64_t>(bs.iterations() * bytes));
  bs.counters["file_bytes"] = bytes;
  bs.counters["events"] = static_cast<double>(n.result.events.size());
}

// Set-up: every agent's traits (four Beta draws) and initial attitude, on
// the given number of TBB threads, wall time.
void BM_DrawStaffAndInitialise(benchmark::State& bs) {
  const auto threads = static_cast<size_t>(bs.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const National& n = national();
  for (auto _ : bs) {
    ReplicateState st(n.loaded.scenario, n.index, n.population, National::kSeed, 1);
    draw_staff(st);
    update_climate(st, 0);
    initialise_attitudes(st);
    benchmark::DoNotOptimize(st.staff.attitude.data());
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * n.staff()));
  bs.counters["state_B_per_agent"] = StaffArrays::kBytesPerAgent;
}

// The four Beta traits of 2^20 agents on one thread: Boost per agent (as
// draw_staff did before issue 14) and BetaBatch (the same values).
constexpr uint32_t kTraitAgents = 1 << 20;

const std::vector<BetaBatch::Shape>& trait_shapes() {
  static const std::vector<BetaBatch::Shape> shapes = [] {
    const StaffTraits& t = national().loaded.scenario.staff;
    return std::vector<BetaBatch::Shape>{{t.engagement.alpha, t.engagement.beta},
                                         {t.risk_aversion.alpha, t.risk_aversion.beta},
                                         {t.entrepreneurial.alpha, t.entrepreneurial.beta},
                                         {t.pension_concern.alpha, t.pension_concern.beta}};
  }();
  return shapes;
}

void BM_Traits_BoostBeta(benchmark::State& bs) {
  const auto& shapes = trait_shapes();
  std::vector<float> out(kTraitAgents);
  for (auto _ : bs) {
    for (uint32_t e = 0; e < kTraitAgents; ++e) {
      Stream stream(National::kSeed, 0, kSetupMonth, e, Purpose::StaffTraits);
      float sum = 0;
      for (const auto& sh : shapes)
        sum +=
            static_cast<float>(boost::random::beta_distribution<double>(sh.alpha, sh.beta)(stream));
      out[e] = sum;
    }
    benchmark::DoNotOptimize(out.data());
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kTraitAgents));
}

void BM_Traits_BetaBatch(benchmark::State& bs) {
  const BetaBatch batch(trait_shapes());
  std::vector<float> traits(4 * size_t{kTraitAgents});
  float* out[] = {traits.data(), traits.data() + kTraitAgents, traits.data() + 2 * kTraitAgents,
                  traits.data() + 3 * kTraitAgents};
  const StreamKey key{National::kSeed, 0, kSetupMonth, Purpose::StaffTraits};
  for (auto _ : bs) {
    for (uint32_t e = 0; e < kTraitAgents; e += 4096) {
      float* at[] = {out[0] + e, out[1] + e, out[2] + e, out[3] + e};
      batch.draw(key, e, 4096, at);
    }
    benchmark::DoNotOptimize(traits.data());
  }
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kTraitAgents));
}

constexpr int kRepetitions = 5;

void register_all() {
  auto add = [](const char* name, void (*fn)(benchmark::State&)) {
    return benchmark::RegisterBenchmark(name, fn)
        ->Unit(benchmark::kMillisecond)
        ->Repetitions(kRepetitions)
        ->ReportAggregatesOnly(true);
  };
  add("StaffStep", BM_StaffStep);
  add("StaffStep_v0_ScalarStreams", BM_StaffStep_v0_ScalarStreams);
  add("LoopA_Minimal", BM_LoopA_Minimal);
  add("LoopA_ScalarStreams", BM_LoopA_ScalarStreams);
  add("TriadB", BM_TriadB);
  add("Naive_VirtualMt19937", BM_Naive_VirtualMt19937);
  add("UpdateAttitudes", BM_UpdateAttitudes)->Arg(1)->Arg(2)->UseRealTime();
  add("Stream_ScalarFirstDraw", BM_Stream_ScalarFirstDraw);
  add("Stream_BatchedFirstBlocks", BM_Stream_BatchedFirstBlocks);
  add("Stream_ScalarNormal", BM_Stream_ScalarNormal);
  add("Stream_BatchedNormal", BM_Stream_BatchedNormal);
  add("Stream_LongSequence", BM_Stream_LongSequence);
  add("PipelineStep", BM_PipelineStep)->Unit(benchmark::kMicrosecond);
  add("Commissioning", BM_Commissioning)->Unit(benchmark::kMicrosecond);
  add("RecordMonth", BM_RecordMonth)->Unit(benchmark::kMicrosecond);
  add("HDF5Write", BM_HDF5Write);
  add("Traits_BoostBeta", BM_Traits_BoostBeta)->Repetitions(3);
  add("Traits_BetaBatch", BM_Traits_BetaBatch)->Repetitions(3);
  add("DrawStaffAndInitialise", BM_DrawStaffAndInitialise)
      ->Arg(2)
      ->Iterations(1)
      ->Repetitions(3)
      ->UseRealTime();
}

/// Keeps the medians so the ratios can be printed from the same run.
class Reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, benchmark::BenchmarkReporter::Run> medians;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")
        medians[r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args)] =
            r;
    ConsoleReporter::ReportRuns(runs);
  }
  double rate(const std::string& name, const char* counter = "items_per_second") const {
    const auto it = medians.find(name);
    if (it == medians.end()) return 0;
    const auto c = it->second.counters.find(counter);
    return c == it->second.counters.end() ? 0 : c->second.value;
  }
};

/// philox_first_blocks (vector and scalar) equals each entity's Stream,
/// for counts that are not multiples of the vector width.
bool first_blocks_agree() {
  FirstBlocks vec, scalar;
  for (uint32_t first : {0u, 77u, 4000000000u})
    for (size_t count : {size_t{1}, size_t{13}, size_t{200}, FirstBlocks::kMax}) {
      philox_first_blocks(National::kSeed, 3, 41, Purpose::AttitudeNoise, first, count, vec);
      philox_first_blocks_scalar(National::kSeed, 3, 41, Purpose::AttitudeNoise, first, count,
                                 scalar);
      for (size_t j = 0; j < count; ++j) {
        Stream stream(National::kSeed, 3, 41, first + static_cast<uint32_t>(j),
                      Purpose::AttitudeNoise);
        for (int w = 0; w < 4; ++w) {
          const uint32_t x = stream();
          if (vec.word[w][j] != x || scalar.word[w][j] != x) return false;
        }
      }
    }
  return true;
}

/// The v0 and current kernels give bit-identical attitudes and sums.
bool kernels_agree() {
  if (!first_blocks_agree()) return false;
  const National& n = national();
  StaffArrays a = n.state->staff, b = n.state->staff;
  const double sa = step_all(step_service_staff, a, 17);
  const double sb = step_all(step_service_staff_v0, b, 17);
  return sa == sb &&
         std::memcmp(a.attitude.data(), b.attitude.data(), a.attitude.size() * sizeof(float)) == 0;
}

/// The numpy peer (../shared/peers/numpy_staff_step.py, or $MUTSIM_NUMPY_PEER)
/// at the national agent count, run `runs` times by /usr/bin/python3: the
/// median of its staff-steps per second, or 0 when it cannot be run.
double numpy_peer_rate(uint64_t agents, int runs) {
  const char* env = std::getenv("MUTSIM_NUMPY_PEER");
  const std::string script =
      env != nullptr ? env
                     : std::string(MUTSIM_SOURCE_DIR) + "/../shared/peers/numpy_staff_step.py";
  if (!std::filesystem::exists(script)) {
    std::printf("numpy peer: %s not found; ratio not measured\n", script.c_str());
    return 0;
  }
  const std::string command = fmt::format("/usr/bin/python3 {} --agents {}", script, agents);
  std::printf("numpy peer: %s (%d runs)\n", command.c_str(), runs);
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return 0;
    char line[512] = {};
    double rate = 0;
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      const char* key = std::strstr(line, "staff_steps_per_s=");
      if (key != nullptr) rate = std::atof(key + std::strlen("staff_steps_per_s="));
      std::printf("  %s", line);
    }
    if (pclose(pipe) != 0 || rate <= 0) return 0;
    rates.push_back(rate);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

/// Figures for scripts/bench-national.sh (the set-up share needs the
/// national run's wall time), as "name value" lines in $MUTSIM_BENCH_SUMMARY.
void write_summary(const std::map<std::string, double>& figures) {
  const char* path = std::getenv("MUTSIM_BENCH_SUMMARY");
  if (path == nullptr) return;
  std::FILE* f = std::fopen(path, "w");
  if (f == nullptr) return;
  for (const auto& [name, value] : figures) std::fprintf(f, "%s %.9g\n", name.c_str(), value);
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("mutsim_bench %s (%s): building the national replicate (baseline, scale 1)...\n",
              mutsim_version().c_str(), git_commit().c_str());
  const National& n = national();
  std::printf("%llu staff agents, %zu services, %zu months, %zu events\n",
              static_cast<unsigned long long>(n.staff()), n.population.services(),
              n.result.months(), n.result.events.size());
  std::printf("one pass, all threads (orientation only; medians below):\n");
  for (const auto& [phase, seconds] : n.phase_seconds)
    std::printf("  %-26s %8.3f s\n", phase.c_str(), seconds);
  const bool same = kernels_agree();
  std::printf("first blocks = Stream, v0 and current kernel bit-identical: %s\n",
              same ? "yes" : "NO");
  register_all();
  Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  const double step = reporter.rate("StaffStep");
  const double v0 = reporter.rate("StaffStep_v0_ScalarStreams");
  const double loop_a = reporter.rate("LoopA_Minimal");
  const double loop_a_scalar = reporter.rate("LoopA_ScalarStreams");
  const double triad_bw = reporter.rate("TriadB", "bytes_per_second");
  const double step_bw = reporter.rate("StaffStep", "bytes_per_second");
  const double naive = reporter.rate("Naive_VirtualMt19937");
  const double one = reporter.rate("UpdateAttitudes/1");
  const double two = reporter.rate("UpdateAttitudes/2");
  std::printf("\nRatios of medians from this run:\n");
  auto line = [](const char* what, double value, const char* target) {
    std::printf("  %-52s %8.3f  %s\n", what, value, target);
  };
  std::printf("  %-52s %8.1f M/s\n", "staff step, agents per second (1 thread)", step / 1e6);
  line("full step / loop (a)", loop_a > 0 ? step / loop_a : 0, "(target >= 0.8)");
  line("step bandwidth / triad (b) bandwidth", triad_bw > 0 ? step_bw / triad_bw : 0, "");
  std::printf("  %-52s %8.2f GB/s vs %.2f GB/s\n", "  (step 24 B/agent; triad 12 B/element)",
              step_bw / 1e9, triad_bw / 1e9);
  line("speed-up over the naive baseline", naive > 0 ? step / naive : 0, "");
  line("speed-up over the v0 kernel (scalar streams)", v0 > 0 ? step / v0 : 0, "");
  line("v0 kernel / its loop (a) with scalar streams", loop_a_scalar > 0 ? v0 / loop_a_scalar : 0,
       "");
  line("update_attitudes 2 threads / 1 thread", one > 0 ? two / one : 0, "(target >= 1.8)");
  line("staff traits: BetaBatch / Boost per agent (1 thread)",
       reporter.rate("Traits_BoostBeta") > 0
           ? reporter.rate("Traits_BetaBatch") / reporter.rate("Traits_BoostBeta")
           : 0,
       "");
  line("batched / scalar first Philox block",
       reporter.rate("Stream_ScalarFirstDraw") > 0
           ? reporter.rate("Stream_BatchedFirstBlocks") / reporter.rate("Stream_ScalarFirstDraw")
           : 0,
       "");
  std::printf("  %-52s %8.0f B (target <= 32)\n", "staff state per agent",
              static_cast<double>(StaffArrays::kBytesPerAgent));
  std::printf("  %-52s %8s\n", "ziggurat fast path",
              normal_from_blocks_vectorised() ? "AVX2" : "scalar");
  const auto setup_it = reporter.medians.find("DrawStaffAndInitialise/2");
  const double setup_s = setup_it == reporter.medians.end()
                             ? 0
                             : setup_it->second.GetAdjustedRealTime() /
                                   benchmark::GetTimeUnitMultiplier(setup_it->second.time_unit);
  std::printf("  %-52s %8.3f s\n", "set-up (traits + initial attitudes), 2 threads", setup_s);

  const double numpy = numpy_peer_rate(n.staff(), 3);
  std::printf("\n  %-52s %8.1f M/s\n", "numpy peer, staff-steps per second (median of 3)",
              numpy / 1e6);
  // The peer times itself by the wall clock, so the ratio uses StaffStep's
  // wall time too (the same figure as its CPU rate on an idle machine).
  const auto step_it = reporter.medians.find("StaffStep");
  const double step_wall = step_it == reporter.medians.end()
                               ? 0
                               : static_cast<double>(n.staff()) /
                                     (step_it->second.GetAdjustedRealTime() /
                                      benchmark::GetTimeUnitMultiplier(step_it->second.time_unit));
  std::printf("  %-52s %8.1f M/s\n", "staff step by the wall clock (1 thread)", step_wall / 1e6);
  line("StaffStep / numpy peer (both wall clock)", numpy > 0 ? step_wall / numpy : 0,
       "(target >= 5)");
  write_summary({{"staff_step_per_s", step},
                 {"staff_step_wall_per_s", step_wall},
                 {"loop_a_per_s", loop_a},
                 {"numpy_per_s", numpy},
                 {"setup_seconds_2_threads", setup_s}});
  return same ? 0 : 1;
}
