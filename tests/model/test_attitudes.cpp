// The monthly attitude step in isolation: targets computed by hand, the
// partial adjustment, peer pull and noise, and the per-service aggregates.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tests/model/world.hpp"

using namespace mutsim;
using namespace mutsim::test;

namespace {

/// Hand-computed contract security and procurement uncertainty in January
/// 2010 for small.yaml's organisation types (see test_climate.cpp).
struct Outlook {
  double security, uncertainty;
};
Outlook january_2010_outlook(const std::string& type) {
  if (type == "pct_provider") return {(0.6 + 0.8 + 1.0) / 3, 0.1};  // TCS guarantee 3..5 years
  if (type == "local_council") return {0.6, 0.5 * 0.1 + 0.5 * 1.0};
  return {0.7 * 0.2 + 0.3 * 0.6, 0.6 * 0.1 + 0.2 * 0.7 + 0.2 * 1.0};  // NHS commissioners
}

/// The target attitude of agent i, from the formula in attitudes.hpp with
/// every term written out, in double precision; January 2010, no evidence.
/// Not clamped: only the attitude itself is kept within [-1, 1].
double hand_target(World& w, uint64_t i, uint32_t service) {
  const AttitudeParams& a = w.scenario.attitude;
  const ReplicateState& st = w.st();
  const uint32_t org = w.population.service_org[service];
  const Outlook outlook =
      january_2010_outlook(w.scenario.population.org_types[st.org_type[org]].name);
  const double wait_and_see_uncertainty = 1.0;  // prior / (prior + 0)
  const double signal = 0.0;
  const double information = 0.0;  // the information service starts 2011-07
  const double base =
      a.baseline + st.service_culture[service] + a.wait_and_see_outcome_weight * signal;
  const double insecurity = a.contract_insecurity_weight * (1 - outlook.security) +
                            a.procurement_weight * outlook.uncertainty +
                            a.wait_and_see_uncertainty_weight * wait_and_see_uncertainty;
  const double target = base + a.entrepreneurial_weight * st.staff.entrepreneurial[i] -
                        a.pension_weight * st.staff.pension_concern[i] -
                        st.staff.risk_aversion[i] * insecurity +
                        st.staff.engagement[i] * a.information_weight * information;
  return target;
}

double clamped(double x) { return std::clamp(x, -1.0, 1.0); }

/// A spread of services across all organisation types.
std::vector<uint32_t> sample_services(const World& w) {
  std::vector<uint32_t> out;
  for (const auto& org : w.population.organisations) {
    if (org.first_service == org.end_service) continue;
    out.push_back(org.first_service);
    out.push_back(org.end_service - 1);
  }
  return out;
}

void check_aggregates(World& w) {
  const ReplicateState& st = w.st();
  const AttitudeStepTerms terms = attitude_step_terms(w.scenario);
  for (uint32_t s = 0; s < w.population.services(); ++s) {
    double sum = 0;
    uint32_t supporters = 0, champions = 0;
    for (uint64_t i = w.population.service_staff_begin[s];
         i < w.population.service_staff_begin[s + 1]; ++i) {
      const float a = st.staff.attitude[i];
      sum += a;
      supporters += a > terms.support_threshold;
      champions += a >= terms.champion_attitude &&
                   st.staff.entrepreneurial[i] >= terms.champion_entrepreneurial;
    }
    INFO("service " << s);
    REQUIRE(st.aggregates.attitude_sum[s] == Approx(sum).margin(1e-9));
    REQUIRE(st.aggregates.supporters[s] == supporters);
    REQUIRE(st.aggregates.champions[s] == champions);
  }
  for (size_t o = 0; o < w.population.organisations.size(); ++o) {
    const Organisation& org = w.population.organisations[o];
    if (org.staff() == 0) continue;
    double sum = 0;
    uint64_t supporters = 0;
    for (uint64_t i = org.first_staff; i < org.end_staff; ++i) {
      sum += st.staff.attitude[i];
      supporters += st.staff.attitude[i] > terms.support_threshold;
    }
    REQUIRE(st.org_attitude_mean[o] == Approx(sum / double(org.staff())).margin(1e-9));
    REQUIRE(st.org_support_share[o] == Approx(double(supporters) / double(org.staff())));
  }
}

}  // namespace

TEST_CASE("rate 1 without noise or peers: attitudes equal their targets", "[unit][attitudes]") {
  World w({"attitude.noise_sd=0", "attitude.peer_weight=0", "attitude.adjustment_rate=1"});
  // Scramble attitudes so the step has to do the work.
  for (auto& a : w.st().staff.attitude) a = -0.9f;
  update_climate(w.st(), 0);
  update_attitudes(w.st(), 0);
  size_t checked = 0, unclamped = 0;
  for (uint32_t s : sample_services(w)) {
    for (uint64_t i = w.population.service_staff_begin[s];
         i <
         std::min(w.population.service_staff_begin[s] + 3, w.population.service_staff_begin[s + 1]);
         ++i) {
      const double expected = clamped(hand_target(w, i, s));
      INFO("agent " << i << " service " << s);
      REQUIRE(w.st().staff.attitude[i] == Approx(expected).margin(2e-6));
      ++checked;
      unclamped += std::abs(expected) < 1;
    }
  }
  CHECK(checked > 50);
  CHECK(unclamped > checked / 2);
  // Every agent, not only the sample, moved off the scrambled value.
  size_t stuck = 0;
  for (float a : w.st().staff.attitude) stuck += a == -0.9f;
  CHECK(stuck < w.st().staff.size() / 1000);
  check_aggregates(w);
}

TEST_CASE("initial attitudes without noise are the targets", "[unit][attitudes]") {
  // With no monthly noise the initial spread around targets is zero too.
  World w({"attitude.noise_sd=0"});
  for (uint32_t s : sample_services(w)) {
    const uint64_t i = w.population.service_staff_begin[s];
    INFO("agent " << i);
    REQUIRE(w.st().staff.attitude[i] == Approx(clamped(hand_target(w, i, s))).margin(2e-6));
  }
  check_aggregates(w);
}

TEST_CASE("partial adjustment closes `rate` of the gap", "[unit][attitudes]") {
  World w({"attitude.noise_sd=0", "attitude.peer_weight=0", "attitude.adjustment_rate=0.25"});
  auto& attitude = w.st().staff.attitude;
  for (size_t i = 0; i < attitude.size(); ++i) attitude[i] = (i % 2) ? 0.8f : -0.8f;
  const std::vector<float> before = attitude;
  update_attitudes(w.st(), 0);
  for (uint32_t s : sample_services(w)) {
    const uint64_t i = w.population.service_staff_begin[s];
    const double expected = clamped(before[i] + 0.25 * (hand_target(w, i, s) - before[i]));
    INFO("agent " << i);
    REQUIRE(attitude[i] == Approx(expected).margin(2e-6));
  }
}

TEST_CASE("peers pull towards the unit and organisation mean", "[unit][attitudes]") {
  World w({"attitude.noise_sd=0", "attitude.adjustment_rate=0", "attitude.peer_weight=0.5",
           "attitude.organisation_peer_share=0.25"});
  ReplicateState& st = w.st();
  // Aggregates must describe the attitudes the step starts from.
  initialise_attitudes(st);
  const std::vector<float> before = st.staff.attitude;
  update_attitudes(st, 0);
  for (uint32_t s : sample_services(w)) {
    const uint32_t o = w.population.service_org[s];
    const Organisation& org = w.population.organisations[o];
    double service_sum = 0, org_sum = 0;
    for (uint64_t i = w.population.service_staff_begin[s];
         i < w.population.service_staff_begin[s + 1]; ++i)
      service_sum += before[i];
    for (uint64_t i = org.first_staff; i < org.end_staff; ++i) org_sum += before[i];
    const double peer_mean = 0.75 * service_sum / double(w.population.service_size(s)) +
                             0.25 * org_sum / double(org.staff());
    const uint64_t i = w.population.service_staff_begin[s];
    const double expected = before[i] + 0.5 * st.staff.engagement[i] * (peer_mean - before[i]);
    INFO("agent " << i);
    REQUIRE(st.staff.attitude[i] == Approx(expected).margin(1e-5));
  }
  check_aggregates(w);
}

TEST_CASE("with noise only, monthly changes have sd noise_sd", "[stat][attitudes]") {
  constexpr double kSigma = 0.02;
  World w({"attitude.noise_sd=0.02", "attitude.adjustment_rate=0", "attitude.peer_weight=0"});
  auto& attitude = w.st().staff.attitude;
  std::fill(attitude.begin(), attitude.end(), 0.0f);
  update_attitudes(w.st(), 3);
  const auto n = double(attitude.size());
  double sum = 0, sum_sq = 0;
  for (float a : attitude) sum += a, sum_sq += double(a) * a;
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  CHECK(std::abs(mean) < 4 * kSigma / std::sqrt(n));
  CHECK(std::abs(sd - kSigma) < 4 * kSigma / std::sqrt(2 * n));
  // The next month's shocks are new draws, not a repeat.
  const std::vector<float> first = attitude;
  update_attitudes(w.st(), 4);
  double cross = 0, second_sq = 0;
  for (size_t i = 0; i < attitude.size(); ++i) {
    const double change = double(attitude[i]) - first[i];
    cross += change * first[i];
    second_sq += change * change;
  }
  CHECK(std::sqrt(second_sq / n) == Approx(kSigma).epsilon(4 / std::sqrt(2 * n)));
  CHECK(std::abs(cross / n) < 4 * kSigma * kSigma / std::sqrt(n));
}

TEST_CASE("attitudes stay within [-1, 1]", "[unit][attitudes]") {
  World w({"attitude.baseline=1", "attitude.entrepreneurial_weight=5", "attitude.noise_sd=0.5"});
  for (int month = 0; month < 3; ++month) update_attitudes(w.st(), month);
  size_t at_top = 0;
  for (float a : w.st().staff.attitude) {
    REQUIRE(a >= -1.0f);
    REQUIRE(a <= 1.0f);
    at_top += a == 1.0f;
  }
  CHECK(at_top > w.st().staff.size() / 10);
  check_aggregates(w);
}

TEST_CASE("stationary initial spread matches the monthly noise", "[stat][attitudes]") {
  // Starting spread around targets is noise_sd / sqrt(rate (2 - rate)) (the
  // AR(1) stationary sd), so the spread does not jump in the first month.
  constexpr double kNoise = 0.05, kRate = 0.2;
  World w({"attitude.noise_sd=0.05", "attitude.adjustment_rate=0.2", "attitude.peer_weight=0",
           "attitude.baseline=0", "attitude.entrepreneurial_weight=0", "attitude.pension_weight=0",
           "attitude.contract_insecurity_weight=0", "attitude.procurement_weight=0",
           "attitude.wait_and_see_uncertainty_weight=0", "attitude.service_culture_sd=0"});
  // Every target is 0 here, so attitudes are pure initial noise.
  const auto& attitude = w.st().staff.attitude;
  const auto n = double(attitude.size());
  double sum_sq = 0;
  for (float a : attitude) sum_sq += double(a) * a;
  const double expected = kNoise / std::sqrt(kRate * (2 - kRate));
  CHECK(std::abs(std::sqrt(sum_sq / n) - expected) < 4 * expected / std::sqrt(2 * n));
  for (int month = 0; month < 6; ++month) update_attitudes(w.st(), month);
  sum_sq = 0;
  for (float a : attitude) sum_sq += double(a) * a;
  CHECK(std::abs(std::sqrt(sum_sq / n) - expected) < 4 * expected / std::sqrt(2 * n));
}
