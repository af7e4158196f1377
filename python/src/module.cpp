// mutsim._core: the library's entry points for Python (the package in
// python/mutsim wraps them; docs/PYTHON.md). Runs release the GIL and go on a
// worker thread while the calling thread watches for Python signals: Ctrl-C
// sets the engine's stop flag, the run stops between months, and the
// KeyboardInterrupt propagates with nothing written.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/info.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/config/loader.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/simulation.hpp"
#include "sim/io/hdf5_writer.hpp"
#include "sim/io/provenance.hpp"
#include "sim/sweep/design.hpp"
#include "sim/sweep/mpi_comm.hpp"
#include "sim/sweep/runner.hpp"
#include "sim/sweep/sweep_file.hpp"
#include "sim/util/errors.hpp"

namespace py = pybind11;
using namespace mutsim;

namespace {

// How often the waiting thread looks for a signal: Ctrl-C feels immediate,
// and the waiting costs nothing measurable.
constexpr auto kSignalPoll = std::chrono::milliseconds(50);

/// Python raised an exception from a signal handler (KeyboardInterrupt);
/// it stays set in the interpreter until rethrown.
struct PythonSignal {};

/// Runs `work` on a worker thread with the GIL released. Returns its result
/// or rethrows its exception; if a Python signal handler raises meanwhile,
/// sets `stop`, waits for `work` to end and throws PythonSignal.
template <class Work>
auto run_interruptibly(std::atomic<int>& stop, Work work) -> decltype(work()) {
  using Result = decltype(work());
  std::optional<Result> result;
  std::exception_ptr failure;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread worker([&] {
      try {
        result.emplace(work());
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard lock(mutex);
      done = true;
      finished.notify_all();
    });
    std::unique_lock lock(mutex);
    while (!finished.wait_for(lock, kSignalPoll, [&] { return done; })) {
      if (interrupted) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        interrupted = PyErr_CheckSignals() != 0;  // only the main thread sees signals
      }
      if (interrupted) stop.store(SIGINT);
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) throw PythonSignal{};
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

LoadedScenario load(const std::string& scenario, bool is_text,
                    const std::vector<std::string>& overrides) {
  return is_text ? load_scenario_text(scenario, "<string>", overrides)
                 : load_scenario_file(scenario, overrides);
}

py::dict summarise(const LoadedScenario& loaded) {
  const Scenario& s = loaded.scenario;
  py::list routes, types;
  for (const auto& route : s.routes) routes.append(route.name);
  for (const auto& type : s.population.org_types) types.append(type.name);
  py::dict out;
  out["path"] = loaded.path;
  out["start"] = s.time.start.str();
  out["end"] = s.time.end.str();
  out["routes"] = py::tuple(routes);
  out["organisation_types"] = py::tuple(types);
  out["replicates"] = s.run.replicates;
  out["seed"] = s.run.seed;
  out["scale"] = s.population.scale;
  out["target_share"] = s.target.share;
  out["target_date"] = s.target.date.str();
  out["effective_yaml"] = loaded.effective_yaml;
  return out;
}

py::dict validate(const std::string& scenario, bool is_text,
                  const std::vector<std::string>& overrides) {
  return summarise(load(scenario, is_text, overrides));
}

/// Runs a scenario and writes its file to `output` (checked before the run,
/// written only if the run was not interrupted).
py::dict run_scenario(const std::string& scenario, bool is_text,
                      const std::vector<std::string>& overrides, int threads,
                      const std::string& output, bool force) {
  const LoadedScenario loaded = load(scenario, is_text, overrides);
  const Scenario& s = loaded.scenario;
  check_output_path(output, force);
  std::atomic<int> stop{0};
  RunOptions options;
  options.seed = static_cast<uint64_t>(s.run.seed);
  options.replicates = static_cast<uint32_t>(s.run.replicates);
  options.threads = threads > 0 ? threads : tbb::info::default_concurrency();
  options.stop = &stop;
  const RunResult result =
      run_interruptibly(stop, [&] { return run_simulation(loaded.scenario, options); });
  // A Ctrl-C after the last month still writes nothing. (The write itself is
  // quick and atomic: a temporary file renamed.)
  if (PyErr_CheckSignals() != 0) throw PythonSignal{};
  {
    py::gil_scoped_release release;
    write_run_file(output, result, s, make_provenance(loaded, options.seed, options.replicates),
                   force);
  }
  py::dict out = summarise(loaded);
  out["staff_agents"] = result.max_staff_agents();
  out["setup_seconds"] = result.setup_seconds;
  out["simulate_seconds"] = result.simulate_seconds;
  return out;
}

/// Runs a sweep file into `output` (resumable from OUTPUT.parts/, as the CLI).
py::dict run_sweep_file(const std::string& sweep_file, const std::vector<std::string>& overrides,
                        std::optional<uint64_t> seed, std::optional<uint32_t> replicates,
                        int threads, const std::string& output, bool force, bool fresh) {
  sweep::SweepSettings settings;
  settings.overrides = overrides;
  settings.seed = seed;
  settings.replicates = replicates;
  const sweep::Sweep design = sweep::load_sweep_file(sweep_file, settings);
  std::atomic<int> stop{0};
  sweep::RunnerOptions options;
  options.output = output;
  options.force = force;
  options.fresh = fresh;
  options.threads = threads;
  options.stop = &stop;
  const sweep::SweepOutcome outcome = run_interruptibly(stop, [&] {
    sweep::Ranks ranks;  // one rank unless Python itself was started by mpirun
    return sweep::run_sweep(design, options, ranks);
  });
  py::dict out;
  out["points"] = outcome.points;
  out["resumed"] = outcome.resumed;
  out["failed"] = outcome.failed;
  out["failed_points"] = outcome.failed_points;
  out["parts"] = sweep::parts_folder(output);
  return out;
}

py::dict build_info() {
  py::dict out;
  out["mutsim_version"] = mutsim_version();
  out["git_commit"] = git_commit();
  out["library_versions"] = library_versions();
  out["format_version"] = std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor);
  out["sweep_format_version"] = std::string(sweep::kSweepFormatVersion);
  out["max_seed"] = kMaxSeed;
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "mutsim's C++ library (use the mutsim package, not this module)";
  static py::exception<ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  static py::exception<IoError> io_error(m, "IoError", PyExc_OSError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const PythonSignal&) {
      // The interpreter holds the KeyboardInterrupt; returning with it set raises it.
    } catch (const Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const ConfigError& e) {
      config_error(e.what());
    } catch (const IoError& e) {
      io_error(e.what());
    }
  });
  m.def("validate", &validate, py::arg("scenario"), py::arg("is_text"), py::arg("overrides"));
  m.def("run", &run_scenario, py::arg("scenario"), py::arg("is_text"), py::arg("overrides"),
        py::arg("threads"), py::arg("output"), py::arg("force"));
  m.def("sweep", &run_sweep_file, py::arg("sweep_file"), py::arg("overrides"), py::arg("seed"),
        py::arg("replicates"), py::arg("threads"), py::arg("output"), py::arg("force"),
        py::arg("fresh"));
  m.def("build_info", &build_info);
}
