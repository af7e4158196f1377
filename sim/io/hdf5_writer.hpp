#pragma once
// The recorder's file: one HDF5 file per run in the layout of docs/OUTPUT.md.
#include <string>

#include "sim/config/scenario.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/provenance.hpp"
#include "sim/util/atomic_file.hpp"

namespace mutsim {

/// Writes `result` to `path` with write_file_atomically: refuses to replace
/// an existing file unless `overwrite`; throws IoError; never leaves a
/// partial file.
void write_run_file(const std::string& path, const RunResult& result, const Scenario& scenario,
                    const Provenance& provenance, bool overwrite);

}  // namespace mutsim
