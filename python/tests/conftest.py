"""Shared fixtures: the repository, the CLI binary, small runs of the test scenario."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY", REPO / "build" / "bin" / "mutsim"))
SMALL = "tests/data/small.yaml"  # relative to REPO: the runs below start there
SMALL_FACTORIAL = "tests/data/sweeps/small-factorial.yaml"
# The small scenario at a fifth of its units, to mid-2011: a run of about a
# tenth of a second that still has spin-outs.
QUICK = {"population.scale": 0.2, "time.end": "2011-06", "attitude.baseline": 0.6,
         "pipeline.entry_logit": -4, "pipeline.champion_entrepreneurial": 0.5}


def cli(*args, cwd=REPO):
    """Runs the mutsim binary; returns the CompletedProcess."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    return subprocess.run([str(BINARY), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, check=False)


def quick_set_args():
    return [arg for key, value in QUICK.items() for arg in ("--set", f"{key}={value}")]


@pytest.fixture(autouse=True)
def at_repo(monkeypatch):
    """Tests run from the repository root, as the CLI runs above."""
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory):
    """A run file written by the CLI: the quick small scenario, 3 replicates."""
    out = tmp_path_factory.mktemp("cli") / "run.h5"
    done = cli("run", SMALL, "-o", out, "-q", "--replicates", 3, "--seed", 11,
               *quick_set_args())
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def cli_sweep(tmp_path_factory):
    """A sweep file written by the CLI: the 3 x 2 small factorial."""
    out = tmp_path_factory.mktemp("cli-sweep") / "sweep.h5"
    done = cli("sweep", SMALL_FACTORIAL, "-o", out, "-q", "--set", "time.end=2011-06",
               "--set", "population.scale=0.2")
    assert done.returncode == 0, done.stderr
    return out
