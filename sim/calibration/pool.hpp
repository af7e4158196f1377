#pragma once
// Where model evaluations run. The drivers (ABC in abc.cpp, Morris in
// runner.cpp) hand out tasks in index order whenever a slot is free and
// receive each result with its index, in whatever order evaluations finish;
// what they do with the results depends only on the indices, so the output
// is the same for any number of threads or MPI ranks.
//
// LocalPool runs tasks on the TBB workers of the caller's arena;
// DistributedPool (distributed_pool.hpp) also on the other MPI ranks.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace mutsim::calibration {

/// One model evaluation: candidate or design point `index`, run with model
/// seed `seed` at parameters `theta`.
struct Task {
  uint32_t index = 0;
  uint64_t seed = 0;
  std::vector<double> theta;
};

/// Computes a task's values (ABC: distance then simulated summaries;
/// Morris: the outputs). Called concurrently; must be thread-safe.
using TaskFn = std::function<std::vector<double>(const Task& task)>;

/// The next task to start, or none: then no more are asked for in this round.
using NextTaskFn = std::function<std::optional<Task>()>;
/// A finished task's values.
using TaskDoneFn = std::function<void(uint32_t index, std::vector<double> values)>;

class EvaluationPool {
 public:
  virtual ~EvaluationPool() = default;
  /// Starts tasks from `next` while slots are free until it returns none,
  /// and returns once every started task has finished. `next` and `done` are
  /// called one at a time, never concurrently. If a task throws, no more are
  /// started and the first exception is rethrown once the others finish; a
  /// set stop flag also ends the round (Interrupted).
  virtual void run(const NextTaskFn& next, const TaskDoneFn& done) = 0;
};

/// Runs tasks on the caller's TBB arena, `slots` at a time (0: the arena's
/// concurrency). The calling thread works too while it waits.
class LocalPool final : public EvaluationPool {
 public:
  explicit LocalPool(TaskFn task, int slots = 0, const std::atomic<int>* stop = nullptr);
  void run(const NextTaskFn& next, const TaskDoneFn& done) override;

 private:
  TaskFn task_;
  int slots_;
  const std::atomic<int>* stop_;
};

}  // namespace mutsim::calibration
