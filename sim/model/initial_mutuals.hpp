#pragma once
// Mutuals that existed before the simulated period (issue 13 item 3):
// placed at the start in an organisation of their type, their contracts
// re-procured from their contract_end like any mutual's, so their outcomes
// feed wait-and-see from the first month.
#include "sim/model/state.hpp"

namespace mutsim {

/// Places every row of mutuals.initial_mutuals. The host organisation is
/// drawn uniformly among the frame's organisations of the row's type, one
/// uniform from Stream(seed, 0, kSetupMonth, row, Purpose::InitialMutualHost),
/// so it is the same in every replicate and at every scale; a host outside
/// this replicate's sample leaves the row out, a sampled host carries its
/// sampling weight (inclusion probability x weight = 1: unbiased). The
/// host's first public units are taken until they hold the row's staff.
void place_initial_mutuals(ReplicateState& state);

/// Whether mutual `m` was founded before the run (an initial mutual).
inline bool founded_before_run(const Mutual& m) { return m.founded < 0; }

}  // namespace mutsim
