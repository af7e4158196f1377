#pragma once
// Observed targets (BRIEF.md P1-P5) as data, the simulated quantities they are
// compared with, and the distance ABC uses. The definitions mirror
// analysis/mutsim_analysis/stats.py (OBSERVED_TARGETS, target_values).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/util/month.hpp"

namespace mutsim::calibration {

/// How a simulated quantity is read from one replicate of a run.
enum class Statistic {
  Level,      // the series at `date`
  Change,     // the series at `date` minus the series at `start`
  SizeRatio,  // median staff per spin-out of route `big` / of route `small`, spin-outs up to `date`
  // The two /events statistics of analysis (stats.py listed_abandoned and
  // proposal_size_ratio), weighted by each row's sampling weight:
  ListedAbandoned,    // proposals on `route` open at the end of `start`, abandoned by `date`
  ProposalSizeRatio,  // mean staff of `big` spin-outs up to `date` / of `small` proposals
                      // entered by then and not spun out by then (open or abandoned)
};

/// True for the statistics that take two routes (`routes: [big, small]`).
inline bool takes_routes(Statistic s) {
  return s == Statistic::SizeRatio || s == Statistic::ProposalSizeRatio;
}
/// True for the statistics that take a start month.
inline bool takes_start(Statistic s) {
  return s == Statistic::Change || s == Statistic::ListedAbandoned;
}
/// True for the statistics read from /events rather than a series.
inline bool reads_events(Statistic s) { return takes_routes(s) || s == Statistic::ListedAbandoned; }

/// A simulated quantity: a target's simulated side or a sensitivity output.
struct Quantity {
  std::string id;
  Statistic statistic = Statistic::Level;
  std::string series;            // Level, Change
  std::optional<Month> date;     // nullopt: the scenario's target.date
  std::optional<Month> start;    // Change, ListedAbandoned
  std::string route;             // ListedAbandoned
  std::string big_route;         // SizeRatio, ProposalSizeRatio
  std::string small_route;       // SizeRatio, ProposalSizeRatio
  std::string describe() const;  // e.g. "spinouts_tcs_cumulative at 2011-04"
};

enum class Comparison { Equal, AtLeast };

/// An observed pattern: the quantity, what was observed, how far off still
/// counts as reproducing it, and where the figure comes from.
struct Target {
  Quantity quantity;
  double observed = 0;
  Comparison comparison = Comparison::Equal;
  double tolerance = 1;  // > 0: the distance's unit for this target
  std::string source;
};

/// A quantity bound to one scenario's series, months and routes.
struct ResolvedQuantity {
  Statistic statistic = Statistic::Level;
  int series = -1;
  int32_t month = 0;
  int32_t start_month = 0;
  uint32_t route = 0;
  uint32_t big_route = 0;
  uint32_t small_route = 0;
};

/// Binds `q` to scenario `s`. Throws ConfigError (prefixed by `where`) if the
/// series, a route or a date is not in the scenario's output.
ResolvedQuantity resolve_quantity(const Quantity& q, const Scenario& s, const std::string& where);

/// The quantity in one replicate; NaN where undefined (a ratio without
/// spin-outs or proposals on either route).
double replicate_value(const ResolvedQuantity& q, const RunResult& run, uint32_t replicate);

/// Mean over the run's replicates of the defined replicate values; NaN if
/// none is defined.
double run_value(const ResolvedQuantity& q, const RunResult& run);

/// (simulated - observed) / tolerance; for an "at least" target only a
/// shortfall counts: max(0, observed - simulated) / tolerance. An undefined
/// (NaN) simulated value counts `undefined_penalty`.
double scaled_deviation(const Target& t, double simulated, double undefined_penalty);

/// Root mean square of the scaled deviations over the targets.
double distance(std::span<const Target> targets, std::span<const double> simulated,
                double undefined_penalty);

/// Within the target's tolerance band: |sim - obs| <= tol, or sim >= obs - tol.
bool within_tolerance(const Target& t, double simulated);

const char* statistic_name(Statistic s);
const char* comparison_name(Comparison c);

}  // namespace mutsim::calibration
