#include "sim/io/h5/write.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstring>

namespace mutsim::h5 {
namespace {

constexpr size_t kImageIncrement = size_t{1} << 20;

template <class T>
void write_scalar_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type,
                            T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  check(H5Awrite(attr, memory_type, &value), fmt::format("write attribute {}", name));
}

/// Dataset creation properties: chunked (HDF5 filters need chunks), the
/// compression asked for, then the checksum over the stored bytes.
Handle creation_properties(const std::vector<hsize_t>& dims, const Layout& layout) {
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk = layout.chunk.empty() ? dims : layout.chunk;
  for (auto& c : chunk) c = std::max<hsize_t>(1, c);
  if (!chunk.empty()) {
    check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "set chunking");
    if (layout.compression == Compression::ShuffleDeflate) check(H5Pset_shuffle(dcpl), "shuffle");
    if (layout.compression != Compression::None)
      check(H5Pset_deflate(dcpl, kDeflateLevel), "set deflate");
    check(H5Pset_fletcher32(dcpl), "set the Fletcher32 checksum");
  }
  if (layout.fill)
    check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &*layout.fill), "set the fill value");
  return dcpl;
}

hsize_t cells(const std::vector<hsize_t>& dims) {
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  return total;
}

template <class T>
void write_numbers(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const T> values, hid_t file_type, hid_t memory_type,
                   const Layout& layout) {
  if (cells(dims) != values.size())
    throw IoError(fmt::format("HDF5: dataset {} has {} values for {} cells", name, values.size(),
                              cells(dims)));
  Handle set = create_dataset(parent, name, file_type, dims, layout);
  if (!values.empty())
    check(H5Dwrite(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write " + name);
}

}  // namespace

std::recursive_mutex& library_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

MemoryFile::MemoryFile(std::string name) : name_(std::move(name)) {
  quiet_errors();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a file access list");
  check(H5Pset_fapl_core(fapl, kImageIncrement, false), "select the in-memory driver");
  file_ = Handle(H5Fcreate(name_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                 "create " + name_);
}

std::vector<char> MemoryFile::image() {
  check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush " + name_);
  const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
  if (size < 0) throw IoError("HDF5: cannot size the file image of " + name_);
  std::vector<char> bytes(static_cast<size_t>(size));
  if (H5Fget_file_image(file_, bytes.data(), bytes.size()) != size)
    throw IoError("HDF5: cannot copy the file image of " + name_);
  if (!file_.close()) throw IoError("HDF5: cannot close " + name_);
  return bytes;
}

Handle untimed(hid_t cls) {
  Handle plist(H5Pcreate(cls), H5Pclose, "create a property list");
  check(H5Pset_obj_track_times(plist, false), "disable object times");
  return plist;
}

Handle string_type(size_t size, H5T_cset_t cset) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  check(H5Tset_size(type, size == 0 ? H5T_VARIABLE : size), "size a string type");
  if (size != 0) check(H5Tset_strpad(type, H5T_STR_NULLPAD), "pad a string type");
  check(H5Tset_cset(type, size == 0 ? H5T_CSET_UTF8 : cset), "set the character set");
  return type;
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
                "create group " + name);
}

void write_text_attribute(hid_t object, const char* name, const std::string& value) {
  Handle type = string_type(0);
  const char* text = value.c_str();
  write_scalar_attribute(object, name, type, type, text);
}
void write_char_attribute(hid_t object, const char* name, const std::string& value) {
  const bool ascii = std::all_of(value.begin(), value.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  check(H5Tset_size(type, std::max<size_t>(1, value.size())), "size a string type");
  check(H5Tset_strpad(type, H5T_STR_NULLTERM), "pad a string type");
  check(H5Tset_cset(type, ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8), "set a character set");
  if (H5Aexists(object, name) > 0) check(H5Adelete(object, name), fmt::format("replace {}", name));
  std::string buffer = value;
  buffer.resize(std::max<size_t>(1, value.size()), '\0');
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  check(H5Awrite(attr, type, buffer.data()), fmt::format("write attribute {}", name));
}
void write_i32_attribute(hid_t object, const char* name, int32_t value) {
  write_scalar_attribute(object, name, H5T_STD_I32LE, H5T_NATIVE_INT32, value);
}
void write_u64_attribute(hid_t object, const char* name, uint64_t value) {
  write_scalar_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}
void write_u32_attribute(hid_t object, const char* name, uint32_t value) {
  write_scalar_attribute(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, value);
}
void write_f64_attribute(hid_t object, const char* name, double value) {
  write_scalar_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}

Handle create_dataset(hid_t parent, const std::string& name, hid_t file_type,
                      const std::vector<hsize_t>& dims, const Layout& layout) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "create a dataspace");
  Handle dcpl = creation_properties(dims, layout);
  return Handle(H5Dcreate2(parent, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                H5Dclose, "create " + name);
}

void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const double> values, const Layout& layout) {
  write_numbers(parent, name, dims, values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, layout);
}
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint8_t> values, const Layout& layout) {
  write_numbers(parent, name, dims, values, H5T_STD_U8LE, H5T_NATIVE_UINT8, layout);
}
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint32_t> values, const Layout& layout) {
  write_numbers(parent, name, dims, values, H5T_STD_U32LE, H5T_NATIVE_UINT32, layout);
}
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const int32_t> values, const Layout& layout) {
  write_numbers(parent, name, dims, values, H5T_STD_I32LE, H5T_NATIVE_INT32, layout);
}
void write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                   std::span<const uint64_t> values, const Layout& layout) {
  write_numbers(parent, name, dims, values, H5T_STD_U64LE, H5T_NATIVE_UINT64, layout);
}

void write_text_dataset(hid_t parent, const std::string& name,
                        const std::vector<std::string>& values) {
  size_t width = 1;  // HDF5 refuses zero-size strings
  for (const auto& v : values) width = std::max(width, v.size());
  write_fixed_text_dataset(parent, name, values, width);
}

void write_fixed_text_dataset(hid_t parent, const std::string& name,
                              const std::vector<std::string>& values, size_t width,
                              H5T_cset_t cset) {
  std::vector<char> buffer(values.size() * width, 0);
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(buffer.data() + i * width, values[i].data(), std::min(width, values[i].size()));
  Handle type = string_type(width, cset);
  Handle set = create_dataset(parent, name, type, {values.size()});
  if (!values.empty())
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write " + name);
}

void write_block(hid_t dataset, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const double* values, const std::string& what) {
  Handle file_space(H5Dget_space(dataset), H5Sclose, "get a dataspace");
  check(
      H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
      "select a block of " + what);
  Handle memory(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose,
                "create a dataspace");
  check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory, file_space, H5P_DEFAULT, values),
        "write " + what);
}

// ------------------------------------------------------------ tables

template <class T>
void Table::add_number(const std::string& name, hid_t type, std::function<T(size_t)> get) {
  columns_.push_back({name, type, sizeof(T), [get = std::move(get)](size_t row, char* out) {
                        const T value = get(row);
                        std::memcpy(out, &value, sizeof(T));
                      }});
}

void Table::add_u8(const std::string& name, std::function<uint8_t(size_t)> get) {
  add_number<uint8_t>(name, H5T_STD_U8LE, std::move(get));
}
void Table::add_i32(const std::string& name, std::function<int32_t(size_t)> get) {
  add_number<int32_t>(name, H5T_STD_I32LE, std::move(get));
}
void Table::add_u32(const std::string& name, std::function<uint32_t(size_t)> get) {
  add_number<uint32_t>(name, H5T_STD_U32LE, std::move(get));
}
void Table::add_u64(const std::string& name, std::function<uint64_t(size_t)> get) {
  add_number<uint64_t>(name, H5T_STD_U64LE, std::move(get));
}
void Table::add_f64(const std::string& name, std::function<double(size_t)> get) {
  add_number<double>(name, H5T_IEEE_F64LE, std::move(get));
}

void Table::add_text(const std::string& name, size_t width, std::function<std::string(size_t)> get,
                     H5T_cset_t cset) {
  if (width == 0) {
    width = 1;  // HDF5 refuses zero-size strings
    for (size_t row = 0; row < rows_; ++row) width = std::max(width, get(row).size());
  }
  types_.push_back(string_type(width, cset));
  columns_.push_back(
      {name, types_.back().get(), width, [get = std::move(get), width](size_t row, char* out) {
         const std::string text = get(row);
         std::fill_n(out, width, '\0');
         std::copy_n(text.data(), std::min(width, text.size()), out);
       }});
}

void Table::write(hid_t parent, const std::string& name, const Layout& layout) const {
  size_t row_size = 0;
  for (const auto& c : columns_) row_size += c.size;
  Handle type(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose, "create the type of " + name);
  size_t offset = 0;
  for (const auto& c : columns_) {
    check(H5Tinsert(type, c.name.c_str(), offset, c.type), "add column " + c.name + " to " + name);
    offset += c.size;
  }
  std::vector<char> buffer(row_size * rows_);
  for (size_t row = 0; row < rows_; ++row) {
    offset = 0;
    for (const auto& c : columns_) {
      c.fill(row, buffer.data() + row * row_size + offset);
      offset += c.size;
    }
  }
  Handle set = create_dataset(parent, name, type, {rows_}, layout);
  if (rows_ > 0)
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write " + name);
}

}  // namespace mutsim::h5
