#pragma once
// Dated programmes and structural changes applied at the start of a month:
// PCT divestment, the climate, the Pathfinder and large-trust conversion.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

void update_programmes(ReplicateState& state, int32_t month);

/// The type organisation `org` (frame index) of divesting type `type`
/// becomes: drawn from the type's divest_shares with one uniform keyed by
/// (seed, org) (Purpose::DivestSuccessor), else divest_to.
uint32_t successor_type(const Scenario& scenario, const ScenarioIndex& index, uint64_t seed,
                        uint32_t type, uint32_t org);

}  // namespace mutsim
