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

/// Draws the terms commissioners of `sector` award at `month` for a
/// contract on service `line`: reserved for mutuals with the programme's
/// share where a reservation is open to it (and `reservation_allowed`:
/// Article 77's repeat bar), else a procurement route (AQP by line) and a
/// length from the schedule in force.
ContractTerms award_contract(const ReplicateState& state, uint32_t sector, int16_t line,
                             int32_t month, Stream& stream, bool reservation_allowed);

/// The same for a contract on no line with no bar.
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
