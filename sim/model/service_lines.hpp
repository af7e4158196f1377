#pragma once
// Service lines (issue 13 item 5): what each service unit does (adult
// hearing, diagnostics, podiatry, ...), drawn once per unit of the frame
// from its organisation type's shares in population.service_lines. A line
// decides whether Any Qualified Provider applies to the unit and whether
// Article 77 lets its contract be reserved for mutuals.
#include <cstdint>
#include <vector>

#include "sim/config/scenario.hpp"

namespace mutsim {

struct PopulationStructure;

/// A unit on no line (the scenario has no lines for its type), and the line
/// of a whole-organisation proposal or mutual (a block contract).
inline constexpr int16_t kNoServiceLine = -1;

/// Per organisation type, the cumulative shares of the lines in scenario
/// order: cumulative[t][l] = sum of shares of lines 0..l for type t.
std::vector<std::vector<double>> service_line_cumulative(const Scenario& s);

/// The line a uniform draw u in [0, 1) picks for a unit of type t, or
/// kNoServiceLine when the type is on no line.
int16_t pick_service_line(const std::vector<double>& cumulative, double u);

/// Every unit's line: one uniform per unit from Stream(seed, 0, kSetupMonth,
/// unit, Purpose::ServiceLine). The unit index is the frame's, so a unit has
/// the same line at every scale and thread count.
std::vector<int16_t> draw_service_lines(const Scenario& s, const PopulationStructure& frame,
                                        uint64_t seed);

/// The share of type t's units on line l (0 when none).
double service_line_share(const Scenario& s, uint32_t type, int16_t line);

/// The line's name, or "" for kNoServiceLine.
const std::string& service_line_name(const Scenario& s, int16_t line);

}  // namespace mutsim
