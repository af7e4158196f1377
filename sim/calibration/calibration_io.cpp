#include "sim/calibration/calibration_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "sim/io/hdf5_handle.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/io/provenance.hpp"

namespace mutsim::calibration {
namespace {

namespace fs = std::filesystem;
using h5::check;
using h5::Handle;

/// Creation properties without modification times, so files are reproducible.
Handle untimed(hid_t cls) {
  Handle plist(H5Pcreate(cls), H5Pclose, "create a property list");
  check(H5Pset_obj_track_times(plist, false), "disable object times");
  return plist;
}

Handle group(hid_t parent, const char* name) {
  Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
                fmt::format("create group {}", name));
}

Handle text_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  check(H5Tset_size(type, H5T_VARIABLE), "size a string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  return type;
}

void text_attribute(hid_t object, const char* name, const std::string& value) {
  Handle type = text_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), fmt::format("write attribute {}", name));
}

template <class T>
void scalar_attribute(hid_t object, const char* name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  check(H5Awrite(attr, type, &value), fmt::format("write attribute {}", name));
}

/// A contiguous dataset of `dims` from `data` (file type `file_type`,
/// memory type `memory_type`).
template <class T>
void dataset(hid_t parent, const char* name, std::vector<hsize_t> dims, hid_t file_type,
             hid_t memory_type, const std::vector<T>& data) {
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  if (total != data.size())
    throw IoError(
        fmt::format("HDF5: dataset {} has {} values for {} cells", name, data.size(), total));
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle set(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
             fmt::format("create {}", name));
  if (total)
    check(H5Dwrite(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
          fmt::format("write {}", name));
}

void doubles(hid_t parent, const char* name, std::vector<hsize_t> dims,
             const std::vector<double>& data) {
  dataset(parent, name, std::move(dims), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}
void u32s(hid_t parent, const char* name, const std::vector<uint32_t>& data) {
  dataset(parent, name, {data.size()}, H5T_STD_U32LE, H5T_NATIVE_UINT32, data);
}
void u64s(hid_t parent, const char* name, std::vector<hsize_t> dims,
          const std::vector<uint64_t>& data) {
  dataset(parent, name, std::move(dims), H5T_STD_U64LE, H5T_NATIVE_UINT64, data);
}
void texts(hid_t parent, const char* name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  Handle type = text_type();
  dataset(parent, name, {values.size()}, type, type, pointers);
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

void common_attributes(hid_t file, const char* format, const ModelSetup& m) {
  text_attribute(file, "format", format);
  text_attribute(file, "format_version", kCalibrationFormatVersion);
  text_attribute(file, "mutsim_version", mutsim_version());
  text_attribute(file, "git_commit", git_commit());
  text_attribute(file, "library_versions", library_versions());
  text_attribute(file, "config_path", m.config_path);
  text_attribute(file, "base_scenario_path", m.base_scenario_path);
  text_attribute(file, "base_scenario_yaml", m.base_scenario_text);
  text_attribute(file, "fixed_overrides", fmt::format("{}", fmt::join(m.fixed_overrides, "\n")));
  scalar_attribute(file, "seed", H5T_NATIVE_UINT64, m.seed);
  scalar_attribute(file, "replicates_per_evaluation", H5T_NATIVE_UINT32, m.replicates);
  scalar_attribute(file, "batch_size", H5T_NATIVE_UINT32, m.batch_size);
}

/// Builds the file in memory (HDF5's core driver), as the run writer does,
/// so HDF5 never writes a partial file to disk.
template <class Fill>
std::vector<char> build_image(const std::string& path, Fill fill) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a file access list");
  check(H5Pset_fapl_core(fapl, size_t{1} << 20, false), "select the in-memory driver");
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
              "create " + path);
  fill(file.get());
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + path);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw IoError("HDF5: cannot size the file image");
  std::vector<char> image(static_cast<size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw IoError("HDF5: cannot copy the file image");
  if (!file.close()) throw IoError("HDF5: cannot close " + path);
  return image;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw IoError(fmt::format("{}: {}", what, std::strerror(errno)));
}

void write_image(const std::string& path, const std::vector<char>& image) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno("cannot create " + path);
  size_t done = 0;
  while (done < image.size()) {
    const ssize_t n = ::write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      const int error = errno;
      ::close(fd);
      errno = error;
      throw_errno("cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    throw_errno("cannot sync " + path);
  }
  if (::close(fd) != 0) throw_errno("cannot close " + path);
}

template <class Fill>
void write_atomically(const std::string& path, bool overwrite, Fill fill) {
  h5::quiet_errors();
  check_output_path(path, overwrite);
  const std::string temporary = fmt::format("{}.tmp-{}", path, getpid());
  std::error_code ec;
  fs::remove(temporary, ec);
  try {
    write_image(temporary, build_image(temporary, fill));
    fs::rename(temporary, path);
  } catch (const std::exception& e) {
    fs::remove(temporary, ec);
    throw IoError(fmt::format("{}: could not write the results: {}", path, e.what()));
  }
}

}  // namespace

void write_calibration_file(const std::string& path, const CalibrationConfig& config,
                            const AbcResult& result, bool overwrite) {
  write_atomically(path, overwrite, [&](hid_t file) {
    const ModelSetup& m = config.model;
    common_attributes(file, kCalibrationFormat, m);
    text_attribute(file, "calibration_yaml", m.config_text);
    text_attribute(file, "method", config.method_name());
    text_attribute(file, "stop_reason", result.stop_reason);
    scalar_attribute(file, "evaluations", H5T_NATIVE_UINT64, result.evaluations);
    scalar_attribute(file, "undefined_penalty", H5T_NATIVE_DOUBLE, config.undefined_penalty);
    text_attribute(file, "distance",
                   "sqrt(mean over targets of d^2), d = (simulated - observed) / tolerance; "
                   "at_least: d = max(0, observed - simulated) / tolerance; undefined: "
                   "undefined_penalty");
    parameters_group(file, m);

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

    const size_t K = m.parameters.size();
    const size_t S = config.targets.size();
    const Generation& post = result.posterior();
    const hsize_t N = post.accepted;
    doubles(file, "particles", {N, K}, post.particles);
    doubles(file, "distances", {N}, post.distances);
    doubles(file, "weights", {N}, post.weights);
    doubles(file, "simulated", {N, S}, post.simulated);
    u64s(file, "seeds", {N}, post.seeds);

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
    // Every completed generation has N particles (rejection: one generation).
    doubles(gens, "particles", {G, N, K}, particles);
    doubles(gens, "distances", {G, N}, distances);
    doubles(gens, "weights", {G, N}, weights);
    doubles(gens, "simulated", {G, N, S}, simulated);
    u64s(gens, "seeds", {G, N}, seeds);
  });
}

void write_sensitivity_file(const std::string& path, const SensitivityConfig& config,
                            const SensitivityResult& r, bool overwrite) {
  write_atomically(path, overwrite, [&](hid_t file) {
    const ModelSetup& m = config.model;
    common_attributes(file, kSensitivityFormat, m);
    text_attribute(file, "sensitivity_yaml", m.config_text);
    text_attribute(file, "method", "morris");
    scalar_attribute(file, "trajectories", H5T_NATIVE_UINT32, r.design.trajectories);
    scalar_attribute(file, "levels", H5T_NATIVE_UINT32, r.design.levels);
    scalar_attribute(file, "delta", H5T_NATIVE_DOUBLE, r.design.delta);
    scalar_attribute(file, "candidate_trajectories", H5T_NATIVE_UINT32, config.morris.candidates);
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
    dataset(morris, "rank", {K, O}, H5T_STD_U32LE, H5T_NATIVE_UINT32, rank);
    doubles(morris, "elementary_effects", {r.design.trajectories, K, O}, effects);
  });
}

}  // namespace mutsim::calibration
