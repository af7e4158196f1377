#include "sim/model/service_lines.hpp"

#include "sim/model/population.hpp"
#include "sim/random/random.hpp"

namespace mutsim {

std::vector<std::vector<double>> service_line_cumulative(const Scenario& s) {
  const auto& types = s.population.org_types;
  const auto& lines = s.population.service_lines;
  std::vector<std::vector<double>> cumulative(types.size(), std::vector<double>(lines.size(), 0));
  for (size_t t = 0; t < types.size(); ++t) {
    double sum = 0;
    for (size_t l = 0; l < lines.size(); ++l) {
      sum += service_line_share(s, static_cast<uint32_t>(t), static_cast<int16_t>(l));
      cumulative[t][l] = sum;
    }
  }
  return cumulative;
}

int16_t pick_service_line(const std::vector<double>& cumulative, double u) {
  if (cumulative.empty() || cumulative.back() <= 0) return kNoServiceLine;
  // Shares sum to 1 within validation's tolerance: scale u to the total so
  // the last line with a share takes any rounding remainder.
  const double x = u * cumulative.back();
  int16_t last = kNoServiceLine;
  for (size_t l = 0; l < cumulative.size(); ++l) {
    const double below = l == 0 ? 0.0 : cumulative[l - 1];
    if (cumulative[l] <= below) continue;  // no share on this line
    last = static_cast<int16_t>(l);
    if (x < cumulative[l]) return last;
  }
  return last;
}

std::vector<int16_t> draw_service_lines(const Scenario& s, const PopulationStructure& frame,
                                        uint64_t seed) {
  const auto cumulative = service_line_cumulative(s);
  std::vector<int16_t> line(frame.services(), kNoServiceLine);
  for (uint32_t u = 0; u < frame.services(); ++u) {
    const uint32_t type = frame.organisations[frame.service_org[u]].type;
    Stream stream(seed, 0, kSetupMonth, u, Purpose::ServiceLine);
    line[u] = pick_service_line(cumulative[type], stream.uniform());
  }
  return line;
}

double service_line_share(const Scenario& s, uint32_t type, int16_t line) {
  if (line < 0) return 0;
  const std::string& type_name = s.population.org_types[type].name;
  for (const auto& share : s.population.service_lines[line].value.org_types)
    if (share.org_type == type_name) return share.share;
  return 0;
}

const std::string& service_line_name(const Scenario& s, int16_t line) {
  static const std::string none;
  return line < 0 ? none : s.population.service_lines[line].name;
}

}  // namespace mutsim
