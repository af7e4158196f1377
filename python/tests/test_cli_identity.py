"""mutsim.run and `mutsim run` give the same file and values for the same inputs."""

import h5py
import numpy as np
import xarray as xr

import mutsim
from conftest import QUICK, SMALL


def test_run_writes_the_file_the_cli_writes_byte_for_byte(cli_run, tmp_path):
    out = tmp_path / "run.h5"
    mutsim.run(SMALL, set=QUICK, replicates=3, seed=11, output=out)
    # Same engine, same writer, same provenance (the --set, --seed and
    # --replicates are recorded alike): no byte may differ.
    assert out.read_bytes() == cli_run.read_bytes()


def test_the_dataset_holds_the_cli_files_values(cli_run):
    ds = mutsim.run(SMALL, set=QUICK, replicates=3, seed=11, threads=2)
    with h5py.File(cli_run) as h5:
        names = sorted(h5["series"])
        assert sorted(name for name, v in ds.data_vars.items() if "time" in v.dims) == names
        for name in names:
            assert np.array_equal(ds[name].values, h5["series"][name][()]), name
            assert ds[name].attrs["unit"] == h5["series"][name].attrs["unit"]
        events = h5["events"][()]
        assert np.array_equal(ds.event_staff.values, events["staff"])
        assert list(ds.event_kind.values) == [k.decode() for k in events["kind"]]
        for key, value in h5.attrs.items():
            expected = value.decode() if isinstance(value, bytes) else value
            assert ds.attrs[key] == expected, key


def test_run_without_output_equals_open_of_the_cli_file(cli_run):
    xr.testing.assert_identical(mutsim.run(SMALL, set=QUICK, replicates=3, seed=11),
                                mutsim.open(cli_run))


def test_threads_do_not_change_the_values():
    one = mutsim.run(SMALL, set=QUICK, replicates=3, seed=5, threads=1)
    two = mutsim.run(SMALL, set=QUICK, replicates=3, seed=5, threads=2)
    xr.testing.assert_identical(one, two)
