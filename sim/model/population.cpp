#include "sim/model/population.hpp"

#include <tbb/parallel_for.h>
#include <boost/random/normal_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

#include "sim/model/service_lines.hpp"
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
/// [service_min, service_max]; the remainder joins the last unit).
std::vector<uint32_t> service_sizes(const OrgType& type, double org_staff, uint64_t seed,
                                    uint32_t org) {
  Stream stream(seed, 0, kSetupMonth, org, Purpose::ServiceSize);
  boost::random::normal_distribution<double> normal(std::log(type.service_median),
                                                    type.service_sigma);
  std::vector<uint32_t> sizes;
  auto remaining = static_cast<int64_t>(std::llround(org_staff));
  while (remaining > 0) {
    auto size = static_cast<int64_t>(std::llround(std::exp(normal(stream))));
    size = std::clamp<int64_t>(size, type.service_min, type.service_max);
    // A remainder too small to be a unit of its own joins this one.
    if (remaining - size < type.service_min) size = remaining;
    remaining -= size;
    sizes.push_back(static_cast<uint32_t>(size));
    // Format 1.1 and earlier sampled units here, one uniform per unit; the
    // draw is kept (and ignored) so the frame, and every scale-1 run, is the
    // one those versions drew.
    stream.uniform();
  }
  return sizes;
}

/// Within each type, the organisations with the n_t smallest uniform keys:
/// a simple random sample without replacement of fixed size n_t.
std::vector<uint8_t> draw_sample(const PopulationStructure& frame, const Scenario& s, uint64_t seed,
                                 uint32_t replicate) {
  const std::vector<uint32_t> kept = organisations_kept(s);
  std::vector<std::vector<std::pair<double, uint32_t>>> keys(kept.size());
  for (uint32_t o = 0; o < frame.organisations.size(); ++o) {
    Stream stream(seed, replicate, kSetupMonth, o, Purpose::OrganisationSample);
    keys[frame.organisations[o].type].push_back({stream.uniform(), o});
  }
  std::vector<uint8_t> in_sample(frame.organisations.size(), 0);
  for (size_t t = 0; t < keys.size(); ++t) {
    auto& k = keys[t];
    const size_t n = std::min<size_t>(kept[t], k.size());
    std::partial_sort(k.begin(), k.begin() + static_cast<std::ptrdiff_t>(n), k.end());
    for (size_t i = 0; i < n; ++i) in_sample[k[i].second] = 1;
  }
  return in_sample;
}

}  // namespace

double PopulationStructure::weighted_staff() const {
  double total = 0;
  for (size_t o = 0; o < organisations.size(); ++o)
    total += org_weight[o] * static_cast<double>(organisations[o].staff());
  return total;
}

std::vector<uint32_t> organisations_kept(const Scenario& s) {
  std::vector<uint32_t> kept;
  for (const auto& type : s.population.org_types) {
    const auto count = static_cast<uint32_t>(type.value.count);
    const double fraction = std::min(1.0, s.population.scale * type.value.oversample);
    const auto n = static_cast<uint32_t>(std::llround(fraction * count));
    // At least one of every type that has any, so no type drops out.
    kept.push_back(count == 0 ? 0 : std::clamp<uint32_t>(n, 1, count));
  }
  return kept;
}

double expected_staff_agents(const Scenario& s) {
  const std::vector<uint32_t> kept = organisations_kept(s);
  double total = 0;
  for (size_t t = 0; t < kept.size(); ++t) {
    const OrgType& type = s.population.org_types[t].value;
    if (type.count > 0) total += type.staff_total * kept[t] / type.count;
  }
  return total;
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
    drafts[o].services = service_sizes(type, org_staff[o], seed, static_cast<uint32_t>(o));
  });

  PopulationStructure pop;
  pop.scale = 1.0;
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
  pop.org_weight.assign(pop.organisations.size(), 1.0);
  pop.service_line = draw_service_lines(s, pop, seed);
  return pop;
}

PopulationStructure sample_population(const PopulationStructure& frame, const Scenario& s,
                                      uint64_t seed, uint32_t replicate) {
  if (s.population.scale >= 1.0) return frame;
  const std::vector<uint8_t> in_sample = draw_sample(frame, s, seed, replicate);
  const std::vector<uint32_t> kept = organisations_kept(s);
  std::vector<uint32_t> count(kept.size(), 0);
  for (const auto& org : frame.organisations) ++count[org.type];

  PopulationStructure pop;
  pop.scale = s.population.scale;
  pop.service_org = frame.service_org;
  pop.service_line = frame.service_line;
  pop.service_staff_begin.assign(1, 0);
  pop.service_staff_begin.reserve(frame.service_staff_begin.size());
  pop.org_weight.assign(frame.organisations.size(), 0.0);
  for (size_t o = 0; o < frame.organisations.size(); ++o) {
    Organisation org = frame.organisations[o];
    org.first_staff = pop.service_staff_begin.back();
    // A unit outside the sample keeps its index and has no staff.
    for (uint32_t u = org.first_service; u < org.end_service; ++u)
      pop.service_staff_begin.push_back(pop.service_staff_begin.back() +
                                        (in_sample[o] ? frame.service_size(u) : 0));
    org.end_staff = pop.service_staff_begin.back();
    if (in_sample[o]) pop.org_weight[o] = double(count[org.type]) / double(kept[org.type]);
    pop.organisations.push_back(org);
  }
  return pop;
}

}  // namespace mutsim
