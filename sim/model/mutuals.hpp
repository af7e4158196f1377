#pragma once
// The fate of mutuals: background failure, failure after a lost contract,
// growth after a retained one, and the outcome record staff wait and see.
#include <cstdint>

#include "sim/model/state.hpp"

namespace mutsim {

/// The mutual closes; its units return to public employers with a cooldown.
void fail_mutual(ReplicateState& state, int32_t month, uint32_t id);

/// The mutual takes over the next unit of its organisation if that is public.
void grow_mutual(ReplicateState& state, int32_t month, uint32_t id);

/// Background failures and the decay of remembered outcomes.
void settle_mutuals(ReplicateState& state, int32_t month);

}  // namespace mutsim
