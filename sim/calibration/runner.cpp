#include "sim/calibration/runner.hpp"

#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/engine/simulation.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::calibration {
namespace {

std::string number(double x) {
  if (std::isnan(x)) return "n/a";
  if (x != 0 && (std::abs(x) < 1e-3 || std::abs(x) >= 1e6)) return fmt::format("{:.3e}", x);
  return fmt::format("{:.4g}", x);
}

/// Column k of a row-major [rows * cols] table.
std::vector<double> column(const std::vector<double>& table, size_t cols, size_t k) {
  std::vector<double> out;
  for (size_t i = k; i < table.size(); i += cols) out.push_back(table[i]);
  return out;
}

/// " (k of n defined)" when some values are NaN (e.g. a size ratio without spin-outs).
std::string defined_note(const std::vector<double>& values) {
  const auto defined =
      std::count_if(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  return static_cast<size_t>(defined) == values.size()
             ? ""
             : fmt::format(" ({} of {} defined)", defined, values.size());
}

std::string pad_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c)
      line += fmt::format("{:<{}}", row[c], c + 1 < row.size() ? width[c] + 2 : 0);
    out += line + "\n";
  }
  return out;
}

}  // namespace

ModelEvaluator::ModelEvaluator(const ModelSetup& setup, std::vector<Quantity> quantities)
    : setup_(setup), quantities_(std::move(quantities)) {}

Box ModelEvaluator::box() const {
  Box b;
  for (const auto& p : setup_.parameters) b.lower.push_back(p.lower), b.upper.push_back(p.upper);
  return b;
}

std::vector<double> ModelEvaluator::evaluate(const std::vector<double>& theta, uint64_t seed,
                                             const std::atomic<int>* stop) const {
  std::vector<std::string> overrides = setup_.fixed_overrides;
  for (size_t k = 0; k < theta.size(); ++k)
    overrides.push_back(parameter_override(setup_.parameters[k], theta[k]));
  const LoadedScenario loaded =
      load_scenario_text(setup_.base_scenario_text, setup_.base_scenario_path, overrides);
  RunOptions options;
  options.seed = seed;
  options.replicates = setup_.replicates;
  options.threads = 0;  // inside the caller's arena: many evaluations run side by side
  options.stop = stop;
  const RunResult run = run_simulation(loaded.scenario, options);
  std::vector<double> values;
  for (const Quantity& q : quantities_)
    values.push_back(run_value(resolve_quantity(q, loaded.scenario, setup_.config_path), run));
  return values;
}

AbcResult run_calibration(const CalibrationConfig& config, const AbcCallbacks& callbacks) {
  std::vector<Quantity> quantities;
  for (const Target& t : config.targets) quantities.push_back(t.quantity);
  const ModelEvaluator model(config.model, quantities);
  const EvaluateFn evaluate = [&](const std::vector<double>& theta, uint64_t seed) {
    Evaluation e;
    e.simulated = model.evaluate(theta, seed, callbacks.stop);
    e.distance = distance(config.targets, e.simulated, config.undefined_penalty);
    return e;
  };
  return run_abc(model.box(), evaluate, config.targets.size(), config.abc, callbacks);
}

SensitivityResult run_sensitivity(const SensitivityConfig& config, const std::atomic<int>* stop,
                                  const std::function<void(size_t, size_t)>& on_progress) {
  const ModelEvaluator model(config.model, config.outputs);
  const Box box = model.box();
  const size_t K = box.size();
  const size_t O = config.outputs.size();
  SensitivityResult r;
  r.design = morris_design(K, config.morris);
  const size_t M = r.design.points();
  r.points.resize(M * K);
  for (size_t i = 0; i < M; ++i)
    for (size_t k = 0; k < K; ++k)
      r.points[i * K + k] = box.lower[k] + r.design.point(i)[k] * (box.upper[k] - box.lower[k]);
  // Common random numbers: every point of a trajectory runs with the same
  // seed, so an elementary effect is a paired difference, not two
  // independent draws of the model's noise.
  r.seeds.resize(M);
  for (size_t i = 0; i < M; ++i)
    r.seeds[i] = candidate_seed(config.morris.seed, 0, static_cast<uint32_t>(i / (K + 1)));
  r.outputs.assign(M * O, 0.0);
  const size_t batch = config.model.batch_size;
  for (size_t first = 0; first < M; first += batch) {
    if (stop && stop->load() != 0) throw Interrupted(stop->load());
    const size_t count = std::min(batch, M - first);
    tbb::parallel_for(size_t{0}, count, [&](size_t j) {
      const size_t i = first + j;
      const std::vector<double> theta(r.points.begin() + static_cast<std::ptrdiff_t>(i * K),
                                      r.points.begin() + static_cast<std::ptrdiff_t>((i + 1) * K));
      const auto y = model.evaluate(theta, r.seeds[i], stop);
      std::copy(y.begin(), y.end(), r.outputs.begin() + static_cast<std::ptrdiff_t>(i * O));
    });
    if (on_progress) on_progress(first + count, M);
  }
  for (size_t o = 0; o < O; ++o) {
    r.indices.push_back(morris_indices(r.design, column(r.outputs, O, o)));
    r.rank.push_back(rank_by_mu_star(r.indices.back().mu_star));
  }
  return r;
}

std::string format_fit_table(const CalibrationConfig& config, const AbcResult& result) {
  const Generation& g = result.posterior();
  const size_t S = config.targets.size();
  std::vector<std::vector<std::string>> rows = {
      {"target", "quantity", "observed", "tolerance", "sim. median", "90% interval", "within"}};
  for (size_t t = 0; t < S; ++t) {
    const Target& target = config.targets[t];
    const auto values = column(g.simulated, S, t);
    const double median = weighted_quantile(values, g.weights, 0.5);
    rows.push_back(
        {target.quantity.id, target.quantity.describe(),
         fmt::format("{} {}", comparison_name(target.comparison), number(target.observed)),
         number(target.tolerance), number(median),
         fmt::format("{} to {}{}", number(weighted_quantile(values, g.weights, 0.05)),
                     number(weighted_quantile(values, g.weights, 0.95)), defined_note(values)),
         within_tolerance(target, median) ? "yes" : "NO"});
  }
  return pad_table(rows);
}

std::string format_posterior_table(const CalibrationConfig& config, const AbcResult& result) {
  const Generation& g = result.posterior();
  const size_t K = config.model.parameters.size();
  std::vector<std::vector<std::string>> rows = {
      {"parameter", "posterior median", "90% interval", "prior range"}};
  for (size_t k = 0; k < K; ++k) {
    const auto& p = config.model.parameters[k];
    const auto values = column(g.particles, K, k);
    rows.push_back({p.key, number(weighted_quantile(values, g.weights, 0.5)),
                    fmt::format("{} to {}", number(weighted_quantile(values, g.weights, 0.05)),
                                number(weighted_quantile(values, g.weights, 0.95))),
                    fmt::format("{} to {}", number(p.lower), number(p.upper))});
  }
  return pad_table(rows);
}

std::string format_morris_table(const SensitivityConfig& config, const SensitivityResult& r) {
  const size_t K = config.model.parameters.size();
  std::string out;
  for (size_t o = 0; o < config.outputs.size(); ++o) {
    const auto& m = r.indices[o];
    out += fmt::format("Output {}: {}\n\n", config.outputs[o].id, config.outputs[o].describe());
    out += "| rank | parameter | range | mu* | mu | sigma |\n|---|---|---|---|---|---|\n";
    std::vector<size_t> order(K);
    for (size_t k = 0; k < K; ++k) order[r.rank[o][k] - 1] = k;
    for (size_t k : order) {
      const auto& p = config.model.parameters[k];
      out += fmt::format("| {} | `{}` | {} to {} | {} | {} | {} |\n", r.rank[o][k], p.key,
                         number(p.lower), number(p.upper), number(m.mu_star[k]), number(m.mu[k]),
                         number(m.sigma[k]));
    }
    out += "\n";
  }
  return out;
}

}  // namespace mutsim::calibration
