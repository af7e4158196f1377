#include "sim/model/attitudes.hpp"

#include <tbb/parallel_for.h>
#include <boost/random/normal_distribution.hpp>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

#include "sim/model/engagement.hpp"
#include "sim/random/beta.hpp"
#include "sim/random/normal.hpp"
#include "sim/random/random.hpp"

namespace mutsim {
namespace {

ServiceStepTerms service_terms(const ReplicateState& st, uint32_t s) {
  const AttitudeParams& a = st.scenario.attitude;
  const Climate& c = st.climate;
  const uint32_t org = st.population.service_org[s];
  const uint32_t type = st.org_type[org];
  // What commissioners offer this unit's service line (AQP by line, issue 13).
  const size_t slot = c.slot(type, st.population.service_line[s]);
  const double insecurity = a.contract_insecurity_weight * (1.0 - c.line_contract_security[slot]) +
                            a.procurement_weight * c.line_procurement_uncertainty[slot] +
                            a.wait_and_see_uncertainty_weight * c.wait_and_see_uncertainty;
  const double own_mean = st.service_mean_attitude(s);
  const double peer_mean = (1.0 - a.organisation_peer_share) * own_mean +
                           a.organisation_peer_share * st.org_attitude_mean[org];
  // What staff outside mutuals see of engagement inside them comes last:
  // adding 0 leaves the sum's bits as they were without it.
  return {static_cast<float>(a.baseline + st.service_culture[s] +
                             a.wait_and_see_outcome_weight * c.wait_and_see_signal +
                             engagement_attitude_shift(st, s)),
          static_cast<float>(insecurity), static_cast<float>(a.information_weight * c.information),
          static_cast<float>(peer_mean)};
}

inline float target_attitude(const AttitudeStepTerms& t, const ServiceStepTerms& s,
                             const StaffArrays& staff, uint64_t i) {
  return s.base + t.entrepreneurial_weight * staff.entrepreneurial[i] -
         t.pension_weight * staff.pension_concern[i] - staff.risk_aversion[i] * s.insecurity +
         staff.engagement[i] * s.information_gain;
}

inline void add_to_sums(const AttitudeStepTerms& t, const StaffArrays& staff, uint64_t i,
                        ServiceSums& sums) {
  const float a = staff.attitude[i];
  sums.attitude_sum += a;
  sums.supporters += a > t.support_threshold;
  sums.champions +=
      (a >= t.champion_attitude) & (staff.entrepreneurial[i] >= t.champion_entrepreneurial);
}

/// Organisation means and support shares from the service sums, in order.
void reduce_organisations(ReplicateState& st) {
  const auto& pop = st.population;
  for (size_t o = 0; o < pop.organisations.size(); ++o) {
    const Organisation& org = pop.organisations[o];
    double sum = 0;
    uint64_t supporters = 0;
    for (uint32_t s = org.first_service; s < org.end_service; ++s) {
      sum += st.aggregates.attitude_sum[s];
      supporters += st.aggregates.supporters[s];
    }
    const double n = static_cast<double>(org.staff());
    st.org_attitude_mean[o] = n > 0 ? sum / n : 0.0;
    st.org_support_share[o] = n > 0 ? static_cast<double>(supporters) / n : 0.0;
  }
}

void store_sums(ReplicateState& st, uint32_t s, const ServiceSums& sums) {
  st.aggregates.attitude_sum[s] = sums.attitude_sum;
  st.aggregates.supporters[s] = sums.supporters;
  st.aggregates.champions[s] = sums.champions;
}

// Services vary from a handful to thousands of staff; a grain of a few
// hundred services keeps tasks large enough to amortise scheduling.
constexpr size_t kServiceGrain = 256;

// Agents per task in the staff draw: ~4,000 agents is ~1 ms of work.
constexpr uint64_t kAgentGrain = 4096;

/// Calls f(service) for every service, in parallel blocks of kServiceGrain.
template <class F>
void for_each_service(size_t services, F&& f) {
  tbb::parallel_for(tbb::blocked_range<size_t>(0, services, kServiceGrain),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t s = range.begin(); s != range.end(); ++s) f(s);
                    });
}

}  // namespace

AttitudeStepTerms attitude_step_terms(const Scenario& s) {
  const AttitudeParams& a = s.attitude;
  return {static_cast<float>(a.entrepreneurial_weight),
          static_cast<float>(a.pension_weight),
          static_cast<float>(a.adjustment_rate),
          static_cast<float>(a.peer_weight),
          static_cast<float>(a.noise_sd),
          static_cast<float>(a.support_threshold),
          static_cast<float>(s.pipeline.champion_entrepreneurial),
          static_cast<float>(s.pipeline.champion_attitude)};
}

void draw_staff(ReplicateState& st) {
  const auto& pop = st.population;
  const StaffTraits& traits = st.scenario.staff;
  const uint64_t n = pop.staff();
  for (auto* v : {&st.staff.attitude, &st.staff.engagement, &st.staff.risk_aversion,
                  &st.staff.entrepreneurial, &st.staff.pension_concern})
    v->assign(n, 0.0f);
  // Each agent's four traits come from its own stream, so agents can be
  // drawn in any blocks on any threads (BetaBatch: Boost's values, faster).
  const BetaBatch betas({{traits.engagement.alpha, traits.engagement.beta},
                         {traits.risk_aversion.alpha, traits.risk_aversion.beta},
                         {traits.entrepreneurial.alpha, traits.entrepreneurial.beta},
                         {traits.pension_concern.alpha, traits.pension_concern.beta}});
  const StreamKey key{st.seed, st.replicate, kSetupMonth, Purpose::StaffTraits};
  tbb::parallel_for(tbb::blocked_range<uint64_t>(0, n, kAgentGrain),
                    [&](const tbb::blocked_range<uint64_t>& range) {
                      const uint64_t i = range.begin();
                      float* out[] = {
                          st.staff.engagement.data() + i, st.staff.risk_aversion.data() + i,
                          st.staff.entrepreneurial.data() + i, st.staff.pension_concern.data() + i};
                      betas.draw(key, static_cast<uint32_t>(i), range.size(), out);
                    });
  boost::random::normal_distribution<double> culture(0.0, st.scenario.attitude.service_culture_sd);
  st.service_culture.resize(pop.services());
  for (uint32_t s = 0; s < pop.services(); ++s) {
    Stream stream(st.seed, st.replicate, kSetupMonth, s, Purpose::ServiceCulture);
    st.service_culture[s] = static_cast<float>(culture(stream));
  }
}

void initialise_attitudes(ReplicateState& st) {
  const auto& pop = st.population;
  const AttitudeStepTerms terms = attitude_step_terms(st.scenario);
  // Start in the stationary spread of the AR(1) shocks around each target,
  // sd / sqrt(rate * (2 - rate)), so the spread does not jump in month one.
  const AttitudeParams& params = st.scenario.attitude;
  const double rate = std::max(params.adjustment_rate, 1e-6);
  const auto noise_sd = static_cast<float>(params.noise_sd / std::sqrt(rate * (2.0 - rate)));
  for_each_service(pop.services(), [&](size_t s) {
    const ServiceStepTerms service = service_terms(st, static_cast<uint32_t>(s));
    ServiceSums sums;
    // The noise of a chunk of agents at once (sim/random/normal.hpp): the
    // same values as Boost's normal on one Stream per agent.
    FirstBlocks blocks;
    alignas(64) float noise[FirstBlocks::kMax];
    const uint64_t end = pop.service_staff_begin[s + 1];
    for (uint64_t chunk = pop.service_staff_begin[s]; chunk < end; chunk += FirstBlocks::kMax) {
      const size_t n = std::min<uint64_t>(FirstBlocks::kMax, end - chunk);
      const ChunkKey key{st.seed, st.replicate, kSetupMonth, Purpose::InitialAttitude,
                         static_cast<uint32_t>(chunk)};
      philox_first_blocks(key.seed, key.replicate, key.month, key.purpose, key.first, n, blocks);
      normal_from_blocks(0.0f, noise_sd, key, blocks, n, noise);
      for (size_t j = 0; j < n; ++j) {
        const float a = target_attitude(terms, service, st.staff, chunk + j) + noise[j];
        st.staff.attitude[chunk + j] = std::clamp(a, -1.0f, 1.0f);
        add_to_sums(terms, st.staff, chunk + j, sums);
      }
    }
    store_sums(st, static_cast<uint32_t>(s), sums);
  });
  reduce_organisations(st);
}

namespace {

// The loops marked with this are compiled twice, for AVX2 and for the
// baseline (target_clones picks one at load time): the same IEEE operations
// in the same order on 8 or 4 lanes, and no FMA (-ffp-contract=off), so the
// same bits either way. Under ThreadSanitizer the baseline alone: the clones'
// ifunc resolvers run while the dynamic loader relocates, before the TSan
// runtime is up, and crash there.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MUTSIM_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(MUTSIM_UNDER_TSAN)
#define MUTSIM_VECTOR_CLONES
#else
#define MUTSIM_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#endif

/// a[0] + ... + a[n-1] in doubles in four interleaved partial sums; equal to
/// the serial sum only when no addition rounds (OrderedSum below).
MUTSIM_VECTOR_CLONES double exact_sum(const float* a, size_t n) {
  double acc[4] = {0, 0, 0, 0};
  size_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (size_t k = 0; k < 4; ++k) acc[k] += a[j + k];
  for (; j < n; ++j) acc[0] += a[j];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/// The sum of a unit's attitudes in doubles, equal bit for bit to the serial
/// loop `sum += a[i]` in staff order, without its chain of dependent adds
/// (one add latency per agent).
///
/// Why reordering is exact here: with n agents and q = 53 - bit_width(n),
/// every partial sum of values in [-1, 1] is below n < 2^(53-q) in
/// magnitude, so while every value and the running sum are multiples of
/// 2^-q, every partial sum is representable and no addition rounds: the
/// serial loop and any other order give the exact sum. A float is a
/// multiple of 2^-q when it is 0 or its ulp is at least 2^-q, i.e. its
/// biased exponent is at least 150 - q (for n = 100, |a| >= 2^-23). A chunk
/// holding any other value is added serially, as before, and the sum stays
/// serial until it is back on the grid.
class OrderedSum {
 public:
  explicit OrderedSum(uint64_t n)
      : grid_(std::ldexp(1.0, 53 - std::bit_width(n))),
        min_exponent_(150 - (53 - static_cast<uint32_t>(std::bit_width(n)))) {}

  /// The least biased float exponent on the grid (zero is on it too).
  uint32_t min_exponent() const { return min_exponent_; }

  /// Adds a[0..n) as the serial loop would; `off_grid` counts its values off the grid.
  void add(const float* a, size_t n, uint32_t off_grid) {
    if (on_grid_ && off_grid == 0) {
      sum_ += exact_sum(a, n);
      return;
    }
    for (size_t j = 0; j < n; ++j) sum_ += a[j];
    const double scaled = sum_ * grid_;  // exact: a power of two, |scaled| < 2^53
    on_grid_ = scaled == static_cast<double>(static_cast<int64_t>(scaled));
  }

  double sum() const { return sum_; }

 private:
  double grid_;  // 2^q
  uint32_t min_exponent_;
  double sum_ = 0;
  bool on_grid_ = true;
};

/// One chunk's staff arrays (disjoint) and noise.
struct ChunkArrays {
  float* attitude;
  const float* engagement;
  const float* risk;
  const float* entrepreneurial;
  const float* pension;
  const float* shocks;
};

MUTSIM_VECTOR_CLONES
void update_chunk(const AttitudeStepTerms& t, const ServiceStepTerms& service, const ChunkArrays& c,
                  size_t n) {
  float* __restrict attitude = c.attitude;
  const float* __restrict engagement = c.engagement;
  const float* __restrict risk = c.risk;
  const float* __restrict entrepreneurial = c.entrepreneurial;
  const float* __restrict pension = c.pension;
  const float* __restrict shocks = c.shocks;
  const ServiceStepTerms sv = service;
  const float w_ent = t.entrepreneurial_weight, w_pen = t.pension_weight;
  const float rate = t.adjustment_rate, peer = t.peer_weight;
  for (size_t j = 0; j < n; ++j) {
    const float a = attitude[j];
    const float target = sv.base + w_ent * entrepreneurial[j] - w_pen * pension[j] -
                         risk[j] * sv.insecurity + engagement[j] * sv.information_gain;
    const float next =
        a + rate * (target - a) + peer * engagement[j] * (sv.peer_mean - a) + shocks[j];
    attitude[j] = std::min(std::max(next, -1.0f), 1.0f);
  }
}

struct ChunkCounts {
  uint32_t supporters = 0, champions = 0, off_grid = 0;
};

/// Supporters, champions and values off OrderedSum's grid in one chunk:
/// integer reductions over plain arrays, which GCC vectorises.
MUTSIM_VECTOR_CLONES
ChunkCounts count_chunk(const AttitudeStepTerms& t, const float* __restrict attitude,
                        const float* __restrict entrepreneurial, size_t n, uint32_t min_exponent) {
  const float support = t.support_threshold, champion = t.champion_attitude;
  const float champion_entrepreneurial = t.champion_entrepreneurial;
  uint32_t supporters = 0, champions = 0, off_grid = 0;
  for (size_t j = 0; j < n; ++j) {
    const float a = attitude[j];
    const auto bits = std::bit_cast<uint32_t>(a);
    supporters += a > support ? 1u : 0u;
    champions += (a >= champion) & (entrepreneurial[j] >= champion_entrepreneurial) ? 1u : 0u;
    off_grid += ((bits & 0x7FFFFFFFu) != 0) & (((bits >> 23) & 0xFFu) < min_exponent) ? 1u : 0u;
  }
  return {supporters, champions, off_grid};
}

}  // namespace

// Per chunk of agents: block 0 of every agent's stream for the whole chunk
// at once (vectorised, see philox_first_blocks), the noise from it
// (normal_from_blocks: Boost's ziggurat, its common case vectorised), the
// update, the counts, then the attitude sum: plain loops GCC vectorises.
ServiceSums step_service_staff(const AttitudeStepTerms& t, const ServiceStepTerms& service,
                               StaffArrays& staff, uint64_t begin, uint64_t end, uint64_t seed,
                               uint32_t replicate, int32_t month) {
  const auto m = static_cast<uint16_t>(month);
  OrderedSum sum(end - begin);
  uint32_t supporters = 0, champions = 0;
  FirstBlocks blocks;
  alignas(64) float shocks[FirstBlocks::kMax];
  for (uint64_t chunk = begin; chunk < end; chunk += FirstBlocks::kMax) {
    const size_t n = std::min<uint64_t>(FirstBlocks::kMax, end - chunk);
    const ChunkKey key{seed, replicate, m, Purpose::AttitudeNoise, static_cast<uint32_t>(chunk)};
    philox_first_blocks(seed, replicate, m, Purpose::AttitudeNoise, key.first, n, blocks);
    normal_from_blocks(0.0f, t.noise_sd, key, blocks, n, shocks);
    float* attitude = staff.attitude.data() + chunk;
    const float* entrepreneurial = staff.entrepreneurial.data() + chunk;
    update_chunk(t, service,
                 {attitude, staff.engagement.data() + chunk, staff.risk_aversion.data() + chunk,
                  entrepreneurial, staff.pension_concern.data() + chunk, shocks},
                 n);
    const ChunkCounts counts = count_chunk(t, attitude, entrepreneurial, n, sum.min_exponent());
    supporters += counts.supporters;
    champions += counts.champions;
    const uint32_t off_grid = counts.off_grid;
    sum.add(attitude, n, off_grid);
  }
  return {sum.sum(), supporters, champions};
}

void update_attitudes(ReplicateState& st, int32_t month) {
  const auto& pop = st.population;
  const AttitudeStepTerms terms = attitude_step_terms(st.scenario);
  // Peer means come from last month's sums; compute all service terms before
  // any sums are overwritten so the update is synchronous.
  std::vector<ServiceStepTerms> services(pop.services());
  for_each_service(pop.services(),
                   [&](size_t s) { services[s] = service_terms(st, static_cast<uint32_t>(s)); });
  for_each_service(pop.services(), [&](size_t s) {
    const ServiceSums sums =
        step_service_staff(terms, services[s], st.staff, pop.service_staff_begin[s],
                           pop.service_staff_begin[s + 1], st.seed, st.replicate, month);
    store_sums(st, static_cast<uint32_t>(s), sums);
  });
  reduce_organisations(st);
}

}  // namespace mutsim
