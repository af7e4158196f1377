#include "sim/sweep/runner.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "sim/engine/simulation.hpp"
#include "sim/sweep/h5_util.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kFingerprintFile = "sweep.fingerprint";
constexpr const char* kLockFile = "lock";
// How often the coordinating thread looks at MPI requests, and redraws the
// progress line when nothing else wakes it.
constexpr auto kMpiPoll = std::chrono::milliseconds(2);
constexpr auto kLocalPoll = std::chrono::milliseconds(250);
constexpr double kProgressInterval = 0.5;  // seconds

/// An exclusive lock on the parts folder, so two sweeps cannot write it at once.
class FolderLock {
 public:
  explicit FolderLock(const std::string& folder) {
    const std::string path = (fs::path(folder) / kLockFile).string();
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (fd_ < 0) throw IoError(fmt::format("{}: cannot create the lock file", path));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw IoError(fmt::format("{}: another mutsim sweep is writing this folder", folder));
    }
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

void remove_matching(const fs::path& folder, const std::function<bool(const std::string&)>& match) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (match(name)) fs::remove(entry.path(), ec);
  }
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

struct Finished {
  enum Kind { Ok, Failed, Stopped, Fatal } kind;
  std::string message;
};

/// Runs one point and writes its part file. A point that throws (a bad
/// parameter combination, an exception in the model) is recorded as failed;
/// only a failure to write the part file is fatal for the sweep.
Finished run_point(const Sweep& sweep, const SweepHeader& header, const Point& point,
                   const std::string& folder, const std::atomic<int>* stop) {
  PointRecord record = make_record(point);
  std::optional<RunResult> result;
  try {
    const LoadedScenario loaded = load_point(sweep, point);
    RunOptions options;
    options.seed = point.seed;
    options.replicates = sweep.replicates;
    options.threads = 0;  // this arena: points and their replicates share the workers
    options.stop = stop;
    result = run_simulation(loaded.scenario, options);
    if (stop && stop->load()) return {Finished::Stopped, ""};
    record.ok = true;
  } catch (const Interrupted&) {
    return {Finished::Stopped, ""};
  } catch (const std::exception& e) {
    record.error = e.what();
  } catch (...) {
    record.error = "unknown exception";
  }
  try {
    write_point_file(part_file(folder, point.index), header, record,
                     record.ok ? &*result : nullptr);
  } catch (const std::exception& e) {
    return {Finished::Fatal, fmt::format("point {}: {}", point.index, e.what())};
  }
  return {record.ok ? Finished::Ok : Finished::Failed, record.error};
}

/// Rank 0, before any work: checks the output, locks the parts folder,
/// checks it belongs to this sweep, and lists the points still to run.
std::deque<uint32_t> prepare(const Sweep& sweep, const SweepHeader& header,
                             const std::vector<uint32_t>& mine, const RunnerOptions& options,
                             std::unique_ptr<FolderLock>& lock, size_t& resumed) {
  const fs::path output(options.output);
  std::error_code ec;
  if (fs::is_directory(output, ec)) throw IoError(fmt::format("{}: is a folder", options.output));
  if (!options.force && fs::exists(output, ec))
    throw IoError(fmt::format("{}: exists; use --force to replace it", options.output));
  const fs::path parent = fs::absolute(output, ec).parent_path();
  if (!fs::is_directory(parent, ec))
    throw IoError(fmt::format("{}: folder {} does not exist", options.output, parent.string()));
  if (::access(parent.c_str(), W_OK) != 0)
    throw IoError(fmt::format("{}: folder {} is not writable", options.output, parent.string()));

  const std::string folder = parts_folder(options.output);
  fs::create_directories(folder, ec);
  if (!fs::is_directory(folder, ec))
    throw IoError(fmt::format("{}: cannot create the parts folder", folder));
  lock = std::make_unique<FolderLock>(folder);

  const fs::path fingerprint = fs::path(folder) / kFingerprintFile;
  const bool known = fs::exists(fingerprint, ec);
  const std::string previous = known ? read_first_line(fingerprint.string()) : "";
  if (known && previous != header.fingerprint && !options.fresh)
    throw ConfigError(fmt::format(
        "{}: holds points of a different sweep (fingerprint {}, this sweep {}: the sweep file or "
        "its path as given, "
        "its base scenario, --set, --seed, --replicates or the mutsim build changed); use "
        "--fresh to discard them, or another -o",
        folder, previous, header.fingerprint));
  if (options.fresh)
    remove_matching(folder, [](const std::string& name) { return name.starts_with("point-"); });
  // Temporary files of killed runs (nothing else writes here: we hold the lock).
  remove_matching(folder,
                  [](const std::string& name) { return name.find(".tmp-") != std::string::npos; });
  const std::string temporary_prefix = output.filename().string() + ".tmp-";
  remove_matching(parent,
                  [&](const std::string& name) { return name.starts_with(temporary_prefix); });
  if (!known || options.fresh) {
    std::vector<char> text(header.fingerprint.begin(), header.fingerprint.end());
    const std::string rest = fmt::format("\n{}\n", sweep.path);
    text.insert(text.end(), rest.begin(), rest.end());
    h5util::write_file_atomically(fingerprint.string(), text, true);
  }

  // A part file is whole or absent (written by rename); failed points are redone.
  std::deque<uint32_t> pending;
  for (uint32_t p : mine) {
    const std::string path = part_file(folder, p);
    if (fs::exists(path, ec)) {
      const auto status = read_part_status(path);
      if (status && status->ok && status->fingerprint == header.fingerprint) {
        ++resumed;
        continue;
      }
      fs::remove(path, ec);
    }
    pending.push_back(p);
  }
  return pending;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  uint32_t k = 0, n = 0;
  bool valid = slash != std::string::npos;
  if (valid) {
    auto [end1, ec1] = std::from_chars(text.data(), text.data() + slash, k);
    auto [end2, ec2] = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
    valid = ec1 == std::errc() && ec2 == std::errc() && end1 == text.data() + slash &&
            end2 == text.data() + text.size() && n >= 1 && k < n;
  }
  if (!valid)
    throw ConfigError(fmt::format("--shard {}: expected K/N with 0 <= K < N, e.g. 0/4", text));
  return {k, n};
}

Shard shard_from_environment() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return {};
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  long k = std::atol(id) - (min ? std::atol(min) : 0);
  const long n = std::atol(count);
  if (n < 1 || k < 0 || k >= n)
    throw ConfigError(fmt::format(
        "SLURM_ARRAY_TASK_ID={} SLURM_ARRAY_TASK_MIN={} SLURM_ARRAY_TASK_COUNT={}: not a "
        "contiguous array; submit with --array=0-{} or pass --shard K/N",
        id, min ? min : "unset", count, n > 0 ? n - 1 : 0));
  return {static_cast<uint32_t>(k), static_cast<uint32_t>(n)};
}

std::vector<uint32_t> shard_points(size_t total, const Shard& shard) {
  // Round robin rather than blocks: neighbouring points of a factorial
  // often cost alike, so each shard gets a similar mix.
  std::vector<uint32_t> out;
  for (size_t p = shard.index; p < total; p += shard.count) out.push_back(static_cast<uint32_t>(p));
  return out;
}

std::string parts_folder(const std::string& output) { return output + ".parts"; }

std::string part_file(const std::string& folder, uint32_t point) {
  return (fs::path(folder) / fmt::format("point-{:07}.h5", point)).string();
}

SweepOutcome run_sweep(const Sweep& sweep, const RunnerOptions& options, Ranks& ranks) {
  const SweepHeader header = make_header(sweep);
  const std::vector<uint32_t> mine = shard_points(sweep.points.size(), options.shard);
  const std::string folder = parts_folder(options.output);
  const bool root = ranks.rank() == 0;
  SweepOutcome outcome;
  outcome.points = mine.size();

  std::unique_ptr<FolderLock> lock;
  std::deque<uint32_t> pending;
  ranks.collectively(
      [&] {
        if (root) pending = prepare(sweep, header, mine, options, lock, outcome.resumed);
      },
      exit_code_of_current_exception);

  // ---- scheduling: the main thread hands out points and talks MPI; TBB
  // workers run them (every slot is a worker: the main thread mostly sleeps).
  const int slots =
      options.threads > 0
          ? options.threads
          : std::max(1, tbb::info::default_concurrency() / std::max(1, ranks.local_size()));
  tbb::global_control control(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(slots) + 1);
  tbb::task_arena arena(slots, 0);
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<Finished> finished;  // guarded by mutex
  int in_flight = 0;
  int64_t done_here = 0;
  bool exhausted = false, stopping = false;
  std::string fatal;
  std::vector<int64_t> remote_done(static_cast<size_t>(ranks.size()), 0);
  int ranks_released = 0;  // rank 0: ranks told there is nothing more
  const size_t to_run = pending.size();
  const auto started = Clock::now();
  auto last_progress = started - std::chrono::seconds(10);
  size_t failed_here = 0;

  auto progress = [&](bool final) {
    if (!options.progress || !root) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    if (!final &&
        std::chrono::duration<double>(Clock::now() - last_progress).count() < kProgressInterval)
      return;
    last_progress = Clock::now();
    int64_t done = done_here;
    for (int64_t d : remote_done) done += d;
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double remaining = static_cast<double>(to_run) - static_cast<double>(done);
    std::string line = fmt::format("  points {}/{} done",
                                   static_cast<size_t>(done) + outcome.resumed, mine.size());
    if (outcome.resumed) line += fmt::format(" ({} from an earlier run)", outcome.resumed);
    if (failed_here) line += fmt::format(", {} failed", failed_here);
    line += fmt::format(", {:.2f} points/s", rate);
    if (done > 0 && remaining > 0) line += ", ETA " + format_duration(remaining / rate);
    std::cerr << "\r" << line << "\033[K" << (final ? "\n" : "") << std::flush;
  };

  auto launch = [&](uint32_t p) {
    ++in_flight;
    arena.enqueue([&, p] {
      Finished f = run_point(sweep, header, sweep.points[p], folder, options.stop);
      {
        std::lock_guard guard(mutex);
        finished.push_back(std::move(f));
      }
      wake.notify_one();
    });
  };

  for (;;) {
    std::vector<Finished> batch;
    {
      std::lock_guard guard(mutex);
      batch.swap(finished);
    }
    for (const Finished& f : batch) {
      --in_flight;
      if (f.kind == Finished::Ok || f.kind == Finished::Failed) ++done_here;
      if (f.kind == Finished::Failed) ++failed_here;
      if (f.kind == Finished::Stopped) stopping = true;
      if (f.kind == Finished::Fatal && fatal.empty()) fatal = f.message, stopping = true;
    }
    if (options.stop && options.stop->load()) stopping = true;
    if (stopping) exhausted = true;

    while (!exhausted && in_flight < slots) {
      if (root) {
        if (pending.empty()) {
          exhausted = true;
          break;
        }
        launch(pending.front());
        pending.pop_front();
        continue;
      }
      if (const auto reply = ranks.poll_reply()) {
        if (*reply < 0) {
          exhausted = true;
          break;
        }
        launch(static_cast<uint32_t>(*reply));
        continue;
      }
      if (!ranks.awaiting_reply()) ranks.send_request(done_here);
      break;  // one request at a time: wait for its reply
    }

    if (root && ranks.distributed()) {
      while (const auto request = ranks.poll_request()) {
        remote_done[static_cast<size_t>(request->source)] = request->done;
        if (stopping || pending.empty()) {
          ranks.reply(request->source, -1);
          ++ranks_released;
        } else {
          ranks.reply(request->source, pending.front());
          pending.pop_front();
        }
      }
    }
    progress(false);

    const bool others_done = !root || ranks_released >= ranks.size() - 1;
    if (exhausted && in_flight == 0 && (others_done || stopping)) break;
    std::unique_lock guard(mutex);
    wake.wait_for(guard, ranks.distributed() ? kMpiPoll : kLocalPoll,
                  [&] { return !finished.empty(); });
  }
  progress(true);
  outcome.points_per_rank = remote_done;
  outcome.points_per_rank[0] = done_here;

  if (!fatal.empty()) {
    if (ranks.distributed()) {
      std::cerr << fmt::format("mutsim: error (rank {}): {}\n", ranks.rank(), fatal);
      ranks.abort(1);
    }
    throw IoError(fatal);
  }
  if (stopping) {
    const int signal = options.stop ? options.stop->load() : 0;
    if (ranks.distributed()) {
      if (root)
        std::cerr << fmt::format("\nmutsim: stopped by signal {}; finished points are kept in {}\n",
                                 signal, folder);
      ranks.abort(128 + signal);
    }
    throw Interrupted(signal);
  }
  ranks.wait_for_all();  // every part file is written

  // ---- rank 0 assembles the output from the part files, in point order.
  ranks.collectively(
      [&] {
        if (!root) return;
        std::vector<std::string> parts;
        for (uint32_t p : mine) parts.push_back(part_file(folder, p));
        const MergeReport report = merge_sweep_files(parts, options.output, options.force, mine);
        outcome.failed = report.failed;
        outcome.failed_points = report.failed_points;
        outcome.wrote_output = true;
        if (report.failed == 0) {
          lock.reset();
          std::error_code ec;
          fs::remove_all(folder, ec);
        }
      },
      exit_code_of_current_exception);
  outcome.failed = static_cast<size_t>(ranks.broadcast(static_cast<int64_t>(outcome.failed)));
  return outcome;
}

int exit_code_of_current_exception() {
  try {
    throw;
  } catch (const PeerFailed& e) {
    return e.exit_code;
  } catch (const ConfigError&) {
    return 2;
  } catch (const Interrupted& e) {
    return 128 + e.signal;
  } catch (...) {
    return 1;
  }
}

}  // namespace mutsim::sweep
