#pragma once
// RAII for HDF5 identifiers and a check that turns HDF5 failures into IoError.
#include <hdf5.h>

#include <string>
#include <utility>

#include "sim/util/errors.hpp"

namespace mutsim::h5 {

/// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) throw IoError("HDF5: cannot " + what);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(closer_, other.closer_);
    return *this;
  }
  ~Handle() { close(); }
  /// Closes now; returns false if HDF5 reported an error (e.g. a failed flush).
  bool close() {
    bool ok = true;
    if (id_ >= 0 && closer_) ok = closer_(id_) >= 0;
    id_ = -1;
    return ok;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: passes straight to the C API

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

inline void check(herr_t status, const std::string& what) {
  if (status < 0) throw IoError("HDF5: cannot " + what);
}

/// Silences HDF5's own error stack printing; we report errors ourselves.
inline void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

/// What HDF5's error stack says went wrong in the last failed call, in
/// words for the user: a checksum mismatch, a truncated file, or HDF5's
/// innermost message. Call straight after the failure.
std::string last_error();

}  // namespace mutsim::h5
