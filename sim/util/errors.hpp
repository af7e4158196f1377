#pragma once
// Typed exceptions thrown by library code. The CLI maps each to an exit code;
// nothing below sim/cli calls exit().
#include <stdexcept>
#include <string>

namespace mutsim {

/// Bad scenario or command-line input: exit status 2. The message already
/// names where (file:line:column or --set) and the key path.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Could not write or read an output file: exit status 1.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The run was asked to stop (SIGINT/SIGTERM) and stopped between months.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal_number)
      : std::runtime_error("interrupted by signal"), signal(signal_number) {}
  int signal;
};

}  // namespace mutsim
