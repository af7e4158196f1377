#include "sim/calibration/distributed_pool.hpp"

#include <tbb/info.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "sim/util/errors.hpp"

namespace mutsim::calibration {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(2);

int worker_slots(int threads, const sweep::Ranks& ranks) {
  if (threads > 0) return threads;
  return std::max(1, tbb::info::default_concurrency() / std::max(1, ranks.local_size()));
}

// On the wire a task is [index, seed's bits, theta...] and a result
// [index, values...]: doubles throughout, bit for bit (a homogeneous
// cluster copies MPI_DOUBLE unchanged, NaN payloads included).
std::vector<double> encode_task(const Task& t) {
  std::vector<double> out{static_cast<double>(t.index), std::bit_cast<double>(t.seed)};
  out.insert(out.end(), t.theta.begin(), t.theta.end());
  return out;
}

Task decode_task(const std::vector<double>& in) {
  if (in.size() < 2) throw std::logic_error("MPI: a task message without index and seed");
  return Task{static_cast<uint32_t>(in[0]), std::bit_cast<uint64_t>(in[1]),
              std::vector<double>(in.begin() + 2, in.end())};
}

}  // namespace

DistributedPool::DistributedPool(sweep::Ranks& ranks, TaskFn task, int threads, size_t parameters,
                                 const std::atomic<int>* stop)
    : ranks_(ranks),
      task_(std::move(task)),
      slots_(worker_slots(threads, ranks)),
      parameters_(parameters),
      stop_(stop),
      control_(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(slots_) + 1),
      arena_(slots_, 0),
      per_rank_(static_cast<size_t>(ranks.size()), 0) {}

DistributedPool::~DistributedPool() {
  // Tasks still running reference this object: let them finish.
  std::unique_lock guard(mutex_);
  wake_.wait(guard, [&] { return in_flight_ == static_cast<int>(finished_.size()); });
}

void DistributedPool::launch(Task task) {
  ++in_flight_;
  arena_.enqueue([this, t = std::move(task)] {
    Finished f{t.index, {}, nullptr};
    try {
      f.values = task_(t);
    } catch (...) {
      f.error = std::current_exception();
    }
    // Notified under the lock: once the last result is in, the destructor
    // may end this pool as soon as it holds the mutex, so nothing of it may
    // be touched after the lock is released (ThreadSanitizer caught a
    // notify_all on a pool the destructor had already ended).
    std::lock_guard guard(mutex_);
    finished_.push_back(std::move(f));
    wake_.notify_all();
  });
}

std::vector<DistributedPool::Finished> DistributedPool::take_finished() {
  std::vector<Finished> batch;
  std::lock_guard guard(mutex_);
  batch.swap(finished_);
  in_flight_ -= static_cast<int>(batch.size());
  return batch;
}

void DistributedPool::wait() {
  std::unique_lock guard(mutex_);
  wake_.wait_for(guard, kPoll, [&] { return !finished_.empty(); });
}

void DistributedPool::launch_local(const NextTaskFn& next, bool& exhausted) {
  while (!exhausted && in_flight_ < slots_) {
    std::optional<Task> task = next();
    if (!task) {
      exhausted = true;
      return;
    }
    launch(std::move(*task));
  }
}

void DistributedPool::answer_requests(const NextTaskFn& next, bool& exhausted) {
  while (const auto request = ranks_.poll_request()) waiting_.push_back(request->source);
  while (!exhausted && !waiting_.empty()) {
    std::optional<Task> task = next();
    if (!task) {
      exhausted = true;
      return;
    }
    ranks_.send_task(waiting_.front(), encode_task(*task));
    waiting_.pop_front();
    ++remote_in_flight_;
  }
}

void DistributedPool::run(const NextTaskFn& next, const TaskDoneFn& done) {
  bool exhausted = false;
  std::exception_ptr error;
  auto deliver = [&](uint32_t index, std::vector<double> values) {
    if (error) return;
    try {
      done(index, std::move(values));
    } catch (...) {
      error = std::current_exception();
    }
  };
  for (;;) {
    for (Finished& f : take_finished()) {
      ++per_rank_[0];
      if (f.error && !error) error = f.error;
      deliver(f.index, std::move(f.values));
    }
    while (auto result = ranks_.poll_result()) {
      --remote_in_flight_;
      ++per_rank_[static_cast<size_t>(result->source)];
      auto& v = result->values;
      if (v.empty()) throw std::logic_error("MPI: an empty result message");
      deliver(static_cast<uint32_t>(v[0]), std::vector<double>(v.begin() + 1, v.end()));
    }
    const bool stopping = error || (stop_ && stop_->load() != 0);
    if (stopping) {
      exhausted = true;
    } else {
      try {
        launch_local(next, exhausted);
        if (ranks_.distributed()) answer_requests(next, exhausted);
      } catch (...) {
        error = std::current_exception();
        exhausted = true;
      }
    }
    if (exhausted && in_flight_ == 0 && (remote_in_flight_ == 0 || stopping)) break;
    wait();
  }
  if (error) std::rethrow_exception(error);
  if (stop_ && stop_->load() != 0) throw Interrupted(stop_->load());
}

void DistributedPool::release() {
  int released = 0;
  while (released < ranks_.size() - 1) {
    while (const auto request = ranks_.poll_request()) waiting_.push_back(request->source);
    while (!waiting_.empty()) {
      ranks_.send_task(waiting_.front(), {});
      waiting_.pop_front();
      ++released;
    }
    if (released < ranks_.size() - 1) std::this_thread::sleep_for(kPoll);
  }
}

void DistributedPool::serve() {
  bool exhausted = false;
  int64_t done = 0;
  for (;;) {
    for (Finished& f : take_finished()) {
      if (f.error) std::rethrow_exception(f.error);
      std::vector<double> message{static_cast<double>(f.index)};
      message.insert(message.end(), f.values.begin(), f.values.end());
      ranks_.send_result(std::move(message));
      ++done;
    }
    if (stop_ && stop_->load() != 0) throw Interrupted(stop_->load());
    while (!exhausted && in_flight_ < slots_) {
      if (auto task = ranks_.poll_task()) {
        if (task->empty()) {
          exhausted = true;
          break;
        }
        launch(decode_task(*task));
        continue;
      }
      if (!ranks_.awaiting_reply()) ranks_.request_task(done, parameters_ + 2);
      break;  // one request at a time: wait for its reply
    }
    if (exhausted && in_flight_ == 0) break;
    wait();
  }
  ranks_.flush_results();
}

}  // namespace mutsim::calibration
