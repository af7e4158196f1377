#include "sim/sweep/h5_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mutsim::sweep::h5util {

namespace fs = std::filesystem;
using h5::check;
using h5::Handle;

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

Handle untimed(hid_t cls) {
  Handle plist(H5Pcreate(cls), H5Pclose, "create a property list");
  check(H5Pset_obj_track_times(plist, false), "disable object times");
  return plist;
}

Handle string_type(size_t size) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  if (size == 0) {
    check(H5Tset_size(type, H5T_VARIABLE), "size a string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  } else {
    check(H5Tset_size(type, size), "size a string type");
    check(H5Tset_strpad(type, H5T_STR_NULLPAD), "pad a string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  }
  return type;
}

Handle create_group(hid_t parent, const char* name) {
  Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
                fmt::format("create group {}", name));
}

void write_string_attribute(hid_t object, const char* name, const std::string& value) {
  Handle type = string_type(0);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), fmt::format("write attribute {}", name));
}

namespace {
template <class T>
void write_scalar(hid_t object, const char* name, hid_t file_type, hid_t mem_type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  check(H5Awrite(attr, mem_type, &value), fmt::format("write attribute {}", name));
}
template <class T>
T read_scalar(hid_t object, const char* name, hid_t mem_type) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, fmt::format("open attribute {}", name));
  T value{};
  check(H5Aread(attr, mem_type, &value), fmt::format("read attribute {}", name));
  return value;
}
}  // namespace

void write_u64_attribute(hid_t object, const char* name, uint64_t value) {
  write_scalar(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}
void write_u32_attribute(hid_t object, const char* name, uint32_t value) {
  write_scalar(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, value);
}
void write_f64_attribute(hid_t object, const char* name, double value) {
  write_scalar(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}
uint64_t read_u64_attribute(hid_t object, const char* name) {
  return read_scalar<uint64_t>(object, name, H5T_NATIVE_UINT64);
}
double read_f64_attribute(hid_t object, const char* name) {
  return read_scalar<double>(object, name, H5T_NATIVE_DOUBLE);
}

std::string read_string_attribute(hid_t object, const char* name) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, fmt::format("open attribute {}", name));
  Handle type = string_type(0);
  char* text = nullptr;
  check(H5Aread(attr, type, &text), fmt::format("read attribute {}", name));
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

Handle open_read(const std::string& path) {
  h5::quiet_errors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw IoError(fmt::format("{}: no such file", path));
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                fmt::format("open {} (not an HDF5 file?)", path));
}

Handle create_in_memory(const std::string& name) {
  h5::quiet_errors();
  constexpr size_t kImageIncrement = size_t{1} << 20;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a file access list");
  check(H5Pset_fapl_core(fapl, kImageIncrement, false), "select the in-memory driver");
  return Handle(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                "create " + name);
}

std::vector<char> file_image(Handle& file, const std::string& name) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + name);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw IoError("HDF5: cannot size the file image of " + name);
  std::vector<char> image(static_cast<size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw IoError("HDF5: cannot copy the file image of " + name);
  if (!file.close()) throw IoError("HDF5: cannot close " + name);
  return image;
}

namespace {
[[noreturn]] void throw_errno(const std::string& what) {
  const int error = errno;
  std::string hint;
  if (error == ENOSPC || error == EDQUOT) hint = " (the disk is full)";
  if (error == EFBIG) hint = " (file-size limit reached: see ulimit -f)";
  throw IoError(fmt::format("{}: {}{}", what, std::strerror(error), hint));
}

void write_all(const std::string& path, const std::vector<char>& image) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno("cannot create " + path);
  size_t done = 0;
  while (done < image.size()) {
    const ssize_t n = ::write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      const int error = errno;
      ::close(fd);
      errno = error;
      throw_errno("cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    throw_errno("cannot sync " + path);
  }
  if (::close(fd) != 0) throw_errno("cannot close " + path);
}

void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself is atomic
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

std::string temporary_suffix() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
  return fmt::format(".tmp-{}-{}", host, getpid());
}

void write_file_atomically(const std::string& path, const std::vector<char>& image,
                           bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec))
    throw IoError(fmt::format("{}: exists; use --force to replace it", path));
  const std::string temporary = path + temporary_suffix();
  try {
    write_all(temporary, image);
    fs::rename(temporary, path);
  } catch (const std::exception& e) {
    fs::remove(temporary, ec);
    throw IoError(fmt::format("{}: could not write: {}", path, e.what()));
  }
  sync_folder(fs::path(path).parent_path());
}

}  // namespace mutsim::sweep::h5util
