#include "sim/model/mutuals.hpp"

#include <algorithm>
#include <cmath>

#include "sim/random/random.hpp"

namespace mutsim {

void fail_mutual(ReplicateState& st, int32_t month, uint32_t id) {
  Mutual& m = st.mutuals[id];
  m.active = false;
  for (uint32_t s = m.first_service; s < m.end_service; ++s) {
    st.service_status[s] = ServiceStatus::Public;
    st.service_owner[s] = -1;
    st.cooldown_until[s] = month + st.scenario.pipeline.cooldown_months;
  }
  if (m.whole_organisation) st.org_whole_busy[m.org] = 0;
  st.tallies.failures += st.weight(m.org);
  // National evidence, in real-world mutuals: a sampled failure stands for weight.
  st.evidence.lost += st.scenario.wait_and_see.failure_weight * st.weight(m.org);
  st.add_event(month, EventKind::Failure, m.route, m.org, m.first_service, m.staff,
               m.whole_organisation, static_cast<uint8_t>(m.form));
}

void grow_mutual(ReplicateState& st, int32_t month, uint32_t id) {
  Mutual& m = st.mutuals[id];
  const Organisation& org = st.population.organisations[m.org];
  const uint32_t next = m.end_service;
  if (next >= org.end_service || st.service_status[next] != ServiceStatus::Public) return;
  st.service_status[next] = ServiceStatus::InMutual;
  st.service_owner[next] = static_cast<int32_t>(id);
  const uint64_t added = st.population.service_size(next);
  m.end_service = next + 1;
  m.staff += added;
  st.add_event(month, EventKind::Growth, m.route, m.org, next, added, m.whole_organisation,
               static_cast<uint8_t>(m.form));
}

void settle_mutuals(ReplicateState& st, int32_t month) {
  const double hazard = st.scenario.mutuals.monthly_failure_prob;
  const auto count = static_cast<uint32_t>(st.mutuals.size());
  for (uint32_t id = 0; id < count; ++id) {
    if (!st.mutuals[id].active) continue;
    Stream stream(st.seed, st.replicate, static_cast<uint16_t>(month), id, Purpose::MutualFate);
    const double multiplier = form_terms(st.scenario.forms, st.mutuals[id].form).failure_multiplier;
    if (stream.bernoulli(std::min(1.0, multiplier * hazard))) fail_mutual(st, month, id);
  }
  const double keep = std::exp(-1.0 / st.scenario.wait_and_see.memory_months);
  st.evidence.retained *= keep;
  st.evidence.lost *= keep;
}

}  // namespace mutsim
