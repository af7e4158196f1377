#include "sim/calibration/pool.hpp"

#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <exception>
#include <mutex>

#include "sim/util/errors.hpp"

namespace mutsim::calibration {

LocalPool::LocalPool(TaskFn task, int slots, const std::atomic<int>* stop)
    : task_(std::move(task)), slots_(slots), stop_(stop) {}

void LocalPool::run(const NextTaskFn& next, const TaskDoneFn& done) {
  const int slots = slots_ > 0 ? slots_ : tbb::this_task_arena::max_concurrency();
  tbb::task_group group;
  std::mutex mutex;  // serialises next, done and the state below
  std::exception_ptr error;
  bool exhausted = false;
  std::function<void()> start_one;
  // Called with `mutex` held: starts the next task, if there is one.
  start_one = [&] {
    if (exhausted || error || (stop_ && stop_->load() != 0)) return;
    std::optional<Task> task = next();
    if (!task) {
      exhausted = true;
      return;
    }
    group.run([&, t = std::move(*task)] {
      std::vector<double> values;
      std::exception_ptr failure;
      try {
        values = task_(t);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard guard(mutex);
      if (failure) {
        if (!error) error = failure;
        return;
      }
      try {
        if (!error) done(t.index, std::move(values));
        start_one();
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    });
  };
  {
    std::lock_guard guard(mutex);
    try {
      for (int s = 0; s < slots; ++s) start_one();
    } catch (...) {
      error = std::current_exception();
    }
  }
  group.wait();
  if (error) std::rethrow_exception(error);
  if (stop_ && stop_->load() != 0) throw Interrupted(stop_->load());
}

}  // namespace mutsim::calibration
