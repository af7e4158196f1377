#pragma once
// The one way mutsim writes an output file: the whole file goes to a
// temporary name in the target's folder (created with O_EXCL), is synced,
// renamed over the target and the folder synced, so the target either keeps
// its earlier content or holds the whole new file, even after kill -9 or a
// power cut. Run files, sweep parts and merges, calibration and sensitivity
// files and every later output use it.
#include <span>
#include <string>

namespace mutsim {

/// Throws IoError if `path` is a folder, exists while `overwrite` is false,
/// or its folder is missing or not writable: checked before a run so no
/// work is wasted, and again by write_file_atomically.
void check_output_path(const std::string& path, bool overwrite);

/// Writes `bytes` to `path` as above. Refuses to replace an existing file
/// unless `overwrite` (also against a file that appears meanwhile). Throws
/// IoError "PATH: could not write the results: REASON", with a full disk, a
/// quota or a file-size limit said plainly; leaves no temporary file.
void write_file_atomically(const std::string& path, std::span<const char> bytes, bool overwrite);

/// Suffix of the temporary files this process writes: ".tmp-HOST-PID".
/// Anything named PATH.tmp-* is litter of a killed writer.
std::string temporary_suffix();

}  // namespace mutsim
