// Headline figures of a run file (mutsim summary), on hand-made data.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "sim/cli/summary.hpp"
#include "sim/util/errors.hpp"

using namespace mutsim;

namespace {

/// A run file in memory: R replicates, months 2015-10..2016-01, given shares.
RunFile make_file(const std::vector<std::vector<double>>& shares, const std::string& target_date) {
  RunFile run;
  run.path = "synthetic.h5";
  run.text = {{"target_date", target_date}, {"routes", "tcs,rtp"}, {"scenario_path", "s.yaml"}};
  run.seed = 1;
  run.replicates = static_cast<uint32_t>(shares.size());
  run.target_share = 0.25;
  run.dates = {"2015-10", "2015-11", "2015-12", "2016-01"};
  const size_t months = run.dates.size();
  auto series = [&](auto value) {
    SeriesData data{shares.size(), months, {}};
    for (size_t r = 0; r < shares.size(); ++r)
      for (size_t m = 0; m < months; ++m) data.values.push_back(value(r, m));
    return data;
  };
  run.series["share_in_mutuals"] = series([&](size_t r, size_t m) { return shares[r][m]; });
  run.series["public_sector_employment"] = series([](size_t, size_t) { return 1000.0; });
  run.series["staff_in_mutuals"] =
      series([&](size_t r, size_t m) { return shares[r][m] * 1000.0; });
  run.series["spinouts_tcs_cumulative"] = series([](size_t r, size_t) { return double(r); });
  run.series["spinouts_rtp_cumulative"] = series([](size_t, size_t m) { return double(m); });
  run.series["mutuals_active"] = series([](size_t r, size_t) { return 10.0 + double(r); });
  run.series["mutuals_active_nhs"] = series([](size_t, size_t) { return 4.0; });
  return run;
}

}  // namespace

TEST_CASE("quantile interpolates linearly, like numpy", "[unit][summary]") {
  CHECK(quantile({3, 1, 2, 4}, 0.5) == Approx(2.5));
  CHECK(quantile({1, 2, 3, 4}, 0.0) == 1);
  CHECK(quantile({1, 2, 3, 4}, 1.0) == 4);
  CHECK(quantile({1, 2, 3, 4}, 0.05) == Approx(1.15));
  CHECK(quantile({1, 2, 3, 4}, 0.95) == Approx(3.85));
  CHECK(quantile({7}, 0.3) == 7);
  CHECK(std::isnan(quantile({}, 0.5)));
}

TEST_CASE("Wilson interval", "[unit][summary]") {
  const Interval none = wilson_interval(0, 2);
  CHECK(none.low == 0);
  CHECK(none.high == Approx(0.6576197724933469));
  const Interval half = wilson_interval(5, 10);
  CHECK(half.low + half.high == Approx(1.0));
  CHECK(half.low == Approx(0.2365931).epsilon(1e-6));
  const Interval all = wilson_interval(20, 20);
  CHECK(all.high == 1);
  CHECK(all.low == Approx(0.8388748).epsilon(1e-6));
  const Interval empty = wilson_interval(0, 0);
  CHECK(empty.low == 0);
  CHECK(empty.high == 1);
}

TEST_CASE("headline: reaching the target by the target date", "[unit][summary]") {
  // Replicate 0 reaches 0.25 in 2015-11 then falls; 1 only after the target
  // date; 2 never.
  const RunFile run =
      make_file({{0.1, 0.3, 0.2, 0.2}, {0.1, 0.1, 0.1, 0.4}, {0.0, 0.0, 0.1, 0.1}}, "2015-12");
  const Headline h = compute_headline(run);
  CHECK(h.target_in_horizon);
  CHECK(h.target_month == 2);
  CHECK(h.replicates == 3);
  CHECK(h.reached == 1);
  CHECK(h.share_median == Approx(0.1));
  CHECK(h.staff_median == Approx(100));
  CHECK(h.gap_median == Approx(150));  // 0.25 * 1000 - 100
  REQUIRE(h.spinouts_by_route.size() == 2);
  CHECK(h.spinouts_by_route[0].first == "tcs");
  CHECK(h.spinouts_by_route[0].second == 1);  // median of 0, 1, 2
  CHECK(h.spinouts_by_route[1].second == 2);  // month index 2
  CHECK(h.mutuals_active_median == 11);
  CHECK(h.mutuals_active_nhs_median == 4);
  // Parsed, not matched as text: the JSON is written by nlohmann-json.
  const auto json = nlohmann::ordered_json::parse(format_headline_json(run, h));
  CHECK(json["reached"] == 1);
  CHECK(json["evaluated_at"] == "2015-12");
  CHECK(json["target_in_horizon"] == true);
  CHECK(json["spinouts_by_route"].dump() == R"({"tcs":1.0,"rtp":2.0})");
  const std::string text = format_headline_text(run, h);
  CHECK_THAT(text, Catch::Contains("1 of 3"));
  CHECK_THAT(text, Catch::Contains("(the target date)"));
}

TEST_CASE("headline: a target beyond the horizon is read at the last month", "[unit][summary]") {
  const RunFile run = make_file({{0.1, 0.1, 0.1, 0.3}}, "2020-12");
  const Headline h = compute_headline(run);
  CHECK_FALSE(h.target_in_horizon);
  CHECK(h.target_month == 3);
  CHECK(h.reached == 1);
  CHECK_THAT(format_headline_text(run, h), Catch::Contains("outside the horizon"));
}

TEST_CASE("headline: a file without a needed series names the file", "[unit][summary]") {
  RunFile run = make_file({{0.1, 0.1, 0.1, 0.1}}, "2015-12");
  run.series.erase("spinouts_rtp_cumulative");
  try {
    compute_headline(run);
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("synthetic.h5"));
    CHECK_THAT(e.what(), Catch::Contains("spinouts_rtp_cumulative"));
  }
}
