#include "sim/model/programmes.hpp"

#include <algorithm>

#include "sim/model/climate.hpp"
#include "sim/model/pipeline.hpp"
#include "sim/random/random.hpp"

namespace mutsim {
namespace {

/// True in the month a programme starts, or in the first month when it
/// started before the simulated period.
bool starts_now(const ReplicateState& st, Month start, int32_t month) {
  return st.date(month) == start || (month == 0 && start < st.scenario.time.start);
}

/// Organisation types cease on their divest_date (PCT provider arms in
/// 2011); their organisations become the successor type.
void apply_divestments(ReplicateState& st, int32_t month) {
  const auto& types = st.scenario.population.org_types;
  for (uint32_t o = 0; o < st.org_type.size(); ++o) {
    // Follow chains (A -> B -> C) but never more steps than there are types.
    for (size_t step = 0; step < types.size(); ++step) {
      const OrgType& type = types[st.org_type[o]].value;
      if (!type.divest_date || st.date(month) < *type.divest_date) break;
      st.org_type[o] = successor_type(st.scenario, st.index, st.seed, st.org_type[o], o);
    }
  }
}

}  // namespace

uint32_t successor_type(const Scenario& s, const ScenarioIndex& index, uint64_t seed, uint32_t type,
                        uint32_t org) {
  const auto& shares = s.population.org_types[type].value.divest_shares;
  if (shares.empty()) return static_cast<uint32_t>(index.divest_to[type]);
  // One uniform per organisation of the frame, whatever the replicate or
  // scale: an organisation's successor is part of the world, like its size.
  Stream stream(seed, 0, kSetupMonth, org, Purpose::DivestSuccessor);
  const double u = stream.uniform();
  double cumulative = 0;
  for (const auto& [name, share] : shares) {
    cumulative += share.share;
    if (u < cumulative) return static_cast<uint32_t>(index_of_named(s.population.org_types, name));
  }
  // Rounding: the last successor with a positive share.
  for (auto it = shares.rbegin(); it != shares.rend(); ++it)
    if (it->value.share > 0)
      return static_cast<uint32_t>(index_of_named(s.population.org_types, it->name));
  return static_cast<uint32_t>(index.divest_to[type]);
}

namespace {

void choose_pathfinder(ReplicateState& st, int32_t month, uint32_t o) {
  const Organisation& org = st.population.organisations[o];
  const auto route = static_cast<uint32_t>(st.climate.open_route[st.org_type[o]]);
  st.add_event(month, EventKind::PathfinderChosen, route, o, org.first_service, org.staff(), true);
  start_proposal(st, month, route, o, org.first_service, org.end_service, true, true);
  st.proposals.back().funded = true;
  st.org_pathfinder[o] = 1;
  // Its grant in real-world pounds: it stands for weight trusts.
  st.tallies.fund_spent_gbp += st.weight(o) * st.scenario.programmes.pathfinder.grant_gbp;
}

void select_pathfinders(ReplicateState& st, int32_t month) {
  const Pathfinder& pf = st.scenario.programmes.pathfinder;
  struct Applicant {
    double score, last;  // random order; the draw deciding a last, partial pick
    uint32_t org;
  };
  std::vector<Applicant> applicants;
  for (uint32_t o = 0; o < st.population.organisations.size(); ++o) {
    const uint32_t type = st.org_type[o];
    if (!st.index.pathfinder_type[type] || st.climate.open_route[type] < 0) continue;
    if (st.org_support_share[o] < pf.application_support || !organisation_available(st, o, month))
      continue;
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), o, Purpose::Pathfinder);
    const double score = stream.uniform();
    applicants.push_back({score, stream.uniform(), o});
  }
  // Chosen at random among applicants: the seed article names no criterion.
  std::sort(applicants.begin(), applicants.end(), [](const Applicant& a, const Applicant& b) {
    return a.score < b.score || (a.score == b.score && a.org < b.org);
  });
  // Each chosen trust stands for weight trusts: choose until the real-world
  // number chosen reaches pf.trusts (at scale 1, exactly pf.trusts). A last
  // applicant that stands for more trusts than are left is chosen with
  // probability left / weight, so pf.trusts are chosen in expectation.
  double chosen = 0;
  for (const Applicant& a : applicants) {
    const double left = pf.trusts - chosen;
    const double weight = st.weight(a.org);
    if (left <= 0 || (weight > left && a.last >= left / weight)) break;
    choose_pathfinder(st, month, a.org);
    chosen += weight;
  }
}

/// The lever of issue 13 item 8, with the board's and the staff's parts
/// explicit: an eligible large trust whose staff support reaches
/// staff_quorum has its board consider converting with logistic(entry_logit)
/// a month; the board agrees with board_consent, and the trust starts a
/// board-led whole-organisation proposal (a spin-out or, with
/// governance_prob, a governance mutual). Its staff vote again at the
/// business case (pipeline.cpp).
void convert_large_trusts(ReplicateState& st, int32_t month) {
  const LargeTrustConversion& lt = st.scenario.programmes.large_trust_conversion;
  const double p = logistic(lt.entry_logit);
  for (uint32_t o = 0; o < st.population.organisations.size(); ++o) {
    const uint32_t type = st.org_type[o];
    const Organisation& org = st.population.organisations[o];
    if (!st.index.large_trust_type[type] || st.climate.open_route[type] < 0) continue;
    if (static_cast<double>(org.staff()) < lt.min_staff || !organisation_available(st, o, month))
      continue;
    if (st.org_support_share[o] < lt.staff_quorum) continue;
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), o, Purpose::LargeTrust);
    const bool considers = stream.bernoulli(p);
    const bool agrees = stream.bernoulli(lt.board_consent);
    if (considers && agrees)
      start_proposal(st, month, static_cast<uint32_t>(st.climate.open_route[type]), o,
                     org.first_service, org.end_service, true, false, true);
  }
}

}  // namespace

void update_programmes(ReplicateState& st, int32_t month) {
  apply_divestments(st, month);
  update_climate(st, month);
  const Programmes& p = st.scenario.programmes;
  if (p.pathfinder.enabled && starts_now(st, p.pathfinder.start, month))
    select_pathfinders(st, month);
  if (p.large_trust_conversion.enabled && st.date(month) >= p.large_trust_conversion.start)
    convert_large_trusts(st, month);
}

}  // namespace mutsim
