#include "sim/calibration/abc.hpp"

#include <fmt/format.h>
#include <boost/random/normal_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "sim/random/random.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::calibration {
namespace {

// A perturbed particle outside the prior box is redrawn (parent and
// perturbation, Toni et al. 2009); with the kernel's variance at twice the
// population's this rarely takes more than a few draws.
constexpr int kMaxProposalAttempts = 10000;

using ProposeFn = std::function<std::vector<double>(uint32_t index)>;

struct Scored {
  std::vector<double> theta;
  uint64_t seed = 0;
  Evaluation evaluation;
};

/// The candidates of one generation (rejection: of the run), by index, as
/// they are handed out and as their results arrive.
class Candidates {
 public:
  Candidates(uint32_t generation, const ProposeFn& propose, const AbcSettings& settings,
             size_t simulated_size, uint32_t cap)
      : generation_(generation),
        propose_(propose),
        settings_(settings),
        simulated_size_(simulated_size),
        cap_(cap) {}

  /// Results of an earlier run (a checkpoint): [indices.size() * (1 + S)].
  void restore(const std::vector<uint32_t>& indices, const std::vector<double>& values) {
    const size_t width = 1 + simulated_size_;
    for (size_t i = 0; i < indices.size(); ++i) {
      if (indices[i] >= cap_) continue;
      store(indices[i],
            std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(i * width),
                                values.begin() + static_cast<std::ptrdiff_t>((i + 1) * width)));
    }
  }

  /// The next candidate without a result, or none past the cap.
  std::optional<Task> next() {
    while (next_ < cap_ && next_ < evaluated_.size() && evaluated_[next_]) ++next_;
    if (next_ >= cap_) return std::nullopt;
    const Scored& s = slot(next_);
    return Task{next_++, s.seed, s.theta};
  }

  void store(uint32_t index, std::vector<double> values) {
    if (values.size() != 1 + simulated_size_)
      throw std::logic_error("ABC: the model returned the wrong number of simulated values");
    Scored& s = slot(index);
    s.evaluation.distance =
        std::isnan(values[0]) ? std::numeric_limits<double>::infinity() : values[0];
    s.evaluation.simulated.assign(values.begin() + 1, values.end());
    evaluated_[index] = true;
    ++count_;
  }

  bool evaluated(uint32_t index) const { return index < evaluated_.size() && evaluated_[index]; }
  const Scored& operator[](uint32_t index) const { return scored_[index]; }
  uint32_t cap() const { return cap_; }
  size_t count() const { return count_; }

  /// Every result so far, for a checkpoint.
  void save(std::vector<uint32_t>& indices, std::vector<double>& values) const {
    indices.clear();
    values.clear();
    for (uint32_t i = 0; i < evaluated_.size(); ++i) {
      if (!evaluated_[i]) continue;
      indices.push_back(i);
      values.push_back(scored_[i].evaluation.distance);
      values.insert(values.end(), scored_[i].evaluation.simulated.begin(),
                    scored_[i].evaluation.simulated.end());
    }
  }

 private:
  /// Candidate `index`, proposed when first seen.
  Scored& slot(uint32_t index) {
    while (scored_.size() <= index) {
      const auto i = static_cast<uint32_t>(scored_.size());
      Scored s;
      s.theta = propose_(i);
      s.seed = candidate_seed(settings_.seed, generation_, i);
      scored_.push_back(std::move(s));
      evaluated_.push_back(false);
    }
    return scored_[index];
  }

  const uint32_t generation_;
  const ProposeFn& propose_;
  const AbcSettings& settings_;
  const size_t simulated_size_;
  const uint32_t cap_;
  std::vector<Scored> scored_;
  std::vector<bool> evaluated_;
  uint32_t next_ = 0;
  size_t count_ = 0;
};

void append(Generation& g, const Scored& s) {
  g.particles.insert(g.particles.end(), s.theta.begin(), s.theta.end());
  g.distances.push_back(s.evaluation.distance);
  g.simulated.insert(g.simulated.end(), s.evaluation.simulated.begin(),
                     s.evaluation.simulated.end());
  g.seeds.push_back(s.seed);
  ++g.accepted;
}

/// Runs `candidates` on the pool: the results of an earlier run first, then
/// a task for every candidate without one until `enough()`; `progress()`
/// after each result, and the checkpoint after every `batch_size` results.
void evaluate_candidates(Candidates& candidates, EvaluationPool& pool, AbcProgress& state,
                         const AbcSettings& settings, const AbcCallbacks& callbacks,
                         const std::function<void()>& progress,
                         const std::function<bool()>& enough) {
  candidates.restore(state.indices, state.values);
  progress();
  size_t since_checkpoint = 0;
  auto next = [&]() -> std::optional<Task> {
    if (enough()) return std::nullopt;
    return candidates.next();
  };
  auto done = [&](uint32_t index, std::vector<double> values) {
    candidates.store(index, std::move(values));
    progress();
    if (callbacks.on_checkpoint && ++since_checkpoint >= settings.batch_size) {
      since_checkpoint = 0;
      candidates.save(state.indices, state.values);
      callbacks.on_checkpoint(state);
    }
  };
  if (!enough()) pool.run(next, done);
}

/// Accepts candidates in index order, batch by batch, those within
/// `epsilon`, until N are accepted; nullopt if the cap is reached first.
std::optional<Generation> sequential_generation(uint32_t generation, double epsilon,
                                                const ProposeFn& propose, EvaluationPool& pool,
                                                const AbcSettings& settings, size_t simulated_size,
                                                const AbcCallbacks& callbacks, AbcProgress& state) {
  Candidates candidates(generation, propose, settings, simulated_size,
                        settings.max_evaluations_per_generation);
  Generation g;
  g.epsilon = epsilon;
  bool capped = false;
  // Takes every batch whose candidates all have results, in order.
  auto accept_batches = [&] {
    while (g.accepted < settings.particles && !capped) {
      const uint32_t first = g.evaluated;
      if (first >= candidates.cap()) {
        capped = true;
        return;
      }
      const uint32_t count = std::min(settings.batch_size, candidates.cap() - first);
      for (uint32_t i = first; i < first + count; ++i)
        if (!candidates.evaluated(i)) return;
      for (uint32_t i = first; i < first + count; ++i)
        if (g.accepted < settings.particles && candidates[i].evaluation.distance <= epsilon)
          append(g, candidates[i]);
      g.evaluated += count;
      if (callbacks.on_batch) callbacks.on_batch(generation, g.evaluated, g.accepted);
    }
  };
  evaluate_candidates(candidates, pool, state, settings, callbacks, accept_batches,
                      [&] { return g.accepted >= settings.particles || capped; });
  state.result.evaluations += g.evaluated;
  if (g.accepted < settings.particles) return std::nullopt;
  return g;
}

double effective_sample_size(const std::vector<double>& w) {
  double sum = 0, squares = 0;
  for (double x : w) sum += x, squares += x * x;
  return squares > 0 ? sum * sum / squares : 0;
}

void normalise(std::vector<double>& w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x /= sum;
}

std::vector<double> prior_draw(const Box& prior, Stream& rng) {
  std::vector<double> theta(prior.size());
  for (size_t k = 0; k < prior.size(); ++k)
    theta[k] = prior.lower[k] + rng.uniform() * (prior.upper[k] - prior.lower[k]);
  return theta;
}

/// Per-parameter sd of the Gaussian kernel: sqrt(2 x weighted variance)
/// of the previous population (Beaumont et al. 2009), diagonal.
std::vector<double> kernel_sd(const Box& prior, const Generation& prev) {
  const size_t K = prior.size();
  std::vector<double> sd(K);
  for (size_t k = 0; k < K; ++k) {
    double mean = 0;
    for (uint32_t j = 0; j < prev.accepted; ++j)
      mean += prev.weights[j] * prev.particles[j * K + k];
    double var = 0;
    for (uint32_t j = 0; j < prev.accepted; ++j) {
      const double d = prev.particles[j * K + k] - mean;
      var += prev.weights[j] * d * d;
    }
    // A collapsed dimension would stop the kernel moving; keep a sliver of the range.
    sd[k] = std::max(std::sqrt(2 * var), 1e-9 * (prior.upper[k] - prior.lower[k]));
  }
  return sd;
}

/// Importance weights w_i = prior(theta_i) / sum_j w_j K(theta_i | theta_j);
/// the uniform prior is constant on the box, so it cancels on normalising.
std::vector<double> smc_weights(const Generation& current, const Generation& prev,
                                const std::vector<double>& sd) {
  const size_t K = sd.size();
  std::vector<double> log_w(current.accepted);
  std::vector<double> terms(prev.accepted);
  for (uint32_t i = 0; i < current.accepted; ++i) {
    double top = -std::numeric_limits<double>::infinity();
    for (uint32_t j = 0; j < prev.accepted; ++j) {
      double q = 0;
      for (size_t k = 0; k < K; ++k) {
        const double z = (current.particles[i * K + k] - prev.particles[j * K + k]) / sd[k];
        q += z * z;
      }
      terms[j] = std::log(prev.weights[j]) - 0.5 * q;
      top = std::max(top, terms[j]);
    }
    double sum = 0;
    for (double t : terms) sum += std::exp(t - top);
    log_w[i] = -(top + std::log(sum));
  }
  const double top = *std::max_element(log_w.begin(), log_w.end());
  std::vector<double> w(current.accepted);
  for (uint32_t i = 0; i < current.accepted; ++i) w[i] = std::exp(log_w[i] - top);
  normalise(w);
  return w;
}

void check_settings(const Box& prior, const AbcSettings& s) {
  if (prior.size() == 0) throw std::invalid_argument("ABC: no parameters");
  for (size_t k = 0; k < prior.size(); ++k)
    if (!(prior.lower[k] < prior.upper[k]))
      throw std::invalid_argument("ABC: each prior range needs lower < upper");
  if (s.particles == 0 || s.batch_size == 0)
    throw std::invalid_argument("ABC: particles and batch_size must be positive");
  if (s.method == AbcMethod::Rejection && s.candidates < s.particles)
    throw std::invalid_argument("ABC rejection: candidates must be at least particles");
  if (s.method == AbcMethod::Smc && (s.generations == 0 || !(s.quantile > 0 && s.quantile < 1)))
    throw std::invalid_argument("ABC-SMC: generations >= 1 and quantile in (0, 1)");
}

/// The run is over: the final state goes to the checkpoint.
void finish(AbcProgress& state, const AbcCallbacks& callbacks) {
  state.finished = true;
  state.indices.clear();
  state.values.clear();
  if (callbacks.on_checkpoint) callbacks.on_checkpoint(state);
}

AbcResult run_rejection(const Box& prior, EvaluationPool& pool, size_t simulated_size,
                        const AbcSettings& s, const AbcCallbacks& callbacks, AbcProgress& state) {
  if (state.finished) return state.result;
  const ProposeFn propose = [&](uint32_t index) {
    Stream rng(s.seed, 0, 0, index, Purpose::CalibrationProposal);
    return prior_draw(prior, rng);
  };
  Candidates candidates(0, propose, s, simulated_size, s.candidates);
  size_t reported = 0;
  auto progress = [&] {
    if (callbacks.on_batch && candidates.count() >= reported + s.batch_size) {
      reported = candidates.count();
      callbacks.on_batch(0, static_cast<uint32_t>(reported), 0);
    }
  };
  evaluate_candidates(candidates, pool, state, s, callbacks, progress, [] { return false; });
  AbcResult& result = state.result;
  result.evaluations = s.candidates;
  std::vector<uint32_t> order(s.candidates);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return candidates[a].evaluation.distance < candidates[b].evaluation.distance;
  });
  Generation g;
  g.evaluated = s.candidates;
  for (uint32_t i : order) {
    if (g.accepted == s.particles || candidates[i].evaluation.distance > s.epsilon) break;
    append(g, candidates[i]);
  }
  if (g.accepted == 0)
    throw std::runtime_error(
        fmt::format("ABC rejection: no candidate within epsilon {}", s.epsilon));
  g.epsilon = g.distances.back();
  g.weights.assign(g.accepted, 1.0 / g.accepted);
  g.ess = g.accepted;
  result.stop_reason = g.accepted < s.particles
                           ? fmt::format("only {} candidates within epsilon", g.accepted)
                           : "rejection: kept the closest candidates";
  if (callbacks.on_generation) callbacks.on_generation(0, g);
  result.generations.push_back(std::move(g));
  finish(state, callbacks);
  return result;
}

/// Generation `gen`'s tolerance and proposal kernel: epsilon the `quantile`
/// of the previous generation's distances, the kernel's sd per parameter,
/// and the previous weights' cumulative sums for drawing particles.
struct Kernel {
  double epsilon = 0;
  std::vector<double> sd;
  std::vector<double> cumulative;
};

Kernel next_kernel(const Box& prior, const Generation* prev, const AbcSettings& s) {
  Kernel kernel;
  kernel.epsilon = s.epsilon;
  if (!prev) return kernel;
  std::vector<double> d = prev->distances;
  std::sort(d.begin(), d.end());
  // Lower empirical quantile, so epsilon is one of the distances.
  const size_t at = static_cast<size_t>(std::floor(s.quantile * (d.size() - 1)));
  kernel.epsilon = std::max(d[at], s.min_epsilon);
  kernel.sd = kernel_sd(prior, *prev);
  kernel.cumulative.resize(prev->accepted);
  std::partial_sum(prev->weights.begin(), prev->weights.end(), kernel.cumulative.begin());
  return kernel;
}

/// Candidate `index` of generation `gen`: a prior draw (generation 0), else
/// a previous particle drawn by weight and perturbed, redrawn outside the prior.
ProposeFn smc_proposal(const Box& prior, const AbcSettings& s, uint32_t gen, const Generation* prev,
                       const Kernel& kernel) {
  return [&prior, &s, gen, prev, &kernel](uint32_t index) {
    const size_t K = prior.size();
    Stream rng(s.seed, gen, 0, index, Purpose::CalibrationProposal);
    if (!prev) return prior_draw(prior, rng);
    boost::random::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> theta(K);
    const auto& cumulative = kernel.cumulative;
    for (int attempt = 0; attempt < kMaxProposalAttempts; ++attempt) {
      const double u = rng.uniform() * cumulative.back();
      const auto j = static_cast<size_t>(std::min<std::ptrdiff_t>(
          std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin(),
          static_cast<std::ptrdiff_t>(prev->accepted) - 1));
      for (size_t k = 0; k < K; ++k)
        theta[k] = prev->particles[j * K + k] + kernel.sd[k] * normal(rng);
      if (prior.contains(theta.data())) return theta;
    }
    // Practically unreachable: fall back to a prior draw from the same stream.
    return prior_draw(prior, rng);
  };
}

/// Has generation `gen` (epsilon `now`, after `before`) shrunk epsilon by
/// less than min_epsilon_shrink, with at least min_generations done? A
/// generation after an infinite epsilon (generation 0's) has nothing to
/// compare with.
bool shrink_stalled(const AbcSettings& s, uint32_t gen, double before, double now) {
  if (s.min_epsilon_shrink <= 0 || gen + 1 < s.min_generations || !std::isfinite(before))
    return false;
  return now > (1 - s.min_epsilon_shrink) * before;
}

AbcResult run_smc(const Box& prior, EvaluationPool& pool, size_t simulated_size,
                  const AbcSettings& s, const AbcCallbacks& callbacks, AbcProgress& state) {
  AbcResult& result = state.result;
  if (state.finished) return result;
  for (auto gen = static_cast<uint32_t>(result.generations.size()); gen < s.generations; ++gen) {
    const Generation* prev = gen ? &result.generations.back() : nullptr;
    const Kernel kernel = next_kernel(prior, prev, s);
    const double epsilon = kernel.epsilon;
    const ProposeFn propose = smc_proposal(prior, s, gen, prev, kernel);
    auto g =
        sequential_generation(gen, epsilon, propose, pool, s, simulated_size, callbacks, state);
    if (!g) {
      result.stop_reason = fmt::format(
          "generation {} reached max_evaluations_per_generation ({}) before accepting {} "
          "particles at epsilon {:.4g}; kept generation {}",
          gen, s.max_evaluations_per_generation, s.particles, epsilon, gen - 1);
      if (!prev)
        throw std::runtime_error("ABC-SMC: generation 0 accepted too few particles; " +
                                 result.stop_reason);
      finish(state, callbacks);
      return result;
    }
    g->weights = prev ? smc_weights(*g, *prev, kernel.sd) : std::vector<double>(g->accepted, 1.0);
    normalise(g->weights);
    g->ess = effective_sample_size(g->weights);
    // Read before push_back, which may move the generations `prev` points into.
    const double previous_epsilon = prev ? prev->epsilon : std::numeric_limits<double>::infinity();
    const bool reached = prev && epsilon <= s.min_epsilon;
    const bool stalled = prev && shrink_stalled(s, gen, previous_epsilon, epsilon);
    if (callbacks.on_generation) callbacks.on_generation(gen, *g);
    result.generations.push_back(std::move(*g));
    if (reached || stalled) {
      result.stop_reason =
          reached
              ? fmt::format("epsilon reached min_epsilon {} at generation {}", s.min_epsilon, gen)
              : fmt::format(
                    "epsilon shrank by less than min_epsilon_shrink {} at generation {} "
                    "({:.4g} after {:.4g})",
                    s.min_epsilon_shrink, gen, epsilon, previous_epsilon);
      finish(state, callbacks);
      return result;
    }
    state.indices.clear();
    state.values.clear();
    if (callbacks.on_checkpoint && gen + 1 < s.generations) callbacks.on_checkpoint(state);
  }
  result.stop_reason = fmt::format("completed {} generations", s.generations);
  finish(state, callbacks);
  return result;
}

}  // namespace

bool Box::contains(const double* theta) const {
  for (size_t k = 0; k < size(); ++k)
    if (!(theta[k] >= lower[k] && theta[k] <= upper[k])) return false;
  return true;
}

uint64_t candidate_seed(uint64_t seed, uint32_t generation, uint32_t index) {
  Stream rng(seed, generation, 0, index, Purpose::CalibrationSeed);
  const uint64_t lo = rng();
  const uint64_t hi = rng();
  return (lo | (hi << 32)) & ((uint64_t{1} << 53) - 1);
}

double weighted_quantile(std::vector<double> values, std::vector<double> weights, double q) {
  std::vector<size_t> order;
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isnan(values[i]) && weights[i] > 0) order.push_back(i);
  if (order.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  double total = 0;
  for (size_t i : order) total += weights[i];
  double cumulative = 0;
  for (size_t i : order) {
    cumulative += weights[i];
    if (cumulative >= q * total * (1 - 1e-12)) return values[i];
  }
  return values[order.back()];
}

TaskFn abc_task(EvaluateFn evaluate) {
  return [evaluate = std::move(evaluate)](const Task& task) {
    Evaluation e = evaluate(task.theta, task.seed);
    std::vector<double> values;
    values.reserve(1 + e.simulated.size());
    values.push_back(e.distance);
    values.insert(values.end(), e.simulated.begin(), e.simulated.end());
    return values;
  };
}

AbcResult run_abc(const Box& prior, const EvaluateFn& evaluate, size_t simulated_size,
                  const AbcSettings& settings, const AbcCallbacks& callbacks) {
  LocalPool pool(abc_task(evaluate), 0, callbacks.stop);
  return run_abc(prior, pool, simulated_size, settings, callbacks);
}

AbcResult run_abc(const Box& prior, EvaluationPool& pool, size_t simulated_size,
                  const AbcSettings& settings, const AbcCallbacks& callbacks,
                  const AbcProgress* resume) {
  check_settings(prior, settings);
  AbcProgress state = resume ? *resume : AbcProgress{};
  return settings.method == AbcMethod::Rejection
             ? run_rejection(prior, pool, simulated_size, settings, callbacks, state)
             : run_smc(prior, pool, simulated_size, settings, callbacks, state);
}

}  // namespace mutsim::calibration
