import numpy as np
import pandas as pd
import pytest

from mutsim_analysis import stats
from synthetic import monthly_dates

DATES = np.array(monthly_dates(), dtype="datetime64[M]")
COL = {month: stats.month_index(DATES, month)
       for month in ("2011-04", "2012-06", "2012-11", "2013-10")}


def series_at(values_by_month):
    """[5, T] zeros with the given per-replicate values at given months."""
    values = np.zeros((5, DATES.size))
    for month, column in values_by_month.items():
        values[:, COL[month]] = column
    return values


def pattern_series():
    return {
        "spinouts_tcs_cumulative": series_at({"2011-04": [40, 41, 39, 38,
                                                          45]}),
        "proposals_rtp_cumulative": series_at({"2012-11": [30, 31, 32, 33,
                                                           34]}),
        "proposals_rtp_in_progress": series_at({"2012-11": [4, 5, 6, 7,
                                                            8]}),
        "abandoned_rtp_cumulative": series_at({"2012-06": [1, 1, 1, 1, 1],
                                               "2012-11": [3, 3, 4, 5, 9]}),
        "mutuals_active_nhs": series_at({"2013-10": [20, 30, 37, 40, 70]}),
    }


def pattern_events():
    # 2012-12 is month 35: replicate 3's rtp spin-out then still counts,
    # replicate 2's comes later.
    rows = [(0, 3, "spinout", "tcs", 400.0), (0, 4, "spinout", "tcs", 600.0),
            (0, 20, "spinout", "rtp", 50.0), (1, 5, "spinout", "tcs", 100.0),
            (1, 21, "spinout", "rtp", 100.0), (2, 6, "spinout", "tcs", 300.0),
            (2, 40, "spinout", "rtp", 30.0), (3, 7, "spinout", "tcs", 200.0),
            (3, 35, "spinout", "rtp", 20.0), (4, 8, "proposal", "rtp", 1.0)]
    return pd.DataFrame(
        [(r, m, k, route, 0, 0, staff) for r, m, k, route, staff in rows],
        columns=["replicate", "month", "kind", "route", "organisation",
                 "service", "staff"])


@pytest.fixture
def table():
    return stats.evaluate_targets(pattern_series(), DATES,
                                  pattern_events()).set_index("id")


def consistent(table, target):
    # tolist() turns numpy booleans into Python ones, so `is` is exact.
    return dict(zip(table.index, table["consistent"].tolist()))[target]


def test_observed_targets_are_the_brief_values():
    by_id = {t["id"]: t for t in stats.OBSERVED_TARGETS}
    assert [(by_id[i]["date"], by_id[i]["observed"], by_id[i]["comparison"])
            for i in ("P1", "P2a", "P2b", "P3", "P5")] == [
        ("2011-04", 39, ">="), ("2012-11", 19, "=="), ("2012-11", 4, "=="),
        ("2012-11", 2, "=="), ("2013-10", 53, "==")]
    assert by_id["P2a"]["tolerance"] == 8
    assert by_id["P5"]["tolerance"] == 15
    assert by_id["P3"]["start"] == "2012-06"


def test_level_targets(table):
    assert table.loc["P1", "median"] == 40
    assert consistent(table, "P1") is True
    assert table.loc["P1", "agreeing"] == pytest.approx(0.8)
    assert table.loc["P2a", "median"] == 32
    assert consistent(table, "P2a") is False  # 13 away, tolerance 8
    assert table.loc["P2a", "agreeing"] == 0
    assert consistent(table, "P2b") is True   # 6 vs 4 +- 3
    assert table.loc["P5", "median"] == 37
    assert consistent(table, "P5") is False   # 16 away, tolerance 15
    assert table.loc["P5", "agreeing"] == pytest.approx(0.2)
    assert (table.loc["P5", "q05"], table.loc["P5", "q95"]) == \
        pytest.approx((22, 64))


def test_change_target(table):
    # Changes Jun -> Nov 2012: 2, 2, 3, 4, 8.
    assert table.loc["P3", "median"] == 3
    assert consistent(table, "P3") is True
    assert table.loc["P3", "agreeing"] == pytest.approx(0.8)


def test_size_ratio_target(table):
    # Ratios tcs/rtp by replicate: 500/50, 100/100, none, 200/20, none.
    assert table.loc["P4", "median"] == 10
    assert table.loc["P4", "q05"] == pytest.approx(1.9)
    assert consistent(table, "P4") is True
    assert table.loc["P4", "agreeing"] == pytest.approx(2 / 3)
    assert table.loc["P4", "note"] == "defined in 3 of 5 replicates"


def test_missing_route_skips_only_its_targets():
    series = pattern_series()
    del series["spinouts_tcs_cumulative"]
    events = pattern_events()
    events = events[events["route"] != "tcs"]
    table = stats.evaluate_targets(series, DATES, events).set_index("id")
    assert consistent(table, "P1") is None
    assert "spinouts_tcs_cumulative" in table.loc["P1", "note"]
    assert consistent(table, "P4") is None
    assert "tcs" in table.loc["P4", "note"]
    assert consistent(table, "P3") is True


def test_target_date_off_horizon_is_skipped():
    late = np.array(monthly_dates("2012-01", "2015-12"),
                    dtype="datetime64[M]")
    series = {"spinouts_tcs_cumulative": np.zeros((2, late.size))}
    table = stats.evaluate_targets(series, late, pattern_events().iloc[:0])
    row = table.set_index("id").loc["P1"]
    assert row["consistent"] is None and "2011-04" in row["note"]
