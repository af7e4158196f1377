#include "sim/calibration/abc.hpp"

#include <tbb/parallel_for.h>

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

void check_stop(const AbcCallbacks& callbacks) {
  if (callbacks.stop && callbacks.stop->load() != 0) throw Interrupted(callbacks.stop->load());
}

/// Evaluates candidates [first, first + count) of a generation in parallel.
std::vector<Scored> evaluate_batch(uint32_t generation, uint32_t first, uint32_t count,
                                   const ProposeFn& propose, const EvaluateFn& evaluate,
                                   const AbcSettings& settings, size_t simulated_size) {
  std::vector<Scored> batch(count);
  tbb::parallel_for(uint32_t{0}, count, [&](uint32_t i) {
    Scored& s = batch[i];
    s.theta = propose(first + i);
    s.seed = candidate_seed(settings.seed, generation, first + i);
    s.evaluation = evaluate(s.theta, s.seed);
    if (s.evaluation.simulated.size() != simulated_size)
      throw std::logic_error("ABC: the model returned the wrong number of simulated values");
    if (std::isnan(s.evaluation.distance))
      s.evaluation.distance = std::numeric_limits<double>::infinity();
  });
  return batch;
}

void append(Generation& g, const Scored& s) {
  g.particles.insert(g.particles.end(), s.theta.begin(), s.theta.end());
  g.distances.push_back(s.evaluation.distance);
  g.simulated.insert(g.simulated.end(), s.evaluation.simulated.begin(),
                     s.evaluation.simulated.end());
  g.seeds.push_back(s.seed);
  ++g.accepted;
}

/// Evaluates candidates in index order, batch by batch, accepting those
/// within `epsilon` until N are accepted; nullopt if the cap is reached first.
std::optional<Generation> sequential_generation(uint32_t generation, double epsilon,
                                                const ProposeFn& propose,
                                                const EvaluateFn& evaluate,
                                                const AbcSettings& settings, size_t simulated_size,
                                                const AbcCallbacks& callbacks,
                                                uint64_t& evaluations) {
  Generation g;
  g.epsilon = epsilon;
  uint32_t next = 0;
  while (g.accepted < settings.particles) {
    if (next >= settings.max_evaluations_per_generation) return std::nullopt;
    check_stop(callbacks);
    const uint32_t count =
        std::min(settings.batch_size, settings.max_evaluations_per_generation - next);
    const auto batch =
        evaluate_batch(generation, next, count, propose, evaluate, settings, simulated_size);
    next += count;
    evaluations += count;
    g.evaluated += count;
    for (const Scored& s : batch)
      if (g.accepted < settings.particles && s.evaluation.distance <= epsilon) append(g, s);
    if (callbacks.on_batch) callbacks.on_batch(generation, g.evaluated, g.accepted);
  }
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

AbcResult run_rejection(const Box& prior, const EvaluateFn& evaluate, size_t simulated_size,
                        const AbcSettings& s, const AbcCallbacks& callbacks) {
  AbcResult result;
  const ProposeFn propose = [&](uint32_t index) {
    Stream rng(s.seed, 0, 0, index, Purpose::CalibrationProposal);
    return prior_draw(prior, rng);
  };
  std::vector<Scored> all;
  for (uint32_t next = 0; next < s.candidates;) {
    check_stop(callbacks);
    const uint32_t count = std::min(s.batch_size, s.candidates - next);
    auto batch = evaluate_batch(0, next, count, propose, evaluate, s, simulated_size);
    for (auto& b : batch) all.push_back(std::move(b));
    next += count;
    if (callbacks.on_batch) callbacks.on_batch(0, next, 0);
  }
  result.evaluations = all.size();
  std::vector<uint32_t> order(all.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return all[a].evaluation.distance < all[b].evaluation.distance;
  });
  Generation g;
  g.evaluated = static_cast<uint32_t>(all.size());
  for (uint32_t i : order) {
    if (g.accepted == s.particles || all[i].evaluation.distance > s.epsilon) break;
    append(g, all[i]);
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

AbcResult run_smc(const Box& prior, const EvaluateFn& evaluate, size_t simulated_size,
                  const AbcSettings& s, const AbcCallbacks& callbacks) {
  AbcResult result;
  for (uint32_t gen = 0; gen < s.generations; ++gen) {
    const Generation* prev = gen ? &result.generations.back() : nullptr;
    const Kernel kernel = next_kernel(prior, prev, s);
    const double epsilon = kernel.epsilon;
    const std::vector<double>& sd = kernel.sd;
    const ProposeFn propose = smc_proposal(prior, s, gen, prev, kernel);
    auto g = sequential_generation(gen, epsilon, propose, evaluate, s, simulated_size, callbacks,
                                   result.evaluations);
    if (!g) {
      result.stop_reason = fmt::format(
          "generation {} reached max_evaluations_per_generation ({}) before accepting {} "
          "particles at epsilon {:.4g}; kept generation {}",
          gen, s.max_evaluations_per_generation, s.particles, epsilon, gen - 1);
      if (!prev)
        throw std::runtime_error("ABC-SMC: generation 0 accepted too few particles; " +
                                 result.stop_reason);
      return result;
    }
    g->weights = prev ? smc_weights(*g, *prev, sd) : std::vector<double>(g->accepted, 1.0);
    normalise(g->weights);
    g->ess = effective_sample_size(g->weights);
    if (callbacks.on_generation) callbacks.on_generation(gen, *g);
    result.generations.push_back(std::move(*g));
    if (prev && epsilon <= s.min_epsilon) {
      result.stop_reason =
          fmt::format("epsilon reached min_epsilon {} at generation {}", s.min_epsilon, gen);
      return result;
    }
  }
  result.stop_reason = fmt::format("completed {} generations", s.generations);
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

AbcResult run_abc(const Box& prior, const EvaluateFn& evaluate, size_t simulated_size,
                  const AbcSettings& settings, const AbcCallbacks& callbacks) {
  check_settings(prior, settings);
  return settings.method == AbcMethod::Rejection
             ? run_rejection(prior, evaluate, simulated_size, settings, callbacks)
             : run_smc(prior, evaluate, simulated_size, settings, callbacks);
}

}  // namespace mutsim::calibration
