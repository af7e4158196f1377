#pragma once
// The signals staff and proposals read each month: contract security and
// procurement uncertainty per organisation type, information and support,
// and the wait-and-see reading of mutuals' contract outcomes.
#include "sim/model/state.hpp"

namespace mutsim {

/// Security in [0, 1] of a contract of `years`: years / reference, capped.
double contract_security(double years, double reference_years);

/// Mean security of a guaranteed contract of min..max whole years.
double guaranteed_security(const ContractGuarantee& contract, double reference_years);

/// Recomputes state.climate for `month`.
void update_climate(ReplicateState& state, int32_t month);

/// Security and uncertainty a proposal on `route` from an organisation of
/// `type` on service `line` faces this month (a guaranteed route overrides
/// commissioners; kNoServiceLine for a whole organisation).
struct ContractOutlook {
  double security;
  double uncertainty;
};
ContractOutlook route_outlook(const ReplicateState& state, uint32_t route, uint32_t type,
                              int16_t line);

}  // namespace mutsim
