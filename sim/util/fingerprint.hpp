#pragma once
// FNV-1a, 64 bits, over length-prefixed fields: identifies a configuration
// (a sweep, a calibration, a sensitivity run) so that a resume or a rerun
// can tell its own work from another's. It identifies; it does not secure.
#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace mutsim {

class Fingerprint {
 public:
  void add(const std::string& text) {
    add_bytes(std::to_string(text.size()) + ":");
    add_bytes(text);
  }
  void add(uint64_t value) { add(std::to_string(value)); }
  std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  void add_bytes(const std::string& bytes) {
    for (unsigned char c : bytes) hash_ = (hash_ ^ c) * 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace mutsim
