#pragma once
// The spin-out pipeline: exploring options -> in progress (business case)
// -> spun out, or abandoned at any stage. Entry needs staff support above a
// quorum and a champion; the board's consent is asked at the business case.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

/// True when every unit of organisation `o` is public and out of cooldown,
/// so the organisation can propose as a whole.
bool organisation_available(const ReplicateState& state, uint32_t o, int32_t month);

/// Opens a proposal for services [first, end) of `org`; all must be public.
/// Its form is drawn here (sim/model/forms): a Pathfinder proposal or a
/// large trust's board-led conversion may choose governance instead.
void start_proposal(ReplicateState& state, int32_t month, uint32_t route, uint32_t org,
                    uint32_t first, uint32_t end, bool whole_organisation, bool pathfinder,
                    bool large_conversion = false);

/// The linear predictor shared by progress (+) and abandonment (-): contract
/// security, procurement uncertainty, funding, information, size, support.
double proposal_viability(const ReplicateState& state, const Proposal& proposal);

/// Share of a proposal's staff who support it.
double proposal_support(const ReplicateState& state, const Proposal& proposal);

/// Support fund budget not yet spent, GBP (0 when the fund is switched
/// off); the Pathfinder's grants are drawn from the same tally.
double fund_remaining_gbp(const ReplicateState& state);

/// Advances open proposals, then lets organisations and units enter.
void advance_pipelines(ReplicateState& state, int32_t month);

}  // namespace mutsim
