"""mutsim.validate, mutsim.run and their errors."""

import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import mutsim
from conftest import QUICK, REPO, SMALL


# ------------------------------------------------------------ validate

def test_validate_a_file_reports_the_scenario():
    scenario = mutsim.validate(SMALL)
    assert scenario.path == SMALL
    assert (scenario.start, scenario.end) == ("2010-01", "2012-12")
    assert scenario.routes == ("tcs", "rtp", "psm")
    assert "acute_trust" in scenario.organisation_types
    assert "scale: 1" in scenario.effective_yaml


def test_validate_text_and_overrides():
    text = (REPO / SMALL).read_text()
    scenario = mutsim.validate(text, set={"population.scale": 0.25, "run.replicates": 7})
    assert scenario.path == "<string>"
    assert scenario.scale == 0.25
    assert scenario.replicates == 7


@pytest.mark.parametrize("name, line, column, key, reason", [
    ("range_scale_zero", 6, 10, "population.scale", "must be in (0, 1], got 0"),
    ("unknown_key_misspelt", 6, 3, "population.scael", "unknown key; did you mean 'scale'?"),
    ("syntax_unclosed_flow", 46, 9, None, "YAML syntax error: illegal block entry"),
    ("empty_only_comments", 1, 1, None, "the scenario is empty"),
])
def test_a_bad_file_raises_scenario_error_with_its_location(name, line, column, key, reason):
    path = f"tests/data/bad/{name}.yaml"
    with pytest.raises(mutsim.ScenarioError) as caught:
        mutsim.validate(path)
    error = caught.value
    assert (error.file, error.line, error.column, error.key) == (path, line, column, key)
    assert error.reason == reason
    assert str(error) == f"{path}:{line}:{column}: " + (f"{key}: " if key else "") + reason
    assert isinstance(error, ValueError)


def test_a_bad_override_names_the_override_and_the_key():
    with pytest.raises(mutsim.ScenarioError) as caught:
        mutsim.run(SMALL, set={"routes": {"a": 1}})
    error = caught.value
    assert error.override == 'routes={"a": 1}'
    assert error.key == "routes.a"
    assert error.file is None and error.line is None
    assert "expected a mapping" in error.reason


def test_an_error_in_scenario_text_points_into_the_text():
    with pytest.raises(mutsim.ScenarioError) as caught:
        mutsim.validate("time: {start: 2010-01, end: 2012-12}\npopulation:\n  scale: 3\n")
    assert caught.value.file == "<string>"
    assert caught.value.line == 3
    assert caught.value.key is not None


def test_a_missing_file_is_a_scenario_error_naming_it():
    with pytest.raises(mutsim.ScenarioError) as caught:
        mutsim.validate("no/such/scenario.yaml")
    assert caught.value.file == "no/such/scenario.yaml"
    assert caught.value.line is None
    assert caught.value.reason == "cannot open the scenario file"


def test_messages_parse_into_their_parts():
    parse = mutsim.ScenarioError.from_message
    e = parse("a:b.yaml:14:10: population.scale: must be in (0, 1], got 1.5")
    assert (e.file, e.line, e.column, e.key) == ("a:b.yaml", 14, 10, "population.scale")
    e = parse("--set x=[1, 2]: x: expected a number", overrides=["x=[1, 2]"])
    assert (e.override, e.key, e.reason) == ("x=[1, 2]", "x", "expected a number")
    e = parse("s.yaml:3:1: extends: parent scenario p.yaml does not exist")
    assert (e.key, e.reason) == ("extends", "parent scenario p.yaml does not exist")


# ------------------------------------------------------------ run

def test_run_returns_replicates_by_time_with_units_and_provenance():
    ds = mutsim.run(SMALL, set=QUICK, replicates=3, seed=11)
    share = ds.share_in_mutuals
    assert share.dims == ("replicate", "time")
    assert share.shape == (3, 18)
    assert share.attrs["units"] == "1" and share.attrs["unit"] == "fraction"
    assert share.attrs["long_name"] == share.attrs["description"]
    assert ds.staff_in_mutuals.attrs["unit"] == "people"
    assert ds.time.values[0] == np.datetime64("2010-01-01")
    assert list(ds.date.values[:2]) == ["2010-01", "2010-02"]
    assert list(ds.replicate.values) == [0, 1, 2]
    assert ds.attrs["seed"] == 11 and ds.attrs["replicates"] == 3
    assert ds.attrs["format_version"] == mutsim.FORMAT_VERSION == "1.4"
    assert "run.seed=11\nrun.replicates=3" in ds.attrs["overrides"]
    assert ds.attrs["git_commit"] == mutsim.git_commit
    assert float(ds.spinouts_cumulative[:, -1].max()) > 0  # the quick run does something
    assert set(ds.event_kind.values) >= {"proposal", "spinout"}


def test_an_existing_output_is_kept_unless_forced(tmp_path):
    out = tmp_path / "run.h5"
    out.write_bytes(b"not yet")
    with pytest.raises(mutsim.OutputError, match="exists"):
        mutsim.run(SMALL, set=QUICK, output=out)
    assert out.read_bytes() == b"not yet"
    ds = mutsim.run(SMALL, set=QUICK, output=out, force=True)
    assert ds.encoding["source"] == str(out)


def test_bad_arguments_fail_before_running():
    with pytest.raises(ValueError, match="threads"):
        mutsim.run(SMALL, threads=0)
    with pytest.raises(TypeError, match="set"):
        mutsim.run(SMALL, set="population.scale=0.1")
    with pytest.raises(mutsim.ScenarioError, match="run.replicates"):
        mutsim.run(SMALL, replicates=0)


def test_the_engine_runs_without_the_gil():
    """Another Python thread keeps running while a run is under way."""
    ticks = 0
    run = threading.Thread(target=mutsim.run, args=(SMALL,),
                           kwargs={"set": {"population.scale": 0.5}, "replicates": 8,
                                   "threads": 1})
    started = time.monotonic()
    run.start()
    while run.is_alive():
        ticks += 1
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    assert elapsed > 0.3, "the run was too short to tell"
    # With the GIL held for the run, this loop would get through once or
    # twice; released, it ticks every few milliseconds (more slowly on a
    # busy machine, hence the margin).
    assert ticks >= 20


CHILD = textwrap.dedent("""
    import signal, sys, time
    import mutsim
    # bash starts background jobs with SIGINT ignored; a Python session has
    # its default handler, which raises KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("running", flush=True)
    try:
        mutsim.run({scenario!r}, set={{"population.scale": 0.5}}, replicates=200,
                   threads=1, output={output!r})
        print("finished")
    except KeyboardInterrupt:
        print("KeyboardInterrupt", time.monotonic())
        sys.exit(130)
""")


def test_ctrl_c_raises_keyboard_interrupt_and_writes_nothing(tmp_path):
    output = tmp_path / "run.h5"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(scenario=SMALL, output=str(output))],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PYTHONPATH": ":".join(sys.path)})
    assert child.stdout.readline() == "running\n"
    time.sleep(0.5)  # into the run: 200 replicates take far longer
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert out.startswith("KeyboardInterrupt")
    assert float(out.split()[1]) - sent < 5  # it stops between months, not at the end
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary
