#include "sim/model/pipeline.hpp"

#include <algorithm>
#include <cmath>

#include "sim/model/climate.hpp"
#include "sim/model/commissioning.hpp"
#include "sim/model/forms.hpp"
#include "sim/random/random.hpp"

namespace mutsim {

double fund_remaining_gbp(const ReplicateState& st) {
  const SupportFund& fund = st.scenario.programmes.support_fund;
  return fund.enabled ? fund.budget_gbp - st.tallies.fund_spent_gbp : 0.0;
}

namespace {

void close_proposal(ReplicateState& st, int32_t month, uint32_t id) {
  Proposal& p = st.proposals[id];
  p.stage = Stage::Abandoned;
  for (uint32_t s = p.first_service; s < p.end_service; ++s) {
    st.service_status[s] = ServiceStatus::Public;
    st.service_owner[s] = -1;
    st.cooldown_until[s] = month + st.scenario.pipeline.cooldown_months;
  }
  if (p.whole_organisation) st.org_whole_busy[p.org] = 0;
  st.tallies.abandoned_by_route[p.route] += st.weight(p.org);
  st.add_event(month, EventKind::Abandoned, p.route, p.org, p.first_service, p.staff,
               p.whole_organisation, static_cast<uint8_t>(p.form));
}

/// A board-led conversion's board agreed when it started (programmes.cpp);
/// otherwise the route's or the type's consent, times the form's multiplier.
double board_consent(const ReplicateState& st, const Proposal& p) {
  if (p.large_conversion) return 1.0;
  const double multiplier = form_terms(st.scenario.forms, p.form).board_consent_multiplier;
  if (st.scenario.routes[p.route].value.forced_separation)
    return std::min(1.0, multiplier * st.scenario.pipeline.forced_separation_consent);
  return std::min(
      1.0, multiplier * st.scenario.population.org_types[st.org_type[p.org]].value.board_consent);
}

/// The staff's part of a large conversion: their support must still reach
/// the quorum when the business case goes to the board.
bool staff_ballot_fails(const ReplicateState& st, const Proposal& p) {
  return p.large_conversion &&
         proposal_support(st, p) < st.scenario.programmes.large_trust_conversion.staff_quorum;
}

double progress_shift(const ReplicateState& st, const Proposal& p) {
  if (p.pathfinder) return st.scenario.programmes.pathfinder.progress_logit_shift;
  if (p.large_conversion) return st.scenario.programmes.large_trust_conversion.progress_logit_shift;
  return 0;
}

/// A grant to a sampled proposal stands for weight grants, so the budget is
/// spent in real-world pounds. When less than that is left, the proposal is
/// funded with probability (budget left) / (weight x grant) and the rest is
/// spent: in expectation the fund pays out what it would at scale 1.
void try_fund(ReplicateState& st, int32_t month, uint32_t id) {
  const SupportFund& fund = st.scenario.programmes.support_fund;
  Proposal& p = st.proposals[id];
  if (p.funded || !st.climate.fund_active) return;
  const double cost = st.weight(p.org) * fund.grant_gbp;
  const double left = fund_remaining_gbp(st);
  if (left < fund.grant_gbp) return;  // at scale 1: not enough for one more grant
  if (cost > left) {
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::FundGrant);
    if (!stream.bernoulli(left / cost)) return;
  }
  st.tallies.fund_spent_gbp += std::min(cost, left);
  p.funded = true;
}

/// The route's own end: past complete_by every open proposal closes; past
/// wind_down_from each closes with wind_down_closure_prob a month.
bool route_closes(const ReplicateState& st, int32_t month, uint32_t id) {
  const Route& route = st.scenario.routes[st.proposals[id].route].value;
  if (route.complete_by && st.date(month) > *route.complete_by) return true;
  if (!route.wind_down_from || st.date(month) <= *route.wind_down_from) return false;
  Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::RouteWindDown);
  return stream.bernoulli(route.wind_down_closure_prob);
}

/// One month for one open proposal: abandonment is drawn first, then progress.
void advance_proposal(ReplicateState& st, int32_t month, uint32_t id) {
  const PipelineParams& pp = st.scenario.pipeline;
  Proposal& p = st.proposals[id];
  if (route_closes(st, month, id)) {
    close_proposal(st, month, id);
    return;
  }
  Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::PipelineStage);
  const double viability = proposal_viability(st, p);
  if (stream.bernoulli(logistic(pp.abandon_logit - pp.abandon_viability_coef * viability))) {
    close_proposal(st, month, id);
    return;
  }
  const double shift = progress_shift(st, p);
  const int32_t months_in_stage = month - p.stage_since;
  if (p.stage == Stage::Exploring && months_in_stage >= pp.min_months_exploring &&
      stream.bernoulli(logistic(pp.progress_logit + viability + shift))) {
    Stream consent(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::BoardConsent);
    if (!consent.bernoulli(board_consent(st, p)) || staff_ballot_fails(st, p)) {
      close_proposal(st, month, id);
      return;
    }
    p.stage = Stage::InProgress;
    p.stage_since = month;
    try_fund(st, month, id);
    st.add_event(month, EventKind::InProgress, p.route, p.org, p.first_service, p.staff,
                 p.whole_organisation, static_cast<uint8_t>(p.form));
  } else if (p.stage == Stage::InProgress && months_in_stage >= pp.min_months_in_progress &&
             stream.bernoulli(logistic(pp.spinout_logit + viability + shift))) {
    found_mutual(st, month, id);
  }
}

bool org_has_champion(const ReplicateState& st, const Organisation& org) {
  for (uint32_t s = org.first_service; s < org.end_service; ++s)
    if (st.aggregates.champions[s] > 0) return true;
  return false;
}

void enter_whole_organisations(ReplicateState& st, int32_t month) {
  const PipelineParams& pp = st.scenario.pipeline;
  for (uint32_t o = 0; o < st.population.organisations.size(); ++o) {
    const int route = st.climate.whole_organisation_route[st.org_type[o]];
    const Organisation& org = st.population.organisations[o];
    if (route < 0 || st.org_whole_busy[o]) continue;
    const double support = st.org_support_share[o];
    if (support < pp.whole_organisation_quorum || !org_has_champion(st, org) ||
        !organisation_available(st, o, month))
      continue;
    const double logit = pp.whole_organisation_entry_logit +
                         st.scenario.routes[route].value.entry_logit_shift +
                         pp.entry_support_coef * (support - pp.whole_organisation_quorum) +
                         pp.coef_information * st.climate.information;
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), o,
                  Purpose::WholeOrganisationEntry);
    if (stream.bernoulli(logistic(logit)))
      start_proposal(st, month, route, o, org.first_service, org.end_service, true, false);
  }
}

void enter_services(ReplicateState& st, int32_t month) {
  const PipelineParams& pp = st.scenario.pipeline;
  for (uint32_t s = 0; s < st.population.services(); ++s) {
    if (st.service_status[s] != ServiceStatus::Public || st.cooldown_until[s] > month) continue;
    const uint32_t org = st.population.service_org[s];
    const int route = st.climate.open_route[st.org_type[org]];
    if (route < 0 || st.org_whole_busy[org] || st.aggregates.champions[s] == 0) continue;
    const double support = st.service_support_share(s);
    if (support < pp.quorum) continue;
    const double logit = pp.entry_logit + st.scenario.routes[route].value.entry_logit_shift +
                         pp.entry_support_coef * (support - pp.quorum) +
                         pp.coef_information * st.climate.information;
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), s, Purpose::PipelineEntry);
    if (stream.bernoulli(logistic(logit)))
      start_proposal(st, month, route, org, s, s + 1, false, false);
  }
}

}  // namespace

bool organisation_available(const ReplicateState& st, uint32_t o, int32_t month) {
  const Organisation& org = st.population.organisations[o];
  if (!st.population.sampled(o) || st.org_whole_busy[o] || org.first_service == org.end_service)
    return false;
  for (uint32_t s = org.first_service; s < org.end_service; ++s)
    if (st.service_status[s] != ServiceStatus::Public || st.cooldown_until[s] > month) return false;
  return true;
}

void start_proposal(ReplicateState& st, int32_t month, uint32_t route, uint32_t org, uint32_t first,
                    uint32_t end, bool whole_organisation, bool pathfinder, bool large_conversion) {
  const auto id = static_cast<int32_t>(st.proposals.size());
  const uint64_t staff =
      st.population.service_staff_begin[end] - st.population.service_staff_begin[first];
  const Programmes& programmes = st.scenario.programmes;
  const double governance_prob =
      pathfinder ? programmes.pathfinder.governance_prob
                 : (large_conversion ? programmes.large_trust_conversion.governance_prob : 0.0);
  const Form form = choose_form(st, month, static_cast<uint32_t>(id), route, st.org_type[org],
                                static_cast<double>(staff), governance_prob);
  st.proposals.push_back({route, org, first, end, staff, Stage::Exploring, month,
                          whole_organisation, false, pathfinder, form, large_conversion});
  for (uint32_t s = first; s < end; ++s) {
    st.service_status[s] = ServiceStatus::InProposal;
    st.service_owner[s] = id;
  }
  if (whole_organisation) st.org_whole_busy[org] = 1;
  st.tallies.proposals_by_route[route] += st.weight(org);
  st.add_event(month, EventKind::Proposal, route, org, first, staff, whole_organisation,
               static_cast<uint8_t>(form));
}

double proposal_support(const ReplicateState& st, const Proposal& p) {
  uint64_t supporters = 0;
  for (uint32_t s = p.first_service; s < p.end_service; ++s)
    supporters += st.aggregates.supporters[s];
  return p.staff ? static_cast<double>(supporters) / static_cast<double>(p.staff) : 0.0;
}

double proposal_viability(const ReplicateState& st, const Proposal& p) {
  const PipelineParams& pp = st.scenario.pipeline;
  const ContractOutlook outlook = route_outlook(
      st, p.route, st.org_type[p.org], st.contract_line(p.whole_organisation, p.first_service));
  const double quorum = p.whole_organisation ? pp.whole_organisation_quorum : pp.quorum;
  const double people = std::max(1.0, static_cast<double>(p.staff));
  return pp.coef_contract * outlook.security - pp.coef_procurement * outlook.uncertainty +
         pp.coef_fund * (p.funded ? 1.0 : 0.0) + pp.coef_information * st.climate.information -
         pp.coef_size * std::log(people / pp.size_reference_staff) +
         pp.coef_support * (proposal_support(st, p) +
                            form_terms(st.scenario.forms, p.form).support_shift - quorum);
}

void advance_pipelines(ReplicateState& st, int32_t month) {
  // Proposals opened this month wait until next month to move.
  const auto open = static_cast<uint32_t>(st.proposals.size());
  for (uint32_t id = 0; id < open; ++id)
    if (is_open(st.proposals[id].stage) && st.proposals[id].stage_since < month)
      advance_proposal(st, month, id);
  enter_whole_organisations(st, month);
  enter_services(st, month);
}

}  // namespace mutsim
