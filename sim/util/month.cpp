#include "sim/util/month.hpp"

#include <fmt/format.h>
#include <charconv>

namespace mutsim {

std::string Month::str() const { return fmt::format("{:04d}-{:02d}", year(), month()); }

std::optional<Month> Month::parse(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int year = 0;
  int month = 0;
  auto digits = [](std::string_view s, int& out) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  if (!digits(text.substr(0, 4), year) || !digits(text.substr(5, 2), month)) return std::nullopt;
  if (year < 1900 || year > 2200 || month < 1 || month > 12) return std::nullopt;
  return Month::of(year, month);
}

}  // namespace mutsim
