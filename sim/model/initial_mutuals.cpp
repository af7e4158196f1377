#include "sim/model/initial_mutuals.hpp"

#include <algorithm>
#include <vector>

#include "sim/model/forms.hpp"
#include "sim/random/random.hpp"

namespace mutsim {
namespace {

std::vector<uint32_t> organisations_of_type(const ReplicateState& st, uint32_t type) {
  std::vector<uint32_t> out;
  const auto& orgs = st.population.organisations;
  for (uint32_t o = 0; o < orgs.size(); ++o)
    if (orgs[o].type == type) out.push_back(o);
  return out;
}

/// The route an initial mutual's events are filed under: the first route
/// its type is on (0 when none; it never proposes, only re-tenders).
uint32_t route_of_type(const Scenario& s, const std::string& type) {
  for (uint32_t r = 0; r < s.routes.size(); ++r) {
    const auto& types = s.routes[r].value.org_types;
    if (std::find(types.begin(), types.end(), type) != types.end()) return r;
  }
  return 0;
}

Form form_named(const std::string& name) {
  const auto at = std::find(kFormNames.begin(), kFormNames.end(), name);
  return static_cast<Form>(at - kFormNames.begin());  // validated by the config checks
}

void place_row(ReplicateState& st, uint32_t row, const InitialMutual& spec) {
  const Scenario& s = st.scenario;
  const auto type = static_cast<uint32_t>(index_of_named(s.population.org_types, spec.org_type));
  const std::vector<uint32_t> hosts = organisations_of_type(st, type);
  if (hosts.empty()) return;
  Stream stream(st.seed, 0, kSetupMonth, row, Purpose::InitialMutualHost);
  const uint32_t o = hosts[std::min<size_t>(
      hosts.size() - 1, static_cast<size_t>(stream.uniform() * static_cast<double>(hosts.size())))];
  if (st.weight(o) <= 0) return;  // not in this replicate's sample
  const Organisation& org = st.population.organisations[o];
  uint32_t first = org.first_service;
  while (first < org.end_service && st.service_status[first] != ServiceStatus::Public) ++first;
  if (first == org.end_service) return;  // every unit already taken by an earlier row
  uint32_t end = first;
  uint64_t staff = 0;
  while (end < org.end_service && st.service_status[end] == ServiceStatus::Public &&
         (end == first || static_cast<double>(staff) < spec.staff))
    staff += st.population.service_size(end++);
  const auto id = static_cast<int32_t>(st.mutuals.size());
  st.mutuals.push_back({route_of_type(s, spec.org_type), o, first, end, staff,
                        spec.founded - s.time.start, spec.contract_end - s.time.start,
                        Procurement::DirectAward, st.is_nhs(o), false, true,
                        form_named(spec.form)});
  for (uint32_t u = first; u < end; ++u) {
    st.service_status[u] = ServiceStatus::InMutual;
    st.service_owner[u] = id;
  }
}

}  // namespace

void place_initial_mutuals(ReplicateState& st) {
  const auto& rows = st.scenario.mutuals.initial_mutuals;
  for (uint32_t r = 0; r < rows.size(); ++r) place_row(st, r, rows[r].value);
}

}  // namespace mutsim
