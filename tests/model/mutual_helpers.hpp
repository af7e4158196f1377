#pragma once
// Test helpers shared by the model tests that found mutuals by hand, count
// events or read one series of a month's row.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/model/commissioning.hpp"
#include "sim/model/metrics.hpp"
#include "sim/model/pipeline.hpp"
#include "tests/model/world.hpp"

namespace mutsim::test {

/// Founds a one-unit mutual on `route` for every unit of the organisations of
/// `type` whose position in its organisation is a multiple of `stride`;
/// returns the new mutuals' indices.
inline std::vector<uint32_t> found_mutuals(World& w, const char* type, const char* route,
                                           int32_t month, uint32_t stride = 1) {
  ReplicateState& st = w.st();
  std::vector<uint32_t> ids;
  for (uint32_t o = 0; o < w.population.organisations.size(); ++o) {
    const Organisation& org = w.population.organisations[o];
    if (org.type != w.type_index(type)) continue;
    for (uint32_t s = org.first_service; s < org.end_service; s += stride) {
      const auto proposal = static_cast<uint32_t>(st.proposals.size());
      start_proposal(st, month, w.route_index(route), o, s, s + 1, false, false);
      found_mutual(st, month, proposal);
      ids.push_back(static_cast<uint32_t>(st.mutuals.size() - 1));
    }
  }
  return ids;
}

/// Number of events of `kind` recorded in `month`.
inline size_t count_events(const ReplicateState& st, EventKind kind, int32_t month) {
  size_t n = 0;
  for (const Event& e : st.events) n += e.kind == kind && e.month == month;
  return n;
}

/// The value of series `name` in a month's row of the catalogue.
inline double series(const World& w, const std::vector<double>& row, const std::string& name) {
  const auto catalogue = series_catalogue(w.scenario);
  for (size_t k = 0; k < catalogue.size(); ++k)
    if (catalogue[k].name == name) return row[k];
  FAIL("no series " << name);
  return 0;
}

}  // namespace mutsim::test
