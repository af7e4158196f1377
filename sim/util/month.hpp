#pragma once
// Calendar months as a plain integer (months since January of year 0), so the
// month loop and every schedule compare and subtract dates with integer maths.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mutsim {

struct Month {
  int32_t index = 0;  // year * 12 + (month - 1)

  static constexpr Month of(int year, int month) { return Month{year * 12 + (month - 1)}; }
  constexpr int year() const { return index / 12; }
  constexpr int month() const { return index % 12 + 1; }
  constexpr bool operator==(const Month&) const = default;
  // Written out: clang-tidy 14 flags the 0 in a defaulted <=>'s synthesised code.
  constexpr std::strong_ordering operator<=>(const Month& other) const {
    return index <=> other.index;
  }
  constexpr Month operator+(int months) const { return Month{index + months}; }
  constexpr int operator-(Month other) const { return index - other.index; }

  /// "YYYY-MM"
  std::string str() const;
  /// Parses "YYYY-MM" with 1900 <= YYYY <= 2200 and 01 <= MM <= 12; nullopt otherwise.
  static std::optional<Month> parse(std::string_view text);
};

}  // namespace mutsim
