"""The report's table of the seeds' mechanisms (mutsim_analysis.mechanisms)."""

import numpy as np

from mutsim_analysis.mechanisms import mechanism_rows
from mutsim_analysis.reader import read_run
from synthetic import make_file, monthly_dates


def test_rows_read_the_series_the_file_has(tmp_path):
    months = len(monthly_dates())
    ramp = np.tile(np.arange(months, dtype=float), (3, 1))  # 3 replicates
    series = {
        "share_in_mutuals": ramp * 0,
        "share_in_mutuals_strict": ramp * 1e-4,
        "mutuals_active_joint_venture": ramp + np.array([[0], [1], [2]]),
        "mutuals_active_nhs": ramp,  # not a form: no row
        "commissioning_transition_uncertainty_nhs":
            np.where(ramp == 10, 0.3, 0.0),
        "proposals_adult_hearing_cumulative": ramp,
        "mean_engagement_in_mutuals": 0.5 + ramp * 0.005,
        "mean_engagement_outside_mutuals": ramp * 0 + 0.5,
        "engagement_gap": ramp * 0.005,
    }
    make_file(tmp_path / "run.h5", series)
    run = read_run(tmp_path / "run.h5")
    rows = {row[1]: row for row in mechanism_rows(run, 20)}
    assert rows["share, strict reading"][2] == "0.20%"
    assert rows["mutuals of the form joint_venture"][2:] == [
        "21.0", "20.1 to 21.9"]
    assert not any("form nhs" in quantity for quantity in rows)
    # "max" rows take the peak up to the month, not the value at it.
    assert rows["peak CCG transition uncertainty (NHS)"][2] == "0.300"
    assert rows["proposals on adult_hearing (cumulative)"][2] == "20.0"
    assert rows["mean engagement in mutuals"][2] == "0.600"
    assert rows["mean engagement outside mutuals"][2:] == [
        "0.500", "0.500 to 0.500"]
    assert rows["engagement gap (in minus outside mutuals)"][2] == "0.100"
    # Series the file lacks leave their rows out.
    assert "share, broad reading (governance mutuals count)" not in rows
    assert "abandoned on adult_hearing (cumulative)" not in rows
