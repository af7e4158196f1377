#pragma once
// Engagement as an outcome (issue 13 item 2): the Pathfinder's rationale was
// "the mutual model, with its focus on improving the engagement and
// empowerment of staff". Each month, before attitudes update, staff of active
// mutuals close a share of the gap to a ceiling (e += rate * (ceiling - e)),
// a deterministic pass outside the attitude kernel. The gain feeds back three
// ways: through the kernel's own use of engagement (weight on peers and on
// information), through the mutual's contract retention, and through what
// staff outside mutuals see (the national gap and their own organisation's).
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

/// The public baseline engagement: the mean of the staff.engagement Beta.
double engagement_baseline(const Scenario& scenario);

/// Mean engagement inside and outside active mutuals, each unit weighted by
/// its organisation's sampling weight (estimates of the whole population).
struct EngagementTotals {
  double inside_staff = 0, inside_sum = 0, outside_staff = 0, outside_sum = 0;
  double mean_inside() const { return inside_staff > 0 ? inside_sum / inside_staff : 0.0; }
  double mean_outside() const { return outside_staff > 0 ? outside_sum / outside_staff : 0.0; }
  /// Inside minus outside; 0 while either side has no staff.
  double gap() const {
    return inside_staff > 0 && outside_staff > 0 ? mean_inside() - mean_outside() : 0.0;
  }
};

/// The totals from the per-unit sums (zeros before the first update).
EngagementTotals engagement_totals(const ReplicateState& state);

/// The month's gain for staff of active mutuals, then the per-unit sums and
/// the signals staff read this month. Deterministic: no random draws.
void update_engagement(ReplicateState& state, int32_t month);

/// Mean engagement of mutual `m`'s staff minus the public baseline.
double mutual_engagement_gap(const ReplicateState& state, const Mutual& m);

/// `p` with its logit shifted by retention_logit_per_gap * gap; `p` itself
/// when the shift is 0 or p is 0 or 1.
double shift_by_engagement(const Scenario& scenario, double p, double gap);

/// What staff of unit `s` outside mutuals see of engagement in mutuals,
/// added to their target attitude: 0 for staff in a mutual.
double engagement_attitude_shift(const ReplicateState& state, uint32_t s);

}  // namespace mutsim
