#pragma once
// What every mutsim subcommand shares: the stop flag set by SIGINT and
// SIGTERM, the mapping from exceptions to exit statuses and one-line
// messages, and the lines written to stderr (progress on a terminal). Only
// sim/cli prints or decides how the process ends; the library below throws
// typed errors (sim/util/errors.hpp).
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace mutsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // a run or output failure
inline constexpr int kExitBadInput = 2;      // bad scenario or command line
inline constexpr int kExitSignalBase = 128;  // + the signal: 130 SIGINT, 143 SIGTERM

/// Set to the signal number by SIGINT or SIGTERM once the handlers are in.
std::atomic<int>& stop_flag();

/// Installs the handlers that set stop_flag(), and ignores SIGXFSZ, so that
/// past a file-size limit write() fails with EFBIG, which the writer
/// reports, instead of the signal killing the process mid-file.
void install_signal_handlers();

/// The exit status for the exception being handled: 2 ConfigError,
/// 128 + signal Interrupted, a peer rank's status (PeerFailed), else 1.
int exit_code_of_current_exception();

/// Prints the exception being handled as one line on stderr and returns its
/// exit status. `after_signal` ends the message of an interrupted command.
int report_current_exception(const std::string& after_signal = "no output written");

/// Runs `body` and returns its status, or reports what it threw.
int guarded(const std::function<int()>& body,
            const std::string& after_signal = "no output written");

/// The lines a command writes to stderr: notes unless --quiet, a progress
/// line redrawn in place when stderr is a terminal.
class Console {
 public:
  explicit Console(bool quiet);
  bool quiet() const { return quiet_; }
  bool shows_progress() const { return progress_; }
  /// "mutsim: TEXT" (or TEXT as given when it starts with "mutsim") unless quiet.
  void note(const std::string& text) const;
  /// TEXT as a line of its own unless quiet, in place of a progress line.
  void line(const std::string& text);
  /// Redraws the progress line (terminal only).
  void progress(const std::string& line);
  /// Ends a progress line, if one was drawn.
  void end_progress();

 private:
  bool quiet_;
  bool progress_;
  bool drawn_ = false;
};

/// "1h02m", "3m05s", "42s", or "?" for a negative or absurd time.
std::string format_duration(double seconds);

/// One progress line: "  WHAT: DONE/TOTAL UNIT (P%), ELAPSED elapsed, ETA T";
/// a negative `eta_seconds` prints "ETA ?" (too early to tell).
std::string progress_text(const std::string& what, double done, double total,
                          const std::string& unit, double elapsed_seconds, double eta_seconds);

/// A progress line with its rate and ETA for work of known size, redrawn
/// on a terminal at most every kRedrawSeconds (Console draws nothing off a
/// terminal). update() may be called from several threads at once. The
/// rate is measured from the first update, so set-up that precedes the
/// first unit of work does not distort the ETA.
class ProgressMeter {
 public:
  ProgressMeter(Console& console, std::string what, double total, std::string unit);
  /// `done` units of `total` are finished (monotone per caller).
  void update(double done);
  /// Starts a new phase of the same size (a calibration generation) with
  /// its own rate.
  void restart(std::string what);
  /// Draws the last state and ends the line.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(double done, Clock::time_point now);

  static constexpr double kRedrawSeconds = 0.25;
  Console& console_;
  std::string what_, unit_;
  double total_;
  std::mutex mutex_;
  Clock::time_point start_;
  Clock::time_point first_;  // time of the first update of this phase
  double first_done_ = -1;   // units done at the first update (-1: none yet)
  Clock::time_point last_draw_{};
  double done_ = 0;
};

}  // namespace mutsim::cli
