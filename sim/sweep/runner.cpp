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
#include <mutex>
#include <sstream>

#include "sim/engine/simulation.hpp"
#include "sim/io/h5/read.hpp"
#include "sim/io/h5/write.hpp"
#include "sim/util/atomic_file.hpp"
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

/// Rank 0: the parts folder, created and locked, refusing one that holds
/// another sweep's points (unless --fresh), cleared of litter.
std::unique_ptr<FolderLock> open_parts_folder(const SweepHeader& header,
                                              const RunnerOptions& options, bool& known) {
  const std::string folder = parts_folder(options.output);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!fs::is_directory(folder, ec))
    throw IoError(fmt::format("{}: cannot create the parts folder", folder));
  auto lock = std::make_unique<FolderLock>(folder);
  const fs::path fingerprint = fs::path(folder) / kFingerprintFile;
  known = fs::exists(fingerprint, ec);
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
  const fs::path output(options.output);
  const std::string temporary_prefix = output.filename().string() + ".tmp-";
  remove_matching(fs::absolute(output, ec).parent_path(),
                  [&](const std::string& name) { return name.starts_with(temporary_prefix); });
  return lock;
}

/// The points of `mine` without a whole, successful part file of this sweep.
/// A part file is whole or absent (written by rename); failed points are redone.
std::deque<uint32_t> pending_points(const SweepHeader& header, const std::vector<uint32_t>& mine,
                                    const std::string& folder, size_t& resumed) {
  std::deque<uint32_t> pending;
  std::error_code ec;
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

/// Rank 0, before any work: true when the output already holds this sweep's
/// (or this shard's) points, written by the same configuration, so a
/// resubmitted job has nothing to do; an output of another sweep is refused
/// unless --force.
bool output_complete(const SweepHeader& header, const std::vector<uint32_t>& mine,
                     const RunnerOptions& options, SweepOutcome& outcome) {
  std::error_code ec;
  if (options.force || !fs::exists(options.output, ec)) {
    check_output_path(options.output, true);
    return false;
  }
  SweepInput in;
  try {
    std::lock_guard lock(h5::library_mutex());
    in = read_sweep_input(h5::InputFile(options.output));
  } catch (const IoError& e) {
    throw ConfigError(fmt::format(
        "{}: exists and is not this sweep's output ({}); use --force to replace it, or another -o",
        options.output, e.what()));
  }
  if (in.header.fingerprint != header.fingerprint)
    throw ConfigError(fmt::format(
        "{}: exists, written by a different sweep (fingerprint {}, this sweep {}: the sweep file "
        "or its path as given, its base scenario, --set, --seed, --replicates or the mutsim build "
        "differ); use --force to replace it, or another -o",
        options.output, in.header.fingerprint, header.fingerprint));
  std::vector<uint32_t> points;
  for (const PointRecord& r : in.records) {
    points.push_back(r.point);
    if (!r.ok) outcome.failed_points.push_back(r.point);
  }
  if (points != mine)
    throw ConfigError(fmt::format(
        "{}: exists with other points of this sweep ({} of them; this run's share has {}: another "
        "--shard); use --force to replace it, or another -o",
        options.output, points.size(), mine.size()));
  outcome.failed = outcome.failed_points.size();
  return true;
}

/// Rank 0, before any work: checks the output, locks the parts folder,
/// checks it belongs to this sweep, and lists the points still to run.
std::deque<uint32_t> prepare(const Sweep& sweep, const SweepHeader& header,
                             const std::vector<uint32_t>& mine, const RunnerOptions& options,
                             std::unique_ptr<FolderLock>& lock, size_t& resumed) {
  bool known = false;
  lock = open_parts_folder(header, options, known);
  const std::string folder = parts_folder(options.output);
  if (!known || options.fresh) {
    const std::string text = fmt::format("{}\n{}\n", header.fingerprint, sweep.path);
    write_file_atomically((fs::path(folder) / kFingerprintFile).string(), text, true);
  }
  return pending_points(header, mine, folder, resumed);
}

/// The main thread of a rank: hands out points (rank 0) or asks rank 0 for
/// them, runs them on TBB workers, and reports progress. Every slot is a
/// worker: the main thread mostly sleeps.
class Scheduler {
 public:
  Scheduler(const Sweep& sweep, const SweepHeader& header, const RunnerOptions& options,
            Ranks& ranks, std::deque<uint32_t> pending, size_t resumed, size_t share)
      : sweep_(sweep),
        header_(header),
        options_(options),
        ranks_(ranks),
        root_(ranks.rank() == 0),
        folder_(parts_folder(options.output)),
        pending_(std::move(pending)),
        to_run_(pending_.size()),
        resumed_(resumed),
        share_(share),
        slots_(worker_slots(options, ranks)),
        control_(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(slots_) + 1),
        arena_(slots_, 0),
        remote_done_(static_cast<size_t>(ranks.size()), 0) {}

  /// Runs until every point is done or the sweep stops; returns the points
  /// each rank ran (rank 0's view). Throws RankStopped.
  std::vector<int64_t> run() {
    while (!step()) wait();
    show_progress(true);
    if (!fatal_.empty()) throw RankStopped{std::make_exception_ptr(IoError(fatal_))};
    if (stopping_) {
      const int signal = options_.stop ? options_.stop->load() : 0;
      throw RankStopped{std::make_exception_ptr(Interrupted(signal))};
    }
    std::vector<int64_t> per_rank = remote_done_;
    per_rank[0] = done_here_;
    return per_rank;
  }

 private:
  static int worker_slots(const RunnerOptions& options, const Ranks& ranks) {
    if (options.threads > 0) return options.threads;
    return std::max(1, tbb::info::default_concurrency() / std::max(1, ranks.local_size()));
  }

  /// One pass of the main loop; true when this rank is finished.
  bool step() {
    collect_finished();
    if (options_.stop && options_.stop->load()) stopping_ = true;
    if (stopping_) exhausted_ = true;
    launch_more();
    if (root_ && ranks_.distributed()) answer_requests();
    show_progress(false);
    const bool others_done = !root_ || ranks_released_ >= ranks_.size() - 1;
    return exhausted_ && in_flight_ == 0 && (others_done || stopping_);
  }

  void wait() {
    std::unique_lock guard(mutex_);
    wake_.wait_for(guard, ranks_.distributed() ? kMpiPoll : kLocalPoll,
                   [&] { return !finished_.empty(); });
  }

  void collect_finished() {
    std::vector<Finished> batch;
    {
      std::lock_guard guard(mutex_);
      batch.swap(finished_);
    }
    for (const Finished& f : batch) {
      --in_flight_;
      if (f.kind == Finished::Ok || f.kind == Finished::Failed) ++done_here_;
      if (f.kind == Finished::Failed) ++failed_here_;
      if (f.kind == Finished::Stopped) stopping_ = true;
      if (f.kind == Finished::Fatal && fatal_.empty()) fatal_ = f.message, stopping_ = true;
    }
  }

  void launch_more() {
    while (!exhausted_ && in_flight_ < slots_) {
      if (root_) {
        if (pending_.empty()) {
          exhausted_ = true;
          return;
        }
        launch(pending_.front());
        pending_.pop_front();
        continue;
      }
      if (const auto reply = ranks_.poll_reply()) {
        if (*reply < 0) {
          exhausted_ = true;
          return;
        }
        launch(static_cast<uint32_t>(*reply));
        continue;
      }
      if (!ranks_.awaiting_reply()) ranks_.send_request(done_here_);
      return;  // one request at a time: wait for its reply
    }
  }

  void launch(uint32_t p) {
    ++in_flight_;
    arena_.enqueue([this, p] {
      Finished f = run_point(sweep_, header_, sweep_.points[p], folder_, options_.stop);
      // Notified under the lock, as in calibration's DistributedPool: once
      // the mutex is free the runner may end, so nothing of it is touched after.
      std::lock_guard guard(mutex_);
      finished_.push_back(std::move(f));
      wake_.notify_one();
    });
  }

  /// Rank 0: a point, or "no more", for each rank that asked.
  void answer_requests() {
    while (const auto request = ranks_.poll_request()) {
      remote_done_[static_cast<size_t>(request->source)] = request->done;
      if (stopping_ || pending_.empty()) {
        ranks_.reply(request->source, -1);
        ++ranks_released_;
      } else {
        ranks_.reply(request->source, pending_.front());
        pending_.pop_front();
      }
    }
  }

  void show_progress(bool final) {
    if (!options_.on_progress || !root_) return;
    const auto now = Clock::now();
    if (!final && std::chrono::duration<double>(now - last_progress_).count() < kProgressInterval)
      return;
    last_progress_ = now;
    int64_t done = done_here_;
    for (int64_t d : remote_done_) done += d;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    SweepProgress p;
    p.done = static_cast<size_t>(done) + resumed_;
    p.total = share_;
    p.resumed = resumed_;
    p.failed = failed_here_;
    p.rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double remaining = static_cast<double>(to_run_) - static_cast<double>(done);
    if (done > 0 && remaining > 0) p.eta_seconds = remaining / p.rate;
    p.final = final;
    options_.on_progress(p);
  }

  const Sweep& sweep_;
  const SweepHeader& header_;
  const RunnerOptions& options_;
  Ranks& ranks_;
  const bool root_;
  const std::string folder_;
  std::deque<uint32_t> pending_;
  const size_t to_run_, resumed_, share_;
  const int slots_;
  tbb::global_control control_;
  tbb::task_arena arena_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Finished> finished_;  // guarded by mutex_
  int in_flight_ = 0;
  int64_t done_here_ = 0;
  size_t failed_here_ = 0;
  bool exhausted_ = false, stopping_ = false;
  std::string fatal_;
  std::vector<int64_t> remote_done_;
  int ranks_released_ = 0;  // rank 0: ranks told there is nothing more
  const Clock::time_point started_ = Clock::now();
  Clock::time_point last_progress_ = started_ - std::chrono::seconds(10);
};

/// Rank 0 joins the part files into the output, in point order, and
/// removes them when every point succeeded.
void assemble(const std::vector<uint32_t>& mine, const RunnerOptions& options,
              std::unique_ptr<FolderLock>& lock, SweepOutcome& outcome) {
  const std::string folder = parts_folder(options.output);
  std::vector<std::string> parts;
  parts.reserve(mine.size());
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
  const bool root = ranks.rank() == 0;
  SweepOutcome outcome;
  outcome.points = mine.size();
  std::unique_ptr<FolderLock> lock;
  std::deque<uint32_t> pending;
  bool complete = false;
  ranks.collectively(
      [&] {
        if (!root) return;
        complete = output_complete(header, mine, options, outcome);
        if (!complete) pending = prepare(sweep, header, mine, options, lock, outcome.resumed);
      },
      options.exit_code_of_current_exception);
  if (ranks.broadcast(complete ? 1 : 0) != 0) {
    outcome.already_complete = true;
    outcome.resumed = mine.size();
    outcome.failed = static_cast<size_t>(ranks.broadcast(static_cast<int64_t>(outcome.failed)));
    return outcome;
  }
  Scheduler scheduler(sweep, header, options, ranks, std::move(pending), outcome.resumed,
                      mine.size());
  outcome.points_per_rank = scheduler.run();
  ranks.wait_for_all();  // every part file is written
  ranks.collectively(
      [&] {
        if (root) assemble(mine, options, lock, outcome);
      },
      options.exit_code_of_current_exception);
  outcome.failed = static_cast<size_t>(ranks.broadcast(static_cast<int64_t>(outcome.failed)));
  return outcome;
}

}  // namespace mutsim::sweep
