#pragma once
// The declaration of one scenario parameter: its key, default, bounds, unit,
// meaning and source. describe() functions (scenario.hpp) hand one Spec per
// field to a visitor; the same declarations drive YAML reading, validation,
// defaults, the effective-YAML dump and the parameter table in docs/ODD.md.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mutsim {

struct Spec {
  std::string_view key;
  std::optional<double> def = std::nullopt;  // nullopt: the key is required
  double lo = -1e300;
  double hi = 1e300;
  bool lo_open = false;  // (lo, hi] instead of [lo, hi]
  std::string_view unit = "";
  std::string_view meaning = "";
  std::string_view source = "assumption";
};

struct DateSpec {
  std::string_view key;
  std::string_view def = "";  // "" : required (for std::optional<Month> fields: absent = none)
  std::string_view meaning = "";
  std::string_view source = "assumption";
};

struct TextSpec {
  std::string_view key;
  std::optional<std::string_view> def = std::nullopt;  // nullopt: required
  std::string_view meaning = "";
};

/// Names of sectors, organisation types and routes are identifiers: they
/// become parts of series names and fixed-width text in the output tables.
inline constexpr size_t kMaxNameLength = 31;

/// A record that appears under a user-chosen name (a sector, an
/// organisation type, a route); order follows the scenario file.
template <class T>
struct Named {
  std::string name;
  T value;
};

template <class T>
const T* find_named(const std::vector<Named<T>>& items, std::string_view name) {
  for (const auto& item : items)
    if (item.name == name) return &item.value;
  return nullptr;
}

template <class T>
int index_of_named(const std::vector<Named<T>>& items, std::string_view name) {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace mutsim
