#include "sim/cli/summary.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/model/forms.hpp"
#include "sim/util/errors.hpp"

namespace mutsim {
namespace {

const SeriesData& series(const RunFile& run, const std::string& name) {
  auto it = run.series.find(name);
  if (it == run.series.end())
    throw IoError(fmt::format("{}: /series/{}: missing (no series {})", run.path, name, name));
  return it->second;
}

std::vector<double> column(const SeriesData& s, size_t month) {
  std::vector<double> values(s.replicates);
  for (size_t r = 0; r < s.replicates; ++r) values[r] = s.at(r, month);
  return values;
}

std::vector<std::string> split_routes(const std::string& text) {
  std::vector<std::string> routes;
  std::stringstream stream(text);
  for (std::string route; std::getline(stream, route, ',');)
    if (!route.empty()) routes.push_back(route);
  return routes;
}

/// A JSON number, or null where the value is NaN or infinite (JSON has neither).
nlohmann::ordered_json number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

double median_at(const RunFile& run, const std::string& name, size_t month) {
  return quantile(column(series(run, name), month), 0.5);
}

void add_forms(const RunFile& run, Headline& h) {
  h.has_forms = run.series.count("share_in_mutuals_strict") > 0;
  if (!h.has_forms) return;
  h.share_strict_median = median_at(run, "share_in_mutuals_strict", h.target_month);
  h.share_broad_median = median_at(run, "share_in_mutuals_broad", h.target_month);
  for (const char* form : kFormNames)
    h.forms.push_back({form, median_at(run, std::string("mutuals_active_") + form, h.target_month),
                       median_at(run, std::string("staff_in_mutuals_") + form, h.target_month)});
}

}  // namespace

Interval wilson_interval(double k, double n, double z) {
  if (n <= 0) return {0, 1};
  const double p = k / n;
  const double denominator = 1 + z * z / n;
  const double centre = (p + z * z / (2 * n)) / denominator;
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (position - static_cast<double>(below)) * (values[above] - values[below]);
}

Headline compute_headline(const RunFile& run) {
  Headline h;
  h.target_date = run.text.at("target_date");
  h.target_share = run.target_share;
  auto it = std::find(run.dates.begin(), run.dates.end(), h.target_date);
  h.target_in_horizon = it != run.dates.end();
  h.target_month =
      h.target_in_horizon ? static_cast<size_t>(it - run.dates.begin()) : run.dates.size() - 1;
  const auto& share = series(run, "share_in_mutuals");
  const auto& staff = series(run, "staff_in_mutuals");
  const auto& employment = series(run, "public_sector_employment");
  h.replicates = share.replicates;
  std::vector<double> gap(share.replicates);
  for (size_t r = 0; r < share.replicates; ++r) {
    bool reached = false;
    for (size_t m = 0; m <= h.target_month; ++m) reached |= share.at(r, m) >= h.target_share;
    h.reached += reached;
    gap[r] = h.target_share * employment.at(r, h.target_month) - staff.at(r, h.target_month);
  }
  h.reached_interval =
      wilson_interval(static_cast<double>(h.reached), static_cast<double>(h.replicates));
  const auto shares = column(share, h.target_month);
  h.share_median = quantile(shares, 0.5);
  h.share_p05 = quantile(shares, 0.05);
  h.share_p95 = quantile(shares, 0.95);
  h.staff_median = quantile(column(staff, h.target_month), 0.5);
  h.gap_median = quantile(gap, 0.5);
  for (const auto& route : split_routes(run.text.at("routes")))
    h.spinouts_by_route.emplace_back(
        route,
        quantile(column(series(run, "spinouts_" + route + "_cumulative"), h.target_month), 0.5));
  h.mutuals_active_median = quantile(column(series(run, "mutuals_active"), h.target_month), 0.5);
  h.mutuals_active_nhs_median =
      quantile(column(series(run, "mutuals_active_nhs"), h.target_month), 0.5);
  add_forms(run, h);
  return h;
}

std::string format_headline_text(const RunFile& run, const Headline& h) {
  std::string out;
  out += fmt::format("mutsim summary of {}\n", run.path);
  out += fmt::format("  scenario {}, seed {}, {} replicates, scale {}\n",
                     run.text.at("scenario_path"), run.seed, run.replicates, run.scale);
  out += fmt::format("  months {} to {}\n", run.dates.front(), run.dates.back());
  out += fmt::format("At {}{}:\n", run.dates[h.target_month],
                     h.target_in_horizon ? " (the target date)"
                                         : " (the target date is outside the horizon: last month)");
  out += fmt::format(
      "  share of public-sector workers in mutuals  {:.4f}  (90% {:.4f} to {:.4f}); "
      "target {:.4f}\n",
      h.share_median, h.share_p05, h.share_p95, h.target_share);
  out += fmt::format("  staff in mutuals                           {:.0f}\n", h.staff_median);
  out += fmt::format("  workers short of the target                {:.0f}\n", h.gap_median);
  out += fmt::format(
      "  replicates reaching the target             {} of {}  (P = {:.3f}, 95% "
      "Wilson {:.3f} to {:.3f})\n",
      h.reached, h.replicates,
      h.replicates ? static_cast<double>(h.reached) / static_cast<double>(h.replicates) : 0.0,
      h.reached_interval.low, h.reached_interval.high);
  out +=
      fmt::format("  mutuals active                             {:.0f} ({:.0f} serving the NHS)\n",
                  h.mutuals_active_median, h.mutuals_active_nhs_median);
  for (const auto& [route, count] : h.spinouts_by_route)
    out += fmt::format("  spin-outs via {:<29}{:.0f}\n", route, count);
  if (h.has_forms) {
    out += fmt::format("  share, strict reading (outside the public body)  {:.4f}\n",
                       h.share_strict_median);
    out += fmt::format("  share, broad reading (incl. governance mutuals)  {:.4f}\n",
                       h.share_broad_median);
    for (const auto& row : h.forms)
      out += fmt::format("  form {:<27}{:>5.0f} mutuals {:>9.0f} staff\n", row.form, row.mutuals,
                         row.staff);
  }
  out += "(medians across replicates)\n";
  return out;
}

std::string format_headline_json(const RunFile& run, const Headline& h) {
  nlohmann::ordered_json routes = nlohmann::ordered_json::object();
  for (const auto& [route, count] : h.spinouts_by_route) routes[route] = number(count);
  const double probability =
      h.replicates ? static_cast<double>(h.reached) / static_cast<double>(h.replicates) : 0.0;
  nlohmann::ordered_json out = {{"file", run.path},
                                {"scenario", run.text.at("scenario_path")},
                                {"seed", run.seed},
                                {"replicates", run.replicates},
                                {"scale", number(run.scale)},
                                {"target_share", number(h.target_share)},
                                {"target_date", h.target_date},
                                {"evaluated_at", run.dates[h.target_month]},
                                {"target_in_horizon", h.target_in_horizon},
                                {"share_median", number(h.share_median)},
                                {"share_p05", number(h.share_p05)},
                                {"share_p95", number(h.share_p95)},
                                {"staff_in_mutuals_median", number(h.staff_median)},
                                {"gap_workers_median", number(h.gap_median)},
                                {"reached", h.reached},
                                {"probability_reached", number(probability)},
                                {"probability_low", number(h.reached_interval.low)},
                                {"probability_high", number(h.reached_interval.high)},
                                {"mutuals_active_median", number(h.mutuals_active_median)},
                                {"mutuals_active_nhs_median", number(h.mutuals_active_nhs_median)},
                                {"spinouts_by_route", routes}};
  if (h.has_forms) {
    nlohmann::ordered_json forms = nlohmann::ordered_json::object();
    for (const auto& row : h.forms)
      forms[row.form] = {{"mutuals", number(row.mutuals)}, {"staff", number(row.staff)}};
    out["share_strict_median"] = number(h.share_strict_median);
    out["share_broad_median"] = number(h.share_broad_median);
    out["forms"] = forms;
  }
  // Invalid UTF-8 in a path or name is replaced rather than thrown on.
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mutsim
