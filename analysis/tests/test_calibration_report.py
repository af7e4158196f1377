"""analysis/calibration_report.py on small synthetic calibration and
sensitivity files (the layouts of docs/CALIBRATION.md)."""

import h5py
import numpy as np
import pytest

import calibration_report as cr


def _strings(group, name, values):
    group.create_dataset(name, data=np.array(values, dtype=h5py.string_dtype()))


def _common(f, fmt):
    f.attrs["format"] = fmt
    f.attrs["format_version"] = "1.0"
    f.attrs["seed"] = np.uint64(5)
    f.attrs["fixed_overrides"] = "population.scale=0.5"
    p = f.create_group("parameters")
    _strings(p, "names", ["a", "b"])
    p["lower"] = [0.0, -1.0]
    p["upper"] = [1.0, 1.0]
    _strings(p, "source", ["assumption", "assumption"])


def calibration_file(path):
    with h5py.File(path, "w") as f:
        _common(f, "mutsim-calibration")
        f.attrs.update({"method": "abc-smc", "evaluations": np.uint64(30),
                        "stop_reason": "completed 2 generations",
                        "replicates_per_evaluation": np.uint32(1),
                        "undefined_penalty": 2.0})
        t = f.create_group("targets")
        _strings(t, "ids", ["P1", "P2"])
        _strings(t, "quantity", ["x at 2011-04", "y at 2012-11"])
        _strings(t, "comparison", ["at_least", "equal"])
        t["observed"] = [39.0, 19.0]
        t["tolerance"] = [4.0, 8.0]
        _strings(t, "source", ["seed 3", "seed 3"])
        f["particles"] = [[0.1, 0.0], [0.2, 0.5], [0.3, -0.5], [0.4, 0.2]]
        f["weights"] = [0.1, 0.2, 0.3, 0.4]
        f["distances"] = [0.5, 0.4, 0.3, 0.2]
        # P1 met (median 40 >= 35); P2 missed (median 40, far from 19).
        f["simulated"] = [[38.0, 40.0], [40.0, 41.0], [41.0, 40.0], [np.nan, 39.0]]
        g = f.create_group("generations")
        g["epsilon"] = [np.inf, 0.5]
        g["accepted"] = np.array([4, 4], dtype=np.uint32)
        g["evaluated"] = np.array([16, 14], dtype=np.uint32)
        g["ess"] = [4.0, 3.3]
    return path


def sensitivity_file(path):
    with h5py.File(path, "w") as f:
        _common(f, "mutsim-sensitivity")
        f.attrs.update({"trajectories": np.uint32(2), "levels": np.uint32(4),
                        "delta": 2 / 3, "candidate_trajectories": np.uint32(4)})
        o = f.create_group("outputs")
        _strings(o, "names", ["share", "spinouts"])
        _strings(o, "quantity", ["share at the target date", "spin-outs"])
        f["design/points"] = np.zeros((6, 2))
        f["morris/mu_star"] = [[1.0, 5.0], [2.0, 1.0]]
        f["morris/mu"] = [[1.0, -5.0], [2.0, 1.0]]
        f["morris/sigma"] = [[0.1, 0.5], [0.2, 0.1]]
        f["morris/rank"] = np.array([[2, 1], [1, 2]], dtype=np.uint32)
    return path


def test_weighted_quantile_matches_the_inverse_cdf():
    assert cr.weighted_quantile([3, 1, 2], [1, 1, 1], 0.5) == 2
    assert cr.weighted_quantile([1, 2, 3], [0.1, 0.1, 0.8], 0.5) == 3
    assert cr.weighted_quantile([np.nan, 5], [1, 1], 0.5) == 5
    assert np.isnan(cr.weighted_quantile([np.nan], [1], 0.5))


def test_report_has_fit_posterior_ranking_and_misses(tmp_path):
    out = tmp_path / "CALIBRATION.md"
    assert cr.main([str(calibration_file(tmp_path / "c.h5")),
                    str(sensitivity_file(tmp_path / "s.h5")), "-o", str(out),
                    "--calibrate-seconds", "60", "--sensitivity-seconds", "30"]) == 0
    text = out.read_text()
    assert "| P1 | x at 2011-04 | >= 39 | 4 | 40 | 38 to 41 (3 of 4 defined) | 60% | yes |" in text
    assert "| P2 | y at 2012-11 | == 19 | 8 | 40 |" in text and "**no**" in text
    assert "- **P2, not reached** (y at 2012-11): observed == 19" in text
    assert "| `a` | 0.3 | 0.1 to 0.4 | 0 to 1 | 0.30 | assumption |" in text
    # share ranks b first, spin-outs rank a first.
    assert "| 1 | `b` |" in text and "| 1 | `a` |" in text
    assert "calibration 1.0 min (60 s)" in text
    assert "mutsim calibrate scenarios/calibration.yaml" in text


def test_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "mutsim"
    with pytest.raises(SystemExit):
        cr.main([str(path), str(sensitivity_file(tmp_path / "s.h5")), "-o",
                 str(tmp_path / "o.md")])
