#include "sim/model/population.hpp"

#include <tbb/parallel_for.h>
#include <boost/random/normal_distribution.hpp>

#include <algorithm>
#include <cmath>

#include "sim/random/random.hpp"

namespace mutsim {
namespace {

/// Sizes of the organisations of one type: log-normal weights rescaled so
/// the type's headcount matches its source total exactly.
std::vector<double> organisation_sizes(const OrgType& type, uint64_t seed, uint32_t first_org) {
  std::vector<double> weights(type.count);
  boost::random::normal_distribution<double> normal(0.0, type.size_sigma);
  for (int k = 0; k < type.count; ++k) {
    Stream stream(seed, 0, kSetupMonth, first_org + k, Purpose::OrganisationSize);
    weights[k] = std::exp(normal(stream));
  }
  double sum = 0;
  for (double w : weights) sum += w;
  for (double& w : weights) w *= type.staff_total / sum;
  return weights;
}

/// Splits one organisation into service units (log-normal sizes clamped to
/// [service_min, service_max]; the remainder joins the last unit) and keeps
/// each unit with probability `scale`.
std::vector<uint32_t> service_sizes(const OrgType& type, double org_staff, double scale,
                                    uint64_t seed, uint32_t org) {
  Stream stream(seed, 0, kSetupMonth, org, Purpose::ServiceSize);
  boost::random::normal_distribution<double> normal(std::log(type.service_median),
                                                    type.service_sigma);
  std::vector<uint32_t> kept;
  auto remaining = static_cast<int64_t>(std::llround(org_staff));
  while (remaining > 0) {
    auto size = static_cast<int64_t>(std::llround(std::exp(normal(stream))));
    size = std::clamp<int64_t>(size, type.service_min, type.service_max);
    // A remainder too small to be a unit of its own joins this one.
    if (remaining - size < type.service_min) size = remaining;
    remaining -= size;
    if (stream.bernoulli(scale)) kept.push_back(static_cast<uint32_t>(size));
  }
  return kept;
}

}  // namespace

double expected_staff_agents(const Scenario& s) {
  double total = 0;
  for (const auto& type : s.population.org_types) total += type.value.staff_total;
  return total * s.population.scale;
}

PopulationStructure build_population(const Scenario& s, uint64_t seed) {
  struct Draft {
    uint32_t type, sector;
    std::vector<uint32_t> services;
  };
  std::vector<Draft> drafts;
  for (size_t t = 0; t < s.population.org_types.size(); ++t) {
    const OrgType& type = s.population.org_types[t].value;
    const auto sector = index_of_named(s.population.sectors, type.sector);
    for (int k = 0; k < type.count; ++k)
      drafts.push_back({static_cast<uint32_t>(t), static_cast<uint32_t>(sector), {}});
  }
  // Organisation sizes per type, then each organisation's units in parallel:
  // every draw is keyed by the organisation's index, so order does not matter.
  std::vector<double> org_staff(drafts.size());
  for (size_t t = 0, first = 0; t < s.population.org_types.size(); ++t) {
    const OrgType& type = s.population.org_types[t].value;
    auto sizes = organisation_sizes(type, seed, static_cast<uint32_t>(first));
    std::copy(sizes.begin(), sizes.end(), org_staff.begin() + static_cast<std::ptrdiff_t>(first));
    first += sizes.size();
  }
  tbb::parallel_for(size_t{0}, drafts.size(), [&](size_t o) {
    const OrgType& type = s.population.org_types[drafts[o].type].value;
    drafts[o].services =
        service_sizes(type, org_staff[o], s.population.scale, seed, static_cast<uint32_t>(o));
  });

  PopulationStructure pop;
  pop.scale = s.population.scale;
  pop.service_staff_begin.push_back(0);
  for (size_t o = 0; o < drafts.size(); ++o) {
    Organisation org{drafts[o].type,
                     drafts[o].sector,
                     static_cast<uint32_t>(pop.service_org.size()),
                     0,
                     pop.service_staff_begin.back(),
                     0};
    for (uint32_t size : drafts[o].services) {
      pop.service_org.push_back(static_cast<uint32_t>(o));
      pop.service_staff_begin.push_back(pop.service_staff_begin.back() + size);
    }
    org.end_service = static_cast<uint32_t>(pop.service_org.size());
    org.end_staff = pop.service_staff_begin.back();
    pop.organisations.push_back(org);
  }
  return pop;
}

}  // namespace mutsim
