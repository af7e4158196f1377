#include "sim/calibration/checkpoint.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>

#include <vector>

#include "sim/calibration/calibration_io.hpp"
#include "sim/io/h5/read.hpp"
#include "sim/io/h5/write.hpp"
#include "sim/io/provenance.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"
#include "sim/util/fingerprint.hpp"

namespace mutsim::calibration {
namespace {

std::string model_fingerprint(const char* format, const ModelSetup& m) {
  Fingerprint f;
  f.add(format);
  f.add(kCalibrationFormatVersion);
  for (const std::string& text : {mutsim_version(), git_commit(), library_versions(), m.config_path,
                                  m.config_text, m.base_scenario_path, m.base_scenario_text})
    f.add(text);
  return f.hex();
}

void write_doubles(hid_t parent, const char* name, const std::vector<hsize_t>& dims,
                   const std::vector<double>& values) {
  h5::write_dataset(parent, name, dims, std::span<const double>(values));
}

/// Builds the checkpoint in memory and replaces the file atomically.
template <class Fill>
void write_checkpoint(const std::string& path, const char* format, const std::string& fingerprint,
                      Fill fill) {
  std::vector<char> image;
  try {
    std::lock_guard lock(h5::library_mutex());
    h5::MemoryFile file(path);
    h5::write_text_attribute(file, "format", format);
    h5::write_text_attribute(file, "config_fingerprint", fingerprint);
    fill(file.id());
    image = file.image();
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: could not write the checkpoint: {}", path, e.what()));
  }
  write_file_atomically(path, image, true);
}

/// Opens a checkpoint and checks that it belongs to this configuration.
h5::InputFile open_checkpoint(const std::string& path, const char* format,
                              const std::string& fingerprint) {
  h5::InputFile in(path);
  if (!in.has_attribute("format") || in.text_attribute("format") != format)
    in.fail("/", fmt::format("is not a {} file; remove it or use another -o", format));
  const std::string found = in.text_attribute("config_fingerprint");
  if (found != fingerprint)
    throw ConfigError(fmt::format(
        "{}: checkpoint of a different configuration (fingerprint {}, this run {}: the config "
        "file, its path as given, its base scenario or the mutsim build changed); will not "
        "resume from it. Run the original command to finish it, use --fresh to discard it, or "
        "use another -o",
        path, found, fingerprint));
  in.verify_all();
  return in;
}

void write_progress(hid_t file, const std::vector<uint32_t>& indices,
                    const std::vector<double>& values, size_t width) {
  h5::Handle g = h5::create_group(file, "progress");
  h5::write_dataset(g, "indices", {indices.size()}, std::span<const uint32_t>(indices));
  write_doubles(g, "values", {indices.size(), width}, values);
}

void read_progress(const h5::InputFile& in, size_t width, std::vector<uint32_t>& indices,
                   std::vector<double>& values) {
  const auto shape = in.shape("/progress/indices");
  if (shape.size() != 1) in.fail("/progress/indices", "is not a list (1-D)");
  indices = in.u32s("/progress/indices", shape[0]);
  values = in.doubles("/progress/values", {shape[0], width});
}

void write_generation(hid_t parent, size_t number, const Generation& g, size_t K, size_t S) {
  h5::Handle group = h5::create_group(parent, fmt::format("{:04}", number));
  h5::write_f64_attribute(group, "epsilon", g.epsilon);
  h5::write_u32_attribute(group, "evaluated", g.evaluated);
  h5::write_u32_attribute(group, "accepted", g.accepted);
  h5::write_f64_attribute(group, "ess", g.ess);
  const hsize_t N = g.accepted;
  write_doubles(group, "particles", {N, K}, g.particles);
  write_doubles(group, "distances", {N}, g.distances);
  write_doubles(group, "weights", {N}, g.weights);
  write_doubles(group, "simulated", {N, S}, g.simulated);
  h5::write_dataset(group, "seeds", {N}, std::span<const uint64_t>(g.seeds));
}

Generation read_generation(const h5::InputFile& in, size_t number, size_t K, size_t S) {
  const std::string at = fmt::format("/generations/{:04}", number);
  Generation g;
  g.epsilon = in.f64_attribute("epsilon", at);
  g.evaluated = static_cast<uint32_t>(in.u64_attribute("evaluated", at));
  g.accepted = static_cast<uint32_t>(in.u64_attribute("accepted", at));
  g.ess = in.f64_attribute("ess", at);
  const hsize_t N = g.accepted;
  g.particles = in.doubles(at + "/particles", {N, K});
  g.distances = in.doubles(at + "/distances", {N});
  g.weights = in.doubles(at + "/weights", {N});
  g.simulated = in.doubles(at + "/simulated", {N, S});
  g.seeds = in.u64s(at + "/seeds", N);
  return g;
}

}  // namespace

std::string checkpoint_path(const std::string& output) { return output + ".checkpoint"; }

std::string calibration_fingerprint(const CalibrationConfig& config) {
  return model_fingerprint(kCalibrationFormat, config.model);
}

std::string sensitivity_fingerprint(const SensitivityConfig& config) {
  return model_fingerprint(kSensitivityFormat, config.model);
}

void write_abc_checkpoint(const std::string& path, const std::string& fingerprint,
                          const CalibrationConfig& config, const AbcProgress& progress) {
  const size_t K = config.model.parameters.size();
  const size_t S = config.targets.size();
  write_checkpoint(path, kCalibrationCheckpointFormat, fingerprint, [&](hid_t file) {
    const AbcResult& r = progress.result;
    h5::write_u32_attribute(file, "finished", progress.finished ? 1 : 0);
    h5::write_text_attribute(file, "stop_reason", r.stop_reason);
    h5::write_u64_attribute(file, "evaluations", r.evaluations);
    h5::write_u32_attribute(file, "generations", static_cast<uint32_t>(r.generations.size()));
    h5::Handle gens = h5::create_group(file, "generations");
    for (size_t g = 0; g < r.generations.size(); ++g)
      write_generation(gens, g, r.generations[g], K, S);
    write_progress(file, progress.indices, progress.values, 1 + S);
  });
}

AbcProgress read_abc_checkpoint(const std::string& path, const std::string& fingerprint,
                                const CalibrationConfig& config) {
  const size_t K = config.model.parameters.size();
  const size_t S = config.targets.size();
  std::lock_guard lock(h5::library_mutex());
  const h5::InputFile in = open_checkpoint(path, kCalibrationCheckpointFormat, fingerprint);
  AbcProgress p;
  p.finished = in.u64_attribute("finished") != 0;
  p.result.stop_reason = in.text_attribute("stop_reason");
  p.result.evaluations = in.u64_attribute("evaluations");
  const uint64_t G = in.u64_attribute("generations");
  for (uint64_t g = 0; g < G; ++g) p.result.generations.push_back(read_generation(in, g, K, S));
  read_progress(in, 1 + S, p.indices, p.values);
  return p;
}

void write_morris_checkpoint(const std::string& path, const std::string& fingerprint,
                             const SensitivityConfig& config, const MorrisProgress& progress) {
  write_checkpoint(path, kSensitivityCheckpointFormat, fingerprint, [&](hid_t file) {
    write_progress(file, progress.indices, progress.values, config.outputs.size());
  });
}

MorrisProgress read_morris_checkpoint(const std::string& path, const std::string& fingerprint,
                                      const SensitivityConfig& config) {
  std::lock_guard lock(h5::library_mutex());
  const h5::InputFile in = open_checkpoint(path, kSensitivityCheckpointFormat, fingerprint);
  MorrisProgress p;
  read_progress(in, config.outputs.size(), p.indices, p.values);
  return p;
}

std::string output_fingerprint(const std::string& path, const std::string& format) {
  std::lock_guard lock(h5::library_mutex());
  const h5::InputFile in(path);
  if (!in.has_attribute("format") || in.text_attribute("format") != format)
    in.fail("/", fmt::format("is not a {} file", format));
  if (!in.has_attribute("config_fingerprint"))
    in.fail("/", "has no config_fingerprint (written by an older mutsim)");
  return in.text_attribute("config_fingerprint");
}

RunLock::RunLock(const std::string& output) : path_(checkpoint_path(output) + ".lock") {
  fd_ = ::open(path_.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IoError(fmt::format("{}: cannot create the lock file", path_));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw IoError(fmt::format("{}: another mutsim run is writing {}", path_, output));
  }
  // Nothing else writes these names while we hold the lock.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::absolute(output, ec);
  const std::string prefixes[] = {target.filename().string() + ".tmp-",
                                  target.filename().string() + ".checkpoint.tmp-"};
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    for (const auto& prefix : prefixes)
      if (name.starts_with(prefix)) fs::remove(entry.path(), ec);
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

void RunLock::finish() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace mutsim::calibration
