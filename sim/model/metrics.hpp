#pragma once
// What is measured at the end of each month: the catalogue of series (name,
// unit, description) and the function that fills one month's values.
#include <span>
#include <string>
#include <vector>

#include "sim/model/state.hpp"

namespace mutsim {

struct SeriesInfo {
  std::string name;
  std::string unit;
  std::string description;
};

/// Every series the recorder writes, in a fixed order (per-route series
/// follow the scenario's route order).
std::vector<SeriesInfo> series_catalogue(const Scenario& s);

/// Fills `out` (one value per catalogue entry) for the state at the end of `month`.
void measure_month(const ReplicateState& state, int32_t month, std::span<double> out);

/// Linear interpolation between observations, flat outside them.
double interpolate(const std::vector<SeriesPoint>& points, Month date);

}  // namespace mutsim
