#include "sim/calibration/calibration_io.hpp"

#include <fmt/format.h>

#include <vector>

#include "sim/calibration/checkpoint.hpp"
#include "sim/io/h5/write.hpp"
#include "sim/io/provenance.hpp"
#include "sim/util/atomic_file.hpp"

namespace mutsim::calibration {
namespace {

using h5::Handle;

Handle group(hid_t parent, const char* name) { return h5::create_group(parent, name); }

void text_attribute(hid_t object, const char* name, const std::string& value) {
  h5::write_text_attribute(object, name, value);
}

void doubles(hid_t parent, const char* name, const std::vector<hsize_t>& dims,
             const std::vector<double>& data) {
  h5::write_dataset(parent, name, dims, std::span<const double>(data));
}
void u32s(hid_t parent, const char* name, const std::vector<hsize_t>& dims,
          const std::vector<uint32_t>& data) {
  h5::write_dataset(parent, name, dims, std::span<const uint32_t>(data));
}
void u32s(hid_t parent, const char* name, const std::vector<uint32_t>& data) {
  u32s(parent, name, {data.size()}, data);
}
void u64s(hid_t parent, const char* name, const std::vector<hsize_t>& dims,
          const std::vector<uint64_t>& data) {
  h5::write_dataset(parent, name, dims, std::span<const uint64_t>(data));
}
void texts(hid_t parent, const char* name, const std::vector<std::string>& values) {
  h5::write_text_dataset(parent, name, values);
}

void parameters_group(hid_t file, const ModelSetup& m) {
  Handle g = group(file, "parameters");
  std::vector<std::string> names, sources;
  std::vector<double> lower, upper;
  std::vector<uint32_t> integer;
  for (const auto& p : m.parameters) {
    names.push_back(p.key);
    sources.push_back(p.source);
    lower.push_back(p.lower);
    upper.push_back(p.upper);
    integer.push_back(p.integer);
  }
  texts(g, "names", names);
  doubles(g, "lower", {lower.size()}, lower);
  doubles(g, "upper", {upper.size()}, upper);
  u32s(g, "integer", integer);
  texts(g, "source", sources);
}

void common_attributes(hid_t file, const char* format, const ModelSetup& m,
                       const std::string& fingerprint) {
  text_attribute(file, "format", format);
  text_attribute(file, "config_fingerprint", fingerprint);
  text_attribute(file, "format_version", kCalibrationFormatVersion);
  text_attribute(file, "mutsim_version", mutsim_version());
  text_attribute(file, "git_commit", git_commit());
  text_attribute(file, "library_versions", library_versions());
  text_attribute(file, "config_path", m.config_path);
  text_attribute(file, "base_scenario_path", m.base_scenario_path);
  text_attribute(file, "base_scenario_yaml", m.base_scenario_text);
  text_attribute(file, "fixed_overrides", fmt::format("{}", fmt::join(m.fixed_overrides, "\n")));
  h5::write_u64_attribute(file, "seed", m.seed);
  h5::write_u32_attribute(file, "replicates_per_evaluation", m.replicates);
  h5::write_u32_attribute(file, "batch_size", m.batch_size);
}

/// Builds the file in memory and writes it with write_file_atomically.
template <class Fill>
void write_atomically(const std::string& path, bool overwrite, Fill fill) {
  check_output_path(path, overwrite);
  std::vector<char> image;
  try {
    std::lock_guard lock(h5::library_mutex());
    h5::MemoryFile file(path);
    fill(file.id());
    image = file.image();
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: could not write the results: {}", path, e.what()));
  }
  write_file_atomically(path, image, overwrite);
}

void targets_group(hid_t file, const CalibrationConfig& config) {
  Handle targets = group(file, "targets");
  std::vector<std::string> ids, quantities, comparisons, sources;
  std::vector<double> observed, tolerance;
  for (const auto& t : config.targets) {
    ids.push_back(t.quantity.id);
    quantities.push_back(t.quantity.describe());
    comparisons.push_back(t.comparison == Comparison::AtLeast ? "at_least" : "equal");
    sources.push_back(t.source);
    observed.push_back(t.observed);
    tolerance.push_back(t.tolerance);
  }
  texts(targets, "ids", ids);
  texts(targets, "quantity", quantities);
  texts(targets, "comparison", comparisons);
  doubles(targets, "observed", {observed.size()}, observed);
  doubles(targets, "tolerance", {tolerance.size()}, tolerance);
  texts(targets, "source", sources);
}

/// Every generation's population; every completed generation has N
/// particles (rejection: one generation).
void generations_group(hid_t file, const AbcResult& result, hsize_t N, size_t K, size_t S) {
  Handle gens = group(file, "generations");
  std::vector<double> epsilon, ess;
  std::vector<uint32_t> accepted, evaluated;
  std::vector<double> particles, distances, weights, simulated;
  std::vector<uint64_t> seeds;
  for (const auto& g : result.generations) {
    epsilon.push_back(g.epsilon);
    ess.push_back(g.ess);
    accepted.push_back(g.accepted);
    evaluated.push_back(g.evaluated);
    particles.insert(particles.end(), g.particles.begin(), g.particles.end());
    distances.insert(distances.end(), g.distances.begin(), g.distances.end());
    weights.insert(weights.end(), g.weights.begin(), g.weights.end());
    simulated.insert(simulated.end(), g.simulated.begin(), g.simulated.end());
    seeds.insert(seeds.end(), g.seeds.begin(), g.seeds.end());
  }
  const hsize_t G = result.generations.size();
  doubles(gens, "epsilon", {G}, epsilon);
  u32s(gens, "accepted", accepted);
  u32s(gens, "evaluated", evaluated);
  doubles(gens, "ess", {G}, ess);
  doubles(gens, "particles", {G, N, K}, particles);
  doubles(gens, "distances", {G, N}, distances);
  doubles(gens, "weights", {G, N}, weights);
  doubles(gens, "simulated", {G, N, S}, simulated);
  u64s(gens, "seeds", {G, N}, seeds);
}

}  // namespace

void write_calibration_file(const std::string& path, const CalibrationConfig& config,
                            const AbcResult& result, bool overwrite) {
  write_atomically(path, overwrite, [&](hid_t file) {
    const ModelSetup& m = config.model;
    common_attributes(file, kCalibrationFormat, m, calibration_fingerprint(config));
    text_attribute(file, "calibration_yaml", m.config_text);
    text_attribute(file, "method", config.method_name());
    text_attribute(file, "stop_reason", result.stop_reason);
    h5::write_u64_attribute(file, "evaluations", result.evaluations);
    h5::write_f64_attribute(file, "undefined_penalty", config.undefined_penalty);
    text_attribute(file, "distance",
                   "sqrt(mean over targets of d^2), d = (simulated - observed) / tolerance; "
                   "at_least: d = max(0, observed - simulated) / tolerance; undefined: "
                   "undefined_penalty");
    parameters_group(file, m);

    targets_group(file, config);
    const size_t K = m.parameters.size();
    const size_t S = config.targets.size();
    const Generation& post = result.posterior();
    const hsize_t N = post.accepted;
    doubles(file, "particles", {N, K}, post.particles);
    doubles(file, "distances", {N}, post.distances);
    doubles(file, "weights", {N}, post.weights);
    doubles(file, "simulated", {N, S}, post.simulated);
    u64s(file, "seeds", {N}, post.seeds);

    generations_group(file, result, N, K, S);
  });
}

void write_sensitivity_file(const std::string& path, const SensitivityConfig& config,
                            const SensitivityResult& r, bool overwrite) {
  write_atomically(path, overwrite, [&](hid_t file) {
    const ModelSetup& m = config.model;
    common_attributes(file, kSensitivityFormat, m, sensitivity_fingerprint(config));
    text_attribute(file, "sensitivity_yaml", m.config_text);
    text_attribute(file, "method", "morris");
    h5::write_u32_attribute(file, "trajectories", r.design.trajectories);
    h5::write_u32_attribute(file, "levels", r.design.levels);
    h5::write_f64_attribute(file, "delta", r.design.delta);
    h5::write_u32_attribute(file, "candidate_trajectories", config.morris.candidates);
    parameters_group(file, m);

    Handle outputs = group(file, "outputs");
    std::vector<std::string> ids, quantities;
    for (const auto& q : config.outputs) ids.push_back(q.id), quantities.push_back(q.describe());
    texts(outputs, "names", ids);
    texts(outputs, "quantity", quantities);

    const hsize_t K = m.parameters.size();
    const hsize_t O = config.outputs.size();
    const hsize_t M = r.design.points();
    Handle design = group(file, "design");
    doubles(design, "points", {M, K}, r.points);
    doubles(design, "unit", {M, K}, r.design.unit);
    std::vector<uint32_t> trajectory(M);
    for (hsize_t i = 0; i < M; ++i) trajectory[i] = static_cast<uint32_t>(i / (K + 1));
    u32s(design, "trajectory", trajectory);
    u32s(design, "changed", r.design.changed);
    u64s(design, "seeds", {M}, r.seeds);
    doubles(file, "outputs/values", {M, O}, r.outputs);

    Handle morris = group(file, "morris");
    std::vector<double> mu_star(K * O), mu(K * O), sigma(K * O);
    std::vector<uint32_t> rank(K * O);
    std::vector<double> effects(r.design.trajectories * K * O);
    for (hsize_t o = 0; o < O; ++o)
      for (hsize_t k = 0; k < K; ++k) {
        mu_star[k * O + o] = r.indices[o].mu_star[k];
        mu[k * O + o] = r.indices[o].mu[k];
        sigma[k * O + o] = r.indices[o].sigma[k];
        rank[k * O + o] = r.rank[o][k];
        for (uint32_t t = 0; t < r.design.trajectories; ++t)
          effects[(t * K + k) * O + o] = r.indices[o].effects[t * K + k];
      }
    doubles(morris, "mu_star", {K, O}, mu_star);
    doubles(morris, "mu", {K, O}, mu);
    doubles(morris, "sigma", {K, O}, sigma);
    u32s(morris, "rank", {K, O}, rank);
    doubles(morris, "elementary_effects", {r.design.trajectories, K, O}, effects);
  });
}

}  // namespace mutsim::calibration
