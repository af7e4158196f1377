#pragma once
// The recorder's file: one HDF5 file per run in the layout of docs/OUTPUT.md.
#include <string>

#include "sim/config/scenario.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/provenance.hpp"

namespace mutsim {

/// Writes `result` to `path` through a temporary file in the same folder,
/// renamed over `path` only when complete. Refuses to replace an existing
/// file unless `overwrite`. Throws IoError; never leaves a partial file.
void write_run_file(const std::string& path, const RunResult& result, const Scenario& scenario,
                    const Provenance& provenance, bool overwrite);

/// Throws IoError if `path` exists and `overwrite` is false, or its folder
/// cannot be written: checked before a run so no work is wasted.
void check_output_path(const std::string& path, bool overwrite);

}  // namespace mutsim
