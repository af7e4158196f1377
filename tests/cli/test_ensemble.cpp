// `mutsim ensemble` as a process: a scenario over posterior draws, byte for
// byte the same for any thread count, paired across scenarios (the same
// draws and seeds), and bad posteriors refused with nothing written.
#include <stdlib.h>
#include <sys/wait.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "sim/calibration/ensemble.hpp"
#include "sim/io/h5/read.hpp"
#include "sim/io/h5/write.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

using mutsim::test::quote;
using mutsim::test::read_bytes;

const std::string kBinary = MUTSIM_BINARY;
const std::string kSource = MUTSIM_SOURCE_DIR;
const std::string kSmall = kSource + "/tests/data/small.yaml";
const std::string kTinyCalibration = kSource + "/tests/data/calibration/tiny-calibrate.yaml";
// Two years of a fifth of small.yaml: the tiny calibration's own settings.
const std::string kQuick = " --set population.scale=0.2 --set time.end=2011-12 -q";

struct Folder {
  Folder() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_ensemble_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  /// Exit status of `mutsim ARGS` run in `sub` (created), stderr in `err`.
  int run(const std::string& sub, const std::string& args, std::string* err = nullptr) const {
    const fs::path where = dir / sub;
    fs::create_directories(where);
    const std::string command = "cd " + quote(where.string()) + " && " + quote(kBinary) + " " +
                                args + " >/dev/null 2>stderr.txt </dev/null";
    const int raw = std::system(command.c_str());
    REQUIRE(WIFEXITED(raw));
    if (err) *err = read_bytes(where / "stderr.txt");
    fs::remove(where / "stderr.txt");
    return WEXITSTATUS(raw);
  }
  fs::path dir;
  mutable int files = 0;
};

/// A posterior from the tiny calibration, made once per test process.
std::string posterior(const Folder& f) {
  REQUIRE(f.run("calibration", "calibrate " + quote(kTinyCalibration) + " -o post.h5 -q") == 0);
  return (f.dir / "calibration" / "post.h5").string();
}

/// A one-parameter posterior of two particles at `value`, prior [-2, 2].
std::string crafted_posterior(const Folder& f, const std::string& key, double value,
                              double weight) {
  const std::string path = (f.dir / ("crafted-" + std::to_string(f.files++) + ".h5")).string();
  h5::MemoryFile file(path);
  h5::write_text_attribute(file, "format", "mutsim-calibration");
  h5::write_text_attribute(file, "format_version", "1.0");
  const h5::Handle g = h5::create_group(file, "parameters");
  h5::write_text_dataset(g.get(), "names", {key});
  h5::write_dataset(g.get(), "lower", {1}, std::span<const double>(std::vector<double>{-2}));
  h5::write_dataset(g.get(), "upper", {1}, std::span<const double>(std::vector<double>{2}));
  h5::write_dataset(g.get(), "integer", {1}, std::span<const uint32_t>(std::vector<uint32_t>{0}));
  h5::write_dataset(file, "particles", {2, 1},
                    std::span<const double>(std::vector<double>{value, value}));
  h5::write_dataset(file, "weights", {2},
                    std::span<const double>(std::vector<double>{weight, weight}));
  const std::vector<char> bytes = file.image();
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace

TEST_CASE("ensemble: the same file for any thread count, and paired across scenarios",
          "[regression][cli][ensemble]") {
  Folder f;
  const std::string post = posterior(f);
  const std::string args =
      "ensemble " + quote(kSmall) + " --posterior " + quote(post) + " --draws 5 --replicates 2";
  REQUIRE(f.run("one", args + " -o out.h5 --threads 1" + kQuick) == 0);
  REQUIRE(f.run("two", args + " -o out.h5 --threads 2" + kQuick) == 0);
  CHECK(read_bytes(f.dir / "one" / "out.h5") == read_bytes(f.dir / "two" / "out.h5"));
  CHECK(fs::exists(f.dir / "one" / "out.h5.ensemble.yaml"));

  // A lever (another scenario) gets the same draws and the same seeds.
  REQUIRE(f.run("lever", args + " -o out.h5 --set pipeline.coef_fund=2" + kQuick) == 0);
  const h5::InputFile base((f.dir / "one" / "out.h5").string());
  const h5::InputFile lever((f.dir / "lever" / "out.h5").string());
  CHECK(base.u64_column("/points", "seed") == lever.u64_column("/points", "seed"));
  CHECK(base.f64_column("/points", "attitude.baseline") ==
        lever.f64_column("/points", "attitude.baseline"));
  CHECK(base.text_attribute("sweep_yaml").find("particles: [") != std::string::npos);
}

TEST_CASE("ensemble: the draws follow the posterior weights", "[unit][ensemble]") {
  Folder f;
  const calibration::Posterior p = calibration::read_posterior(posterior(f));
  // Systematic resampling draws particle i floor(D w_i) or ceil(D w_i)
  // times, whatever the offset: an exact property, checked for many seeds.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const auto draws = calibration::resample(p, 37, seed);
    REQUIRE(draws.size() == 37);
    std::map<uint32_t, int> count;
    for (uint32_t i : draws) ++count[i];
    for (size_t i = 0; i < p.size(); ++i) {
      const double expected = 37 * p.weights[i];
      CHECK(count[static_cast<uint32_t>(i)] >= std::floor(expected) - 1e-9);
      CHECK(count[static_cast<uint32_t>(i)] <= std::ceil(expected) + 1e-9);
    }
  }
}

TEST_CASE("ensemble: bad posteriors are refused with nothing written", "[unit][cli][ensemble]") {
  Folder f;
  const std::string post = posterior(f);
  const auto refused = [&](const std::string& posterior_file, int status,
                           const std::string& message) {
    std::string err;
    CHECK(f.run("bad",
                "ensemble " + quote(kSmall) + " --posterior " + quote(posterior_file) +
                    " --draws 3 -o out.h5" + kQuick,
                &err) == status);
    CHECK_THAT(err, Catch::Contains(message));
    CHECK(!fs::exists(f.dir / "bad" / "out.h5"));
    CHECK(!fs::exists(f.dir / "bad" / "out.h5.ensemble.yaml"));
  };
  refused(kSmall, 1, "not an HDF5 file");
  // A damaged particle: the checksum of /particles fails.
  {
    std::string bytes = read_bytes(post);
    const std::string damaged = (f.dir / "damaged.h5").string();
    // Flip every byte after the first quarter: some dataset chunk is hit.
    for (size_t i = bytes.size() / 4; i < bytes.size(); i += 97) bytes[i] ^= 0x5a;
    std::ofstream(damaged, std::ios::binary) << bytes;
    std::string err;
    CHECK(f.run("bad",
                "ensemble " + quote(kSmall) + " --posterior " + quote(damaged) +
                    " --draws 3 -o out.h5" + kQuick,
                &err) == 1);
    CHECK(!fs::exists(f.dir / "bad" / "out.h5"));
  }
  // A run file is not a posterior.
  REQUIRE(f.run("run", "run " + quote(kSmall) + " -o run.h5 --replicates 1" + kQuick) == 0);
  refused((f.dir / "run" / "run.h5").string(), 1, "not a calibration file");
  // Posteriors made for another scenario: a key it does not have, a value
  // outside the key's declared range; and weights that sum to zero.
  refused(crafted_posterior(f, "attitude.no_such_key", 0.1, 1), 2, "no_such_key");
  refused(crafted_posterior(f, "attitude.baseline", 1.5, 1), 2, "attitude.baseline");
  refused(crafted_posterior(f, "attitude.baseline", 0.1, 0), 1,
          "/weights: the weights sum to zero");
}
