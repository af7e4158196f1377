#include "sim/model/state.hpp"

namespace mutsim {

ReplicateState::ReplicateState(const Scenario& sc, const ScenarioIndex& idx,
                               const PopulationStructure& pop, uint64_t seed_, uint32_t rep)
    : scenario(sc), index(idx), population(pop), seed(seed_), replicate(rep) {
  const size_t services = pop.services();
  const size_t orgs = pop.organisations.size();
  aggregates.attitude_sum.assign(services, 0.0);
  aggregates.supporters.assign(services, 0);
  aggregates.champions.assign(services, 0);
  service_status.assign(services, ServiceStatus::Public);
  service_owner.assign(services, -1);
  cooldown_until.assign(services, 0);
  org_type.resize(orgs);
  for (size_t o = 0; o < orgs; ++o) org_type[o] = pop.organisations[o].type;
  org_attitude_mean.assign(orgs, 0.0);
  org_support_share.assign(orgs, 0.0);
  org_whole_busy.assign(orgs, 0);
  org_pathfinder.assign(orgs, 0);
  const size_t routes = sc.routes.size();
  tallies.proposals_by_route.assign(routes, 0);
  tallies.spinouts_by_route.assign(routes, 0);
  tallies.whole_spinouts_by_route.assign(routes, 0);
  tallies.abandoned_by_route.assign(routes, 0);
  const size_t lines = sc.population.service_lines.size();
  tallies.proposals_by_line.assign(lines, 0);
  tallies.spinouts_by_line.assign(lines, 0);
  tallies.abandoned_by_line.assign(lines, 0);
}

double ReplicateState::service_support_share(uint32_t s) const {
  const uint64_t n = population.service_size(s);
  return n ? static_cast<double>(aggregates.supporters[s]) / static_cast<double>(n) : 0.0;
}

double ReplicateState::service_mean_attitude(uint32_t s) const {
  const uint64_t n = population.service_size(s);
  return n ? aggregates.attitude_sum[s] / static_cast<double>(n) : 0.0;
}

bool ReplicateState::is_nhs(uint32_t org) const {
  return index.sector_nhs[population.organisations[org].sector] != 0;
}

void ReplicateState::add_event(int32_t month, EventKind kind, uint32_t route, uint32_t org,
                               uint32_t service, uint64_t agents, bool whole_organisation,
                               uint8_t form) {
  const int16_t line = contract_line(whole_organisation, service);
  events.push_back({replicate, month, kind, route, org, service, static_cast<double>(agents),
                    weight(org), whole_organisation, form, line});
  if (line == kNoServiceLine) return;
  // Per-line tallies (issue 13 item 5), counted where every event passes.
  if (kind == EventKind::Proposal) tallies.proposals_by_line[line] += weight(org);
  if (kind == EventKind::Spinout) tallies.spinouts_by_line[line] += weight(org);
  if (kind == EventKind::Abandoned) tallies.abandoned_by_line[line] += weight(org);
}

}  // namespace mutsim
