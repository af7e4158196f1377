#pragma once
// Writing HDF5 files: typed attributes and datasets, string and compound
// tables, and the storage choices, so every output of mutsim is written one
// way. Every dataset is chunked and carries HDF5's Fletcher32 checksum, so
// a reader notices a damaged chunk instead of returning wrong numbers.
// Files are built in memory (MemoryFile) and written to disk with
// write_file_atomically (sim/util/atomic_file.hpp).
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/io/h5/handle.hpp"

namespace mutsim::h5 {

/// Debian's libhdf5 is built without its thread-safe option: code that may
/// run beside other HDF5 calls (sweep workers) holds this around them.
std::recursive_mutex& library_mutex();

/// Deflate level 4: most of deflate's gain on smooth series at a fraction
/// of level 9's time; shuffle first for float series.
inline constexpr unsigned kDeflateLevel = 4;

enum class Compression { None, Deflate, ShuffleDeflate };

struct Layout {
  std::vector<hsize_t> chunk;  // empty: the whole dataset in one chunk
  Compression compression = Compression::None;
  std::optional<double> fill;  // fill value of a float64 dataset
};

/// A file built in HDF5's core driver without a backing store: HDF5 never
/// touches the disk (HDF5 1.10 crashes at exit after a write to disk fails
/// part-way), and image() hands the bytes to the atomic writer.
class MemoryFile {
 public:
  explicit MemoryFile(std::string name);  // name: for messages
  hid_t id() const { return file_.get(); }
  operator hid_t() const { return file_.get(); }  // NOLINT: passes straight to the C API
  /// Flushes and closes the file and returns its bytes.
  std::vector<char> image();

 private:
  std::string name_;
  Handle file_;
};

/// Creation properties without modification times, so files are reproducible.
Handle untimed(hid_t cls);
/// `size` 0: variable-length UTF-8 (attributes); else fixed `size` bytes,
/// zero-padded, in `cset` (run files keep ASCII, as format 1.0 wrote them).
Handle string_type(size_t size, H5T_cset_t cset = H5T_CSET_UTF8);
Handle create_group(hid_t parent, const std::string& name);

void write_text_attribute(hid_t object, const char* name, const std::string& value);
/// Fixed-length text (netCDF's NC_CHAR, which CF tools expect for `units`
/// and `long_name`), ASCII when the value is; replaces an existing attribute.
void write_char_attribute(hid_t object, const char* name, const std::string& value);
void write_i32_attribute(hid_t object, const char* name, int32_t value);
void write_u64_attribute(hid_t object, const char* name, uint64_t value);
void write_u32_attribute(hid_t object, const char* name, uint32_t value);
void write_f64_attribute(hid_t object, const char* name, double value);

/// A dataset of `dims` of `file_type`, chunked and checksummed as `layout` says.
Handle create_dataset(hid_t parent, const std::string& name, hid_t file_type,
                      const std::vector<hsize_t>& dims, const Layout& layout = {});

void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const double> values, const Layout& layout = {});
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint8_t> values, const Layout& layout = {});
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint32_t> values, const Layout& layout = {});
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const int32_t> values, const Layout& layout = {});
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint64_t> values, const Layout& layout = {});
/// A 1-D dataset of fixed-width UTF-8 strings as wide as the longest (at
/// least 1 byte). Fixed, not variable-length: the checksum then covers the
/// text itself, not pointers into a heap.
void write_text_dataset(hid_t parent, const std::string& name,
                        const std::vector<std::string>& values);
/// A 1-D dataset of fixed-width strings (e.g. /time/date, 7 bytes).
void write_fixed_text_dataset(hid_t parent, const std::string& name,
                              const std::vector<std::string>& values, size_t width,
                              H5T_cset_t cset = H5T_CSET_UTF8);
/// Writes `count` float64 values at `start` of a dataset made by create_dataset.
void write_block(hid_t dataset, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const double* values, const std::string& what);

/// A compound table written row by row from accessor functions: columns
/// are packed in the order added.
class Table {
 public:
  explicit Table(size_t rows) : rows_(rows) {}
  void add_u8(const std::string& name, std::function<uint8_t(size_t row)> get);
  void add_i32(const std::string& name, std::function<int32_t(size_t row)> get);
  void add_u32(const std::string& name, std::function<uint32_t(size_t row)> get);
  void add_u64(const std::string& name, std::function<uint64_t(size_t row)> get);
  void add_f64(const std::string& name, std::function<double(size_t row)> get);
  /// Fixed-width text; `width` 0: the longest value (at least 1 byte).
  /// Longer values are cut (callers validate lengths).
  void add_text(const std::string& name, size_t width, std::function<std::string(size_t row)> get,
                H5T_cset_t cset = H5T_CSET_UTF8);
  void write(hid_t parent, const std::string& name, const Layout& layout) const;

 private:
  struct Column {
    std::string name;
    hid_t type;  // predefined, or owned by `types_`
    size_t size;
    std::function<void(size_t row, char* out)> fill;
  };
  template <class T>
  void add_number(const std::string& name, hid_t type, std::function<T(size_t)> get);
  size_t rows_;
  std::vector<Column> columns_;
  std::vector<Handle> types_;
};

}  // namespace mutsim::h5
