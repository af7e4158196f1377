"""The answer command (issue 16): its levers, its checks before any run,
its surrogate path on a case with a known answer, and one small run end
to end with the real binary."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from mutsim_analysis import answer, answer_config
from mutsim_analysis.answer_config import ConfigError, Lever

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY",
                             REPO / "build" / "bin" / "mutsim"))
CONFIG = REPO / "scenarios" / "answer" / "answer.yaml"
BASELINE = REPO / "scenarios" / "baseline.yaml"
needs_binary = pytest.mark.skipif(not BINARY.exists(),
                                  reason="mutsim binary not built")


def test_blend_mix_moves_every_mix_towards_five_years():
    mix = [{"years": 1, "share": 0.6}, {"years": 3, "share": 0.3},
           {"years": 5, "share": 0.1}]
    assert answer_config.blend_mix(mix, 0.0) == mix
    assert answer_config.blend_mix(mix, 1.0) == [{"years": 5, "share": 1.0}]
    half = answer_config.blend_mix(mix, 0.5)
    assert half == [{"years": 1, "share": 0.3}, {"years": 3, "share": 0.15},
                    {"years": 5, "share": 0.55}]
    assert sum(e["share"] for e in half) == pytest.approx(1.0)


def test_lever_entries_by_kind():
    year = Lever("y", "year", 2011, 2015, 2015, key="a.start", month=3)
    assert year.entries(2012.0) == {"a.start": "2012-03"}
    choice = Lever("c", "choice", 0, 1, 0, key="t.reading",
                   values=["strict", "broad"])
    assert choice.entries(1) == {"t.reading": "broad"}
    switch = Lever("s", "switch", 0, 1, 0, key="p.enabled")
    assert switch.entries(1.0) == {"p.enabled": True}
    integer = Lever("i", "integer", 0, 200, 10, key="p.trusts")
    assert integer.entries(37.0) == {"p.trusts": 37}
    contracts = Lever("n", "nhs_long_contracts", 0, 1, 0,
                      nhs_mixes=[[{"years": 1, "share": 1.0}]] * 2)
    assert list(contracts.entries(1.0)) == [
        "commissioning.sectors.nhs.periods[0].contract_years",
        "commissioning.sectors.nhs.periods[1].contract_years"]


def test_integer_levers_take_each_value_equally_often():
    # Unit values on a fine regular grid: each of 0, 1, 2 gets exactly a
    # third of them (no end value under-represented by rounding).
    lever = Lever("i", "integer", 0, 2, 0, key="k")
    units = ((np.arange(3000) + 0.5) / 3000)[:, None]
    values = answer.scale_units([lever], units)[:, 0]
    assert np.bincount(values.astype(int)).tolist() == [1000, 1000, 1000]


def _config(tmp_path, edit):
    data = yaml.safe_load(CONFIG.read_text())
    edit(data)
    path = tmp_path / "answer.yaml"
    for section in ("development_calibration", "ensemble"):
        for key in ("calibration", "baseline"):
            if key in data[section]:
                data[section][key] = str(CONFIG.parent / data[section][key])
    data["sensitivity"] = str(CONFIG.parent / data["sensitivity"])
    data["ensemble"]["scenarios"] = [str(CONFIG.parent / s) for s in
                                     data["ensemble"]["scenarios"]]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_settings_file_loads_with_its_profile():
    settings = answer_config.load(CONFIG, "quick")
    assert settings["ensemble"]["draws"] == 4
    assert settings["ensemble"]["margin"] == 0.01   # kept from the base
    assert len(settings["levers"]) == 14
    with pytest.raises(ConfigError, match="profiles.slow: no such profile"):
        answer_config.load(CONFIG, "slow")


def test_unknown_and_missing_keys_are_refused(tmp_path):
    path = _config(tmp_path, lambda d: d["sobol"].update(samples=3))
    with pytest.raises(ConfigError, match="sobol.samples: unknown key"):
        answer_config.load(path)
    path = _config(tmp_path, lambda d: d["ensemble"].pop("draws"))
    with pytest.raises(ConfigError, match="ensemble.draws: missing"):
        answer_config.load(path)
    path = _config(tmp_path, lambda d: d["levers"][0].update(kind="dial"))
    with pytest.raises(ConfigError, match=r"levers\[0\].kind: 'dial'"):
        answer_config.load(path)


@needs_binary
def test_a_lever_outside_its_declared_range_is_refused(tmp_path):
    def widen(data):
        lever = next(lv for lv in data["levers"]
                     if lv["name"] == "fund_budget_gbp")
        lever["range"] = [0, 2e12]
    path = _config(tmp_path, widen)
    settings = answer_config.load(path)
    with pytest.raises(ConfigError, match=r"fund_budget_gbp: programmes\."
                       r"support_fund\.budget_gbp range \[0, 2e\+12\] is "
                       r"outside its declared range \[0, 1e\+12\]"):
        answer_config.check_levers(path, settings["levers"],
                                   answer_config.declared_ranges(BINARY),
                                   BASELINE)


@needs_binary
def test_a_baseline_that_is_not_the_scenarios_is_refused(tmp_path):
    def shift(data):
        next(lv for lv in data["levers"]
             if lv["name"] == "pathfinder_trusts")["baseline"] = 20
    path = _config(tmp_path, shift)
    settings = answer_config.load(path)
    with pytest.raises(ConfigError, match="pathfinder_trusts .*baseline 20 "
                       "is not the value in"):
        answer_config.check_levers(path, settings["levers"],
                                   answer_config.declared_ranges(BINARY),
                                   BASELINE)


@needs_binary
def test_a_file_that_is_not_a_posterior_stops_before_anything(
        tmp_path, capsys):
    bad = tmp_path / "calib.h5"
    bad.write_bytes(b"not hdf5 at all")
    out = tmp_path / "out"
    status = answer.main([str(CONFIG), "-o", str(out), "--posterior",
                          str(bad), "--binary", str(BINARY)])
    assert status == 2
    assert not out.exists()
    assert str(bad) in capsys.readouterr().err


def _levers(n):
    return [Lever(f"l{j}", "number", 0.0, 10.0, 0.0, key=f"k{j}")
            for j in range(n)]


def test_the_surrogate_path_moves_the_lever_that_matters():
    # The share depends on lever 1 alone, 0.25 at its top: the path's
    # first step moves lever 1 to the top and stops there (0.25 >= 1/6).
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 10, (400, 3))
    lhs = {"values": values, "share_target": 0.025 * values[:, 1]}
    steps = answer.surrogate_path(_levers(3), lhs, 1 / 6, seed=1)
    assert [s["moved"] for s in steps] == [None, 1]
    assert steps[1]["unit"][1] == 1.0
    assert steps[1]["predicted"] == pytest.approx(0.25, abs=0.01)


def test_the_surrogate_averages_over_the_draws_it_was_shown():
    # The share is 0.02 * lever 1 + 0.1 * theta, with theta the point's
    # posterior parameter, uniform on [0, 1] (mean 0.5). Lever 1 carries
    # four fifths of the variance (0.02^2 * 100 / 12 = 0.0033 against
    # 0.1^2 / 12 = 0.0008), so the levers alone explain about 0.8 of it out
    # of sample, and with theta nearly all. The path, averaging over the
    # draws, predicts 0.05 at the baseline (lever 1 at 0) and 0.25 with
    # lever 1 at its top.
    rng = np.random.default_rng(11)
    values = rng.uniform(0, 10, (600, 3))
    theta = rng.uniform(0, 1, (600, 1))
    lhs = {"values": values, "parameters": theta,
           "share_target": 0.02 * values[:, 1] + 0.1 * theta[:, 0]}
    fit = answer.surrogate_fit(_levers(3), lhs, seed=1)
    assert fit["levers"] == pytest.approx(0.8, abs=0.1)
    assert fit["levers_and_parameters"] > 0.97
    steps = answer.surrogate_path(_levers(3), lhs, 1 / 6, seed=1,
                                  averaging_draws=200)
    assert [s["moved"] for s in steps] == [None, 1]
    assert steps[0]["predicted"] == pytest.approx(0.05, abs=0.01)
    assert steps[1]["predicted"] == pytest.approx(0.25, abs=0.01)


def test_smallest_change_is_the_first_verified_step_that_reaches():
    levers = _levers(3)
    steps = [{"values": np.array([0.0, 0.0, 0.0]), "p_target": 0.0},
             {"values": np.array([0.0, 10.0, 0.0]), "p_target": 0.3},
             {"values": np.array([5.0, 10.0, 0.2]), "p_target": 0.6}]
    step, moved = answer.smallest_change(levers, steps, 0.05)
    assert step is steps[2]
    assert [lv.name for lv in moved] == ["l0", "l1"]   # l2 moved 2%: not
    steps[2]["p_target"] = 0.4
    assert answer.smallest_change(levers, steps, 0.05) == (None, [])


def test_prim_says_when_no_point_reaches_the_target():
    rng = np.random.default_rng(4)
    values = rng.uniform(0, 10, (300, 2))
    share = 0.01 * values[:, 0]          # at most 0.1: never one in six
    cfg = {"peel_alpha": 0.05, "min_mass": 0.05, "min_coverage": 0.5}
    boxes = answer.prim_boxes(_levers(2), {"values": values,
                                           "share_target": share,
                                           "share_late": share}, 1 / 6, cfg)
    box = boxes["share_target"]
    assert box["reached"] == 0 and "no point reaches" in box["case"]
    # The top tenth lies at high l0 only: the box restricts l0 from below.
    assert box["box"].lower[0] > 5 and box["box"].lower[1] == 0


def _small_answer(folder, ranks):
    """The answer at a size a test can afford, with ``ranks`` MPI ranks:
    its output folder."""
    def small(d):
        d.update(scale=0.05, horizon="2016-12", late_month="2016-12",
                 sensitivity=str(folder / "morris.yaml"))
        d["development_calibration"].update(particles=4, generations=1)
        d["ensemble"].update(draws=2, replicates=2,
                             scenarios=["../all-levers.yaml"])
        d["sobol"].update(base_samples=2, bootstrap=20)
        d["discovery"].update(samples=12, verify_draws=2)
    screening = yaml.safe_load((REPO / "scenarios" / "sensitivity.yaml")
                               .read_text())
    screening["base_scenario"] = str(BASELINE)
    screening["fixed_overrides"] = ["population.scale=0.05",
                                    "time.end=2015-12"]
    screening["morris"].update(trajectories=2, candidates=4)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "morris.yaml").write_text(yaml.safe_dump(screening))
    path = _config(folder, small)
    out = folder / "out"
    assert answer.main([str(path), "-o", str(out), "--binary",
                        str(BINARY), "--ranks", str(ranks)]) == 0
    return out


@pytest.fixture(scope="module")
def small_answer(tmp_path_factory):
    return _small_answer(tmp_path_factory.mktemp("one-rank"), ranks=1)


@needs_binary
def test_a_small_answer_end_to_end(small_answer):
    out = small_answer
    text = (out / "ANSWER.md").read_text()
    assert "development calibration" in text and "## The answer" in text
    result = json.loads((out / "answer.json").read_text())
    names = [s["scenario"] for s in result["scenarios"]]
    assert names == ["baseline", "all-levers"]
    for s in result["scenarios"]:
        assert 0 <= s["p_target"]["p"] <= 1
    effect = result["scenarios"][1]["effect"]
    assert effect["mean_low"] <= effect["mean"] <= effect["mean_high"]
    assert result["steps"][0]["moved"] is None
    fit = result["surrogate_fit"]
    assert set(fit) == {"levers", "levers_and_parameters"}
    assert all(np.isfinite(v) and v <= 1 for v in fit.values())
    assert "out-of-sample R^2" in text
    assert "**Beside Morris**" in text
    timings = json.loads((out / "timings.json").read_text())
    assert set(timings) == {"development calibration", "ensembles", "sobol",
                            "morris screening", "discovery", "verification"}
    for figure in ("fan", "reach", "effects", "sobol", "prim"):
        assert (out / f"answer-{figure}.png").stat().st_size > 0


def _without_run_details(result):
    """answer.json less what depends on the run, not on the answer: the
    posterior's path, the wall times and the command lines."""
    return {k: v for k, v in result.items()
            if k not in ("posterior", "timings_seconds", "commands")}


@needs_binary
def test_the_surrogate_refits_from_a_finished_answer(small_answer, capsys):
    # analysis/surrogate_fit.py reads the folder only: the same fit as the
    # answer's own (same points, same seed), and a path for each surrogate.
    import surrogate_fit
    config = small_answer.parent / "answer.yaml"
    assert surrogate_fit.main([str(config), str(small_answer)]) == 0
    printed = capsys.readouterr().out
    fit = json.loads((small_answer / "answer.json").read_text())[
        "surrogate_fit"]
    assert (f"levers {fit['levers']:.3f}, levers_and_parameters "
            f"{fit['levers_and_parameters']:.3f}") in printed
    assert printed.count("  baseline ") == 2


@needs_binary
@pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun")
def test_two_ranks_give_the_one_rank_answer(small_answer, tmp_path):
    # Every model run of the answer (calibration, ensembles, Sobol and
    # hypercube sweeps, verification) under mpirun -n 2: the same numbers,
    # to the last bit, as one process.
    two = _small_answer(tmp_path, ranks=2)
    commands = json.loads((two / "answer.json").read_text())["commands"]
    assert any(c["command"].startswith("mpirun") for c in commands)
    one = json.loads((small_answer / "answer.json").read_text())
    assert _without_run_details(
        json.loads((two / "answer.json").read_text())) == \
        _without_run_details(one)


def test_the_surrogate_path_stops_when_no_lever_helps():
    # Lever 1 raises the share to 0.1 at most, short of one in six; the
    # others do nothing: the path moves lever 1 and stops (no gain left).
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 10, (400, 3))
    lhs = {"values": values, "share_target": 0.01 * values[:, 1]}
    steps = answer.surrogate_path(_levers(3), lhs, 1 / 6, seed=1,
                                  min_gain=0.001)
    assert [s["moved"] for s in steps] == [None, 1]


def test_sobol_blocks_share_their_seeds_and_other_designs_do_not():
    # A Saltelli design of 3 blocks of 450 rows: each block's chunks start
    # again at the sweep seed (row j of every block, the same point seed);
    # an ordinary design's chunks all have seeds of their own.
    chunks = answer._chunks(list(range(1350)), 10, block=450)
    assert [(s, len(c)) for s, c in chunks] == [
        (10, 200), (11, 200), (12, 50)] * 3
    plain = answer._chunks(list(range(1000)), 10)
    assert [s for s, _ in plain] == [10, 11, 12, 13, 14]
    assert [p for _, c in plain for p in c] == list(range(1000))
