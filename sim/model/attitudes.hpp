#pragma once
// Staff traits and the monthly attitude step: the hot loop.
//
//   target_i = base_s + w_ent * ent_i - w_pen * pension_i
//              - risk_i * insecurity_k + engagement_i * information_gain
//   a_i     += rate * (target_i - a_i) + peer * engagement_i * (peer_mean_s - a_i) + noise
//
// base_s folds the intercept, the unit's culture and the wait-and-see
// outcome signal; insecurity_k folds contract insecurity, procurement
// uncertainty and the lack of retention evidence for organisation type k.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

/// The constants of one service's step in one month.
struct ServiceStepTerms {
  float base;
  float insecurity;
  float information_gain;
  float peer_mean;
};

/// The constants of every service's step in one month.
struct AttitudeStepTerms {
  float entrepreneurial_weight;
  float pension_weight;
  float adjustment_rate;
  float peer_weight;
  float noise_sd;
  float support_threshold;
  float champion_entrepreneurial;
  float champion_attitude;
};

AttitudeStepTerms attitude_step_terms(const Scenario& s);

/// Draws every agent's traits (Beta distributions) and each unit's culture.
void draw_staff(ReplicateState& state);

/// Sets attitudes to their targets under `climate` plus initial noise, and
/// fills the service and organisation aggregates.
void initialise_attitudes(ReplicateState& state);

/// One month of the attitude dynamics for all staff, in parallel over
/// services; then the service and organisation aggregates.
void update_attitudes(ReplicateState& state, int32_t month);

/// The kernel for one service's staff range [begin, end): updates attitudes
/// and returns the unit's sums. Exposed for the benchmarks.
struct ServiceSums {
  double attitude_sum = 0;
  uint32_t supporters = 0;
  uint32_t champions = 0;
};
ServiceSums step_service_staff(const AttitudeStepTerms& terms, const ServiceStepTerms& service,
                               StaffArrays& staff, uint64_t begin, uint64_t end, uint64_t seed,
                               uint32_t replicate, int32_t month);

}  // namespace mutsim
