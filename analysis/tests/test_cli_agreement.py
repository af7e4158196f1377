"""`mutsim summary --json` (C++) and this package (Python) must agree on the
same file: the headline figures are computed twice, independently."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mutsim_analysis import reader, stats

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY", REPO / "build" / "bin" / "mutsim"))


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    out = tmp_path_factory.mktemp("agreement") / "small.h5"
    # The small scenario ends before the target date, so move the target
    # into the horizon and where some replicates cross it and others do not.
    subprocess.run([str(BINARY), "run", str(REPO / "tests/data/small.yaml"), "-o", str(out),
                    "--replicates", "6", "-q", "--set", "target.date=2012-06",
                    "--set", "target.share=0.11"], check=True)
    return out


def summary_json(path):
    done = subprocess.run([str(BINARY), "summary", "--json", str(path)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def test_summary_and_python_agree(run_file):
    cli = summary_json(run_file)
    run = reader.read_run(run_file)
    share = run.series["share_in_mutuals"]
    col = stats.month_index(run.dates, run.target_date)
    summary = stats.summarise(share[:, col])
    assert cli["share_median"] == pytest.approx(summary["median"], rel=1e-12, abs=1e-15)
    assert cli["share_p05"] == pytest.approx(summary["q05"], rel=1e-12, abs=1e-15)
    assert cli["share_p95"] == pytest.approx(summary["q95"], rel=1e-12, abs=1e-15)

    prob = stats.probability_reached(share, run.dates, run.target_share, run.target_date)
    assert cli["reached"] == prob["k"]
    assert cli["replicates"] == prob["n"]
    assert cli["probability_low"] == pytest.approx(prob["lo"], rel=1e-12, abs=1e-15)
    assert cli["probability_high"] == pytest.approx(prob["hi"], rel=1e-12, abs=1e-15)

    gap = stats.gap_in_workers(run.series["staff_in_mutuals"],
                               run.series["public_sector_employment"], run.dates,
                               run.target_share, run.target_date)
    assert cli["gap_workers_median"] == pytest.approx(np.median(gap), rel=1e-12)

    for route in run.routes:
        spinouts = run.series[f"spinouts_{route}_cumulative"][:, col]
        assert cli["spinouts_by_route"][route] == pytest.approx(np.median(spinouts))


def test_the_comparison_is_not_vacuous(run_file):
    """The run must have mutuals and a mixed outcome, or agreement proves little."""
    cli = summary_json(run_file)
    assert cli["share_median"] > 0
    assert cli["target_in_horizon"] is True
    assert 0 < cli["reached"] < cli["replicates"]
