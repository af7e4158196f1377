import numpy as np
import pandas as pd
import pytest
import scipy.stats

from mutsim_analysis import read_run, stats
from synthetic import make_file, monthly_dates

DATES = np.array(monthly_dates(), dtype="datetime64[M]")
T = DATES.size
TARGET = 1.0 / 6.0
AT_TARGET = 62  # 2015-03, the synthetic files' target date


@pytest.mark.parametrize("k, n, lo, hi", [
    (5, 10, 0.236593, 0.763407),  # centre 0.5, half 1.416 * 0.18602
    (0, 10, 0.0, 0.277533),       # z^2/n / (1 + z^2/n) = 3.8415 / 13.8415
    (10, 10, 0.722467, 1.0),
    (3, 6, 0.187616, 0.812384),
])
def test_wilson_matches_hand_computed_values(k, n, lo, hi):
    assert stats.wilson_interval(k, n) == pytest.approx((lo, hi), abs=1e-6)


@pytest.mark.parametrize("k, n", [(0, 1), (1, 7), (13, 40), (99, 100)])
def test_wilson_matches_scipy(k, n):
    ci = scipy.stats.binomtest(k, n).proportion_ci(method="wilson")
    assert stats.wilson_interval(k, n) == pytest.approx(
        (ci.low, ci.high), abs=1e-12)


def test_wilson_of_no_replicates_is_undefined():
    assert np.isnan(stats.wilson_interval(0, 0)).all()


def crossing_share():
    """Six replicates; three reach 1/6 by 2015-03 (r0, r1 exactly at the
    target month, r3 briefly in 2010), r2 one month late, r4 and r5 never."""
    share = np.full((6, T), 0.05)
    share[0, 26:] = 0.2            # from 2012-03
    share[1, AT_TARGET] = TARGET   # equality counts as reached
    share[2, AT_TARGET + 1:] = 0.2
    share[3, 10:13] = 0.2          # reached, then fell back
    return share


def test_probability_counts_replicates_reaching_target_by_date(tmp_path):
    path = make_file(tmp_path / "cross.h5",
                     {"share_in_mutuals": crossing_share()})
    run = read_run(path)
    result = stats.probability_reached(run.series["share_in_mutuals"],
                                       run.dates, run.target_share,
                                       run.target_date)
    assert (result["k"], result["n"], result["p"]) == (3, 6, 0.5)
    assert (result["lo"], result["hi"]) == pytest.approx(
        stats.wilson_interval(3, 6))
    assert stats.reached_by(crossing_share(), DATES, TARGET,
                            "2015-03").tolist() == [True, True, False,
                                                    True, False, False]


def test_first_crossing_month_per_replicate():
    first = stats.first_crossing(crossing_share(), TARGET)
    assert first.tolist() == [26, AT_TARGET, AT_TARGET + 1, 10, -1, -1]
    table = stats.first_crossing_distribution(crossing_share(), DATES,
                                              TARGET)
    assert table["month"].tolist() == ["2010-11", "2012-03", "2015-03",
                                       "2015-04", stats.NOT_REACHED]
    assert table["replicates"].tolist() == [1, 1, 1, 1, 2]
    assert table["fraction"].iloc[-1] == pytest.approx(2 / 6)


def test_gap_in_workers_at_target_date():
    employment = np.full((5, T), 7.0e6)
    employment[:, AT_TARGET] = 6.0e6  # target = 1.0m workers that month
    staff = np.zeros((5, T))
    staff[:, AT_TARGET] = [1e5, 2e5, 3e5, 4e5, 1.2e6]
    gap = stats.gap_in_workers(staff, employment, DATES, TARGET, "2015-03")
    assert gap == pytest.approx([9e5, 8e5, 7e5, 6e5, -2e5])
    summary = stats.summarise(gap)
    # Sorted -2e5, 6e5, 7e5, 8e5, 9e5; linear interpolation at 0.2 and 3.8.
    assert (summary["median"], summary["q05"], summary["q95"]) == \
        pytest.approx((7e5, -4e4, 8.8e5))


def test_fan_quantiles_per_month():
    values = np.arange(101)[:, None] + np.arange(T)[None, :]
    fan = stats.fan_quantiles(values, DATES)
    assert fan.loc[DATES[0]].tolist() == pytest.approx([5, 25, 50, 75, 95])
    assert fan.loc[DATES[-1]].tolist() == pytest.approx(
        [5 + T - 1, 25 + T - 1, 50 + T - 1, 75 + T - 1, 95 + T - 1])


def test_month_outside_horizon_is_an_error():
    with pytest.raises(ValueError, match="2016-01"):
        stats.month_index(DATES, "2016-01")


def events_frame(rows):
    return pd.DataFrame(rows, columns=["replicate", "month", "kind", "route",
                                       "organisation", "service", "staff"])


def test_spinout_sizes_by_route():
    events = events_frame([
        (0, 5, "spinout", "tcs", 0, 0, 300.0),
        (0, 5, "proposal", "tcs", 0, 0, 9999.0),
        (1, 6, "spinout", "tcs", 0, 1, 500.0),
        (1, 7, "spinout", "rtp", 0, 2, 20.0),
        (1, 40, "spinout", "tcs", 0, 3, 700.0),
        (2, 8, "spinout", "rtp", 0, 4, 30.0),
        (2, 9, "abandoned", "rtp", 0, 5, 5000.0),
    ])
    sizes = stats.spinout_sizes(events)
    assert sizes["tcs"].tolist() == [300, 500, 700]
    assert sizes["rtp"].tolist() == [20, 30]
    assert stats.spinout_sizes(events, last_month=6)["tcs"].tolist() == \
        [300, 500]
    summary = stats.size_summary(sizes).set_index("route")
    assert summary.loc["tcs", "median"] == 500
    assert summary.loc["rtp", "spinouts"] == 2
    assert summary.loc["rtp", "mean"] == 25


def test_compare_runs_differences_and_order(tmp_path):
    def run(name, level, reached):
        share = np.full((4, T), level)
        share[:, AT_TARGET] = TARGET if reached else level
        return read_run(make_file(tmp_path / f"{name}.h5",
                                  {"share_in_mutuals": share}))
    runs = [run("other", 0.10, False), run("baseline", 0.05, False),
            run("big", 0.20, True)]
    table = stats.compare_runs(runs, "baseline")
    assert table["scenario"].tolist() == ["big", "other", "baseline"]
    assert table["delta_p"].tolist() == pytest.approx([1, 0, 0])
    assert table["delta_share"].tolist() == pytest.approx(
        [TARGET - 0.05, 0.05, 0])
    assert table.loc[0, "p_lo"] == pytest.approx(
        stats.wilson_interval(4, 4)[0])


def test_median_se_agrees_with_normal_theory_on_a_continuous_sample():
    # n = 400 normal values: se(median) = sqrt(pi / 2) sd / sqrt(n) = 0.0627.
    # The bootstrap estimate's own relative error is of order n^(-1/4)
    # (Hall and Martin 1988), about 22% here; 35% keeps false alarms rare
    # while a wrong scale (sd / sqrt(n), or no sqrt(n)) still fails.
    values = np.random.default_rng(7).normal(0.0, 1.0, 400)
    theory = np.sqrt(np.pi / 2) / np.sqrt(values.size)
    assert stats.median_se(values) == pytest.approx(theory, rel=0.35)


def test_median_se_sees_the_jump_of_a_count_near_a_half():
    # P3 at scale 1, 40 replicates (docs/ODD.md section 8): 0, 1, 2, 3 in
    # 10, 12, 13, 5. P(X <= 1) = 0.55, so a resample's median is 1 or 2
    # (or 1.5) with nearly even odds: its se is near half a unit, about
    # twice the normal-theory 1.2533 sd / sqrt(n) = 0.20.
    values = np.repeat([0.0, 1.0, 2.0, 3.0], [10, 12, 13, 5])
    normal_theory = np.sqrt(np.pi / 2) * values.std(ddof=1) / np.sqrt(40)
    se = stats.median_se(values)
    assert 0.3 < se < 0.5
    assert se > 1.5 * normal_theory


def test_median_se_is_reproducible_and_ignores_nan():
    values = np.array([3.0, 1.0, np.nan, 4.0, 1.0, 5.0])
    assert stats.median_se(values) == stats.median_se(values[~np.isnan(values)])
    assert np.isnan(stats.median_se(np.array([2.0, np.nan])))
