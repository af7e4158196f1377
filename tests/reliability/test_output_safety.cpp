// The mutsim command under hostile input and hostile conditions, as a
// separate process: exit codes (0 ok, 1 output failure, 2 bad input,
// 128+signal), one clear message, and no output or temporary file left
// behind by a refused, failed or interrupted run.
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/io/hdf5_reader.hpp"
#include "sim/io/provenance.hpp"
#include "sim/util/errors.hpp"
#include "tests/reference/shell.hpp"

using namespace mutsim;
namespace fs = std::filesystem;

extern char** environ;

namespace {

using mutsim::test::quote;
using mutsim::test::read_bytes;

const std::string kBinary = MUTSIM_BINARY;
const fs::path kSource = MUTSIM_SOURCE_DIR;
const std::string kSmall = (kSource / "tests/data/small.yaml").string();
const std::string kBaseline = (kSource / "scenarios/baseline.yaml").string();

/// A temporary folder; commands run inside it.
struct Folder {
  Folder() {
    std::string pattern = (fs::temp_directory_path() / "mutsim_reliability_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;

  struct Result {
    int status;  // exit status, or 128 + signal as a shell reports it
    std::string err;
  };
  /// Runs `PREFIX mutsim ARGS` through sh in the folder, with a time limit.
  Result run(const std::string& args, const std::string& prefix = "") const {
    const std::string command = "cd " + quote(dir.string()) + " && " + prefix + "timeout 120 " +
                                quote(kBinary) + " " + args +
                                " >stdout.txt 2>stderr.txt </dev/null";
    const int raw = std::system(("sh -c " + quote(command)).c_str());
    REQUIRE(WIFEXITED(raw));
    Result r{WEXITSTATUS(raw), read_bytes(dir / "stderr.txt")};
    fs::remove(dir / "stdout.txt");
    fs::remove(dir / "stderr.txt");
    return r;
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
  /// Names in the folder, e.g. to find temporary litter.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
  bool has_temporary() const {
    for (const auto& name : names())
      if (name.find(".tmp-") != std::string::npos) return true;
    return false;
  }
  fs::path dir;
};

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) +
         (!text.empty() && text.back() != '\n');
}

/// A quick run: one replicate, one year, a tenth of the staff.
const std::string kQuick = "-q --replicates 1 --set population.scale=0.1 --set time.end=2010-12";

/// Starts mutsim without a shell, sends `signal_number` after `delay`, and
/// returns the exit status (expected: 128 + signal, as the CLI exits).
int run_and_signal(const Folder& folder, const std::vector<std::string>& args, int signal_number,
                   std::chrono::milliseconds delay) {
  std::vector<std::string> argv_text = {kBinary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string err = (folder.dir / "stderr.txt").string();
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  // Start with default dispositions, whatever the test runner ignores.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, kBinary.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  REQUIRE(spawned == 0);
  std::this_thread::sleep_for(delay);
  kill(pid, signal_number);
  // A run that ignores the signal would hang the test: give it 60 s.
  int status = 0;
  for (int waited = 0; waited < 600; ++waited) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      REQUIRE(WIFEXITED(status));
      return WEXITSTATUS(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  FAIL("mutsim did not stop within 60 s of signal " << signal_number);
  return -1;
}

/// Replaces the root attribute format_version of an HDF5 file.
void set_format_version(const std::string& path, const std::string& version) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  REQUIRE(H5Adelete(file, "format_version") >= 0);
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(file, "format_version", type, space, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  const char* text = version.c_str();
  REQUIRE(H5Awrite(attr, type, &text) >= 0);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  REQUIRE(H5Fclose(file) >= 0);
}

}  // namespace

TEST_CASE("every bad scenario exits 2 with one line and writes nothing",
          "[reliability][regression]") {
  Folder folder;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/data/bad"))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 40);
  for (const auto& file : files) {
    INFO(file.filename().string());
    const auto r = folder.run("run " + quote(file.string()) + " -o out.h5");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::StartsWith("mutsim: error: " + file.string() + ":"));
    CHECK(folder.names().empty());
  }
  // The empty file cannot carry a comment: it is made here.
  const std::string empty = folder.write("empty.yaml", "");
  const auto r = folder.run("validate empty.yaml");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("empty.yaml:1:1: the scenario is empty"));
}

TEST_CASE("the --max-memory limit refuses a population too large, before allocating",
          "[reliability][regression]") {
  Folder folder;
  SECTION("over the limit: exit 2 with the estimate and the limit") {
    const auto r = folder.run("run " + quote(kSmall) + " -o out.h5 --threads 2 --max-memory 1M");
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("population too large"));
    CHECK_THAT(r.err, Catch::Contains("needs about ") && Catch::Contains(" MiB ("));
    CHECK_THAT(r.err, Catch::Contains("limit of 1.0 MiB"));
    CHECK(folder.names().empty());
  }
  SECTION("a national population at full scale against available memory") {
    // 100 million staff per type for 200 types: about 370 GiB per replicate.
    std::string text = read_bytes(kSmall);
    std::string types;
    for (int i = 0; i < 200; ++i)
      types += "    big" + std::to_string(i) +
               ": {sector: council, count: 1000, staff_total: 100000000, service_median: 50}\n";
    const std::string anchor = "    local_council:";
    text.insert(text.find(anchor), types);
    folder.write("huge.yaml", text);
    const auto start = std::chrono::steady_clock::now();
    const auto r = folder.run("run huge.yaml -o out.h5");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("population too large"));
    CHECK_THAT(r.err, Catch::Contains("available memory"));
  }
  SECTION("sizes: suffixes, bytes, nonsense") {
    CHECK(folder.run("run " + quote(kSmall) + " -o a.h5 --max-memory 3000000 " + kQuick).status ==
          0);
    CHECK(folder.run("run " + quote(kSmall) + " -o b.h5 --max-memory 2G " + kQuick).status == 0);
    CHECK(folder.run("run " + quote(kSmall) + " -o c.h5 --max-memory 512m " + kQuick).status == 0);
    const auto r = folder.run("run " + quote(kSmall) + " -o d.h5 --max-memory lots");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("--max-memory lots"));
    CHECK(!fs::exists(folder.dir / "d.h5"));
  }
}

TEST_CASE("an existing output is kept without --force", "[reliability][regression]") {
  Folder folder;
  folder.write("out.h5", "earlier results");
  const auto r = folder.run("run " + quote(kSmall) + " -o out.h5 " + kQuick);
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("--force"));
  CHECK(read_bytes(folder.dir / "out.h5") == "earlier results");
  CHECK(folder.names() == std::vector<std::string>{"out.h5"});
}

TEST_CASE("SIGTERM and SIGINT stop a run cleanly, leaving the earlier file",
          "[reliability][regression]") {
  Folder folder;
  const std::string earlier = "earlier results, not to be touched";
  const auto [signal_number, status] = GENERATE(std::pair{SIGTERM, 143}, std::pair{SIGINT, 130});
  folder.write("out.h5", earlier);
  // kLong, as arguments.
  const std::vector<std::string> args = {
      "run",          kBaseline, "-o",        (folder.dir / "out.h5").string(),
      "--force",      "-q",      "--set",     "population.scale=0.2",
      "--replicates", "4",       "--threads", "1"};
  INFO("signal " << signal_number);
  CHECK(run_and_signal(folder, args, signal_number, std::chrono::milliseconds(500)) == status);
  CHECK_THAT(read_bytes(folder.dir / "stderr.txt"), Catch::Contains("no output written"));
  CHECK(read_bytes(folder.dir / "out.h5") == earlier);
  CHECK_FALSE(folder.has_temporary());
}

TEST_CASE("a file-size limit gives exit 1, a clear message and no corrupt file",
          "[reliability][regression]") {
  Folder folder;
  // 20 blocks (10 or 20 KiB, by shell) is far below the output's size.
  SECTION("replacing an earlier file, SIGXFSZ ignored by the shell") {
    folder.write("out.h5", "earlier results");
    const auto r = folder.run("run " + quote(kSmall) + " -o out.h5 --force " + kQuick,
                              "trap '' XFSZ; ulimit -f 20; ");
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("File too large"));
    CHECK(read_bytes(folder.dir / "out.h5") == "earlier results");
    CHECK(folder.names() == std::vector<std::string>{"out.h5"});
  }
  SECTION("a new file, SIGXFSZ left at its default") {
    const auto r = folder.run("run " + quote(kSmall) + " -o out.h5 " + kQuick, "ulimit -f 20; ");
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("file-size limit"));
    CHECK(folder.names().empty());
  }
}

TEST_CASE("unwritable output paths give exit 1 and leave nothing", "[reliability][regression]") {
  Folder folder;
  for (const std::string& path :
       {std::string("no/such/folder/out.h5"), std::string("/sys/out.h5"), folder.dir.string()}) {
    INFO(path);
    const auto r = folder.run("run " + quote(kSmall) + " -o " + quote(path) + " " + kQuick);
    CHECK(r.status == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::StartsWith("mutsim: error: " + path));
  }
  if (geteuid() != 0) {  // root writes anywhere
    fs::create_directory(folder.dir / "locked");
    fs::permissions(folder.dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    const auto r = folder.run("run " + quote(kSmall) + " -o locked/out.h5 " + kQuick);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("not writable"));
    fs::permissions(folder.dir / "locked", fs::perms::owner_all);
  }
  CHECK_FALSE(folder.has_temporary());
}

TEST_CASE("readers refuse a newer major format version", "[reliability][regression]") {
  Folder folder;
  REQUIRE(folder.run("run " + quote(kSmall) + " -o out.h5 " + kQuick).status == 0);
  const std::string path = (folder.dir / "out.h5").string();
  CHECK(read_run_file(path).text.at("format_version") ==
        std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor));

  set_format_version(path, std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor + 1));
  CHECK_NOTHROW(read_run_file(path));  // a newer minor version only adds

  set_format_version(path, std::to_string(kFormatMajor + 1) + ".0");
  try {
    read_run_file(path);
    FAIL("a newer major version was read");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("newer"));
  }
  const auto r = folder.run("summary out.h5");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("newer than this mutsim reads"));

  set_format_version(path, "garbage");
  CHECK_THROWS_AS(read_run_file(path), IoError);
}
