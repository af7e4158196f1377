"""Format 1.1 read for real by xarray (h5netcdf) and ncdump, and the readers
of format 1.0 reading it unchanged; mutsim.open reads both formats."""

import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

import mutsim
from mutsim_analysis import reader


def test_xarray_opens_a_run_file_with_named_dimensions_and_coordinates(cli_run):
    ds = xr.open_dataset(cli_run, engine="h5netcdf")
    share = ds.share_in_mutuals
    assert share.dims == ("replicate", "month")
    assert ds.month.dtype == np.dtype("datetime64[ns]")  # CF time, decoded
    mine = mutsim.open(cli_run)
    assert np.array_equal(ds.month.values, mine.time.values)
    assert list(ds.date.values) == list(mine.date.values)
    assert list(ds.replicate.values) == [0, 1, 2]
    assert np.array_equal(share.values, mine.share_in_mutuals.values)
    assert share.attrs["units"] == "1"
    assert share.attrs["long_name"] == "staff_in_mutuals / public_sector_employment"
    assert ds.fund_spent_gbp.attrs["units"] == "GBP"
    assert ds.events.dims == ("event",)
    assert ds.organisations_sampled.dims == ("replicate", "organisation")
    assert ds.attrs["format_version"] == "1.4"
    # CF time: a month chosen by its label.
    assert float(share.sel(month="2011-03", replicate=2)) == \
        float(mine.share_in_mutuals.sel(time="2011-03", replicate=2))
    ds.close()


def test_xarray_opens_a_sweep_file(cli_sweep):
    with xr.open_dataset(cli_sweep, engine="h5netcdf") as ds:
        assert ds.share_in_mutuals.dims == ("point", "replicate", "month")
        assert list(ds.point.values) == list(range(6))
        assert ds.points.dims == ("point",)


@pytest.mark.skipif(shutil.which("ncdump") is None, reason="netcdf-bin not installed")
def test_ncdump_lists_dimensions_variables_and_cf_attributes(cli_run, cli_sweep):
    header = subprocess.run(["ncdump", "-h", str(cli_run)], capture_output=True, text=True,
                            check=True).stdout
    dimensions = header.split("dimensions:")[1].split("variables:")[0]
    assert re.findall(r"(\w+) = (\d+) ;", dimensions) == [
        ("replicate", "3"), ("month", "18"), ("event", re.search(r"event = (\d+)", dimensions)[1]),
        ("organisation", re.search(r"organisation = (\d+)", dimensions)[1])]
    assert "double share_in_mutuals(replicate, month) ;" in header
    assert 'share_in_mutuals:units = "1" ;' in header
    assert 'share_in_mutuals:long_name = "staff_in_mutuals / public_sector_employment" ;' \
        in header
    assert 'month:units = "days since 2010-01-01" ;' in header
    assert "string date(month) ;" in header
    sweep = subprocess.run(["ncdump", "-h", str(cli_sweep)], capture_output=True, text=True,
                           check=True).stdout
    assert "double share_in_mutuals(point, replicate, month) ;" in sweep
    # The values of numeric variables, as netCDF reads them.
    data = subprocess.run(["ncdump", "-v", "month,share_in_mutuals", str(cli_run)],
                          capture_output=True, text=True, check=True).stdout
    body = data.split("data:")[1]
    month = [int(v) for v in re.search(r"month = ([^;]*);", body)[1].split(",")]
    assert month[:3] == [0, 31, 59]
    share = [float(v) for v in re.search(r"share_in_mutuals =([^;]*);", body)[1].split(",")]
    with h5py.File(cli_run) as h5:
        assert np.allclose(share, h5["series/share_in_mutuals"][()].ravel(), rtol=1e-14)


def test_the_format_1_0_reader_reads_a_1_1_file(cli_run):
    run = reader.read_run(cli_run)
    ds = mutsim.open(cli_run)
    series = [name for name, v in ds.data_vars.items() if "time" in v.dims]
    assert sorted(run.series) == sorted(series)  # nothing extra in /series
    assert np.array_equal(run.series["mean_attitude"], ds.mean_attitude.values)
    assert len(run.events) == ds.sizes["event"]


def strip_to_format_1_0(source, target):
    """The same run as mutsim 0.1 wrote it (format 1.0): no scales, links or CF attributes."""
    with h5py.File(source) as old, h5py.File(target, "w") as new:
        for key, value in old.attrs.items():
            new.attrs[key] = value
        new.attrs["format_version"] = "1.0"
        new.create_dataset("time/date", data=old["time/date"][()])
        for name, dataset in old["series"].items():
            copy = new.create_dataset(f"series/{name}", data=dataset[()])
            for key in ("unit", "description"):
                copy.attrs[key] = dataset.attrs[key]
        for table in ("events", "organisations"):
            new.create_dataset(table, data=old[table][()])


def test_open_reads_format_1_0_with_the_same_dimensions(cli_run, tmp_path):
    legacy = tmp_path / "legacy.h5"
    strip_to_format_1_0(cli_run, legacy)
    old, new = mutsim.open(legacy), mutsim.open(cli_run)
    assert old.share_in_mutuals.dims == ("replicate", "time")
    # Format 1.2 added /organisations_sampled, which a 1.0 file lacks.
    for name in set(new.variables) - {"organisation_sampled"}:
        xr.testing.assert_equal(old[name], new[name])
    assert "units" not in old.share_in_mutuals.attrs  # 1.0 had only unit and description
    assert old.share_in_mutuals.attrs["unit"] == "fraction"


def test_open_refuses_what_is_not_mutsim_output(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as h5:
        h5.attrs["format"] = "something"
    with pytest.raises(mutsim.FormatError, match="not a mutsim output"):
        mutsim.open(tmp_path / "other.h5")
    (tmp_path / "text.h5").write_text("hello")
    with pytest.raises(mutsim.FormatError, match="not an HDF5 file"):
        mutsim.open(tmp_path / "text.h5")
    with h5py.File(tmp_path / "newer.h5", "w") as h5:
        h5.attrs["format"] = "mutsim"
        h5.attrs["format_version"] = "2.0"
    with pytest.raises(mutsim.FormatError, match="newer"):
        mutsim.open(tmp_path / "newer.h5")
    with h5py.File(tmp_path / "calibration.h5", "w") as h5:
        h5.attrs["format"] = "mutsim-calibration"
        h5.attrs["format_version"] = "1.0"
    with pytest.raises(mutsim.FormatError, match="no dataset /time/date in this "
                       "mutsim-calibration file"):
        mutsim.open(tmp_path / "calibration.h5")


def test_a_later_layout_with_another_dimension_opens_by_its_scales(cli_run, tmp_path):
    """An ensemble-like file: series [draw, replicate, month] with a draw scale."""
    path = tmp_path / "ensemble.h5"
    with h5py.File(cli_run) as run, h5py.File(path, "w") as h5:
        for key, value in run.attrs.items():
            h5.attrs[key] = value
        h5.attrs["format"] = "mutsim-ensemble"
        h5.create_dataset("time/date", data=run["time/date"][()])
        month = h5.create_dataset("month", data=run["month"][()])
        month.make_scale("month")
        replicate = h5.create_dataset("replicate", data=run["replicate"][()])
        replicate.make_scale("replicate")
        draw = h5.create_dataset("draw", data=np.arange(2, dtype="u4"))
        draw.make_scale("draw")
        values = run["series/share_in_mutuals"][()]
        series = h5.create_dataset("series/share_in_mutuals", data=np.stack([values, 2 * values]))
        for axis, scale in enumerate((draw, replicate, month)):
            series.dims[axis].attach_scale(scale)
    ds = mutsim.open(path)
    assert ds.share_in_mutuals.dims == ("draw", "replicate", "time")
    assert np.array_equal(ds.share_in_mutuals.sel(draw=1).values, 2 * values)
