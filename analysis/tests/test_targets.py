import numpy as np
import pandas as pd
import pytest

from mutsim_analysis import stats
from synthetic import monthly_dates

DATES = np.array(monthly_dates(), dtype="datetime64[M]")
COL = {month: stats.month_index(DATES, month)
       for month in ("2011-12", "2012-06", "2012-11", "2013-10")}


def series_at(values_by_month):
    """[5, T] zeros with the given per-replicate values at given months."""
    values = np.zeros((5, DATES.size))
    for month, column in values_by_month.items():
        values[:, COL[month]] = column
    return values


def pattern_series():
    return {
        "spinouts_tcs_cumulative": series_at({"2011-12": [40, 41, 39, 38,
                                                          45]}),
        "spinouts_tcs_whole_share": series_at({"2011-12": [0.5, 0.6, 0.3,
                                                           0.4, 0.9]}),
        "proposals_rtp_open": series_at({"2012-11": [30, 31, 32, 33, 34]}),
        "proposals_rtp_in_progress": series_at({"2012-11": [4, 5, 6, 7,
                                                            8]}),
        "mutuals_serving_nhs": series_at({"2013-10": [20, 30, 37, 40, 70]}),
    }


JUN12, NOV12 = COL["2012-06"], COL["2012-11"]


def pattern_events():
    """Events of five replicates (columns as /events, with weight).

    P3, proposals on rtp open at the end of 2012-06 and abandoned by
    2012-11, by replicate: 2 (one of weight 2), 1, 0, 0, 0; replicate 1's
    second abandonment is of a proposal entered after June, replicate 2's
    is after November. P4, the weighted mean staff of TCS spin-outs over
    that of RtP proposals open or abandoned at 2012-11: replicate 0
    (400 x 1 + 600 x 1) / 2 = 500 over (50 x 2 + 20) / 3 = 40, 12.5;
    replicate 1 100 / 100 = 1 (its spun-out RtP proposal left out);
    replicate 2 300 / 30 = 10; replicate 3 has no TCS spin-out, replicate
    4 no RtP proposal: undefined.
    """
    rows = [
        # replicate, month, kind, route, organisation, service, staff, weight
        (0, 3, "spinout", "tcs", 1, 10, 400.0, 1.0),
        (0, 4, "spinout", "tcs", 2, 20, 600.0, 1.0),
        (0, JUN12 - 3, "proposal", "rtp", 5, 50, 50.0, 2.0),
        (0, JUN12 + 2, "abandoned", "rtp", 5, 50, 50.0, 2.0),
        (0, JUN12 - 1, "proposal", "rtp", 6, 60, 20.0, 1.0),
        (1, 5, "spinout", "tcs", 1, 10, 100.0, 1.0),
        (1, JUN12 - 5, "proposal", "rtp", 5, 50, 100.0, 1.0),
        (1, NOV12, "abandoned", "rtp", 5, 50, 100.0, 1.0),
        (1, JUN12 + 1, "proposal", "rtp", 6, 60, 100.0, 1.0),
        (1, JUN12 + 3, "abandoned", "rtp", 6, 60, 100.0, 1.0),
        (1, JUN12 - 8, "proposal", "rtp", 7, 70, 900.0, 1.0),
        (1, JUN12 - 2, "spinout", "rtp", 7, 70, 900.0, 1.0),
        (2, 6, "spinout", "tcs", 1, 10, 300.0, 1.0),
        (2, JUN12 - 2, "proposal", "rtp", 5, 50, 30.0, 1.0),
        (2, NOV12 + 1, "abandoned", "rtp", 5, 50, 30.0, 1.0),
        (3, JUN12, "proposal", "rtp", 5, 50, 20.0, 1.0),
        (4, 8, "spinout", "tcs", 1, 10, 80.0, 1.0),
    ]
    return pd.DataFrame(rows, columns=["replicate", "month", "kind", "route",
                                       "organisation", "service", "staff",
                                       "weight"])


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
            for i in ("P1", "P1b", "P2a", "P2b", "P3", "P4", "P5")] == [
        ("2011-12", 39, ">="), ("2011-12", 0.5, "=="), ("2012-11", 19, "=="),
        ("2012-11", 4, "=="), ("2012-11", 2, "=="), ("2012-11", 2, ">="),
        ("2013-10", 53, "==")]
    assert by_id["P2a"]["series"] == "proposals_rtp_open"
    assert by_id["P5"]["series"] == "mutuals_serving_nhs"
    assert by_id["P2a"]["tolerance"] == 8
    assert by_id["P5"]["tolerance"] == 15
    assert by_id["P3"]["start"] == "2012-06"


def test_level_targets(table):
    assert table.loc["P1", "median"] == 40
    assert consistent(table, "P1") is True
    assert table.loc["P1", "agreeing"] == pytest.approx(0.8)
    assert table.loc["P1b", "median"] == 0.5
    assert consistent(table, "P1b") is True
    assert table.loc["P1b", "agreeing"] == pytest.approx(0.6)
    assert table.loc["P2a", "median"] == 32
    assert consistent(table, "P2a") is False  # 13 away, tolerance 8
    assert table.loc["P2a", "agreeing"] == 0
    assert consistent(table, "P2b") is True   # 6 vs 4 +- 3
    assert table.loc["P5", "median"] == 37
    assert consistent(table, "P5") is False   # 16 away, tolerance 15
    assert table.loc["P5", "agreeing"] == pytest.approx(0.2)
    assert (table.loc["P5", "q05"], table.loc["P5", "q95"]) == \
        pytest.approx((22, 64))


def test_listed_abandoned_target(table):
    values = stats.target_values(
        {**next(t for t in stats.OBSERVED_TARGETS if t["id"] == "P3")},
        pattern_series(), DATES, pattern_events())
    assert list(values) == [2, 1, 0, 0, 0]
    assert table.loc["P3", "median"] == 0
    assert consistent(table, "P3") is True


def test_proposal_size_ratio_target(table):
    target = next(t for t in stats.OBSERVED_TARGETS if t["id"] == "P4")
    values = stats.target_values(target, pattern_series(), DATES,
                                 pattern_events())
    assert values[:3] == pytest.approx([12.5, 1, 10])
    assert np.isnan(values[3]) and np.isnan(values[4])
    assert table.loc["P4", "median"] == 10
    assert consistent(table, "P4") is True
    assert table.loc["P4", "agreeing"] == pytest.approx(2 / 3)
    assert table.loc["P4", "note"] == "defined in 3 of 5 replicates"


def test_events_without_weights_weigh_one():
    events = pattern_events().drop(columns="weight")
    target = next(t for t in stats.OBSERVED_TARGETS if t["id"] == "P3")
    values = stats.target_values(target, pattern_series(), DATES, events)
    assert list(values) == [1, 1, 0, 0, 0]


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
    assert row["consistent"] is None and "2011-12" in row["note"]
