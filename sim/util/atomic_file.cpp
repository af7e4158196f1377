#include "sim/util/atomic_file.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sim/util/errors.hpp"

namespace mutsim {
namespace {

namespace fs = std::filesystem;

/// The system's reason for errno, and what it means for the user.
std::string reason(int error) {
  std::string hint;
  if (error == ENOSPC) hint = " (the disk is full)";
  if (error == EDQUOT) hint = " (the disk quota is used up)";
  if (error == EFBIG) hint = " (file-size limit reached: see ulimit -f)";
  return std::string(std::strerror(error)) + hint;
}

[[noreturn]] void throw_errno(const std::string& what, int error) {
  throw IoError(fmt::format("{}: {}", what, reason(error)));
}

/// Closes `fd`, keeping errno from before.
void close_keeping_errno(int fd) {
  const int error = errno;
  ::close(fd);
  errno = error;
}

void write_all(int fd, const std::string& path, std::span<const char> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      close_keeping_errno(fd);
      throw_errno("cannot write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
}

/// Creates `path` (which must not exist), writes `bytes` and syncs them.
void write_new_file(const std::string& path, std::span<const char> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno("cannot create " + path, errno);
  write_all(fd, path, bytes);
  if (::fsync(fd) != 0) {
    close_keeping_errno(fd);
    throw_errno("cannot sync " + path, errno);
  }
  if (::close(fd) != 0) throw_errno("cannot close " + path, errno);
}

/// rename(), or with `overwrite` false a rename that fails if `to` exists.
void move_into_place(const std::string& from, const std::string& to, bool overwrite) {
  if (!overwrite) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
    if (errno == EEXIST) throw IoError(fmt::format("{}: exists; use --force to replace it", to));
    if (errno != EINVAL && errno != ENOSYS) throw_errno("cannot rename " + from, errno);
    // The file system cannot refuse to replace; the check before must do.
  }
  if (::rename(from.c_str(), to.c_str()) != 0) throw_errno("cannot rename " + from, errno);
}

/// Makes the rename durable. File systems that cannot sync a folder say EINVAL.
void sync_folder(const fs::path& folder) {
  const std::string name = folder.empty() ? "." : folder.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open folder " + name, errno);
  if (::fsync(fd) != 0 && errno != EINVAL) {
    close_keeping_errno(fd);
    throw_errno("cannot sync folder " + name, errno);
  }
  ::close(fd);
}

}  // namespace

void check_output_path(const std::string& path, bool overwrite) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError(fmt::format("{}: is a folder", path));
  if (!overwrite && fs::exists(path, ec))
    throw IoError(fmt::format("{}: exists; use --force to replace it", path));
  const fs::path folder = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(folder, ec))
    throw IoError(fmt::format("{}: folder {} does not exist", path, folder.string()));
  if (::access(folder.c_str(), W_OK) != 0)
    throw IoError(fmt::format("{}: folder {} is not writable", path, folder.string()));
}

std::string temporary_suffix() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
  return fmt::format(".tmp-{}-{}", host, getpid());
}

void write_file_atomically(const std::string& path, std::span<const char> bytes, bool overwrite) {
  check_output_path(path, overwrite);
  const std::string temporary = path + temporary_suffix();
  std::error_code ec;
  fs::remove(temporary, ec);  // only this process writes this name
  try {
    write_new_file(temporary, bytes);
    move_into_place(temporary, path, overwrite);
    sync_folder(fs::absolute(path, ec).parent_path());
  } catch (const IoError& e) {
    fs::remove(temporary, ec);
    const std::string message = e.what();
    if (message.starts_with(path + ": exists")) throw;
    throw IoError(fmt::format("{}: could not write the results: {}", path, message));
  }
}

}  // namespace mutsim
