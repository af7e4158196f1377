#pragma once
// Small HDF5 helpers for sweep files (sim/io keeps its own private to the run
// writer). The serial HDF5 library is not thread-safe: every caller holds
// hdf5_mutex() around HDF5 calls.
#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sim/io/hdf5_handle.hpp"

namespace mutsim::sweep::h5util {

/// Serialises all HDF5 calls of the sweep code (Debian's libhdf5 is built
/// without its thread-safe option).
std::mutex& hdf5_mutex();

/// Creation properties without modification times, so files are reproducible.
h5::Handle untimed(hid_t cls);
h5::Handle string_type(size_t size);  // 0: variable length UTF-8
h5::Handle create_group(hid_t parent, const char* name);

void write_string_attribute(hid_t object, const char* name, const std::string& value);
void write_u64_attribute(hid_t object, const char* name, uint64_t value);
void write_u32_attribute(hid_t object, const char* name, uint32_t value);
void write_f64_attribute(hid_t object, const char* name, double value);

std::string read_string_attribute(hid_t object, const char* name);
uint64_t read_u64_attribute(hid_t object, const char* name);
double read_f64_attribute(hid_t object, const char* name);

/// Opens an existing file read-only; throws IoError naming it.
h5::Handle open_read(const std::string& path);

/// A file built in memory (core driver, no backing store); image() copies it out.
h5::Handle create_in_memory(const std::string& name);
std::vector<char> file_image(h5::Handle& file, const std::string& name);

/// Writes `image` to `path` through `path.tmp-HOST-PID` (fsync, rename, fsync
/// of the folder), so `path` either does not exist or is whole, even after
/// kill -9. Refuses to replace `path` unless `overwrite`.
void write_file_atomically(const std::string& path, const std::vector<char>& image, bool overwrite);

/// Suffix of temporary files written by this process: ".tmp-HOST-PID".
std::string temporary_suffix();

}  // namespace mutsim::sweep::h5util
