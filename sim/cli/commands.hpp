#pragma once
// The mutsim command line. Subcommands only parse and call the library.

namespace mutsim::cli {

/// Exit statuses: 0 success, 1 runtime or output failure, 2 bad input
/// (scenario or usage), 128 + signal when interrupted (130 SIGINT, 143 SIGTERM).
int main(int argc, char** argv);

}  // namespace mutsim::cli
