// libFuzzer target for the scenario loader: any input must either load or
// raise ConfigError. Any other exception, a crash, a sanitizer report, a
// timeout or runaway memory is a finding. Built only with
// -DMUTSIM_BUILD_FUZZERS=ON under clang (scripts/run-fuzz.sh, `make fuzz`);
// tests/CMakeLists.txt globs every tests/**/*.cpp into the Catch2 binary,
// where this file compiles to nothing.
#ifdef MUTSIM_FUZZ_TARGET

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/config/loader.hpp"
#include "sim/util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mutsim::LoadedScenario loaded = mutsim::load_scenario_text(text, "fuzz.yaml");
    // Emitting again must not fail either (it already ran once inside the loader).
    (void)mutsim::emit_scenario_yaml(loaded.scenario);
  } catch (const mutsim::ConfigError&) {
    // The expected outcome for malformed input.
  }
  return 0;
}

#endif  // MUTSIM_FUZZ_TARGET
