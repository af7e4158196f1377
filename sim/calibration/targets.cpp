#include "sim/calibration/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "sim/model/metrics.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::calibration {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int32_t month_in_horizon(Month m, const Scenario& s, const std::string& where,
                         const std::string& what) {
  if (m < s.time.start || m > s.time.end)
    throw ConfigError(fmt::format("{}: {} {} is outside the scenario's horizon {} to {}", where,
                                  what, m.str(), s.time.start.str(), s.time.end.str()));
  return m - s.time.start;
}

uint32_t route_index(const std::string& name, const Scenario& s, const std::string& where) {
  const int i = index_of_named(s.routes, name);
  if (i < 0) {
    std::vector<std::string> names;
    for (const auto& r : s.routes) names.push_back(r.name);
    throw ConfigError(fmt::format("{}: route '{}' is not in the scenario (routes: {})", where, name,
                                  fmt::join(names, ", ")));
  }
  return static_cast<uint32_t>(i);
}

/// Median of `v` (sorted in place); NaN if empty.
double median(std::vector<double>& v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// One proposal of one replicate, as analysis's proposal_table reads it: a
/// proposal's events share route, organisation and first unit and come in
/// month order, so each `proposal` row starts the next proposal of its key
/// and the first spin-out or abandonment after it ends that proposal.
struct ProposalRecord {
  uint32_t route = 0;
  int32_t start = 0;
  int32_t end = -1;  // month spun out or abandoned; -1 while open
  EventKind outcome = EventKind::Proposal;
  double staff = 0;
  double weight = 1;
};

std::vector<ProposalRecord> proposal_records(const RunResult& run, uint32_t replicate) {
  std::vector<ProposalRecord> records;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, size_t> latest;  // key -> last record
  for (const Event& e : run.events) {
    if (e.replicate != replicate) continue;
    const auto key = std::make_tuple(e.route, e.organisation, e.service);
    if (e.kind == EventKind::Proposal) {
      latest[key] = records.size();
      records.push_back({e.route, e.month, -1, EventKind::Proposal, e.staff, e.weight});
      continue;
    }
    if (e.kind != EventKind::Spinout && e.kind != EventKind::Abandoned) continue;
    const auto it = latest.find(key);
    if (it == latest.end() || records[it->second].end >= 0) continue;
    records[it->second].end = e.month;
    records[it->second].outcome = e.kind;
  }
  return records;
}

double listed_abandoned(const ResolvedQuantity& q, const RunResult& run, uint32_t replicate) {
  double count = 0;
  for (const ProposalRecord& p : proposal_records(run, replicate))
    if (p.route == q.route && p.start <= q.start_month && p.outcome == EventKind::Abandoned &&
        p.end > q.start_month && p.end <= q.month)
      count += p.weight;
  return count;
}

/// Weighted mean staff of the rows; NaN for none.
struct WeightedMean {
  double staff = 0;
  double weight = 0;
  void add(double s, double w) { staff += s * w, weight += w; }
  double value() const { return weight > 0 ? staff / weight : kNaN; }
};

double proposal_size_ratio(const ResolvedQuantity& q, const RunResult& run, uint32_t replicate) {
  WeightedMean big, small;
  for (const Event& e : run.events)
    if (e.replicate == replicate && e.kind == EventKind::Spinout && e.route == q.big_route &&
        e.month <= q.month)
      big.add(e.staff, e.weight);
  for (const ProposalRecord& p : proposal_records(run, replicate)) {
    const bool spun_out = p.outcome == EventKind::Spinout && p.end <= q.month;
    if (p.route == q.small_route && p.start <= q.month && !spun_out) small.add(p.staff, p.weight);
  }
  const double b = big.value();
  const double m = small.value();
  return std::isnan(b) || std::isnan(m) || m <= 0 ? kNaN : b / m;
}

double spinout_median_ratio(const ResolvedQuantity& q, const RunResult& run, uint32_t replicate) {
  std::vector<double> big, small;
  for (const Event& e : run.events) {
    if (e.replicate != replicate || e.kind != EventKind::Spinout || e.month > q.month) continue;
    if (e.route == q.big_route) big.push_back(e.staff);
    if (e.route == q.small_route) small.push_back(e.staff);
  }
  const double b = median(big);
  const double m = median(small);
  return std::isnan(b) || std::isnan(m) || m <= 0 ? kNaN : b / m;
}

}  // namespace

const char* statistic_name(Statistic s) {
  switch (s) {
    case Statistic::Level:
      return "level";
    case Statistic::Change:
      return "change";
    case Statistic::SizeRatio:
      return "size_ratio";
    case Statistic::ListedAbandoned:
      return "listed_abandoned";
    case Statistic::ProposalSizeRatio:
      return "proposal_size_ratio";
  }
  return "?";
}

const char* comparison_name(Comparison c) { return c == Comparison::AtLeast ? ">=" : "=="; }

std::string Quantity::describe() const {
  const std::string when = date ? date->str() : "the target date";
  switch (statistic) {
    case Statistic::Level:
      return fmt::format("{} at {}", series, when);
    case Statistic::Change:
      return fmt::format("change in {} from {} to {}", series, start ? start->str() : "?", when);
    case Statistic::SizeRatio:
      return fmt::format("median staff per spin-out, {} / {}, up to {}", big_route, small_route,
                         when);
    case Statistic::ListedAbandoned:
      return fmt::format("{} proposals open at {} abandoned by {}", route,
                         start ? start->str() : "?", when);
    case Statistic::ProposalSizeRatio:
      return fmt::format("mean staff of {} spin-outs / of {} proposals not spun out, up to {}",
                         big_route, small_route, when);
  }
  return id;
}

void resolve_start(const Quantity& q, const Scenario& s, const std::string& where,
                   ResolvedQuantity& r) {
  if (!q.start)
    throw ConfigError(
        fmt::format("{}: a {} needs a start month", where, statistic_name(q.statistic)));
  r.start_month = month_in_horizon(*q.start, s, where, "start");
  if (r.start_month >= r.month)
    throw ConfigError(fmt::format("{}: start {} must be before date {}", where, q.start->str(),
                                  (s.time.start + r.month).str()));
}

ResolvedQuantity resolve_quantity(const Quantity& q, const Scenario& s, const std::string& where) {
  ResolvedQuantity r;
  r.statistic = q.statistic;
  r.month = month_in_horizon(q.date ? *q.date : s.target.date, s, where, "date");
  if (takes_routes(q.statistic)) {
    r.big_route = route_index(q.big_route, s, where);
    r.small_route = route_index(q.small_route, s, where);
    return r;
  }
  if (q.statistic == Statistic::ListedAbandoned) {
    r.route = route_index(q.route, s, where);
    resolve_start(q, s, where, r);
    return r;
  }
  const auto catalogue = series_catalogue(s);
  for (size_t k = 0; k < catalogue.size(); ++k)
    if (catalogue[k].name == q.series) r.series = static_cast<int>(k);
  if (r.series < 0)
    throw ConfigError(fmt::format(
        "{}: series '{}' is not written for this scenario (see docs/OUTPUT.md; per-route series "
        "follow the scenario's routes)",
        where, q.series));
  if (q.statistic == Statistic::Change) resolve_start(q, s, where, r);
  return r;
}

double replicate_value(const ResolvedQuantity& q, const RunResult& run, uint32_t replicate) {
  switch (q.statistic) {
    case Statistic::Level:
      return run.at(static_cast<size_t>(q.series), replicate, static_cast<size_t>(q.month));
    case Statistic::Change:
      return run.at(static_cast<size_t>(q.series), replicate, static_cast<size_t>(q.month)) -
             run.at(static_cast<size_t>(q.series), replicate, static_cast<size_t>(q.start_month));
    case Statistic::SizeRatio:
      return spinout_median_ratio(q, run, replicate);
    case Statistic::ListedAbandoned:
      return listed_abandoned(q, run, replicate);
    case Statistic::ProposalSizeRatio:
      return proposal_size_ratio(q, run, replicate);
  }
  return kNaN;
}

double run_value(const ResolvedQuantity& q, const RunResult& run) {
  double sum = 0;
  int defined = 0;
  for (uint32_t r = 0; r < run.replicates; ++r) {
    const double v = replicate_value(q, run, r);
    if (!std::isnan(v)) sum += v, ++defined;
  }
  return defined ? sum / defined : kNaN;
}

double scaled_deviation(const Target& t, double simulated, double undefined_penalty) {
  if (std::isnan(simulated)) return undefined_penalty;
  if (t.comparison == Comparison::AtLeast)
    return std::max(0.0, t.observed - simulated) / t.tolerance;
  return (simulated - t.observed) / t.tolerance;
}

double distance(std::span<const Target> targets, std::span<const double> simulated,
                double undefined_penalty) {
  if (targets.empty()) return 0;
  double sum = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const double d = scaled_deviation(targets[i], simulated[i], undefined_penalty);
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(targets.size()));
}

bool within_tolerance(const Target& t, double simulated) {
  if (std::isnan(simulated)) return false;
  if (t.comparison == Comparison::AtLeast) return simulated >= t.observed - t.tolerance;
  return std::abs(simulated - t.observed) <= t.tolerance;
}

}  // namespace mutsim::calibration
