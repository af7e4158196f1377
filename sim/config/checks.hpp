#pragma once
// Cross-field checks that a single parameter's bounds cannot express: names
// that refer to other entries, dates in order, shares that sum to one.
#include <functional>
#include <string>

#include "sim/config/scenario.hpp"

namespace mutsim {

/// `fail(key_path, message)` must throw; key paths use "a.b[2].c".
using CheckFailure = std::function<void(const std::string&, const std::string&)>;

void check_scenario(const Scenario& s, const CheckFailure& fail);

}  // namespace mutsim
