#include "sim/cli/commands.hpp"

int main(int argc, char** argv) { return mutsim::cli::main(argc, argv); }
