#pragma once
// Reading HDF5 files with shape and type checks. Every failure is an
// IoError naming the file and the object ("out.h5: /series/x: ..."), and a
// damaged file (a chunk whose checksum fails, a truncated file) is said to
// be damaged, so no command prints numbers from it.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/io/h5/handle.hpp"

namespace mutsim::h5 {

class InputFile {
 public:
  /// Opens `path` read-only; refuses what is missing, not a regular file,
  /// not HDF5, or too damaged to open.
  explicit InputFile(const std::string& path);
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }

  /// Throws IoError "PATH: OBJECT: PROBLEM".
  [[noreturn]] void fail(const std::string& object, const std::string& problem) const;

  /// Whether `object` ("/a/b") exists: every link on the way.
  bool has(const std::string& object) const;
  /// Throws naming `object` when it is missing.
  void require(const std::string& object) const;
  /// Names in `group`, in name order.
  std::vector<std::string> members(const std::string& group) const;

  bool has_attribute(const std::string& name, const std::string& object = "/") const;
  std::string text_attribute(const std::string& name, const std::string& object = "/") const;
  uint64_t u64_attribute(const std::string& name, const std::string& object = "/") const;
  double f64_attribute(const std::string& name, const std::string& object = "/") const;

  /// The dimensions of a dataset.
  std::vector<hsize_t> shape(const std::string& dataset) const;
  /// A whole float dataset, which must have `expected` dimensions.
  std::vector<double> doubles(const std::string& dataset,
                              const std::vector<hsize_t>& expected) const;
  std::vector<uint32_t> u32s(const std::string& dataset, hsize_t expected) const;
  std::vector<uint64_t> u64s(const std::string& dataset, hsize_t expected) const;
  /// A 1-D dataset of strings, fixed-width or variable-length.
  std::vector<std::string> texts(const std::string& dataset) const;
  /// `count` values at `start` of a float dataset into `out`.
  void read_block(const std::string& dataset, const std::vector<hsize_t>& start,
                  const std::vector<hsize_t>& count, double* out) const;

  /// Rows of a compound table, and one column of it.
  hsize_t table_rows(const std::string& table) const;
  std::vector<std::string> text_column(const std::string& table, const std::string& column) const;
  std::vector<double> f64_column(const std::string& table, const std::string& column) const;
  std::vector<uint32_t> u32_column(const std::string& table, const std::string& column) const;
  std::vector<uint64_t> u64_column(const std::string& table, const std::string& column) const;

  /// Reads every dataset in the file, so a damaged chunk anywhere is found
  /// (Fletcher32) before any of the file is used.
  void verify_all() const;

 private:
  Handle open_dataset(const std::string& dataset) const;
  Handle open_attribute(const std::string& name, const std::string& object) const;
  template <class T>
  std::vector<T> numbers(const std::string& dataset, const std::vector<hsize_t>& expected,
                         hid_t memory_type, H5T_class_t file_class) const;
  template <class T>
  std::vector<T> number_column(const std::string& table, const std::string& column,
                               hid_t memory_type) const;
  void read_column(const std::string& table, const std::string& column, hid_t memory_member,
                   size_t size, std::vector<char>& out) const;
  void verify(const std::string& dataset) const;

  std::string path_;
  Handle file_;
};

}  // namespace mutsim::h5
