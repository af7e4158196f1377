// Calibration of the real model: parameter recovery from data the model
// itself generated, determinism across thread counts, and the HDF5 file.
#include <hdf5.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>

#include "sim/calibration/calibration_io.hpp"
#include "sim/calibration/runner.hpp"
#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
using namespace mutsim::calibration;

namespace {

const std::string kSource = MUTSIM_SOURCE_DIR;
const std::string kName = kSource + "/tests/calibration/inline.yaml";

constexpr double kTrueBaseline = 0.15;
constexpr double kTrueEntryLogit = -6.0;

/// Pseudo-observations: the mean over 8 replicates of small.yaml at the
/// true parameters, and the replicates' sd (the tolerance).
struct Observed {
  double support = 0, support_sd = 0, proposals = 0, proposals_sd = 0;
};

Observed pseudo_observations() {
  const Scenario s = load_scenario_file(kSource + "/tests/data/small.yaml",
                                        {fmt::format("attitude.baseline={}", kTrueBaseline),
                                         fmt::format("pipeline.entry_logit={}", kTrueEntryLogit)})
                         .scenario;
  RunOptions options;
  options.seed = 424242;
  options.replicates = 8;
  const RunResult run = run_simulation(s, options);
  const size_t last = run.months() - 1;
  Observed o;
  auto moments = [&](const char* series, double& mean, double& sd) {
    const int k = run.series_index(series);
    REQUIRE(k >= 0);
    double sum = 0, sq = 0;
    for (uint32_t r = 0; r < run.replicates; ++r) sum += run.at(k, r, last);
    mean = sum / run.replicates;
    for (uint32_t r = 0; r < run.replicates; ++r)
      sq += (run.at(k, r, last) - mean) * (run.at(k, r, last) - mean);
    sd = std::sqrt(sq / (run.replicates - 1));
  };
  moments("support_share", o.support, o.support_sd);
  moments("proposals_cumulative", o.proposals, o.proposals_sd);
  return o;
}

std::string recovery_yaml(const Observed& o, uint32_t particles, uint32_t generations) {
  return fmt::format(R"(base_scenario: ../data/small.yaml
seed: 31
batch_size: 16
targets:
  - {{id: support, statistic: level, series: support_share, date: 2012-12,
     observed: {:.17g}, comparison: equal, tolerance: {:.17g}, source: model}}
  - {{id: proposals, statistic: level, series: proposals_cumulative, date: 2012-12,
     observed: {:.17g}, comparison: equal, tolerance: {:.17g}, source: model}}
parameters:
  - {{key: attitude.baseline, range: [-0.2, 0.4], source: test}}
  - {{key: pipeline.entry_logit, range: [-8.5, -4.5], source: test}}
abc: {{method: smc, particles: {}, generations: {}, quantile: 0.5,
      max_evaluations_per_generation: 2000}}
)",
                     o.support, std::max(o.support_sd, 0.005), o.proposals,
                     std::max(o.proposals_sd, 2.0), particles, generations);
}

double column_quantile(const Generation& g, size_t K, size_t k, double q) {
  std::vector<double> v;
  for (uint32_t i = 0; i < g.accepted; ++i) v.push_back(g.particles[i * K + k]);
  return weighted_quantile(v, g.weights, q);
}

}  // namespace

TEST_CASE("ABC-SMC recovers attitude.baseline and pipeline.entry_logit from model data", "[stat]") {
  const Observed o = pseudo_observations();
  const CalibrationConfig config = load_calibration_text(recovery_yaml(o, 40, 4), kName);
  const AbcResult r = run_calibration(config);
  const Generation& g = r.posterior();
  REQUIRE(g.accepted == 40);
  const double truth[2] = {kTrueBaseline, kTrueEntryLogit};
  const double width[2] = {0.6, 4.0};
  for (size_t k = 0; k < 2; ++k) {
    const double median = column_quantile(g, 2, k, 0.5);
    INFO(config.model.parameters[k].key << ": median " << median << ", truth " << truth[k]
                                        << ", 5% " << column_quantile(g, 2, k, 0.05) << ", 95% "
                                        << column_quantile(g, 2, k, 0.95));
    // Within 15% of the prior's width of the truth, and the truth inside
    // the posterior's 98% interval.
    CHECK(std::abs(median - truth[k]) < 0.15 * width[k]);
    CHECK(column_quantile(g, 2, k, 0.01) <= truth[k]);
    CHECK(column_quantile(g, 2, k, 0.99) >= truth[k]);
  }
  // The posterior is narrower than the prior.
  CHECK(column_quantile(g, 2, 0, 0.95) - column_quantile(g, 2, 0, 0.05) < 0.5 * width[0]);
}

TEST_CASE("Calibration of the real model does not depend on the number of threads",
          "[regression]") {
  Observed o;
  o.support = 0.2, o.support_sd = 0.02, o.proposals = 20, o.proposals_sd = 5;
  const CalibrationConfig config = load_calibration_text(recovery_yaml(o, 8, 2), kName);
  auto run_with = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(threads);
    return arena.execute([&] { return run_calibration(config); });
  };
  const AbcResult one = run_with(1);
  const AbcResult two = run_with(2);
  REQUIRE(one.generations.size() == two.generations.size());
  for (size_t g = 0; g < one.generations.size(); ++g) {
    const auto& a = one.generations[g];
    const auto& b = two.generations[g];
    REQUIRE(a.particles.size() == b.particles.size());
    CHECK(std::memcmp(a.particles.data(), b.particles.data(),
                      a.particles.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(a.simulated.data(), b.simulated.data(),
                      a.simulated.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0);
  }

  SECTION("and writes a mutsim-calibration HDF5 file") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / fmt::format("mutsim_calib_{}", ::getpid());
    fs::create_directories(dir);
    const std::string path = (dir / "calib.h5").string();
    write_calibration_file(path, config, one, false);
    CHECK_THROWS_AS(write_calibration_file(path, config, one, false), IoError);
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    hid_t attr = H5Aopen(file, "format", H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    char* text = nullptr;
    REQUIRE(H5Aread(attr, type, &text) >= 0);
    CHECK(std::string(text) == "mutsim-calibration");
    H5free_memory(text);
    H5Tclose(type);
    H5Aclose(attr);
    hid_t set = H5Dopen2(file, "particles", H5P_DEFAULT);
    hid_t space = H5Dget_space(set);
    hsize_t dims[2] = {0, 0};
    CHECK(H5Sget_simple_extent_ndims(space) == 2);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    CHECK(dims[0] == 8);
    CHECK(dims[1] == 2);
    H5Sclose(space);
    H5Dclose(set);
    H5Fclose(file);
    fs::remove_all(dir);
  }
}
