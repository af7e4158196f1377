#include "sim/sweep/mpi_comm.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <list>
#include <thread>

#ifdef MUTSIM_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

#include "sim/util/errors.hpp"

namespace mutsim::sweep {

namespace {
#ifdef MUTSIM_HAVE_MPI
constexpr int kTagRequest = 1;
constexpr int kTagReply = 2;
constexpr int kTagTask = 3;
constexpr int kTagResult = 4;
constexpr auto kPollInterval = std::chrono::milliseconds(2);
#endif
}  // namespace

struct Ranks::Outbox {
#ifdef MUTSIM_HAVE_MPI
  struct Sending {
    std::vector<double> data;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  std::list<Sending> sending;  // a list: buffers stay put while MPI reads them
  void collect() {
    for (auto it = sending.begin(); it != sending.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? sending.erase(it) : std::next(it);
    }
  }
#endif
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(name)) return true;
  return false;
}

Ranks::Ranks() : outbox_(std::make_unique<Outbox>()) {
#ifndef MUTSIM_HAVE_MPI
  // Several copies of a build without MPI would each run the whole sweep.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* size = std::getenv(name); size && std::atoi(size) > 1)
      throw ConfigError(
          "this mutsim was built without MPI, but started as one of several MPI ranks; rebuild "
          "with libopenmpi-dev installed (make build), or use --shard K/N");
#endif
#ifdef MUTSIM_HAVE_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw IoError("MPI_Init_thread failed");
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
  send_request_ = new MPI_Request(MPI_REQUEST_NULL);
  recv_request_ = new MPI_Request(MPI_REQUEST_NULL);
#endif
}

Ranks::~Ranks() {
#ifdef MUTSIM_HAVE_MPI
  if (!initialised_) return;
  flush_results();
  auto* send = static_cast<MPI_Request*>(send_request_);
  auto* recv = static_cast<MPI_Request*>(recv_request_);
  if (*send != MPI_REQUEST_NULL) MPI_Wait(send, MPI_STATUS_IGNORE);
  if (*recv != MPI_REQUEST_NULL) {
    MPI_Cancel(recv);
    MPI_Wait(recv, MPI_STATUS_IGNORE);
  }
  delete send;
  delete recv;
  MPI_Finalize();
#endif
}

void Ranks::collectively(const std::function<void()>& step,
                         const std::function<int()>& exit_code_of_current_exception) {
  std::exception_ptr error;
  int code = 0;
  try {
    step();
  } catch (...) {
    error = std::current_exception();
    code = exit_code_of_current_exception();
  }
#ifdef MUTSIM_HAVE_MPI
  if (size_ > 1) {
    int first = error ? rank_ : size_;
    int lowest = size_;
    MPI_Allreduce(&first, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (lowest == size_) return;
    MPI_Bcast(&code, 1, MPI_INT, lowest, MPI_COMM_WORLD);
    if (rank_ != lowest) throw PeerFailed{code};
  }
#endif
  if (error) std::rethrow_exception(error);
}

std::optional<Ranks::Request> Ranks::poll_request() {
#ifdef MUTSIM_HAVE_MPI
  if (size_ > 1) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &status);
    if (!flag) return std::nullopt;
    int64_t done = 0;
    MPI_Recv(&done, 1, MPI_INT64_T, status.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return Request{status.MPI_SOURCE, done};
  }
#endif
  return std::nullopt;
}

void Ranks::reply(int destination, int64_t point) {
#ifdef MUTSIM_HAVE_MPI
  // The worker posted its receive before asking, so this small send completes at once.
  MPI_Send(&point, 1, MPI_INT64_T, destination, kTagReply, MPI_COMM_WORLD);
#else
  (void)destination;
  (void)point;
#endif
}

void Ranks::send_request(int64_t done) {
#ifdef MUTSIM_HAVE_MPI
  auto* send = static_cast<MPI_Request*>(send_request_);
  auto* recv = static_cast<MPI_Request*>(recv_request_);
  if (*send != MPI_REQUEST_NULL) MPI_Wait(send, MPI_STATUS_IGNORE);
  MPI_Irecv(&reply_buffer_, 1, MPI_INT64_T, 0, kTagReply, MPI_COMM_WORLD, recv);
  send_buffer_ = done;
  MPI_Isend(&send_buffer_, 1, MPI_INT64_T, 0, kTagRequest, MPI_COMM_WORLD, send);
  request_pending_ = true;
#else
  (void)done;
#endif
}

std::optional<int64_t> Ranks::poll_reply() {
#ifdef MUTSIM_HAVE_MPI
  if (!request_pending_) return std::nullopt;
  int flag = 0;
  MPI_Test(static_cast<MPI_Request*>(recv_request_), &flag, MPI_STATUS_IGNORE);
  if (!flag) return std::nullopt;
  request_pending_ = false;
  return reply_buffer_;
#else
  return std::nullopt;
#endif
}

void Ranks::send_task(int destination, const std::vector<double>& task) {
#ifdef MUTSIM_HAVE_MPI
  // The worker posted its receive before asking, so this small send completes at once.
  MPI_Send(task.data(), static_cast<int>(task.size()), MPI_DOUBLE, destination, kTagTask,
           MPI_COMM_WORLD);
#else
  (void)destination;
  (void)task;
#endif
}

void Ranks::request_task(int64_t done, size_t max_size) {
#ifdef MUTSIM_HAVE_MPI
  auto* send = static_cast<MPI_Request*>(send_request_);
  auto* recv = static_cast<MPI_Request*>(recv_request_);
  if (*send != MPI_REQUEST_NULL) MPI_Wait(send, MPI_STATUS_IGNORE);
  task_buffer_.assign(max_size, 0.0);
  MPI_Irecv(task_buffer_.data(), static_cast<int>(max_size), MPI_DOUBLE, 0, kTagTask,
            MPI_COMM_WORLD, recv);
  send_buffer_ = done;
  MPI_Isend(&send_buffer_, 1, MPI_INT64_T, 0, kTagRequest, MPI_COMM_WORLD, send);
  request_pending_ = true;
  task_reply_ = true;
#else
  (void)done;
  (void)max_size;
#endif
}

std::optional<std::vector<double>> Ranks::poll_task() {
#ifdef MUTSIM_HAVE_MPI
  if (!request_pending_ || !task_reply_) return std::nullopt;
  int flag = 0;
  MPI_Status status;
  MPI_Test(static_cast<MPI_Request*>(recv_request_), &flag, &status);
  if (!flag) return std::nullopt;
  request_pending_ = false;
  task_reply_ = false;
  int count = 0;
  MPI_Get_count(&status, MPI_DOUBLE, &count);
  return std::vector<double>(task_buffer_.begin(), task_buffer_.begin() + count);
#else
  return std::nullopt;
#endif
}

void Ranks::send_result(std::vector<double> result) {
#ifdef MUTSIM_HAVE_MPI
  outbox_->collect();
  auto& item = outbox_->sending.emplace_back();
  item.data = std::move(result);
  MPI_Isend(item.data.data(), static_cast<int>(item.data.size()), MPI_DOUBLE, 0, kTagResult,
            MPI_COMM_WORLD, &item.request);
#else
  (void)result;
#endif
}

std::optional<Ranks::Result> Ranks::poll_result() {
#ifdef MUTSIM_HAVE_MPI
  if (size_ > 1) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &status);
    if (!flag) return std::nullopt;
    int count = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &count);
    Result r{status.MPI_SOURCE, std::vector<double>(static_cast<size_t>(count))};
    MPI_Recv(r.values.data(), count, MPI_DOUBLE, status.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return r;
  }
#endif
  return std::nullopt;
}

void Ranks::flush_results() {
#ifdef MUTSIM_HAVE_MPI
  for (outbox_->collect(); !outbox_->sending.empty(); outbox_->collect())
    std::this_thread::sleep_for(kPollInterval);
#endif
}

int64_t Ranks::broadcast(int64_t value) {
#ifdef MUTSIM_HAVE_MPI
  if (size_ > 1) MPI_Bcast(&value, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
#endif
  return value;
}

void Ranks::wait_for_all() {
#ifdef MUTSIM_HAVE_MPI
  if (size_ <= 1) return;
  MPI_Request barrier;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
  for (int done = 0; !done;) {
    MPI_Test(&barrier, &done, MPI_STATUS_IGNORE);
    if (!done) std::this_thread::sleep_for(kPollInterval);
  }
#endif
}

void Ranks::abort_all(int code) {
#ifdef MUTSIM_HAVE_MPI
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, code);
#else
  (void)code;
#endif
}

}  // namespace mutsim::sweep
