#include "sim/cli/common.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>

#include "sim/sweep/mpi_comm.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::cli {
namespace {

std::atomic<int> g_stop{0};

extern "C" void request_stop(int signal_number) { g_stop.store(signal_number); }

}  // namespace

std::atomic<int>& stop_flag() { return g_stop; }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGXFSZ, SIG_IGN);
}

int exit_code_of_current_exception() {
  try {
    throw;
  } catch (const sweep::PeerFailed& e) {
    return e.exit_code;
  } catch (const ConfigError&) {
    return kExitBadInput;
  } catch (const Interrupted& e) {
    return kExitSignalBase + e.signal;
  } catch (...) {
    return kExitFailure;
  }
}

int report_current_exception(const std::string& after_signal) {
  const int code = exit_code_of_current_exception();
  try {
    throw;
  } catch (const sweep::PeerFailed&) {
    // the rank that failed printed it
  } catch (const Interrupted& e) {
    std::cerr << fmt::format("\nmutsim: stopped by signal {}; {}\n", e.signal, after_signal);
  } catch (const ConfigError& e) {
    std::cerr << "mutsim: error: " << e.what() << "\n";
  } catch (const IoError& e) {
    std::cerr << "mutsim: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "mutsim: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "mutsim: internal error\n";
  }
  return code;
}

int guarded(const std::function<int()>& body, const std::string& after_signal) {
  try {
    return body();
  } catch (...) {
    return report_current_exception(after_signal);
  }
}

Console::Console(bool quiet) : quiet_(quiet), progress_(!quiet && isatty(STDERR_FILENO)) {}

void Console::note(const std::string& text) const {
  if (quiet_) return;
  std::cerr << (text.starts_with("mutsim") ? text : "mutsim: " + text) << "\n";
}

void Console::line(const std::string& text) {
  if (quiet_) return;
  std::cerr << (drawn_ ? "\r" : "") << text << (drawn_ ? "\033[K\n" : "\n");
  drawn_ = false;
}

void Console::progress(const std::string& line) {
  if (!progress_) return;
  std::cerr << "\r" << line << "\033[K" << std::flush;
  drawn_ = true;
}

void Console::end_progress() {
  if (drawn_) std::cerr << "\n";
  drawn_ = false;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string progress_text(const std::string& what, double done, double total,
                          const std::string& unit, double elapsed_seconds, double eta_seconds) {
  const double percent = total > 0 ? 100.0 * done / total : 100.0;
  return fmt::format("  {}: {:.0f}/{:.0f} {} ({:.0f}%), {} elapsed, ETA {}", what, done, total,
                     unit, percent, format_duration(elapsed_seconds),
                     eta_seconds < 0 ? "?" : format_duration(eta_seconds));
}

ProgressMeter::ProgressMeter(Console& console, std::string what, double total, std::string unit)
    : console_(console),
      what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_(Clock::now()) {}

void ProgressMeter::update(double done) {
  if (!console_.shows_progress()) return;
  const std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (first_done_ < 0) {
    first_done_ = done;
    first_ = now;
  }
  done_ = std::max(done_, done);
  if (std::chrono::duration<double>(now - last_draw_).count() >= kRedrawSeconds) draw(done_, now);
}

void ProgressMeter::restart(std::string what) {
  const std::lock_guard lock(mutex_);
  what_ = std::move(what);
  done_ = 0;
  first_done_ = -1;
  last_draw_ = {};
}

void ProgressMeter::finish() {
  if (!console_.shows_progress()) return;
  const std::lock_guard lock(mutex_);
  draw(done_, Clock::now());
  console_.end_progress();
}

void ProgressMeter::draw(double done, Clock::time_point now) {
  // The rate is that since the first update: (done - first) units in
  // (now - first) seconds; before a second update there is none.
  const double since_first = std::chrono::duration<double>(now - first_).count();
  const double units = done - first_done_;
  const double eta =
      first_done_ >= 0 && units > 0 && since_first > 0 ? (total_ - done) * since_first / units : -1;
  console_.progress(progress_text(what_, done, total_, unit_,
                                  std::chrono::duration<double>(now - start_).count(), eta));
  last_draw_ = now;
}

}  // namespace mutsim::cli
