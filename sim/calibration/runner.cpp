#include "sim/calibration/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

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

TaskFn calibration_task(const CalibrationConfig& config, const std::atomic<int>* stop) {
  std::vector<Quantity> quantities;
  for (const Target& t : config.targets) quantities.push_back(t.quantity);
  auto model = std::make_shared<const ModelEvaluator>(config.model, quantities);
  return abc_task([&config, model, stop](const std::vector<double>& theta, uint64_t seed) {
    Evaluation e;
    e.simulated = model->evaluate(theta, seed, stop);
    e.distance = distance(config.targets, e.simulated, config.undefined_penalty);
    return e;
  });
}

namespace {
Box setup_box(const ModelSetup& setup) { return ModelEvaluator(setup, {}).box(); }
}  // namespace

AbcResult run_calibration(const CalibrationConfig& config, EvaluationPool& pool,
                          const AbcCallbacks& callbacks, const AbcProgress* resume) {
  return run_abc(setup_box(config.model), pool, config.targets.size(), config.abc, callbacks,
                 resume);
}

AbcResult run_calibration(const CalibrationConfig& config, const AbcCallbacks& callbacks) {
  LocalPool pool(calibration_task(config, callbacks.stop), 0, callbacks.stop);
  return run_calibration(config, pool, callbacks);
}

TaskFn sensitivity_task(const SensitivityConfig& config, const std::atomic<int>* stop) {
  auto model = std::make_shared<const ModelEvaluator>(config.model, config.outputs);
  return [model, stop](const Task& task) { return model->evaluate(task.theta, task.seed, stop); };
}

namespace {

/// The design, its points in parameter units and their model seeds.
SensitivityResult sensitivity_design(const SensitivityConfig& config) {
  const Box box = setup_box(config.model);
  const size_t K = box.size();
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
  r.outputs.assign(M * config.outputs.size(), 0.0);
  return r;
}

/// The points already evaluated by an earlier run; the others are to run.
std::vector<bool> restore_points(SensitivityResult& r, size_t O, const MorrisProgress* resume) {
  std::vector<bool> done(r.seeds.size(), false);
  if (!resume) return done;
  for (size_t j = 0; j < resume->indices.size(); ++j) {
    const uint32_t i = resume->indices[j];
    if (i >= done.size()) continue;
    std::copy_n(resume->values.begin() + static_cast<std::ptrdiff_t>(j * O), O,
                r.outputs.begin() + static_cast<std::ptrdiff_t>(i * O));
    done[i] = true;
  }
  return done;
}

MorrisProgress save_points(const SensitivityResult& r, size_t O, const std::vector<bool>& done) {
  MorrisProgress p;
  for (uint32_t i = 0; i < done.size(); ++i) {
    if (!done[i]) continue;
    p.indices.push_back(i);
    p.values.insert(p.values.end(), r.outputs.begin() + static_cast<std::ptrdiff_t>(i * O),
                    r.outputs.begin() + static_cast<std::ptrdiff_t>((i + 1) * O));
  }
  return p;
}

}  // namespace

SensitivityResult run_sensitivity(const SensitivityConfig& config, EvaluationPool& pool,
                                  const SensitivityCallbacks& callbacks,
                                  const MorrisProgress* resume) {
  SensitivityResult r = sensitivity_design(config);
  const size_t K = config.model.parameters.size();
  const size_t O = config.outputs.size();
  const size_t M = r.design.points();
  std::vector<bool> done = restore_points(r, O, resume);
  size_t count = static_cast<size_t>(std::count(done.begin(), done.end(), true));
  size_t since_checkpoint = 0;
  uint32_t next = 0;
  auto next_task = [&]() -> std::optional<Task> {
    while (next < M && done[next]) ++next;
    if (next >= M) return std::nullopt;
    const auto first = r.points.begin() + static_cast<std::ptrdiff_t>(next * K);
    Task task{next, r.seeds[next],
              std::vector<double>(first, first + static_cast<std::ptrdiff_t>(K))};
    ++next;
    return task;
  };
  auto store = [&](uint32_t index, std::vector<double> values) {
    if (values.size() != O)
      throw std::logic_error("Morris: the model returned the wrong number of outputs");
    std::copy(values.begin(), values.end(),
              r.outputs.begin() + static_cast<std::ptrdiff_t>(index * O));
    done[index] = true;
    ++count;
    if (callbacks.on_progress) callbacks.on_progress(count, M);
    if (callbacks.on_checkpoint && ++since_checkpoint >= config.model.batch_size && count < M) {
      since_checkpoint = 0;
      callbacks.on_checkpoint(save_points(r, O, done));
    }
  };
  if (count < M) pool.run(next_task, store);
  if (callbacks.on_checkpoint) callbacks.on_checkpoint(save_points(r, O, done));
  for (size_t o = 0; o < O; ++o) {
    r.indices.push_back(morris_indices(r.design, column(r.outputs, O, o)));
    r.rank.push_back(rank_by_mu_star(r.indices.back().mu_star));
  }
  return r;
}

SensitivityResult run_sensitivity(const SensitivityConfig& config, const std::atomic<int>* stop,
                                  const std::function<void(size_t, size_t)>& on_progress) {
  LocalPool pool(sensitivity_task(config, stop), 0, stop);
  SensitivityCallbacks callbacks;
  callbacks.stop = stop;
  callbacks.on_progress = on_progress;
  return run_sensitivity(config, pool, callbacks);
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
