#pragma once
// Morris elementary-effects screening (Morris 1991) with the mu* measure and
// the trajectory selection of Campolongo, Cariboni and Saltelli (2007).
//
// The design lives in the unit cube [0, 1]^K on a grid of p levels
// {0, 1/(p-1), ..., 1}; each of r trajectories has K + 1 points, and step j
// moves exactly one factor by +Delta or -Delta, Delta = p / (2 (p - 1)).
// Callers map the unit cube linearly onto their parameter ranges.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mutsim::calibration {

struct MorrisSettings {
  uint64_t seed = 0;
  uint32_t trajectories = 10;  // r
  uint32_t levels = 4;         // p, even
  /// Candidate trajectories drawn before keeping the r most spread out
  /// (Campolongo et al. 2007); 0 or <= r: keep the first r drawn.
  uint32_t candidates = 0;
};

struct MorrisDesign {
  size_t factors = 0;         // K
  uint32_t trajectories = 0;  // r
  uint32_t levels = 0;        // p
  double delta = 0;           // p / (2 (p - 1))
  /// [r * (K + 1) * K], row-major: point j of trajectory t is row t * (K + 1) + j.
  std::vector<double> unit;
  /// [r * K]: the factor step j + 1 of trajectory t changes.
  std::vector<uint32_t> changed;
  /// Candidate trajectory each kept one was drawn as (its stream's entity).
  std::vector<uint32_t> drawn_as;

  size_t points() const { return static_cast<size_t>(trajectories) * (factors + 1); }
  const double* point(size_t row) const { return unit.data() + row * factors; }
};

/// Draws the design from Stream(seed, 0, 0, candidate, MorrisDesign).
/// Throws std::invalid_argument for K = 0, r = 0 or an odd or < 2 p.
MorrisDesign morris_design(size_t factors, const MorrisSettings& settings);

struct MorrisIndices {
  std::vector<double> mu_star;  // [K] mean |EE|
  std::vector<double> mu;       // [K] mean EE
  std::vector<double> sigma;    // [K] sd of EE (n - 1 denominator; 0 when r = 1)
  std::vector<double>
      effects;  // [r * K] EE of factor k in trajectory t, in output units per unit-cube Delta
};

/// Elementary effects of one output, given its value at every design point
/// (in the design's row order). EE = (y_j - y_{j-1}) / (x_j - x_{j-1}) in
/// unit-cube coordinates. NaN effects are left out of the means.
MorrisIndices morris_indices(const MorrisDesign& design, std::span<const double> outputs);

/// Rank of each factor by mu*, 1 = most influential; ties keep factor order.
std::vector<uint32_t> rank_by_mu_star(const std::vector<double>& mu_star);

}  // namespace mutsim::calibration
