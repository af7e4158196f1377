#include "sim/calibration/morris.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "sim/random/random.hpp"

namespace mutsim::calibration {
namespace {

/// One trajectory of K + 1 points in the unit cube (Morris 1991: a random
/// base point on the grid below 1 - Delta, random directions, random order).
std::vector<double> draw_trajectory(size_t K, uint32_t levels, double delta, uint64_t seed,
                                    uint32_t entity, std::vector<uint32_t>& order) {
  Stream rng(seed, 0, 0, entity, Purpose::MorrisDesign);
  const uint32_t bases = levels / 2;  // grid values k / (p - 1) with k / (p - 1) + Delta <= 1
  std::vector<double> start(K), other(K);
  for (size_t k = 0; k < K; ++k) {
    const double base = static_cast<double>(rng() % bases) / (levels - 1);
    const bool up = rng() & 1u;
    start[k] = up ? base : base + delta;
    other[k] = up ? base + delta : base;
  }
  order.resize(K);
  std::iota(order.begin(), order.end(), 0u);
  for (size_t k = K; k > 1; --k) std::swap(order[k - 1], order[rng() % k]);  // Fisher-Yates
  std::vector<double> points((K + 1) * K);
  std::copy(start.begin(), start.end(), points.begin());
  for (size_t j = 1; j <= K; ++j) {
    std::copy_n(points.begin() + static_cast<std::ptrdiff_t>((j - 1) * K), K,
                points.begin() + static_cast<std::ptrdiff_t>(j * K));
    points[j * K + order[j - 1]] = other[order[j - 1]];
  }
  return points;
}

/// Campolongo et al. (2007): the spread of two trajectories is the sum of
/// the Euclidean distances between all pairs of their points.
double spread(const std::vector<double>& a, const std::vector<double>& b, size_t K) {
  double total = 0;
  for (size_t i = 0; i <= K; ++i)
    for (size_t j = 0; j <= K; ++j) {
      double sq = 0;
      for (size_t k = 0; k < K; ++k) {
        const double d = a[i * K + k] - b[j * K + k];
        sq += d * d;
      }
      total += std::sqrt(sq);
    }
  return total;
}

}  // namespace

MorrisDesign morris_design(size_t factors, const MorrisSettings& s) {
  if (factors == 0) throw std::invalid_argument("Morris: no factors");
  if (s.trajectories == 0) throw std::invalid_argument("Morris: trajectories must be positive");
  if (s.levels < 2 || s.levels % 2)
    throw std::invalid_argument("Morris: levels must be even and at least 2");
  MorrisDesign d;
  d.factors = factors;
  d.trajectories = s.trajectories;
  d.levels = s.levels;
  d.delta = s.levels / (2.0 * (s.levels - 1));
  const uint32_t drawn = std::max(s.trajectories, s.candidates);
  std::vector<std::vector<double>> candidates(drawn);
  std::vector<std::vector<uint32_t>> orders(drawn);
  for (uint32_t c = 0; c < drawn; ++c)
    candidates[c] = draw_trajectory(factors, s.levels, d.delta, s.seed, c, orders[c]);

  std::vector<uint32_t> keep;
  if (drawn == s.trajectories) {
    keep.resize(drawn);
    std::iota(keep.begin(), keep.end(), 0u);
  } else {
    // Greedy selection: start from the most distant pair, then add the
    // candidate farthest (summed spread) from those kept. Campolongo et al.
    // search all combinations; greedy is the usual fast approximation.
    std::vector<double> dist(static_cast<size_t>(drawn) * drawn, 0.0);
    for (uint32_t a = 0; a < drawn; ++a)
      for (uint32_t b = a + 1; b < drawn; ++b)
        dist[a * drawn + b] = dist[b * drawn + a] = spread(candidates[a], candidates[b], factors);
    uint32_t best_a = 0, best_b = 1;
    for (uint32_t a = 0; a < drawn; ++a)
      for (uint32_t b = a + 1; b < drawn; ++b)
        if (dist[a * drawn + b] > dist[best_a * drawn + best_b]) best_a = a, best_b = b;
    keep = {best_a, best_b};
    std::vector<double> to_kept(drawn, 0.0);
    for (uint32_t c = 0; c < drawn; ++c)
      to_kept[c] = dist[c * drawn + best_a] + dist[c * drawn + best_b];
    while (keep.size() < s.trajectories) {
      uint32_t best = drawn;
      for (uint32_t c = 0; c < drawn; ++c) {
        if (std::find(keep.begin(), keep.end(), c) != keep.end()) continue;
        if (best == drawn || to_kept[c] > to_kept[best]) best = c;
      }
      keep.push_back(best);
      for (uint32_t c = 0; c < drawn; ++c) to_kept[c] += dist[c * drawn + best];
    }
    if (s.trajectories == 1) keep.resize(1);
    std::sort(keep.begin(), keep.end());
  }
  for (uint32_t c : keep) {
    d.unit.insert(d.unit.end(), candidates[c].begin(), candidates[c].end());
    d.changed.insert(d.changed.end(), orders[c].begin(), orders[c].end());
    d.drawn_as.push_back(c);
  }
  return d;
}

MorrisIndices morris_indices(const MorrisDesign& d, std::span<const double> y) {
  if (y.size() != d.points()) throw std::invalid_argument("Morris: one output per design point");
  const size_t K = d.factors;
  MorrisIndices m;
  m.effects.assign(static_cast<size_t>(d.trajectories) * K,
                   std::numeric_limits<double>::quiet_NaN());
  for (uint32_t t = 0; t < d.trajectories; ++t)
    for (size_t j = 1; j <= K; ++j) {
      const size_t row = t * (K + 1) + j;
      const uint32_t k = d.changed[t * K + j - 1];
      const double dx = d.point(row)[k] - d.point(row - 1)[k];
      m.effects[t * K + k] = (y[row] - y[row - 1]) / dx;
    }
  m.mu_star.assign(K, 0);
  m.mu.assign(K, 0);
  m.sigma.assign(K, 0);
  for (size_t k = 0; k < K; ++k) {
    double sum = 0, abs_sum = 0;
    int n = 0;
    for (uint32_t t = 0; t < d.trajectories; ++t) {
      const double e = m.effects[t * K + k];
      if (std::isnan(e)) continue;
      sum += e, abs_sum += std::abs(e), ++n;
    }
    if (n == 0) {
      m.mu_star[k] = m.mu[k] = m.sigma[k] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    m.mu[k] = sum / n;
    m.mu_star[k] = abs_sum / n;
    double sq = 0;
    for (uint32_t t = 0; t < d.trajectories; ++t) {
      const double e = m.effects[t * K + k];
      if (!std::isnan(e)) sq += (e - m.mu[k]) * (e - m.mu[k]);
    }
    m.sigma[k] = n > 1 ? std::sqrt(sq / (n - 1)) : 0.0;
  }
  return m;
}

std::vector<uint32_t> rank_by_mu_star(const std::vector<double>& mu_star) {
  std::vector<uint32_t> order(mu_star.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](uint32_t k) { return std::isnan(mu_star[k]) ? -1.0 : mu_star[k]; };
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return key(a) > key(b); });
  std::vector<uint32_t> rank(mu_star.size());
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<uint32_t>(i + 1);
  return rank;
}

}  // namespace mutsim::calibration
