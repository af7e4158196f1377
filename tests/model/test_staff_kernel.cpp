// The vectorised staff step (step_service_staff) against the plain kernel it
// replaced: one scalar Stream and Boost normal per agent, sums in staff
// order. Attitudes and sums must agree bit for bit, including units whose
// attitudes fall off the exact-sum grid (tiny, subnormal, zero).
#include <catch2/catch.hpp>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cstring>
#include <vector>

#include "sim/model/attitudes.hpp"
#include "sim/random/random.hpp"
#include "tests/reference/staff_step.hpp"

using namespace mutsim;

namespace {

/// Staff with traits from a stream and attitudes spread over [-1, 1], with
/// every 97th agent's attitude tiny (down to subnormal) or zero.
StaffArrays make_staff(uint64_t n) {
  StaffArrays s;
  for (auto* v :
       {&s.attitude, &s.engagement, &s.risk_aversion, &s.entrepreneurial, &s.pension_concern})
    v->resize(n);
  const float tiny[] = {1e-9f, -3e-12f, 1e-40f, -0.0f, 0.0f, 2.5e-6f};
  for (uint64_t i = 0; i < n; ++i) {
    Stream st(5, 0, 0, static_cast<uint32_t>(i), Purpose::StaffTraits);
    s.engagement[i] = static_cast<float>(st.uniform());
    s.risk_aversion[i] = static_cast<float>(st.uniform());
    s.entrepreneurial[i] = static_cast<float>(st.uniform());
    s.pension_concern[i] = static_cast<float>(st.uniform());
    s.attitude[i] = i % 97 == 0 ? tiny[(i / 97) % 6] : static_cast<float>(2 * st.uniform() - 1);
  }
  return s;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_units(const AttitudeStepTerms& terms, const std::vector<uint64_t>& sizes) {
  uint64_t n = 0;
  for (uint64_t s : sizes) n += s;
  StaffArrays fast = make_staff(n), slow = fast;
  const ServiceStepTerms service{0.05f, 0.3f, 0.07f, 0.02f};
  for (int32_t month : {0, 31}) {
    uint64_t begin = 0;
    for (uint64_t size : sizes) {
      const ServiceSums a =
          step_service_staff(terms, service, fast, begin, begin + size, 20100101, 1, month);
      const ServiceSums b = reference::scalar_staff_step(terms, service, slow, begin, begin + size,
                                                         20100101, 1, month);
      INFO("unit of " << size << " staff from " << begin << ", month " << month);
      CHECK(std::memcmp(&a.attitude_sum, &b.attitude_sum, sizeof(double)) == 0);
      CHECK(a.supporters == b.supporters);
      CHECK(a.champions == b.champions);
      begin += size;
    }
    CHECK(same_bits(fast.attitude, slow.attitude));
  }
}

const std::vector<uint64_t> kSizes = {1, 7, 8, 255, 256, 257, 1000, 4099, 70001, 300000};

}  // namespace

TEST_CASE("the staff step equals the scalar Boost kernel bit for bit",
          "[unit][attitudes][kernel]") {
  // The model's magnitudes: attitudes move and the noise is drawn.
  check_units({0.6f, 0.4f, 0.1f, 0.1f, 0.1f, 0.0f, 0.6f, 0.5f}, kSizes);
}

TEST_CASE("the staff step's sums stay exact with attitudes off the grid",
          "[unit][attitudes][kernel]") {
  // No adjustment, peers or noise: attitudes keep their tiny and subnormal
  // values, so OrderedSum must fall back to the serial sum and return.
  check_units({0.6f, 0.4f, 0.0f, 0.0f, 0.0f, 0.0f, 0.6f, 0.5f}, kSizes);
}
