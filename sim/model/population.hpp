#pragma once
// The population's structure: organisations, their service units and the
// staff slots of each unit. The frame (every organisation, every unit at its
// real size) is drawn from the seed alone, so every replicate shares it. At
// population.scale < 1 each replicate then keeps a sample of whole
// organisations, stratified by organisation type (docs/ODD.md section 2):
// a kept organisation has all its units and staff, one not kept has its
// units at size 0, so organisation and unit indices are the frame's in
// every replicate. Organisations are contiguous ranges of services, services
// contiguous ranges of staff, so the hot loop walks plain arrays.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace mutsim {

struct Organisation {
  uint32_t type;  // index into scenario.population.org_types
  uint32_t sector;
  uint32_t first_service;
  uint32_t end_service;
  uint64_t first_staff;
  uint64_t end_staff;
  uint64_t staff() const { return end_staff - first_staff; }
};

struct PopulationStructure {
  std::vector<Organisation> organisations;
  std::vector<uint32_t> service_org;
  std::vector<uint64_t> service_staff_begin;  // services + 1 offsets into staff arrays
  /// Per service: index into scenario.population.service_lines, or
  /// kNoServiceLine (sim/model/service_lines.hpp). Drawn in the frame.
  std::vector<int16_t> service_line;
  /// Per organisation: the inverse of its inclusion probability when it is
  /// in this sample (N_t / n_t for its type t), 0 when it is not. Every
  /// count and total the model feeds back or records adds this weight, so
  /// it is in real-world units. All 1 in the frame and at scale 1.
  std::vector<double> org_weight;
  double scale = 1.0;

  size_t services() const { return service_org.size(); }
  uint64_t staff() const { return service_staff_begin.back(); }
  uint64_t service_size(uint32_t s) const {
    return service_staff_begin[s + 1] - service_staff_begin[s];
  }
  double weight(uint32_t org) const { return org_weight[org]; }
  bool sampled(uint32_t org) const { return org_weight[org] > 0; }
  /// Real-world staff the sample stands for: sum of weight x staff.
  double weighted_staff() const;
};

/// Organisations of each type a sample keeps: n_t = max(1, round(f_t N_t))
/// for a type with N_t > 0 organisations, where f_t = min(1, scale x the
/// type's oversample); N_t at scale 1.
std::vector<uint32_t> organisations_kept(const Scenario& s);

/// Staff agents one replicate's sample is expected to hold (for memory
/// estimates before anything is allocated): sum over types of
/// n_t / N_t x staff_total_t.
double expected_staff_agents(const Scenario& s);

/// Draws the frame: organisation sizes and service sizes, every
/// organisation complete (org_weight all 1, scale 1).
PopulationStructure build_population(const Scenario& s, uint64_t seed);

/// One replicate's sample of the frame: within each organisation type a
/// simple random sample (without replacement) of organisations_kept(s)
/// organisations, keyed by (seed, replicate, organisation), so it does not
/// depend on threads. At scale 1 it is the frame itself.
PopulationStructure sample_population(const PopulationStructure& frame, const Scenario& s,
                                      uint64_t seed, uint32_t replicate);

}  // namespace mutsim
