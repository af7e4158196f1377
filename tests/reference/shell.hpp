#pragma once
// What the tests that run the mutsim command as a process share: a file's
// bytes, and a word quoted for the shell.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mutsim::test {

/// The whole file as bytes ("" when it cannot be opened).
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// TEXT as one single-quoted shell word.
inline std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace mutsim::test
