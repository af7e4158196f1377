#pragma once
// Commissioners: contracts with a length and a procurement route, awarded to
// new mutuals and re-procured on expiry, where an incumbent can lose.
#include <cstdint>

#include "sim/model/state.hpp"
#include "sim/random/random.hpp"

namespace mutsim {

struct ContractTerms {
  int years;
  Procurement procurement;
};

/// Draws the terms commissioners of `sector` award at `month`: reserved for
/// mutuals with the programme's share where it applies, else a procurement
/// route and a length from the schedule in force.
ContractTerms award_contract(const ReplicateState& state, uint32_t sector, int32_t month,
                             Stream& stream);

/// Chance an incumbent mutual of `form` keeps a contract re-procured by
/// `procurement`: the route's retention times the form's multiplier, and in a
/// competitive tender times (1 - the form's capital shortfall chance).
double retention_probability(const Scenario& scenario, Procurement procurement, Form form);

/// Turns proposal `id` into a mutual with its first contract.
void found_mutual(ReplicateState& state, int32_t month, uint32_t id);

/// Re-procures every mutual contract that expires this month.
void run_commissioning(ReplicateState& state, int32_t month);

}  // namespace mutsim
