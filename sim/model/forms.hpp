#pragma once
// Forms of mutuals (issue 13 item 1): the six forms, what each changes, how
// a proposal comes to one, and which forms count towards the target under
// the strict and the broad reading.
#include <array>
#include <cstdint>

#include "sim/config/scenario.hpp"

namespace mutsim {

struct ReplicateState;

enum class Form : uint8_t {
  EmployeeOwnedCompany,
  CommunityInterestCompany,
  CharitySocialEnterprise,
  Partnership,
  JointVenture,
  GovernanceMutual,
};
inline constexpr size_t kForms = 6;
/// Scenario keys (forms.NAME) and output labels, in Form order.
inline constexpr const auto& kFormNames = kMutualFormKeys;
static_assert(kMutualFormKeys.size() == kForms);
/// The event column's value for events that have no form (pathfinder_chosen).
inline constexpr uint8_t kNoForm = 0xFF;

/// The scenario's terms for a form.
const FormTerms& form_terms(const MutualForms& forms, Form form);

/// The weights of a record, in Form order.
std::array<double, kForms> form_weight_array(const FormWeights& weights);

/// The choice distribution of a proposal on `route` from an organisation of
/// type `type` with `staff` people: the route's weights times the type's,
/// times forms.large_proposal_weights when staff >= large_proposal_staff,
/// normalised. All zero only where validation has not run.
std::array<double, kForms> form_probabilities(const Scenario& s, uint32_t route, uint32_t type,
                                              double staff);

/// Draws the form of proposal `id` (Purpose::FormChoice): governance with
/// probability governance_prob (the Pathfinder's and large conversions'
/// choice), else from form_probabilities. Always two draws, so one stream
/// decides both whatever the probabilities.
Form choose_form(const ReplicateState& st, int32_t month, uint32_t id, uint32_t route,
                 uint32_t type, double staff, double governance_prob);

/// Whether a form counts under the strict (false) or broad (true) reading.
bool form_counts(const MutualForms& forms, Form form, bool broad);

/// Whether target.reading is "broad".
bool headline_reading_broad(const Scenario& s);

}  // namespace mutsim
