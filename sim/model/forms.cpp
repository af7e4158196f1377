#include "sim/model/forms.hpp"

#include <numeric>

#include "sim/model/state.hpp"
#include "sim/random/random.hpp"

namespace mutsim {

const FormTerms& form_terms(const MutualForms& forms, Form form) {
  switch (form) {
    case Form::EmployeeOwnedCompany:
      return forms.employee_owned_company;
    case Form::CommunityInterestCompany:
      return forms.community_interest_company;
    case Form::CharitySocialEnterprise:
      return forms.charity_social_enterprise;
    case Form::Partnership:
      return forms.partnership;
    case Form::JointVenture:
      return forms.joint_venture;
    case Form::GovernanceMutual:
      break;
  }
  return forms.governance_mutual;
}

std::array<double, kForms> form_weight_array(const FormWeights& w) {
  return {w.employee_owned_company,
          w.community_interest_company,
          w.charity_social_enterprise,
          w.partnership,
          w.joint_venture,
          w.governance_mutual};
}

std::array<double, kForms> form_probabilities(const Scenario& s, uint32_t route, uint32_t type,
                                              double staff) {
  const auto by_route = form_weight_array(s.routes[route].value.form_weights);
  const auto by_type = form_weight_array(s.population.org_types[type].value.form_weights);
  const auto by_size = form_weight_array(s.forms.large_proposal_weights);
  const bool large = staff >= s.forms.large_proposal_staff;
  std::array<double, kForms> p{};
  for (size_t f = 0; f < kForms; ++f) p[f] = by_route[f] * by_type[f] * (large ? by_size[f] : 1.0);
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  if (total > 0)
    for (double& x : p) x /= total;
  return p;
}

Form choose_form(const ReplicateState& st, int32_t month, uint32_t id, uint32_t route,
                 uint32_t type, double staff, double governance_prob) {
  Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::FormChoice);
  const bool governance = stream.bernoulli(governance_prob);
  const double u = stream.uniform();
  if (governance) return Form::GovernanceMutual;
  const auto p = form_probabilities(st.scenario, route, type, staff);
  double cumulative = 0;
  size_t last = 0;  // the last form with any weight takes what rounding leaves
  for (size_t f = 0; f < kForms; ++f) {
    if (p[f] <= 0) continue;
    last = f;
    cumulative += p[f];
    if (u < cumulative) return static_cast<Form>(f);
  }
  return static_cast<Form>(last);
}

bool form_counts(const MutualForms& forms, Form form, bool broad) {
  const FormTerms& terms = form_terms(forms, form);
  return broad ? terms.counts_broad : terms.counts_strict;
}

bool headline_reading_broad(const Scenario& s) { return s.target.reading == "broad"; }

}  // namespace mutsim
