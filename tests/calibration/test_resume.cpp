// Calibration and sensitivity that survive kill -9 and spread over ranks
// (issue 14): results keyed by index, not by the order evaluations finish;
// resume from any checkpoint equal to an uninterrupted run; the checkpoint
// file; the command's statuses (a finished job, another configuration's
// output or checkpoint). The MPI route is scripts/test-calibration-mpi.sh
// (ctest calibration.mpi_two_ranks).
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/calibration/abc.hpp"
#include "sim/calibration/checkpoint.hpp"
#include "sim/calibration/distributed_pool.hpp"
#include "sim/calibration/pool.hpp"
#include "sim/random/random.hpp"
#include "sim/util/errors.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
using namespace mutsim::calibration;
namespace fs = std::filesystem;

extern char** environ;

namespace {

using mutsim::test::quote;
using mutsim::test::read_bytes;

const std::string kSource = MUTSIM_SOURCE_DIR;
const std::string kData = kSource + "/tests/data/calibration/";

// ------------------------------------------------------------ toy model

/// Two parameters, two summaries: a noisy mean and a clean one; a NaN
/// distance now and then (an undefined summary).
EvaluateFn toy_model() {
  return [](const std::vector<double>& theta, uint64_t seed) {
    Stream rng(seed, 0, 0, 0, Purpose::AttitudeNoise);
    boost::random::normal_distribution<double> normal(theta[0], 0.3);
    Evaluation e;
    e.simulated = {normal(rng), theta[1]};
    e.distance = std::abs(e.simulated[0] - 0.7) + 0.1 * std::abs(theta[1]);
    if (e.simulated[0] > 2.5) e.distance = std::nan("");
    return e;
  };
}

const Box kPrior{{-3.0, -1.0}, {3.0, 1.0}};

AbcSettings toy_settings(AbcMethod method) {
  AbcSettings s;
  s.method = method;
  s.seed = 99;
  s.particles = 20;
  s.batch_size = 3;
  s.candidates = 90;
  s.generations = 4;
  s.max_evaluations_per_generation = 400;
  return s;
}

/// Takes up to `slots` tasks at once and returns their results in a
/// scrambled order (as remote ranks of different speed would), so a driver
/// that depended on the order of completion would give another result.
class ScramblingPool final : public EvaluationPool {
 public:
  ScramblingPool(TaskFn task, size_t slots) : task_(std::move(task)), slots_(slots) {}
  void run(const NextTaskFn& next, const TaskDoneFn& done) override {
    for (bool more = true; more;) {
      std::vector<Task> taken;
      while (taken.size() < slots_) {
        auto t = next();
        if (!t) {
          more = false;
          break;
        }
        taken.push_back(std::move(*t));
      }
      // Odd positions first, then even ones backwards.
      std::vector<size_t> order;
      for (size_t i = 1; i < taken.size(); i += 2) order.push_back(i);
      for (size_t i = taken.size(); i-- > 0;)
        if (i % 2 == 0) order.push_back(i);
      for (size_t i : order) done(taken[i].index, task_(taken[i]));
    }
  }

 private:
  TaskFn task_;
  size_t slots_;
};

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

void require_same(const AbcResult& a, const AbcResult& b) {
  REQUIRE(a.generations.size() == b.generations.size());
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.stop_reason == b.stop_reason);
  for (size_t g = 0; g < a.generations.size(); ++g) {
    INFO("generation " << g);
    const Generation& x = a.generations[g];
    const Generation& y = b.generations[g];
    CHECK(std::memcmp(&x.epsilon, &y.epsilon, sizeof(double)) == 0);
    CHECK(x.evaluated == y.evaluated);
    CHECK(x.accepted == y.accepted);
    CHECK(same_bits(x.particles, y.particles));
    CHECK(same_bits(x.distances, y.distances));
    CHECK(same_bits(x.weights, y.weights));
    CHECK(same_bits(x.simulated, y.simulated));
    CHECK(same_bits(x.seeds, y.seeds));
  }
}

// ------------------------------------------------------------ commands

std::string binary() { return MUTSIM_BINARY; }

struct Sandbox {
  Sandbox() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_resume_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return path(name);
  }
  /// Runs `mutsim ARGS` here; returns the exit status.
  int run(const std::string& args, std::string* err = nullptr) const {
    const std::string command = "cd " + quote(dir.string()) + " && " + quote(binary()) + " " +
                                args + " >stdout.txt 2>stderr.txt </dev/null";
    const int raw = std::system(command.c_str());
    if (err) *err = read_bytes(dir / "stderr.txt");
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  }
  fs::path dir;
};

/// The tiny config with its base scenario as an absolute path and `edit`
/// applied (another configuration when `edit` changes anything).
std::string tiny_config(const Sandbox& box, const std::string& command, const std::string& name,
                        const std::string& extra = "") {
  std::string text = read_bytes(kData + "tiny-" + command + ".yaml");
  const std::string base = "base_scenario: ../small.yaml";
  text.replace(text.find(base), base.size(),
               "base_scenario: " + kSource + "/tests/data/small.yaml");
  return box.write(name, text + extra);
}

/// Starts `mutsim ARGS...`, waits until `checkpoint` has been written
/// `writes` times more (or the run ends), and kills it with SIGKILL.
/// True when the kill landed before the run finished.
bool kill_after_checkpoints(const std::vector<std::string>& args, const std::string& checkpoint,
                            const std::string& output, int writes) {
  std::vector<std::string> all{binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, all[0].c_str(), nullptr, nullptr, argv.data(), environ) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  fs::file_time_type last{};
  int seen = 0;
  std::error_code ec;
  while (seen < writes && std::chrono::steady_clock::now() < deadline && !fs::exists(output, ec)) {
    const auto stamp = fs::last_write_time(checkpoint, ec);
    if (!ec && stamp != last) last = stamp, ++seen;
    if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const bool finished = fs::exists(output, ec);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return !finished && WIFSIGNALED(status);
}

/// Kills `command` twice after checkpoints, resumes it and compares the
/// result with an uninterrupted run's, byte for byte.
void check_kill_and_resume(const std::string& command) {
  Sandbox box;
  const std::string config = tiny_config(box, command, "tiny.yaml");
  // The config's path as given is part of the configuration: the same everywhere.
  REQUIRE(box.run(command + " -q " + quote(config) + " -o whole.h5 --threads 2") == 0);
  const std::string output = box.path("killed.h5");
  const std::string checkpoint = checkpoint_path(output);
  const std::vector<std::string> args{command, "-q", config, "-o", output, "--threads", "1"};
  int kills = 0;
  for (int writes : {1, 3}) kills += kill_after_checkpoints(args, checkpoint, output, writes);
  if (kills == 0) WARN("the run finished before it could be killed; resume not exercised");
  CHECK(kills > 0);
  CHECK(fs::exists(checkpoint));
  CHECK_FALSE(fs::exists(output));
  std::string err;
  REQUIRE(box.run(command + " " + quote(config) + " -o killed.h5 --threads 1", &err) == 0);
  CHECK_THAT(err, Catch::Contains("resuming"));
  CHECK(read_bytes(output) == read_bytes(box.path("whole.h5")));
  CHECK_FALSE(fs::exists(checkpoint));
  CHECK_FALSE(fs::exists(checkpoint + ".lock"));
  for (const auto& entry : fs::directory_iterator(box.dir))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}

}  // namespace

TEST_CASE("ABC: the result does not depend on the order evaluations finish in",
          "[unit][regression][calibration]") {
  for (AbcMethod method : {AbcMethod::Smc, AbcMethod::Rejection}) {
    const AbcSettings s = toy_settings(method);
    const AbcResult reference = run_abc(kPrior, toy_model(), 2, s);
    for (size_t slots : {1, 2, 5, 16}) {
      INFO("method " << static_cast<int>(method) << ", slots " << slots);
      ScramblingPool pool(abc_task(toy_model()), slots);
      require_same(reference, run_abc(kPrior, pool, 2, s, {}));
    }
    // The pool of the command line, on one rank (ctest does not run under mpirun).
    sweep::Ranks ranks;
    for (int threads : {1, 3}) {
      INFO("DistributedPool, one rank, threads " << threads);
      DistributedPool pool(ranks, abc_task(toy_model()), threads, kPrior.size(), nullptr);
      require_same(reference, run_abc(kPrior, pool, 2, s, {}));
      pool.release();
    }
  }
}

TEST_CASE("ABC resumed from any checkpoint equals the uninterrupted run",
          "[unit][regression][calibration]") {
  for (AbcMethod method : {AbcMethod::Smc, AbcMethod::Rejection}) {
    const AbcSettings s = toy_settings(method);
    std::vector<AbcProgress> saved;
    AbcCallbacks callbacks;
    callbacks.on_checkpoint = [&](const AbcProgress& p) { saved.push_back(p); };
    LocalPool pool(abc_task(toy_model()));
    const AbcResult whole = run_abc(kPrior, pool, 2, s, callbacks);
    // Mid-generation saves (every batch_size results) and end-of-generation ones.
    REQUIRE(saved.size() > 5);
    CHECK(saved.back().finished);
    const bool smc = method == AbcMethod::Smc;
    CHECK(std::any_of(saved.begin(), saved.end(), [&](const AbcProgress& p) {
      return !p.indices.empty() && (!smc || !p.result.generations.empty());
    }));
    for (size_t i = 0; i < saved.size(); ++i) {
      INFO("method " << static_cast<int>(method) << ", checkpoint " << i << " of " << saved.size());
      ScramblingPool other(abc_task(toy_model()), 4);
      require_same(whole, run_abc(kPrior, other, 2, s, {}, &saved[i]));
    }
  }
}

TEST_CASE("calibration checkpoint: written and read back exactly, another configuration's refused",
          "[unit][calibration]") {
  Sandbox box;
  const CalibrationConfig config = load_calibration_config(kData + "tiny-calibrate.yaml");
  const std::string fingerprint = calibration_fingerprint(config);
  AbcProgress p;
  Generation g;
  g.epsilon = 1.5;
  g.evaluated = 4;
  g.accepted = 2;
  g.ess = 1.9;
  g.particles = {0.1, -6.0, 0.2, -7.0};
  g.distances = {0.5, std::numeric_limits<double>::infinity()};
  g.weights = {0.25, 0.75};
  g.simulated = {0.2, std::nan(""), 0.3, 12};
  g.seeds = {1, (uint64_t{1} << 53) - 1};
  p.result.generations = {g, g};
  p.result.evaluations = 8;
  p.indices = {3, 0};
  p.values = {0.5, 0.1, 7, std::numeric_limits<double>::infinity(), std::nan(""), 2};
  const std::string path = box.path("c.h5.checkpoint");
  write_abc_checkpoint(path, fingerprint, config, p);
  const AbcProgress back = read_abc_checkpoint(path, fingerprint, config);
  CHECK_FALSE(back.finished);
  require_same(p.result, back.result);
  CHECK(back.indices == p.indices);
  CHECK(same_bits(back.values, p.values));

  CHECK_THROWS_AS(read_abc_checkpoint(path, "0123456789abcdef", config), ConfigError);
  CHECK_THROWS_WITH(read_abc_checkpoint(path, "0123456789abcdef", config),
                    Catch::Contains("checkpoint of a different configuration"));
  const SensitivityConfig sensitivity = load_sensitivity_config(kData + "tiny-sensitivity.yaml");
  CHECK(sensitivity_fingerprint(sensitivity) != fingerprint);
  // A calibration checkpoint is not a sensitivity one.
  CHECK_THROWS_AS(read_morris_checkpoint(path, fingerprint, sensitivity), IoError);
  box.write("junk.checkpoint", "not HDF5");
  CHECK_THROWS_AS(read_abc_checkpoint(box.path("junk.checkpoint"), fingerprint, config), IoError);
}

TEST_CASE(
    "calibrate: killed with SIGKILL mid-generation and resumed, it equals an "
    "uninterrupted run",
    "[regression][calibration][cli]") {
  check_kill_and_resume("calibrate");
}

TEST_CASE("sensitivity: killed with SIGKILL and resumed, it equals an uninterrupted run",
          "[regression][calibration][cli]") {
  check_kill_and_resume("sensitivity");
}

TEST_CASE(
    "calibrate and sensitivity: a finished job, another configuration's output or "
    "checkpoint",
    "[regression][calibration][cli]") {
  for (const std::string command : {"calibrate", "sensitivity"}) {
    INFO(command);
    Sandbox box;
    tiny_config(box, command, "a.yaml");
    tiny_config(box, command, "b.yaml", "# another configuration: the text differs\n");
    std::string err;
    REQUIRE(box.run(command + " -q a.yaml -o out.h5 --threads 2") == 0);
    const std::string first = read_bytes(box.path("out.h5"));
    // Resubmitted after it finished: complete, exit 0, the file untouched.
    CHECK(box.run(command + " a.yaml -o out.h5", &err) == 0);
    CHECK_THAT(err, Catch::Contains("out.h5 is complete"));
    CHECK(read_bytes(box.path("out.h5")) == first);
    // Another configuration's output: refused without --force, exit 2.
    CHECK(box.run(command + " -q b.yaml -o out.h5", &err) == 2);
    CHECK_THAT(err, Catch::Contains("written by a different configuration"));
    CHECK_THAT(err, Catch::Contains("--force"));
    CHECK(read_bytes(box.path("out.h5")) == first);
    // Not a mutsim output at all: refused too.
    box.write("junk.h5", "not HDF5");
    CHECK(box.run(command + " -q a.yaml -o junk.h5", &err) == 2);
    CHECK_THAT(err, Catch::Contains("not this configuration's output"));
    // --force runs it again, to the same bytes.
    CHECK(box.run(command + " -q a.yaml -o out.h5 --force --threads 1") == 0);
    CHECK(read_bytes(box.path("out.h5")) == first);

    // A checkpoint of another configuration: refused (exit 2), --fresh discards it.
    const auto kill_b = [&] {
      return kill_after_checkpoints(
          {command, "-q", box.path("b.yaml"), "-o", box.path("c.h5"), "--threads", "1"},
          checkpoint_path(box.path("c.h5")), box.path("c.h5"), 1);
    };
    const bool killed = kill_b();
    if (!killed) WARN("the run finished before it could be killed");
    if (killed) {
      CHECK(box.run(command + " -q a.yaml -o c.h5", &err) == 2);
      CHECK_THAT(err, Catch::Contains("checkpoint of a different configuration"));
      CHECK(box.run(command + " -q a.yaml -o c.h5 --fresh --threads 2") == 0);
      CHECK(read_bytes(box.path("c.h5")) == first);
    }
  }
}
