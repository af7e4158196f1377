"""The held-out figures: the file in the repository is well formed and out
of sample, malformed files are refused with the file and key, and the
predictive fit places observations where they fall."""

from pathlib import Path

import numpy as np
import pytest

from mutsim_analysis import heldout, stats
from synthetic import monthly_dates

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "scenarios" / "validation" / "heldout.yaml"
CALIBRATION = ROOT / "scenarios" / "calibration.yaml"
DATES = np.array(monthly_dates(), dtype="datetime64[M]")


def test_repository_file_is_out_of_sample():
    figures = heldout.load_heldout(HELDOUT)
    assert len(figures) >= 5
    assert all(f["source"] and f["reading"] for f in figures)
    heldout.check_disjoint(figures, heldout.load_targets(CALIBRATION),
                           HELDOUT)


def test_a_calibration_target_is_refused():
    figures = heldout.load_heldout(HELDOUT)
    targets = [{"id": "X", "series": figures[0]["series"],
                "date": figures[0]["date"]}]
    with pytest.raises(heldout.HeldOutError, match="is a calibration target"):
        heldout.check_disjoint(figures, targets, "h.yaml")


@pytest.mark.parametrize("body, message", [
    ("figures: 3\n", "expected a list under 'figures'"),
    ("figures:\n  - {id: H1}\n", r"figures\[0\]: missing key 'statistic'"),
    ("figures:\n  - {id: H1, statistic: mean, series: s, date: 2012-01, "
     "observed: 1, comparison: equal, reading: r, source: s}\n",
     r"figures\[0\].statistic: 'mean'"),
    ("figures:\n  - {id: H1, statistic: level, series: s, date: 2012-01, "
     "observed: x, comparison: equal, reading: r, source: s}\n",
     r"figures\[0\].observed: not a number"),
    ("figures:\n  - {id: H1, statistic: change, series: s, date: 2012-01, "
     "observed: 1, comparison: equal, reading: r, source: s}\n",
     "a 'change' needs 'start'"),
    ("figures: [\n", "cannot be read"),
])
def test_malformed_files_name_file_and_key(tmp_path, body, message):
    path = tmp_path / "h.yaml"
    path.write_text(body)
    with pytest.raises(heldout.HeldOutError, match=message) as info:
        heldout.load_heldout(path)
    assert str(path) in str(info.value)


def test_predictive_fit_places_the_observation():
    # 100 replicates with values 0..99 at 2014-07: the observation 100 lies
    # above the 95th percentile (outside), 50 in the middle (inside, at the
    # predictive quantile 0.5); a '>=' figure of 3 is inside, and a date
    # off the horizon is reported, not failed.
    col = stats.month_index(DATES, "2014-07")
    values = np.zeros((100, DATES.size))
    values[:, col] = np.arange(100)
    series = {"mutuals_active": values}
    base = {"statistic": "level", "series": "mutuals_active",
            "date": "2014-07", "source": "s", "tolerance": 0.0}
    figures = [{**base, "id": "A", "observed": 100.0, "comparison": "=="},
               {**base, "id": "B", "observed": 50.0, "comparison": "=="},
               {**base, "id": "C", "observed": 3.0, "comparison": ">="},
               {**base, "id": "D", "observed": 1.0, "comparison": "==",
                "date": "2018-06"}]
    rows = {r["id"]: r for r in heldout.predictive_fit(figures, series,
                                                       DATES, None)}
    assert rows["A"]["inside"] is False and rows["A"]["quantile"] == 1.0
    assert rows["B"]["inside"] is True and rows["B"]["quantile"] == 0.5
    # The smallest value whose cumulative weight reaches q (5 of 100 at 4).
    assert rows["B"]["q05"] == 4 and rows["B"]["q95"] == 94
    assert rows["C"]["inside"] is True
    assert rows["D"]["inside"] is None and "not checked" in rows["D"]["note"]


def test_weights_move_the_predictive_interval():
    # All weight on the replicates valued 90..99: the median becomes 94.
    col = stats.month_index(DATES, "2014-07")
    values = np.zeros((100, DATES.size))
    values[:, col] = np.arange(100)
    weights = np.where(np.arange(100) >= 90, 1.0, 0.0)
    figure = {"id": "A", "statistic": "level", "series": "mutuals_active",
              "date": "2014-07", "observed": 50.0, "comparison": "==",
              "source": "s", "tolerance": 0.0}
    row, = heldout.predictive_fit([figure], {"mutuals_active": values},
                                  DATES, None, weights)
    assert row["median"] == 94 and row["inside"] is False
