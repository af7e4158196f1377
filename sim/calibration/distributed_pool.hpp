#pragma once
// Evaluations spread over MPI ranks (sim/sweep/mpi_comm.hpp, the ranks of
// `mutsim sweep`). Rank 0 runs the driver: it hands tasks out one at a time,
// in index order, to whichever slot is free, its own TBB workers included;
// every other rank serves: it keeps its slots busy by asking rank 0 for
// tasks and sends each result back. Since the drivers use results by index
// only, the output does not depend on the number of ranks.
//
// The main thread of each rank only talks MPI (MPI_THREAD_FUNNELED) and
// sleeps between polls; `threads` TBB workers per rank run the evaluations.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "sim/calibration/pool.hpp"
#include "sim/sweep/mpi_comm.hpp"

namespace mutsim::calibration {

class DistributedPool final : public EvaluationPool {
 public:
  /// `threads` per rank (0: the cores of this machine shared among its
  /// ranks); `parameters`: the length of a task's theta.
  DistributedPool(sweep::Ranks& ranks, TaskFn task, int threads, size_t parameters,
                  const std::atomic<int>* stop);
  DistributedPool(const DistributedPool&) = delete;
  DistributedPool& operator=(const DistributedPool&) = delete;
  ~DistributedPool() override;

  /// Rank 0. Throws the first task's exception, or Interrupted on a signal,
  /// without waiting for other ranks' evaluations (the caller then ends every rank).
  void run(const NextTaskFn& next, const TaskDoneFn& done) override;
  /// Rank 0, after the last run: tells every other rank there is no more work.
  void release();
  /// Every other rank: evaluates tasks until released. Throws a task's
  /// exception, or Interrupted on a signal.
  void serve();

  int slots() const { return slots_; }
  /// Rank 0: tasks each rank has evaluated (rank 0 first).
  const std::vector<int64_t>& tasks_per_rank() const { return per_rank_; }

 private:
  struct Finished {
    uint32_t index;
    std::vector<double> values;
    std::exception_ptr error;
  };
  void launch(Task task);
  std::vector<Finished> take_finished();
  void wait();
  /// Rank 0: hands tasks to ranks that asked, while `next` has some.
  void answer_requests(const NextTaskFn& next, bool& exhausted);
  /// The local launches of run(), while `next` has some.
  void launch_local(const NextTaskFn& next, bool& exhausted);

  sweep::Ranks& ranks_;
  TaskFn task_;
  const int slots_;
  const size_t parameters_;
  const std::atomic<int>* stop_;
  tbb::global_control control_;
  tbb::task_arena arena_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Finished> finished_;  // guarded by mutex_
  int in_flight_ = 0;               // local tasks
  int remote_in_flight_ = 0;        // rank 0: tasks handed to other ranks
  std::deque<int> waiting_;         // rank 0: ranks whose request is unanswered
  std::vector<int64_t> per_rank_;
};

}  // namespace mutsim::calibration
