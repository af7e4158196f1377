#pragma once
// What every mutsim subcommand shares: the stop flag set by SIGINT and
// SIGTERM, the mapping from exceptions to exit statuses and one-line
// messages, and the lines written to stderr (progress on a terminal). Only
// sim/cli prints or decides how the process ends; the library below throws
// typed errors (sim/util/errors.hpp).
#include <atomic>
#include <functional>
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

}  // namespace mutsim::cli
