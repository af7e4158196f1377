#pragma once
// The commissioning rules a contract of one sector and service line faces in
// a month (issue 13 items 5-7): the procurement-route shares after Any
// Qualified Provider by line, the commissioning period in force and its
// transition uncertainty, and whether the contract may be reserved for
// mutuals (Article 77 / PCR 2015 reg. 77, or the old permanent share).
// Climate (what staff read) and commissioning (what is awarded) both use
// these, so staff perceive the rules the awards follow.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

/// The route shares for a contract on `line` in `sector` at `date`. AQP has
/// no share before commissioning.any_qualified_provider.start. By service
/// line, a period with a positive AQP share opens a unit's line to AQP with
/// the line's aqp_share (0 for a whole organisation's block contract);
/// otherwise the period's AQP share applies to every unit. Direct award and
/// tender share the rest in the period's proportions.
PerProcurement route_shares_for(const ReplicateState& state, uint32_t sector, int16_t line,
                                Month date);

/// Index of the period of `schedule` in force at `date`.
int period_index(const CommissioningSchedule& schedule, Month date);

/// The transition uncertainty of `schedule` at `date`: each period's
/// transition_uncertainty times a ramp rising linearly over its
/// transition_lead_months to 1 at its `from` and falling over its
/// transition_months after (flat while in force when that is 0); the
/// largest over the periods, so overlapping transitions do not add up.
double transition_uncertainty_at(const CommissioningSchedule& schedule, Month date);

/// True when an award on `line` in `sector` at `date` may be reserved for
/// mutuals: the programme is on and started (article77: in deferred
/// sectors from deferred_start, and only on reservable lines; a contract
/// with no line counts as reservable).
bool reservation_open(const ReplicateState& state, uint32_t sector, int16_t line, Month date);

/// Article 77's bar: a mutual that had a reserved award from its authority
/// within the past repeat_bar_years may not have another (always false
/// under permanent_share).
bool reservation_barred(const ReplicateState& state, const Mutual& mutual, int32_t month);

}  // namespace mutsim
