// Integrity of run files (issue 11): every dataset carries a Fletcher32
// checksum, and read_run_file refuses a damaged or inconsistent file with
// one IoError naming the file and the object. The command-line and Python
// readers are tested on the same damage by analysis/tests/test_corrupt_files.py.
#include <hdf5.h>
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/hdf5_reader.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

namespace {

struct Folder {
  Folder() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_integrity_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

/// A real run file: the small scenario, two replicates, one year.
std::string write_small_run(const Folder& folder) {
  const LoadedScenario loaded =
      load_scenario_file(std::string(MUTSIM_SOURCE_DIR) + "/tests/data/small.yaml",
                         {"time.end=2010-12", "population.scale=0.2"});
  RunOptions options;
  options.seed = 3;
  options.replicates = 2;
  options.threads = 1;
  const RunResult result = run_simulation(loaded.scenario, options);
  const std::string path = (folder.path / "run.h5").string();
  write_run_file(path, result, loaded.scenario, make_provenance(loaded, 3, 2), false);
  return path;
}

/// Byte offset and size of the first chunk of `dataset`.
std::pair<haddr_t, hsize_t> first_chunk(const std::string& path, const char* dataset) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, dataset, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t offset[2] = {0, 0};
  unsigned mask = 0;
  haddr_t address = 0;
  hsize_t size = 0;
  REQUIRE(H5Dget_chunk_info(set, space, 0, offset, &mask, &address, &size) >= 0);
  // Fletcher32 is in the pipeline of every dataset.
  const hid_t dcpl = H5Dget_create_plist(set);
  unsigned flags = 0;
  size_t elements = 0;
  CHECK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &elements, nullptr, 0, nullptr,
                             nullptr) >= 0);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  return {address, size};
}

void flip_byte(const std::string& path, haddr_t at) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(at));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0xFF);
  file.seekp(static_cast<std::streamoff>(at));
  file.write(&byte, 1);
}

void set_replicates(const std::string& path, uint32_t value) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t attr = H5Aopen(file, "replicates", H5P_DEFAULT);
  REQUIRE(H5Awrite(attr, H5T_NATIVE_UINT32, &value) >= 0);
  H5Aclose(attr);
  H5Fclose(file);
}

std::string error_of(const std::string& path) {
  try {
    read_run_file(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "(read without complaint)";
}

}  // namespace

TEST_CASE("read_run_file refuses a byte flipped inside a dataset chunk", "[unit][io]") {
  Folder folder;
  const std::string path = write_small_run(folder);
  REQUIRE_NOTHROW(read_run_file(path));
  for (const char* dataset : {"/series/share_in_mutuals", "/events", "/organisations"}) {
    INFO(dataset);
    const std::string copy = (folder.path / "copy.h5").string();
    fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
    const auto [address, size] = first_chunk(copy, dataset);
    flip_byte(copy, address + size / 2);
    const std::string message = error_of(copy);
    CHECK_THAT(message, Catch::StartsWith(copy + ": " + dataset + ": "));
    CHECK_THAT(message, Catch::Contains("checksum"));
  }
}

TEST_CASE("read_run_file refuses a truncated file and a disagreeing attribute", "[unit][io]") {
  Folder folder;
  const std::string path = write_small_run(folder);
  SECTION("truncated") {
    fs::resize_file(path, fs::file_size(path) * 3 / 5);
    const std::string message = error_of(path);
    CHECK_THAT(message, Catch::StartsWith(path));
    CHECK_THAT(message, Catch::Contains("truncated"));
  }
  SECTION("replicates against the rows of the series") {
    set_replicates(path, 3);
    CHECK_THAT(error_of(path), Catch::Contains("the root attribute replicates"));
    CHECK_THAT(error_of(path), Catch::Contains(": /series/"));
  }
}
