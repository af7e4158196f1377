"""mutsim.sweep and mutsim.open of sweep files."""

import h5py
import numpy as np
import pytest
import xarray as xr

import mutsim
from conftest import SMALL_FACTORIAL

SHORT = {"time.end": "2011-06", "population.scale": 0.2}


def test_sweep_gives_the_cli_file_as_a_dataset(cli_sweep, tmp_path):
    out = tmp_path / "sweep.h5"
    ds = mutsim.sweep(SMALL_FACTORIAL, out, set=SHORT, threads=2)
    assert out.read_bytes() == cli_sweep.read_bytes()
    share = ds.share_in_mutuals
    assert share.dims == ("point", "replicate", "time")
    assert share.shape == (6, 2, 18)
    assert list(ds.point.values) == list(range(6))
    assert list(ds["attitude.baseline"].values) == [-0.2, -0.2, 0.0, 0.0, 0.2, 0.2]
    assert set(ds.status.values) == {"ok"}
    with h5py.File(cli_sweep) as h5:
        assert np.array_equal(share.values, h5["series/share_in_mutuals"][()])
        assert list(ds.seed.values) == list(h5["points"]["seed"])
    assert ds.attrs["format"] == "mutsim-sweep" and ds.attrs["format_version"] == "1.1"
    # One point, all its replicates, as a run's Dataset would be indexed.
    assert ds.share_in_mutuals.sel(point=3).dims == ("replicate", "time")


def test_a_sweep_resumes_from_its_parts(tmp_path):
    out = tmp_path / "sweep.h5"
    first = mutsim.sweep(SMALL_FACTORIAL, out, set=SHORT)
    again = mutsim.sweep(SMALL_FACTORIAL, out, set=SHORT, force=True)
    xr.testing.assert_identical(first, again)


def test_failed_points_warn_and_carry_their_error(tmp_path):
    with pytest.warns(RuntimeWarning, match="1 of 3 sweep points failed"):
        ds = mutsim.sweep("tests/data/sweeps/small-failing.yaml", tmp_path / "s.h5")
    assert list(ds.status.values) == ["ok", "failed", "ok"]
    assert "population.scale" in ds.error.values[1]
    assert np.isnan(ds.share_in_mutuals.sel(point=1)).all()
    assert not np.isnan(ds.share_in_mutuals.sel(point=0)).any()


def test_a_bad_sweep_file_is_a_scenario_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: ../nowhere.yaml\nreplicates: 2\n"
                   "design: {type: points, points: [{run.seed: 1}]}\n")
    with pytest.raises(mutsim.ScenarioError) as caught:
        mutsim.sweep(bad, tmp_path / "s.h5")
    assert str(bad) in str(caught.value)
    assert not (tmp_path / "s.h5").exists()
