import h5py
import numpy as np
import pytest

from mutsim_analysis import FormatError, read_run
from synthetic import make_file, plausible_file


def share_only(path, **attrs):
    return make_file(path, {"share_in_mutuals": np.zeros((2, 72))},
                     attrs=attrs)


def test_reads_the_documented_layout(tmp_path):
    run = read_run(plausible_file(tmp_path / "baseline.h5", replicates=3))
    assert run.name == "baseline"
    assert run.dates.dtype == np.dtype("datetime64[M]")
    assert (str(run.dates[0]), str(run.dates[-1]), run.dates.size) == \
        ("2010-01", "2015-12", 72)
    assert run.series["share_in_mutuals"].shape == (3, 72)
    assert run.series["spinouts_rtp_cumulative"].dtype == np.float64
    assert run.routes == ["tcs", "rtp", "psm"]
    assert run.target_share == pytest.approx(1 / 6)
    assert run.target_date == "2015-03"
    assert run.attrs["replicates"] == 3
    assert set(run.events["kind"]) == {"proposal", "spinout"}
    assert (run.events["weight"] == 1).all()
    assert set(run.events["route"]) == {"tcs", "rtp", "psm"}
    assert run.events["staff"].dtype == np.float64
    assert run.organisations.loc[0, "type"] == "acute_trust"
    assert run.organisations.loc[0, "sector"] == "nhs"


def test_decodes_fixed_length_string_attributes(tmp_path):
    run = read_run(share_only(tmp_path / "fixed.h5",
                              format=np.bytes_(b"mutsim"),
                              format_version=np.bytes_(b"1.0"),
                              target_date=np.bytes_(b"2014-12")))
    assert run.target_date == "2014-12"


def test_accepts_a_newer_minor_version(tmp_path):
    run = read_run(share_only(tmp_path / "minor.h5", format_version="1.7"))
    assert run.attrs["format_version"] == "1.7"


@pytest.mark.parametrize("attrs, reason", [
    ({"format": "netcdf"}, "not a mutsim output"),
    ({"format": None}, "not a mutsim output"),
    ({"format_version": "2.0"}, "newer than this reader supports"),
    ({"format_version": "one"}, "unreadable format_version"),
    ({"target_date": None}, "missing root attribute target_date"),
])
def test_refuses_foreign_or_newer_files(tmp_path, attrs, reason):
    path = share_only(tmp_path / "bad.h5", **attrs)
    with pytest.raises(FormatError, match=reason) as err:
        read_run(path)
    assert str(path) in str(err.value)


def test_refuses_a_file_that_is_not_hdf5(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("not hdf5")
    with pytest.raises(FormatError, match="not an HDF5 file"):
        read_run(path)


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        read_run(tmp_path / "absent.h5")


def test_refuses_a_series_of_the_wrong_length(tmp_path):
    path = share_only(tmp_path / "short.h5")
    with h5py.File(path, "a") as h5:
        h5["series/broken"] = np.zeros((2, 12))
    with pytest.raises(FormatError, match="broken"):
        read_run(path)


def test_files_before_format_1_2_get_the_weights_of_their_design(tmp_path):
    # Format 1.1 and earlier sampled units: at scale 0.01 a unit-level event
    # stood for 100 (a whole-organisation one, which these rows are not, 1).
    path = make_file(tmp_path / "old.h5",
                     {"share_in_mutuals": np.zeros((1, 72))},
                     events=[(0, 3, "spinout", "rtp", 0, 5, 20.0)],
                     attrs={"scale": 0.01})
    run = read_run(path)
    assert list(run.events["weight"]) == [100.0]
