#include "sim/io/h5/read.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

namespace mutsim::h5 {
namespace {

namespace fs = std::filesystem;

// Datasets are checked in blocks of rows of about this size.
constexpr size_t kVerifyBlockBytes = size_t{16} << 20;

herr_t collect_error(unsigned, const H5E_error2_t* error, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(error->desc ? error->desc : "");
  return 0;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

hsize_t cells(const std::vector<hsize_t>& dims) {
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  return total;
}

bool holds_variable_length(hid_t type) {
  if (H5Tdetect_class(type, H5T_VLEN) > 0) return true;
  return H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0;
}

std::string attribute_object(const std::string& name, const std::string& object) {
  return object == "/" ? "root attribute " + name : object + " attribute " + name;
}

}  // namespace

std::string last_error() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &messages);
  for (const auto& m : messages) {
    const std::string text = lower(m);
    if (text.find("checksum") != std::string::npos || text.find("fletcher") != std::string::npos)
      return "the file is damaged (a checksum does not match the stored data)";
    if (text.find("truncated") != std::string::npos)
      return "the file is damaged (truncated: shorter than its own header says)";
  }
  if (messages.empty()) return "HDF5 gave no reason";
  return "the file is damaged or not as mutsim writes it (HDF5: " + messages.back() + ")";
}

InputFile::InputFile(const std::string& path) : path_(path) {
  quiet_errors();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(fmt::format("{}: no such file", path));
  if (!fs::is_regular_file(path, ec)) throw IoError(fmt::format("{}: not a regular file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw IoError(fmt::format("{}: not an HDF5 file (or cannot be opened)", path));
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail("/", "cannot be opened: " + last_error());
  file_ = Handle(id, H5Fclose, "open " + path);
}

void InputFile::fail(const std::string& object, const std::string& problem) const {
  throw IoError(fmt::format("{}: {}: {}", path_, object, problem));
}

bool InputFile::has(const std::string& object) const {
  std::string prefix;
  for (size_t at = 1; at <= object.size(); ++at) {
    if (at < object.size() && object[at] != '/') continue;
    prefix = object.substr(0, at);
    if (prefix.empty() || prefix == "/") continue;
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

void InputFile::require(const std::string& object) const {
  if (!has(object)) fail(object, "missing (the file is incomplete or not as mutsim writes it)");
}

std::vector<std::string> InputFile::members(const std::string& group) const {
  require(group);
  Handle g(H5Gopen2(file_, group.c_str(), H5P_DEFAULT), H5Gclose, "open " + group);
  std::vector<std::string> names;
  if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names) < 0)
    fail(group, "cannot be listed: " + last_error());
  return names;
}

Handle InputFile::open_attribute(const std::string& name, const std::string& object) const {
  if (!has(object) || H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0)
    fail(attribute_object(name, object), "missing");
  const hid_t id = H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail(attribute_object(name, object), "cannot be opened: " + last_error());
  return Handle(id, H5Aclose, "open attribute " + name);
}

bool InputFile::has_attribute(const std::string& name, const std::string& object) const {
  return has(object) && H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string InputFile::text_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(name, object);
  Handle type(H5Aget_type(attr), H5Tclose, "read an attribute type");
  if (H5Tget_class(type) != H5T_STRING) fail(attribute_object(name, object), "is not text");
  if (H5Tis_variable_str(type) > 0) {
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose, "copy a type");
    check(H5Tset_size(memory, H5T_VARIABLE), "size a type");
    check(H5Tset_cset(memory, H5Tget_cset(type)), "set a character set");
    char* text = nullptr;
    if (H5Aread(attr, memory, &text) < 0)
      fail(attribute_object(name, object), "cannot be read: " + last_error());
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(type), '\0');
  if (H5Aread(attr, type, value.data()) < 0)
    fail(attribute_object(name, object), "cannot be read: " + last_error());
  return value.substr(0, value.find('\0'));
}

uint64_t InputFile::u64_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(name, object);
  Handle type(H5Aget_type(attr), H5Tclose, "read an attribute type");
  if (H5Tget_class(type) != H5T_INTEGER)
    fail(attribute_object(name, object), "is not a whole number");
  uint64_t value = 0;
  if (H5Aread(attr, H5T_NATIVE_UINT64, &value) < 0)
    fail(attribute_object(name, object), "cannot be read: " + last_error());
  return value;
}

double InputFile::f64_attribute(const std::string& name, const std::string& object) const {
  Handle attr = open_attribute(name, object);
  Handle type(H5Aget_type(attr), H5Tclose, "read an attribute type");
  if (H5Tget_class(type) != H5T_FLOAT) fail(attribute_object(name, object), "is not a number");
  double value = 0;
  if (H5Aread(attr, H5T_NATIVE_DOUBLE, &value) < 0)
    fail(attribute_object(name, object), "cannot be read: " + last_error());
  return value;
}

Handle InputFile::open_dataset(const std::string& dataset) const {
  require(dataset);
  const hid_t id = H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT);
  if (id < 0) fail(dataset, "is not a dataset, or cannot be opened: " + last_error());
  return Handle(id, H5Dclose, "open " + dataset);
}

std::vector<hsize_t> InputFile::shape(const std::string& dataset) const {
  Handle set = open_dataset(dataset);
  Handle space(H5Dget_space(set), H5Sclose, "get the dataspace of " + dataset);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail(dataset, "has no readable dimensions: " + last_error());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

template <class T>
std::vector<T> InputFile::numbers(const std::string& dataset, const std::vector<hsize_t>& expected,
                                  hid_t memory_type, H5T_class_t file_class) const {
  if (shape(dataset) != expected) fail(dataset, "does not have the dimensions expected");
  Handle set = open_dataset(dataset);
  Handle type(H5Dget_type(set), H5Tclose, "get the type of " + dataset);
  if (H5Tget_class(type) != file_class)
    fail(dataset, file_class == H5T_FLOAT ? "is not floating point" : "is not whole numbers");
  std::vector<T> values(cells(expected));
  if (!values.empty() &&
      H5Dread(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail(dataset, "cannot be read: " + last_error());
  return values;
}

std::vector<double> InputFile::doubles(const std::string& dataset,
                                       const std::vector<hsize_t>& expected) const {
  return numbers<double>(dataset, expected, H5T_NATIVE_DOUBLE, H5T_FLOAT);
}
std::vector<uint32_t> InputFile::u32s(const std::string& dataset, hsize_t expected) const {
  return numbers<uint32_t>(dataset, {expected}, H5T_NATIVE_UINT32, H5T_INTEGER);
}
std::vector<uint64_t> InputFile::u64s(const std::string& dataset, hsize_t expected) const {
  return numbers<uint64_t>(dataset, {expected}, H5T_NATIVE_UINT64, H5T_INTEGER);
}

std::vector<std::string> InputFile::texts(const std::string& dataset) const {
  const std::vector<hsize_t> dims = shape(dataset);
  if (dims.size() != 1) fail(dataset, "is not a list (1-D)");
  Handle set = open_dataset(dataset);
  Handle type(H5Dget_type(set), H5Tclose, "get the type of " + dataset);
  if (H5Tget_class(type) != H5T_STRING) fail(dataset, "is not text");
  std::vector<std::string> out(dims[0]);
  if (dims[0] == 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    std::vector<char*> pointers(dims[0], nullptr);
    Handle memory(H5Tcopy(type), H5Tclose, "copy a type");
    if (H5Dread(set, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
      fail(dataset, "cannot be read: " + last_error());
    for (size_t i = 0; i < out.size(); ++i) out[i] = pointers[i] ? pointers[i] : "";
    Handle space(H5Dget_space(set), H5Sclose, "get a dataspace");
    H5Dvlen_reclaim(memory, space, H5P_DEFAULT, pointers.data());
    return out;
  }
  const size_t width = H5Tget_size(type);
  std::vector<char> buffer(width * dims[0]);
  if (H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
    fail(dataset, "cannot be read: " + last_error());
  for (size_t i = 0; i < out.size(); ++i)
    out[i].assign(buffer.data() + i * width, strnlen(buffer.data() + i * width, width));
  return out;
}

void InputFile::read_block(const std::string& dataset, const std::vector<hsize_t>& start,
                           const std::vector<hsize_t>& count, double* out) const {
  Handle set = open_dataset(dataset);
  Handle space(H5Dget_space(set), H5Sclose, "get the dataspace of " + dataset);
  if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
    fail(dataset, "does not have the dimensions expected");
  Handle memory(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose,
                "create a dataspace");
  if (H5Dread(set, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, out) < 0)
    fail(dataset, "cannot be read: " + last_error());
}

hsize_t InputFile::table_rows(const std::string& table) const {
  const std::vector<hsize_t> dims = shape(table);
  if (dims.size() != 1) fail(table, "is not a table (1-D)");
  return dims[0];
}

void InputFile::read_column(const std::string& table, const std::string& column,
                            hid_t memory_member, size_t size, std::vector<char>& out) const {
  const hsize_t rows = table_rows(table);
  Handle set = open_dataset(table);
  Handle type(H5Dget_type(set), H5Tclose, "get the type of " + table);
  if (H5Tget_class(type) != H5T_COMPOUND || H5Tget_member_index(type, column.c_str()) < 0)
    fail(table, "has no column " + column);
  Handle memory(H5Tcreate(H5T_COMPOUND, size), H5Tclose, "create a column type");
  check(H5Tinsert(memory, column.c_str(), 0, memory_member), "select column " + column);
  out.assign(rows * size, 0);
  if (rows > 0 && H5Dread(set, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(table, "cannot be read: " + last_error());
}

std::vector<std::string> InputFile::text_column(const std::string& table,
                                                const std::string& column) const {
  size_t width = 0;
  H5T_cset_t cset = H5T_CSET_ASCII;
  {
    Handle set = open_dataset(table);
    Handle type(H5Dget_type(set), H5Tclose, "get the type of " + table);
    const int index =
        H5Tget_class(type) == H5T_COMPOUND ? H5Tget_member_index(type, column.c_str()) : -1;
    if (index < 0) fail(table, "has no column " + column);
    Handle member(H5Tget_member_type(type, static_cast<unsigned>(index)), H5Tclose,
                  "get the type of column " + column);
    if (H5Tget_class(member) != H5T_STRING || H5Tis_variable_str(member) > 0)
      fail(table, "column " + column + " is not fixed-width text");
    width = H5Tget_size(member);
    cset = H5Tget_cset(member);
  }
  Handle memory(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  check(H5Tset_size(memory, width), "size a string type");
  check(H5Tset_strpad(memory, H5T_STR_NULLPAD), "pad a string type");
  check(H5Tset_cset(memory, cset), "set a character set");
  std::vector<char> raw;
  read_column(table, column, memory, width, raw);
  std::vector<std::string> out(raw.size() / std::max<size_t>(1, width));
  for (size_t r = 0; r < out.size(); ++r)
    out[r].assign(raw.data() + r * width, strnlen(raw.data() + r * width, width));
  return out;
}

template <class T>
std::vector<T> InputFile::number_column(const std::string& table, const std::string& column,
                                        hid_t memory_type) const {
  std::vector<char> raw;
  read_column(table, column, memory_type, sizeof(T), raw);
  std::vector<T> out(raw.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

std::vector<double> InputFile::f64_column(const std::string& table,
                                          const std::string& column) const {
  return number_column<double>(table, column, H5T_NATIVE_DOUBLE);
}
std::vector<uint32_t> InputFile::u32_column(const std::string& table,
                                            const std::string& column) const {
  return number_column<uint32_t>(table, column, H5T_NATIVE_UINT32);
}
std::vector<uint64_t> InputFile::u64_column(const std::string& table,
                                            const std::string& column) const {
  return number_column<uint64_t>(table, column, H5T_NATIVE_UINT64);
}

void InputFile::verify(const std::string& dataset) const {
  const std::vector<hsize_t> dims = shape(dataset);
  Handle set = open_dataset(dataset);
  Handle type(H5Dget_type(set), H5Tclose, "get the type of " + dataset);
  Handle native(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose, "get a native type");
  const size_t cell = H5Tget_size(native);
  if (dims.empty() || cells(dims) == 0) return;
  const hsize_t row_cells = cells(dims) / dims[0];
  const hsize_t rows =
      std::max<hsize_t>(1, kVerifyBlockBytes / std::max<hsize_t>(1, row_cells * cell));
  std::vector<char> buffer;
  for (hsize_t first = 0; first < dims[0]; first += rows) {
    std::vector<hsize_t> start(dims.size(), 0), count = dims;
    start[0] = first;
    count[0] = std::min(rows, dims[0] - first);
    Handle space(H5Dget_space(set), H5Sclose, "get a dataspace");
    check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
          "select rows of " + dataset);
    Handle memory(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose,
                  "create a dataspace");
    buffer.assign(cells(count) * cell, 0);
    if (H5Dread(set, native, memory, space, H5P_DEFAULT, buffer.data()) < 0)
      fail(dataset, "cannot be read: " + last_error());
    if (holds_variable_length(native)) H5Dvlen_reclaim(native, memory, H5P_DEFAULT, buffer.data());
  }
}

namespace {
struct Walk {
  hid_t file;
  std::vector<std::string> datasets;
};
herr_t collect_dataset(hid_t, const char* name, const H5L_info_t* info, void* data) {
  auto* walk = static_cast<Walk*>(data);
  if (info->type != H5L_TYPE_HARD) return 0;
  const hid_t object = H5Oopen(walk->file, name, H5P_DEFAULT);
  if (object < 0) return -1;
  if (H5Iget_type(object) == H5I_DATASET) walk->datasets.push_back("/" + std::string(name));
  H5Oclose(object);
  return 0;
}
}  // namespace

void InputFile::verify_all() const {
  Walk walk{file_.get(), {}};
  if (H5Lvisit(file_, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &walk) < 0)
    fail("/", "cannot be listed: " + last_error());
  for (const auto& dataset : walk.datasets) verify(dataset);
}

}  // namespace mutsim::h5
