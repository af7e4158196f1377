#pragma once
// Dated programmes and structural changes applied at the start of a month:
// PCT divestment, the climate, the Pathfinder and large-trust conversion.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

void update_programmes(ReplicateState& state, int32_t month);

}  // namespace mutsim
