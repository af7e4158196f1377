#pragma once
// The attitude kernel as it was before issue 6, kept as the reference the
// vectorised step_service_staff must match bit for bit: one scalar Philox
// Stream and one Boost normal per agent, sums in staff order. Shared by the
// kernel test and the benchmark that quotes the speed-up.
#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cstdint>

#include "sim/model/attitudes.hpp"
#include "sim/random/random.hpp"

namespace mutsim::reference {

inline ServiceSums scalar_staff_step(const AttitudeStepTerms& t, const ServiceStepTerms& service,
                                     StaffArrays& staff, uint64_t begin, uint64_t end,
                                     uint64_t seed, uint32_t replicate, int32_t month) {
  ServiceSums sums;
  boost::random::normal_distribution<float> noise(0.0f, t.noise_sd);
  for (uint64_t i = begin; i < end; ++i) {
    Stream stream(seed, replicate, static_cast<uint16_t>(month), static_cast<uint32_t>(i),
                  Purpose::AttitudeNoise);
    const float a = staff.attitude[i];
    const float target = service.base + t.entrepreneurial_weight * staff.entrepreneurial[i] -
                         t.pension_weight * staff.pension_concern[i] -
                         staff.risk_aversion[i] * service.insecurity +
                         staff.engagement[i] * service.information_gain;
    const float next = a + t.adjustment_rate * (target - a) +
                       t.peer_weight * staff.engagement[i] * (service.peer_mean - a) +
                       noise(stream);
    const float clamped = std::clamp(next, -1.0f, 1.0f);
    staff.attitude[i] = clamped;
    sums.attitude_sum += clamped;
    sums.supporters += clamped > t.support_threshold;
    sums.champions +=
        (clamped >= t.champion_attitude) & (staff.entrepreneurial[i] >= t.champion_entrepreneurial);
  }
  return sums;
}

}  // namespace mutsim::reference
