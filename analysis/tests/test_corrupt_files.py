"""Damaged real output files are refused, never summarised (issue 11).

Each case writes a real file with the `mutsim` binary, damages a copy the
way a disk, a copy or a hand edit would (a byte flipped inside a dataset
chunk, the file cut short, an attribute that disagrees with the data, an
object removed), and checks that every reader stops with exit status 1 (or
FormatError) and one message naming the file and the object, and prints
nothing else: `mutsim summary`, `mutsim merge`, analysis/calibration_report.py
and mutsim_analysis.read_run.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from mutsim_analysis import FormatError, read_run
from mutsim_analysis.calibration import read_calibration

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY", REPO / "build" / "bin" / "mutsim"))
SMALL = REPO / "tests" / "data" / "small.yaml"
QUICK = ["--replicates", "2", "--set", "time.end=2011-12", "-q"]


def mutsim(*args):
    return subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def flip_chunk_byte(path, dataset):
    """XOR one byte in the middle of the first stored chunk of `dataset`."""
    with h5py.File(path, "r") as h5:
        info = h5[dataset].id.get_chunk_info(0)
    with open(path, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        byte = f.read(1)[0]
        f.seek(-1, 1)
        f.write(bytes([byte ^ 0xFF]))


def truncate(path, fraction=0.6):
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(int(size * fraction))


def set_attribute(path, name, value, obj="/"):
    with h5py.File(path, "r+") as h5:
        h5[obj].attrs[name] = value


def delete(path, name):
    with h5py.File(path, "r+") as h5:
        del h5[name]


def shorten_dates(path):
    with h5py.File(path, "r+") as h5:
        dates = h5["time/date"][()]
        del h5["time/date"]
        h5.create_dataset("time/date", data=dates[:-1])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    d = tmp_path_factory.mktemp("originals")
    assert mutsim("run", SMALL, "-o", d / "run.h5", *QUICK).returncode == 0
    sweep = d / "sweep.yaml"
    sweep.write_text(f"scenario: {SMALL}\nseed: 3\nreplicates: 2\nset: {{time.end: 2011-06}}\n"
                     "design:\n  type: factorial\n  parameters:\n"
                     "    attitude.baseline: [0.0, 0.2]\n")
    for k in (0, 1):
        done = mutsim("sweep", sweep, "-o", d / f"shard{k}.h5", "--shard", f"{k}/2", "-q")
        assert done.returncode == 0, done.stderr
    calibration = d / "calibration.yaml"
    calibration.write_text(
        f"base_scenario: {SMALL}\nseed: 1\nfixed_overrides: [time.end=2011-12]\ntargets:\n"
        "  - {id: A, statistic: level, series: proposals_cumulative, date: 2011-12,"
        " observed: 20, comparison: equal, tolerance: 5, source: test}\n"
        "parameters:\n  - {key: pipeline.entry_logit, range: [-8, -4], source: test}\n"
        "abc: {method: rejection, particles: 4, candidates: 8}\n")
    assert mutsim("calibrate", calibration, "-o", d / "calib.h5", "-q").returncode == 0
    sensitivity = d / "sensitivity.yaml"
    sensitivity.write_text(
        f"base_scenario: {SMALL}\nseed: 1\nfixed_overrides: [time.end=2011-12, "
        "target.date=2011-06]\noutputs:\n  - {id: spinouts, statistic: level, series: "
        "spinouts_cumulative, date: target}\nparameters:\n  - {key: attitude.baseline, "
        "range: [-0.1, 0.3], source: test}\nmorris: {trajectories: 2, levels: 4}\n")
    assert mutsim("sensitivity", sensitivity, "-o", d / "sens.h5", "-q").returncode == 0
    return d


def damaged(files, tmp_path, name, damage, *args):
    copy = tmp_path / name
    shutil.copy(files / name, copy)
    damage(copy, *args)
    return copy


def assert_one_message(done, *words):
    """Exit 1, nothing on stdout, one line on stderr holding every word."""
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    for word in words:
        assert str(word) in done.stderr


# (damage, arguments, the object the message must name); run files and
# sweep files share these, and each has a table of its own to damage.
COMMON_CASES = {
    "series chunk": (flip_chunk_byte, ("series/share_in_mutuals",), "/series/share_in_mutuals"),
    "truncated": (truncate, (), "damaged"),
    "replicates attribute": (set_attribute, ("replicates", np.uint32(3)), "replicates"),
    "/time/date against the columns": (shorten_dates, (), "/time/date"),
}
RUN_CASES = {
    **COMMON_CASES,
    "events chunk": (flip_chunk_byte, ("events",), "/events"),
    "missing /organisations": (delete, ("organisations",), "/organisations"),
}
SHARD_CASES = {
    **COMMON_CASES,
    "points chunk": (flip_chunk_byte, ("points",), "/points"),
    "missing /points": (delete, ("points",), "/points"),
}


@pytest.mark.parametrize("case", RUN_CASES)
def test_summary_and_the_python_reader_refuse_a_damaged_run_file(files, tmp_path, case):
    damage, args, names = RUN_CASES[case]
    path = damaged(files, tmp_path, "run.h5", damage, *args)
    assert_one_message(mutsim("summary", path), path, names)
    assert_one_message(mutsim("summary", "--json", path), path, names)
    with pytest.raises(FormatError) as error:
        read_run(path)
    assert str(path) in str(error.value) and names in str(error.value)


def test_the_undamaged_originals_read(files):
    assert mutsim("summary", files / "run.h5").returncode == 0
    assert read_run(files / "run.h5").series["share_in_mutuals"].shape[0] == 2
    assert read_calibration(files / "calib.h5").particles.shape == (4, 1)
    done = mutsim("merge", files / "shard0.h5", files / "shard1.h5", "-o",
                  files / "merged.h5", "-q")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("case", SHARD_CASES)
def test_merge_refuses_a_damaged_shard_and_writes_nothing(files, tmp_path, case):
    damage, args, names = SHARD_CASES[case]
    path = damaged(files, tmp_path, "shard1.h5", damage, *args)
    out = tmp_path / "merged.h5"
    assert_one_message(mutsim("merge", files / "shard0.h5", path, "-o", out), path, names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shard1.h5"]


CALIBRATION_CASES = {
    "particles chunk": ("calib.h5", flip_chunk_byte, ("particles",), "/particles"),
    "targets chunk": ("calib.h5", flip_chunk_byte, ("targets/observed",), "/targets/observed"),
    "truncated calibration": ("calib.h5", truncate, (), "damaged"),
    "weights against particles": ("calib.h5", lambda p: _shrink(p, "weights"), (), "/weights"),
    "missing /simulated": ("calib.h5", delete, ("simulated",), "/simulated"),
    "missing attribute": ("calib.h5", lambda p: _drop_attribute(p, "evaluations"), (),
                          "evaluations"),
    "sensitivity chunk": ("sens.h5", flip_chunk_byte, ("morris/mu_star",), "/morris/mu_star"),
    "truncated sensitivity": ("sens.h5", truncate, (), "damaged"),
}


def _shrink(path, name):
    with h5py.File(path, "r+") as h5:
        values = h5[name][()]
        del h5[name]
        h5[name] = values[:-1]


def _drop_attribute(path, name):
    with h5py.File(path, "r+") as h5:
        del h5.attrs[name]


@pytest.mark.parametrize("case", CALIBRATION_CASES)
def test_the_calibration_report_refuses_a_damaged_file(files, tmp_path, case):
    name, damage, args, names = CALIBRATION_CASES[case]
    path = damaged(files, tmp_path, name, damage, *args)
    inputs = {"calib.h5": files / "calib.h5", "sens.h5": files / "sens.h5", name: path}
    out = tmp_path / "CALIBRATION.md"
    done = subprocess.run([sys.executable, str(REPO / "analysis" / "calibration_report.py"),
                           str(inputs["calib.h5"]), str(inputs["sens.h5"]), "-o", str(out)],
                          capture_output=True, text=True)
    assert_one_message(done, path, names)
    assert not out.exists()


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def test_summary_json_writes_null_for_nan_and_parses_strictly(files, tmp_path):
    path = tmp_path / "nan.h5"
    shutil.copy(files / "run.h5", path)
    with h5py.File(path, "r+") as h5:  # a valid file whose share is undefined
        share = h5["series/share_in_mutuals"]
        share[...] = np.full(share.shape, np.nan)
        staff = h5["series/staff_in_mutuals"]
        staff[0, :] = np.inf
    done = mutsim("summary", "--json", path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout, parse_constant=_refuse_constant)
    assert summary["share_median"] is None
    assert summary["share_p05"] is None and summary["share_p95"] is None
    assert summary["replicates"] == 2
    assert isinstance(summary["spinouts_by_route"]["tcs"], float)
