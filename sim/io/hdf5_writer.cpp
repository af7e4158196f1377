#include "sim/io/hdf5_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "sim/io/hdf5_handle.hpp"
#include "sim/io/netcdf_dims.hpp"

namespace mutsim {
namespace {

namespace fs = std::filesystem;
using h5::check;
using h5::Handle;

// Level 4 with shuffle: most of deflate's gain on smooth series at a
// fraction of level 9's time.
constexpr unsigned kDeflateLevel = 4;
// Room for the longest event kind and any scenario name (validated to
// kMaxNameLength) with a terminating zero.
constexpr size_t kEventTextSize = kMaxNameLength + 1;
constexpr size_t kNameTextSize = kMaxNameLength + 1;
static_assert(sizeof("contract_retained") <= kEventTextSize);

Handle string_type(size_t size) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  if (size == 0) {
    check(H5Tset_size(type, H5T_VARIABLE), "size a string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  } else {
    check(H5Tset_size(type, size), "size a string type");
    check(H5Tset_strpad(type, H5T_STR_NULLPAD), "pad a string type");
  }
  return type;
}

/// Creation properties without modification times, so files are reproducible.
Handle untimed(hid_t cls) {
  Handle plist(H5Pcreate(cls), H5Pclose, "create a property list");
  check(H5Pset_obj_track_times(plist, false), "disable object times");
  return plist;
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

template <class T>
void write_scalar_attribute(hid_t object, const char* name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              fmt::format("create attribute {}", name));
  check(H5Awrite(attr, type, &value), fmt::format("write attribute {}", name));
}

void write_root_attributes(hid_t file, const Provenance& p) {
  write_string_attribute(file, "format", "mutsim");
  write_string_attribute(file, "format_version", fmt::format("{}.{}", kFormatMajor, kFormatMinor));
  write_string_attribute(file, "mutsim_version", mutsim_version());
  write_string_attribute(file, "git_commit", git_commit());
  write_string_attribute(file, "library_versions", library_versions());
  write_scalar_attribute(file, "seed", H5T_NATIVE_UINT64, p.seed);
  write_scalar_attribute(file, "replicates", H5T_NATIVE_UINT32, p.replicates);
  write_scalar_attribute(file, "scale", H5T_NATIVE_DOUBLE, p.scale);
  write_string_attribute(file, "scenario_path", p.scenario_path);
  write_string_attribute(file, "scenario_yaml", p.scenario_yaml);
  write_string_attribute(file, "effective_yaml", p.effective_yaml);
  write_string_attribute(file, "overrides", p.overrides);
  write_scalar_attribute(file, "target_share", H5T_NATIVE_DOUBLE, p.target_share);
  write_string_attribute(file, "target_date", p.target_date);
  write_string_attribute(file, "routes", p.routes);
}

void write_dates(hid_t file, const std::vector<std::string>& dates) {
  Handle group = create_group(file, "time");
  constexpr size_t kDateSize = 7;  // YYYY-MM
  std::vector<char> buffer(dates.size() * kDateSize);
  for (size_t i = 0; i < dates.size(); ++i)
    std::memcpy(buffer.data() + i * kDateSize, dates[i].data(), kDateSize);
  Handle type = string_type(kDateSize);
  const hsize_t dims[1] = {dates.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle set(H5Dcreate2(group, "date", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
             "create /time/date");
  check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write /time/date");
}

void write_series(hid_t file, const RunResult& result) {
  Handle group = create_group(file, "series");
  const hsize_t dims[2] = {result.replicates, result.months()};
  const hsize_t chunk[2] = {1, std::max<hsize_t>(1, result.months())};
  Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  check(H5Pset_chunk(dcpl, 2, chunk), "set chunking");
  check(H5Pset_shuffle(dcpl), "set shuffle");
  check(H5Pset_deflate(dcpl, kDeflateLevel), "set deflate");
  for (size_t k = 0; k < result.series.size(); ++k) {
    const SeriesInfo& info = result.series[k];
    Handle set(
        H5Dcreate2(group, info.name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        H5Dclose, "create series " + info.name);
    check(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, result.values[k].data()),
          "write series " + info.name);
    write_string_attribute(set, "unit", info.unit);
    write_string_attribute(set, "description", info.description);
  }
}

/// Writes a compound table from rows of a plain struct.
template <class Row>
void write_table(hid_t file, const char* name, hid_t row_type, const std::vector<Row>& rows) {
  const hsize_t dims[1] = {rows.size()};
  const hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(rows.size(), 4096))};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  check(H5Pset_chunk(dcpl, 1, chunk), "set chunking");
  check(H5Pset_deflate(dcpl, kDeflateLevel), "set deflate");
  Handle set(H5Dcreate2(file, name, row_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
             fmt::format("create {}", name));
  if (!rows.empty())
    check(H5Dwrite(set, row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
          fmt::format("write {}", name));
}

struct EventRow {
  uint32_t replicate;
  int32_t month;
  char kind[kEventTextSize];
  char route[kEventTextSize];
  uint32_t organisation;
  uint32_t service;
  double staff;
  uint8_t whole_organisation;
};

void copy_text(char* out, size_t size, const std::string& text) {
  std::memset(out, 0, size);
  std::memcpy(out, text.data(), std::min(size, text.size()));
}

void write_events(hid_t file, const RunResult& result, const Scenario& scenario) {
  Handle text = string_type(kEventTextSize);
  Handle type(H5Tcreate(H5T_COMPOUND, sizeof(EventRow)), H5Tclose, "create the event type");
  check(H5Tinsert(type, "replicate", HOFFSET(EventRow, replicate), H5T_NATIVE_UINT32), "event");
  check(H5Tinsert(type, "month", HOFFSET(EventRow, month), H5T_NATIVE_INT32), "event");
  check(H5Tinsert(type, "kind", HOFFSET(EventRow, kind), text), "event");
  check(H5Tinsert(type, "route", HOFFSET(EventRow, route), text), "event");
  check(H5Tinsert(type, "organisation", HOFFSET(EventRow, organisation), H5T_NATIVE_UINT32),
        "event");
  check(H5Tinsert(type, "service", HOFFSET(EventRow, service), H5T_NATIVE_UINT32), "event");
  check(H5Tinsert(type, "staff", HOFFSET(EventRow, staff), H5T_NATIVE_DOUBLE), "event");
  check(H5Tinsert(type, "whole_organisation", HOFFSET(EventRow, whole_organisation),
                  H5T_NATIVE_UINT8),
        "event");
  std::vector<EventRow> rows(result.events.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Event& e = result.events[i];
    EventRow& row = rows[i];
    row = EventRow{e.replicate,    e.month,   {},      {},
                   e.organisation, e.service, e.staff, static_cast<uint8_t>(e.whole_organisation)};
    copy_text(row.kind, kEventTextSize, kEventKindNames[static_cast<int>(e.kind)]);
    copy_text(row.route, kEventTextSize, scenario.routes[e.route].name);
  }
  write_table(file, "events", type, rows);
}

struct OrganisationRow {
  uint32_t id;
  char type[kNameTextSize];
  char sector[kNameTextSize];
  double staff;
  uint32_t services;
};

void write_organisations(hid_t file, const RunResult& result, const Scenario& scenario) {
  Handle text = string_type(kNameTextSize);
  Handle type(H5Tcreate(H5T_COMPOUND, sizeof(OrganisationRow)), H5Tclose,
              "create the organisation type");
  check(H5Tinsert(type, "id", HOFFSET(OrganisationRow, id), H5T_NATIVE_UINT32), "organisation");
  check(H5Tinsert(type, "type", HOFFSET(OrganisationRow, type), text), "organisation");
  check(H5Tinsert(type, "sector", HOFFSET(OrganisationRow, sector), text), "organisation");
  check(H5Tinsert(type, "staff", HOFFSET(OrganisationRow, staff), H5T_NATIVE_DOUBLE),
        "organisation");
  check(H5Tinsert(type, "services", HOFFSET(OrganisationRow, services), H5T_NATIVE_UINT32),
        "organisation");
  const auto& orgs = result.population.organisations;
  std::vector<OrganisationRow> rows(orgs.size());
  for (size_t i = 0; i < orgs.size(); ++i) {
    rows[i] = OrganisationRow{static_cast<uint32_t>(i),
                              {},
                              {},
                              result.population.people(orgs[i].staff()),
                              orgs[i].end_service - orgs[i].first_service};
    copy_text(rows[i].type, kNameTextSize, scenario.population.org_types[orgs[i].type].name);
    copy_text(rows[i].sector, kNameTextSize, scenario.population.sectors[orgs[i].sector].name);
  }
  write_table(file, "organisations", type, rows);
}

/// The whole file, built in memory (HDF5's core driver, no backing store).
/// HDF5 1.10 crashes at exit after a write fails part-way (a full disk or
/// `ulimit -f`), so HDF5 never touches the disk; write_image does, and
/// reports the system's reason.
std::vector<char> build_image(const std::string& path, const RunResult& result,
                              const Scenario& scenario, const Provenance& provenance) {
  constexpr size_t kImageIncrement = size_t{1} << 20;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a file access list");
  check(H5Pset_fapl_core(fapl, kImageIncrement, false), "select the in-memory driver");
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
              "create " + path);
  write_root_attributes(file, provenance);
  write_dates(file, result.dates);
  write_series(file, result);
  write_events(file, result, scenario);
  write_organisations(file, result, scenario);
  netcdf::add_view(file, netcdf::run_view(result.replicates, result.dates, result.series));
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + path);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw IoError("HDF5: cannot size the file image");
  std::vector<char> image(static_cast<size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw IoError("HDF5: cannot copy the file image");
  if (!file.close()) throw IoError("HDF5: cannot close " + path);
  return image;
}

[[noreturn]] void throw_errno(const std::string& what) {
  const int error = errno;
  std::string hint;
  if (error == ENOSPC || error == EDQUOT) hint = " (the disk is full)";
  if (error == EFBIG) hint = " (file-size limit reached: see ulimit -f)";
  throw IoError(fmt::format("{}: {}{}", what, std::strerror(error), hint));
}

/// Writes `image` to a new file at `path` and syncs it to disk.
void write_image(const std::string& path, const std::vector<char>& image) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
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

}  // namespace

void check_output_path(const std::string& path, bool overwrite) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError(fmt::format("{}: is a folder", path));
  if (!overwrite && fs::exists(path, ec))
    throw IoError(fmt::format("{}: exists; use --force to replace it", path));
  const fs::path folder = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(folder, ec))
    throw IoError(fmt::format("{}: folder {} does not exist", path, folder.string()));
  if (access(folder.c_str(), W_OK) != 0)
    throw IoError(fmt::format("{}: folder {} is not writable", path, folder.string()));
}

void write_run_file(const std::string& path, const RunResult& result, const Scenario& scenario,
                    const Provenance& provenance, bool overwrite) {
  h5::quiet_errors();
  check_output_path(path, overwrite);
  const std::string temporary = fmt::format("{}.tmp-{}", path, getpid());
  std::error_code ec;
  fs::remove(temporary, ec);
  try {
    const std::vector<char> image = build_image(temporary, result, scenario, provenance);
    write_image(temporary, image);
    fs::rename(temporary, path);
  } catch (const std::exception& e) {
    fs::remove(temporary, ec);
    throw IoError(fmt::format("{}: could not write the results: {}", path, e.what()));
  }
}

}  // namespace mutsim
