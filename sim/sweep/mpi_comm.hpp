#pragma once
// The ranks of a sweep. With MPI built in (MUTSIM_HAVE_MPI) and the process
// started by mpirun or srun, MPI is initialised (MPI_THREAD_FUNNELED: only
// the main thread calls MPI); otherwise, or in a build without MPI, there is
// one rank and every call is local. Only `mutsim sweep`, `mutsim calibrate`
// and `mutsim sensitivity` create one, so `mutsim run` never touches MPI.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mutsim::sweep {

class Ranks {
 public:
  /// Initialises MPI if this process was launched as an MPI rank.
  Ranks();
  ~Ranks();  // MPI_Finalize
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  bool distributed() const { return size_ > 1; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_size() const { return local_size_; }  // ranks on this machine

  /// Runs `step` on every rank and agrees on its outcome. If any rank
  /// throws, the lowest such rank rethrows its exception and the others
  /// throw PeerFailed carrying that rank's exit code (so one message is
  /// printed, and every rank exits with the same status).
  void collectively(const std::function<void()>& step,
                    const std::function<int()>& exit_code_of_current_exception);

  // Dynamic scheduling: rank 0 hands out point numbers on request.
  struct Request {
    int source;
    int64_t done;  // points that rank has finished so far
  };
  std::optional<Request> poll_request();       // rank 0
  void reply(int destination, int64_t point);  // rank 0; -1: no more points
  void send_request(int64_t done);             // other ranks
  std::optional<int64_t> poll_reply();         // other ranks
  bool awaiting_reply() const { return request_pending_; }

  // Tasks with a payload (calibration and sensitivity evaluations). A rank
  // asks with request_task (the same request as above) and gets its task, a
  // vector of doubles, from poll_task; rank 0 answers with send_task (an
  // empty task: no more). Results go back to rank 0 in messages of their
  // own (send_result, poll_result), so they flow while a rank waits for work.
  void send_task(int destination, const std::vector<double>& task);  // rank 0
  void request_task(int64_t done, size_t max_size);                  // other ranks
  std::optional<std::vector<double>> poll_task();                    // other ranks
  void send_result(std::vector<double> result);                      // other ranks; non-blocking
  struct Result {
    int source;
    std::vector<double> values;
  };
  std::optional<Result> poll_result();  // rank 0
  void flush_results();                 // other ranks: waits until every result is sent

  /// Rank 0's `value`, on every rank.
  int64_t broadcast(int64_t value);

  /// Waits for every rank, polling (a blocking barrier spins a core).
  void wait_for_all();

  /// MPI_Abort: ends every rank with `code`. Returns only where there is no
  /// MPI (one process); the caller (sim/cli) then ends the process itself.
  void abort_all(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
  int local_size_ = 1;
  bool initialised_ = false;
  bool request_pending_ = false;
  int64_t send_buffer_ = 0;
  int64_t reply_buffer_ = 0;
  void* send_request_ = nullptr;  // MPI_Request*, opaque here
  void* recv_request_ = nullptr;
  bool task_reply_ = false;  // the pending request awaits a task, not a point
  std::vector<double> task_buffer_;
  struct Outbox;  // results being sent
  std::unique_ptr<Outbox> outbox_;
};

/// Thrown on the ranks that did not fail in Ranks::collectively.
struct PeerFailed {
  int exit_code;
};

/// True when the environment shows an MPI launcher (mpirun, srun --mpi).
bool launched_by_mpi();

}  // namespace mutsim::sweep
