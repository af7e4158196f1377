#pragma once
// Headline figures of a run file, for people and for batch scripts.
#include <string>

#include "sim/io/hdf5_reader.hpp"

namespace mutsim {

struct Interval {
  double low, high;
};

/// Wilson score interval for k successes in n trials (z = 1.96 for 95%).
Interval wilson_interval(double k, double n, double z = 1.959963984540054);

/// Quantile q of `values` by linear interpolation (numpy's default).
double quantile(std::vector<double> values, double q);

struct Headline {
  std::string target_date;
  size_t target_month = 0;  // index into dates
  bool target_in_horizon = true;
  double target_share = 0;
  double share_median = 0, share_p05 = 0, share_p95 = 0;
  double staff_median = 0;
  double gap_median = 0;  // workers short of the target (negative: above it)
  size_t reached = 0;     // replicates reaching the target by the target date
  size_t replicates = 0;
  Interval reached_interval{0, 0};
  std::vector<std::pair<std::string, double>> spinouts_by_route;  // median at target date
  double mutuals_active_median = 0;
  double mutuals_active_nhs_median = 0;
  // Format 1.4 (forms of mutuals): the share under both readings of the
  // target and each form's active mutuals and staff (medians); absent in
  // older files.
  bool has_forms = false;
  double share_strict_median = 0, share_broad_median = 0;
  struct FormRow {
    std::string form;
    double mutuals, staff;
  };
  std::vector<FormRow> forms;
};

Headline compute_headline(const RunFile& run);
std::string format_headline_text(const RunFile& run, const Headline& h);
std::string format_headline_json(const RunFile& run, const Headline& h);

}  // namespace mutsim
