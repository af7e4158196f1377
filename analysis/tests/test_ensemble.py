"""Posterior ensembles: the answer's statistics on cases with a known truth,
and a real ensemble made by the binary read back and compared, paired."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mutsim_analysis import ensemble
from mutsim_analysis.reader import FormatError

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY",
                             REPO / "build" / "bin" / "mutsim"))
SMALL = REPO / "tests" / "data" / "small.yaml"
QUICK = ["--set", "population.scale=0.2", "--set", "time.end=2011-12", "-q"]


def test_variance_split_recovers_known_parts():
    # Y[d, r] = theta_d + eps: Var(theta) = 1, Var(eps) = 0.25. With D =
    # 400 draws the parameter part's sd is about sqrt(2 / 399) = 0.071 (the
    # sampling sd of a variance), the stochastic part's 0.25 * sqrt(2 / 4)
    # / sqrt(400) = 0.0088; tolerances are 4 sd.
    rng = np.random.default_rng(7)
    theta = rng.normal(0, 1, (400, 1))
    values = theta + rng.normal(0, 0.5, (400, 5))
    split = ensemble.variance_split(values)
    assert split["parameter"] == pytest.approx(1.0, abs=4 * 0.071)
    assert split["stochastic"] == pytest.approx(0.25, abs=4 * 0.0088)
    assert split["total"] == split["parameter"] + split["stochastic"]


def test_variance_split_without_parameter_effect_is_near_zero():
    # No parameter effect: the parameter part is noise around 0 of sd about
    # (0.25 / 5) * sqrt(2 / 399) = 0.0035 (clipped at 0): below 4 sd.
    rng = np.random.default_rng(8)
    split = ensemble.variance_split(rng.normal(0, 0.5, (400, 5)))
    assert split["parameter"] <= 4 * 0.0035
    with pytest.raises(ValueError, match="at least 2"):
        ensemble.variance_split(np.zeros((5, 1)))


def test_probability_and_first_month():
    dates = np.arange(np.datetime64("2010-01"), np.datetime64("2016-01"))
    share = np.zeros((4, 2, dates.size))
    share[0, 0, 30:] = 0.2   # reached in 2012-07
    share[1, :, 71] = 0.2    # both replicates in 2015-12
    p = ensemble.probability_of_target(share, dates, 1 / 6, "2015-12",
                                       n_boot=200)
    assert p["p"] == pytest.approx(3 / 8)
    assert p["low"] <= 3 / 8 <= p["high"]
    # No world reaches it: the upper end is the exact bound over 4 draws,
    # 1 - 0.05^(1/4) = 0.527, not the bootstrap's degenerate 0.
    none = ensemble.probability_of_target(np.zeros_like(share), dates, 1 / 6,
                                          "2015-12", n_boot=50)
    assert none["p"] == 0 and none["low"] == 0
    assert none["high"] == pytest.approx(1 - 0.05 ** 0.25)
    first = ensemble.first_reached(share, dates, 1 / 6)
    assert first[0, 0] == 30 and first[1, 0] == 71 and first[2, 0] == -1
    by_year = ensemble.reached_by_year(share, dates, 1 / 6).set_index("by")
    assert by_year.loc["2011-12", "p"] == 0
    assert by_year.loc["2012-12", "p"] == pytest.approx(1 / 8)
    assert by_year.loc["2015-12", "p"] == pytest.approx(3 / 8)
    assert by_year.loc["not by the end", "p"] == pytest.approx(5 / 8)
    with pytest.raises(ValueError, match="outside the run"):
        ensemble.at_month(share, dates, "2020-12")


def test_lever_effect_is_a_paired_difference():
    rng = np.random.default_rng(9)
    base = rng.normal(0, 1, (50, 4))
    effect = ensemble.lever_effect(base, base + 0.01, margin=0.005)
    assert effect["mean"] == pytest.approx(0.01)
    assert effect["q05"] == pytest.approx(0.01)  # paired: no noise at all
    assert effect["p_at_least_margin"] == 1.0
    assert ensemble.lever_effect(base, base, 0.005)["p_at_least_margin"] == 0


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    d = tmp_path_factory.mktemp("ensemble")
    subprocess.run([str(BINARY), "calibrate",
                    str(REPO / "tests/data/calibration/tiny-calibrate.yaml"),
                    "-o", str(d / "post.h5"), "-q"], check=True)
    out = {}
    for name, extra in (("base", []), ("lever", ["--set",
                                                 "pipeline.coef_fund=3"])):
        out[name] = d / f"{name}.h5"
        subprocess.run([str(BINARY), "ensemble", str(SMALL), "--posterior",
                        str(d / "post.h5"), "--draws", "4", "--replicates",
                        "2", "-o", str(out[name])] + QUICK + extra,
                       check=True)
    return out


def test_real_ensemble_reads_and_pairs(files):
    base = ensemble.read_ensemble(files["base"])
    lever = ensemble.read_ensemble(files["lever"])
    assert base.draws == 4 and base.series["share_in_mutuals"].shape[:2] \
        == (4, 2)
    assert "attitude.baseline" in base.points.columns
    ensemble.check_paired(base, lever)
    effect = ensemble.lever_effect(
        ensemble.at_month(base.series["share_in_mutuals"], base.dates,
                          "2011-12"),
        ensemble.at_month(lever.series["share_in_mutuals"], lever.dates,
                          "2011-12"), margin=0.0)
    assert np.isfinite(effect["mean"])


def test_unpaired_and_non_ensemble_files_are_refused(files, tmp_path):
    base = ensemble.read_ensemble(files["base"])
    other = ensemble.read_ensemble(files["lever"])
    other.particles = list(reversed(other.particles))
    with pytest.raises(ValueError, match="not paired"):
        ensemble.check_paired(base, other)
    run = tmp_path / "run.h5"
    subprocess.run([str(BINARY), "run", str(SMALL), "-o", str(run),
                    "--replicates", "1"] + QUICK, check=True)
    with pytest.raises(FormatError, match="not a mutsim-sweep"):
        ensemble.read_ensemble(run)
