#include "sim/model/commissioning.hpp"

#include <algorithm>

#include "sim/model/commissioning_rules.hpp"
#include "sim/model/engagement.hpp"
#include "sim/model/forms.hpp"
#include "sim/model/mutuals.hpp"

namespace mutsim {
namespace {

Procurement draw_procurement(const PerProcurement& shares, Stream& stream) {
  const double u = stream.uniform();
  if (u < shares.direct_award) return Procurement::DirectAward;
  if (u < shares.direct_award + shares.any_qualified_provider)
    return Procurement::AnyQualifiedProvider;
  return Procurement::CompetitiveTender;
}

int draw_years(const std::vector<ContractLengthShare>& lengths, Stream& stream) {
  const double u = stream.uniform();
  double cumulative = 0;
  for (const auto& length : lengths) {
    cumulative += length.share;
    if (u < cumulative) return length.years;
  }
  return lengths.back().years;  // shares sum to 1 within rounding
}

double route_retention(const Scenario& s, Procurement procurement) {
  const PerProcurement& r = s.commissioning.retention;
  switch (procurement) {
    case Procurement::DirectAward:
      return r.direct_award;
    case Procurement::AnyQualifiedProvider:
      return r.any_qualified_provider;
    case Procurement::CompetitiveTender:
      return r.competitive_tender;
    case Procurement::Reserved:
      return s.programmes.reserved_contracts.retention;
  }
  return 0;
}

}  // namespace

double retention_probability(const Scenario& s, Procurement procurement, Form form) {
  const FormTerms& terms = form_terms(s.forms, form);
  // A competitive tender can demand capital the form lacks (Central Surrey
  // Health lost the 2011 West Surrey bid largely on a GBP 10m bond): lost
  // outright with tender_capital_shortfall_prob, else the usual chance.
  const double capital = procurement == Procurement::CompetitiveTender
                             ? 1.0 - terms.tender_capital_shortfall_prob
                             : 1.0;
  return std::min(1.0, capital * terms.retention_multiplier * route_retention(s, procurement));
}

namespace {
/// An award to mutual `m`, with Article 77's repeat bar applied and a
/// reserved award recorded on the mutual.
ContractTerms award_to_mutual(ReplicateState& st, Mutual& m, uint32_t sector, int16_t line,
                              int32_t month, Stream& stream) {
  const bool barred = reservation_barred(st, m, month);
  const ContractTerms terms = award_contract(st, sector, line, month, stream, !barred);
  if (terms.procurement == Procurement::Reserved) {
    m.last_reserved_award = month;
    st.tallies.reserved_awards += st.weight(m.org);
  } else if (barred && reservation_open(st, sector, line, st.date(month))) {
    st.tallies.reserved_barred += st.weight(m.org);  // one reserved term, then competition
  }
  return terms;
}

/// Kept: a new contract, a retained outcome, perhaps growth.
void keep_contract(ReplicateState& st, int32_t month, uint32_t id, const ContractTerms& terms,
                   Stream& stream) {
  Mutual& m = st.mutuals[id];
  m.procurement = terms.procurement;
  m.contract_end = month + 12 * terms.years;
  st.evidence.retained += st.weight(m.org);  // real-world retentions
  st.add_event(month, EventKind::ContractRetained, m.route, m.org, m.first_service, m.staff,
               m.whole_organisation, static_cast<uint8_t>(m.form));
  if (stream.bernoulli(st.scenario.mutuals.growth_on_retention_prob)) grow_mutual(st, month, id);
}

/// Under AQP the incumbent keeps its accreditation (no win-or-lose coin) but
/// may lose volume to other qualified providers; the revenue shortfall can
/// make it fail. A volume loss is a lost outcome in the wait-and-see record.
void face_volume_risk(ReplicateState& st, int32_t month, uint32_t id, const ContractTerms& terms,
                      Stream& stream) {
  const AnyQualifiedProvider& aqp = st.scenario.commissioning.any_qualified_provider;
  Mutual& m = st.mutuals[id];
  // Engaged staff perform better (Cabinet Office 2012: absenteeism -20%,
  // turnover -16% after spin-out), so patients' and commissioners' choice
  // leaves an engaged incumbent its volume more often: the logit of keeping
  // it rises as the logit of losing it falls.
  const double loss =
      shift_by_engagement(st.scenario, aqp.volume_loss_prob, -mutual_engagement_gap(st, m));
  if (!stream.bernoulli(loss)) {
    keep_contract(st, month, id, terms, stream);
    return;
  }
  st.tallies.aqp_volume_losses += st.weight(m.org);
  st.evidence.lost += st.weight(m.org);
  st.add_event(month, EventKind::AqpVolumeLoss, m.route, m.org, m.first_service, m.staff,
               m.whole_organisation, static_cast<uint8_t>(m.form));
  if (stream.bernoulli(aqp.failure_on_volume_loss_prob)) {
    fail_mutual(st, month, id);
    return;
  }
  m.procurement = terms.procurement;  // still accredited, on less work
  m.contract_end = month + 12 * terms.years;
}

void retender(ReplicateState& st, int32_t month, uint32_t id) {
  Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::Retender);
  Mutual& m = st.mutuals[id];
  const uint32_t sector = st.population.organisations[m.org].sector;
  const int16_t line = st.contract_line(m.whole_organisation, m.first_service);
  const ContractTerms terms = award_to_mutual(st, m, sector, line, month, stream);
  st.tallies.retendered_this_month += st.weight(m.org);
  if (terms.procurement == Procurement::AnyQualifiedProvider &&
      st.scenario.commissioning.any_qualified_provider.incumbent_accredited) {
    face_volume_risk(st, month, id, terms, stream);
    return;
  }
  const double retention = shift_by_engagement(
      st.scenario, retention_probability(st.scenario, terms.procurement, m.form),
      mutual_engagement_gap(st, m));
  if (stream.bernoulli(retention)) {
    keep_contract(st, month, id, terms, stream);
    return;
  }
  st.tallies.lost_this_month += st.weight(m.org);
  st.evidence.lost += st.weight(m.org);
  st.add_event(month, EventKind::ContractLost, m.route, m.org, m.first_service, m.staff,
               m.whole_organisation, static_cast<uint8_t>(m.form));
  const double fail = std::min(1.0, form_terms(st.scenario.forms, m.form).failure_multiplier *
                                        st.scenario.mutuals.failure_on_loss_prob);
  if (stream.bernoulli(fail)) {
    fail_mutual(st, month, id);
    return;
  }
  // It survives on other work: its next contract comes up on the usual terms.
  const ContractTerms next = award_to_mutual(st, m, sector, line, month, stream);
  m.procurement = next.procurement;
  m.contract_end = month + 12 * next.years;
}

}  // namespace

ContractTerms award_contract(const ReplicateState& st, uint32_t sector, int16_t line, int32_t month,
                             Stream& stream, bool reservation_allowed) {
  const Scenario& s = st.scenario;
  const ReservedContracts& reserved = s.programmes.reserved_contracts;
  const Month date = st.date(month);
  if (reservation_allowed && reservation_open(st, sector, line, date) &&
      stream.bernoulli(reserved.share))
    return {reserved.max_years, Procurement::Reserved};
  const auto& schedule = s.commissioning.sectors[st.index.sector_schedule[sector]].value;
  const CommissioningPeriod& terms = terms_at(schedule, date);
  const Procurement procurement =
      draw_procurement(route_shares_for(st, sector, line, date), stream);
  return {draw_years(terms.contract_years, stream), procurement};
}

ContractTerms award_contract(const ReplicateState& st, uint32_t sector, int32_t month,
                             Stream& stream) {
  return award_contract(st, sector, kNoServiceLine, month, stream, true);
}

void found_mutual(ReplicateState& st, int32_t month, uint32_t id) {
  Proposal& p = st.proposals[id];
  p.stage = Stage::SpunOut;
  const Route& route = st.scenario.routes[p.route].value;
  Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::ContractAward);
  const auto mutual_id = static_cast<int32_t>(st.mutuals.size());
  st.mutuals.push_back({p.route, p.org, p.first_service, p.end_service, p.staff, month, month,
                        Procurement::DirectAward, st.is_nhs(p.org), p.whole_organisation, true,
                        p.form});
  Mutual& m = st.mutuals.back();
  ContractTerms terms{};
  if (route.contract.guaranteed) {
    const int span = route.contract.max_years - route.contract.min_years + 1;
    terms = {route.contract.min_years + static_cast<int>(stream.uniform() * span),
             Procurement::DirectAward};
  } else {
    terms = award_to_mutual(st, m, st.population.organisations[p.org].sector,
                            st.contract_line(p.whole_organisation, p.first_service), month, stream);
  }
  m.contract_end = month + 12 * terms.years;
  m.procurement = terms.procurement;
  for (uint32_t s = p.first_service; s < p.end_service; ++s) {
    st.service_status[s] = ServiceStatus::InMutual;
    st.service_owner[s] = mutual_id;
  }
  st.tallies.spinouts_by_route[p.route] += st.weight(p.org);
  if (p.whole_organisation) st.tallies.whole_spinouts_by_route[p.route] += st.weight(p.org);
  st.add_event(month, EventKind::Spinout, p.route, p.org, p.first_service, p.staff,
               p.whole_organisation, static_cast<uint8_t>(p.form));
}

void run_commissioning(ReplicateState& st, int32_t month) {
  st.tallies.retendered_this_month = 0;
  st.tallies.lost_this_month = 0;
  const auto count = static_cast<uint32_t>(st.mutuals.size());
  for (uint32_t id = 0; id < count; ++id)
    if (st.mutuals[id].active && st.mutuals[id].contract_end <= month) retender(st, month, id);
}

}  // namespace mutsim
