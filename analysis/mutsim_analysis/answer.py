"""The answer under uncertainty (issue 16) as one command:

    /usr/bin/python3 analysis/answer.py scenarios/answer/answer.yaml -o DIR
        [--posterior CALIB.h5] [--profile quick] [--morris SENS.h5]

Steps, each a mutsim command whose output is kept in DIR (rerunning the
command resumes: a finished file is read, not run again):

1. the posterior: the given calibration file, or a development calibration
   at the answer's scale (``development_calibration``);
2. posterior ensembles of the baseline and every policy scenario, paired
   (the same draws and seeds): P(target), the first month, the variance
   split, each lever's effect;
3. a Saltelli design over the free parameters and the levers: Sobol
   indices of the target-month share and of the calibration's level
   targets;
4. a Latin hypercube over the levers, each point on a posterior draw:
   PRIM boxes for the target reached at the target month and at the late
   month, and the smallest change from the baseline, found by a surrogate
   and verified by runs;
5. ANSWER.md, its figures and answer.json (answer_report).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import qmc

from . import answer_config, answer_report, ensemble, prim, sobol
from .answer_config import ConfigError
from .calibration import read_calibration, read_sensitivity
from .reader import FormatError
from .stats import weighted_quantile

SHARE = "share_in_mutuals"


class AnswerError(Exception):
    """A step that failed, with the command and its message."""


class Mutsim:
    """The binary, its thread count, an optional MPI launcher, and a log of
    the commands run. With ``ranks`` > 1 the commands that run the model
    (calibrate, ensemble, sweep: MPI-aware, the same files for any rank
    count) start under ``mpirun -n ranks``, each rank with threads / ranks
    threads."""

    def __init__(self, binary, threads, ranks=1, mpirun="mpirun"):
        self.binary, self.ranks = str(binary), int(ranks)
        self.threads = max(1, int(threads) // self.ranks)
        root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
        self.launcher = ([mpirun, "--oversubscribe", *root, "-n",
                          str(self.ranks)] if self.ranks > 1 else [])
        self.log = []

    def __call__(self, *args, threads=True):
        command = [self.binary, *map(str, args)]
        if threads:
            command = self.launcher + command + ["--threads",
                                                 str(self.threads)]
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        self.log.append({"command": " ".join(command),
                         "seconds": time.monotonic() - start})
        if done.returncode != 0:
            hint = ("\n(the output folder holds files of other settings or "
                    "of another mutsim build: rerun with --fresh, or give "
                    "another -o)" if "written by a different" in done.stderr
                    else "")
            raise AnswerError(f"{' '.join(command)} exited with "
                              f"{done.returncode}:\n{done.stderr.strip()}"
                              + hint)
        return done.stdout


# ---- step 1: the posterior -------------------------------------------------

class Posterior:
    """Particles [N, K] with weights, the free parameters' names and
    prior ranges."""

    def __init__(self, path):
        calib = read_calibration(path)
        self.path = Path(path)
        self.names = list(calib.parameters["names"])
        self.lower = calib.parameters["lower"]
        self.upper = calib.parameters["upper"]
        self.particles = calib.particles
        self.weights = calib.weights / calib.weights.sum()

    def interval(self, low=0.05, high=0.95):
        """Each parameter's weighted 90% interval, [K] lower and upper."""
        lo = [weighted_quantile(self.particles[:, k], self.weights, low)
              for k in range(len(self.names))]
        hi = [weighted_quantile(self.particles[:, k], self.weights, high)
              for k in range(len(self.names))]
        return np.array(lo), np.array(hi)

    def draws(self, n, seed):
        """``n`` particle indices by systematic resampling, shuffled."""
        rng = np.random.default_rng(seed)
        positions = (rng.random() + np.arange(n)) / n
        index = np.searchsorted(np.cumsum(self.weights), positions)
        return rng.permutation(np.minimum(index, len(self.weights) - 1))

    def entries(self, particle):
        return {name: float(v) for name, v in
                zip(self.names, self.particles[particle])}


def development_calibration(mutsim, settings, out):
    """Run the calibration of ``development_calibration`` at the answer's
    scale; return its file."""
    dev = settings["development_calibration"]
    source = Path(dev["calibration"])
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    config["base_scenario"] = str((source.parent
                                   / config["base_scenario"]).resolve())
    config["fixed_overrides"] = list(config.get("fixed_overrides", [])) + [
        f"population.scale={settings['scale']}"]
    config["abc"].update({
        "particles": dev["particles"], "generations": dev["generations"],
        "max_evaluations_per_generation":
            dev["max_evaluations_per_generation"]})
    path = out / "calibration-dev.yaml"
    path.write_text("# Written by mutsim_analysis.answer from "
                    f"{source}: a development calibration\n"
                    + yaml.safe_dump(config, sort_keys=False),
                    encoding="utf-8")
    result = out / "posterior-dev.h5"
    if not result.exists():
        mutsim("calibrate", path, "-o", result, "-q")
    return result


# ---- step 2: posterior ensembles -------------------------------------------

def run_ensembles(mutsim, settings, posterior, out):
    """One ensemble file per scenario, baseline first: name -> path."""
    ens = settings["ensemble"]
    folder = out / "ensembles"
    folder.mkdir(exist_ok=True)
    files = {}
    for scenario in [ens["baseline"]] + ens["scenarios"]:
        name = Path(scenario).stem
        path = folder / f"{name}.h5"
        mutsim("ensemble", scenario, "--posterior", posterior, "--draws",
               ens["draws"], "--replicates", ens["replicates"], "--seed",
               ens["seed"], "--set", f"population.scale={settings['scale']}",
               "--set", f"time.end={settings['horizon']}", "-q", "-o", path)
        files[name] = path
    return files


def analyse_ensembles(files, settings, target_share):
    """Per scenario: P(target) at the target and late months, by year, the
    variance split and the lever effect against the baseline."""
    runs = {name: ensemble.read_ensemble(path) for name, path in
            files.items()}
    names = list(runs)
    base = runs[names[0]]
    month, late = settings["target_month"], settings["late_month"]
    margin = settings["ensemble"]["margin"]
    base_share = ensemble.at_month(base.series[SHARE], base.dates, month)
    rows = []
    for name in names:
        run = runs[name]
        ensemble.check_paired(base, run)
        share = run.series[SHARE]
        at_target = ensemble.at_month(share, run.dates, month)
        row = {"scenario": name,
               "p_target": ensemble.probability_of_target(
                   share, run.dates, target_share, month),
               "p_late": ensemble.probability_of_target(
                   share, run.dates, target_share, late),
               "by_year": ensemble.reached_by_year(
                   share, run.dates, target_share).to_dict("records"),
               "share_median": float(np.median(at_target)),
               "share_q05": float(np.quantile(at_target, ensemble.LOW)),
               "share_q95": float(np.quantile(at_target, ensemble.HIGH)),
               "variance": _variance(at_target)}
        if name != names[0]:
            row["effect"] = ensemble.lever_effect(base_share, at_target,
                                                  margin)
        rows.append(row)
    return {"scenarios": rows, "baseline": names[0],
            "fan": _fan(base, settings), "margin": margin}


def _variance(values):
    try:
        return ensemble.variance_split(values)
    except ValueError as exc:
        return {"error": str(exc)}


def _fan(run, settings):
    """The baseline's share over time: quantiles over every world (draws
    and replicates) and over the draw means (the parameter part)."""
    share = run.series[SHARE]
    worlds = share.reshape(-1, share.shape[-1])
    means = share.mean(axis=1)
    q = (0.05, 0.25, 0.5, 0.75, 0.95)
    return {"dates": [str(d) for d in run.dates],
            "worlds": np.quantile(worlds, q, axis=0).tolist(),
            "draw_means": np.quantile(means, q, axis=0).tolist(),
            "quantiles": list(q)}


# ---- sweeps (steps 3 and 4) ------------------------------------------------

# mutsim refuses a sweep file over 1 MiB (sim/yaml/source.cpp); a point
# of the answer's designs is about 1.8 kB of YAML, so a design is run in
# chunks of at most this many points, each its own sweep file.
CHUNK_POINTS = 200


def run_points(mutsim, settings, name, points, replicates, seed, end, out,
               block=None):
    """A `points` design over the baseline, run as sweeps of at most
    CHUNK_POINTS points: the series [P, R, T] of every point in design
    order. Chunk c has sweep seed ``seed + c``, so no two chunks share
    point seeds. With ``block`` = B the design is blocks of B rows that
    share their seeds instead: each block's chunks restart at ``seed``,
    so row j of every block runs with the same point seed (common random
    numbers, as a Saltelli design needs)."""
    series, frames, attrs, dates = {}, [], None, None
    for c, (seed_c, chunk) in enumerate(_chunks(points, seed, block)):
        part = _run_chunk(mutsim, settings, f"{name}-{c}", chunk,
                          replicates, seed_c, end, out)
        attrs, dates = part.attrs, part.dates
        frames.append(part.points)
        for key, values in part.series.items():
            series.setdefault(key, []).append(values)
    return ensemble.Sweep(out / name, attrs, dates,
                          {k: np.concatenate(v) for k, v in series.items()},
                          pd.concat(frames, ignore_index=True))


def _chunks(points, seed, block=None):
    """(sweep seed, points) of each chunk, in design order."""
    size = block or len(points)
    out = []
    for start in range(0, len(points), size):
        rows = points[start:start + size]
        for c, i in enumerate(range(0, len(rows), CHUNK_POINTS)):
            offset = c if block else len(out)
            out.append((int(seed) + offset, rows[i:i + CHUNK_POINTS]))
    return out


def _run_chunk(mutsim, settings, name, points, replicates, seed, end, out):
    text = ensemble.points_sweep_yaml(
        settings["ensemble"]["baseline"], points, seed, replicates,
        fixed={"population.scale": settings["scale"], "time.end": end},
        description=f"{name}: written by mutsim_analysis.answer")
    path = out / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    result = out / f"{name}.h5"
    mutsim("sweep", path, "-o", result, "-q")
    swept = ensemble.read_sweep(result)
    failed = swept.points[swept.points["status"] != "ok"]
    if len(failed):
        raise AnswerError(f"{result}: {len(failed)} points failed (the "
                          "first is point "
                          f"{int(failed['point'].iloc[0])})")
    return swept


def _point(levers, lever_values, posterior=None, particle=None):
    entries = {}
    for lever, value in zip(levers, lever_values):
        entries.update(lever.entries(value))
    if posterior is not None:
        entries.update(posterior.entries(particle))
    return entries


def scale_units(levers, units):
    """Unit-cube rows [n, L] to lever values (integer levers: each whole
    value in the range equally likely)."""
    units = np.atleast_2d(units)
    values = np.empty_like(units, dtype=float)
    for j, lever in enumerate(levers):
        if lever.integer:
            width = lever.upper - lever.lower + 1
            values[:, j] = np.minimum(lever.lower + np.floor(
                units[:, j] * width), lever.upper)
        else:
            values[:, j] = lever.lower + units[:, j] * (lever.upper
                                                        - lever.lower)
    return values


# ---- step 3: Sobol indices -------------------------------------------------

def level_targets(calibration_yaml):
    """The calibration's level targets: (id, series, month)."""
    config = yaml.safe_load(Path(calibration_yaml).read_text(
        encoding="utf-8"))
    return [(t["id"], t["series"], str(t["date"]))
            for t in config.get("targets", [])
            if t.get("statistic") == "level"]


def run_sobol(mutsim, settings, levers, posterior, out):
    """Sobol indices over the free parameters (uniform over their 90%
    posterior interval) and the levers, per output."""
    cfg = settings["sobol"]
    lo, hi = posterior.interval()
    names = posterior.names + [lever.name for lever in levers]
    lower = np.concatenate([lo, [lv.lower for lv in levers]])
    upper = np.concatenate([hi, [lv.upper for lv in levers]])
    integer = [False] * len(posterior.names) + [lv.integer for lv in levers]
    design = sobol.saltelli_design(lower, upper, cfg["base_samples"],
                                   seed=cfg["seed"], integer=integer)
    k = len(posterior.names)
    points = []
    for row in design:
        entries = dict(zip(posterior.names, map(float, row[:k])))
        entries.update(_point(levers, row[k:]))
        points.append(entries)
    swept = run_points(mutsim, settings, "sobol", points, cfg["replicates"],
                       cfg["seed"], settings["target_month"], out,
                       block=cfg["base_samples"])
    seeds = swept.points["seed"].to_numpy().reshape(-1, cfg["base_samples"])
    if not (seeds == seeds[0]).all():
        raise AnswerError("the Sobol blocks do not share their seeds")
    outputs = [("share", SHARE, settings["target_month"])] + level_targets(
        settings["development_calibration"]["calibration"])
    tables = {}
    for label, series, month in outputs:
        if series not in swept.series:
            continue
        values = ensemble.at_month(swept.series[series], swept.dates,
                                   month).mean(axis=1)
        table = sobol.indices(values, names, n_boot=cfg["bootstrap"],
                              seed=cfg["seed"])
        tables[f"{label} ({series} at {month})"] = table
    return {"names": names, "lower": lower.tolist(), "upper": upper.tolist(),
            "runs": len(points), "tables": tables}


def morris_file(mutsim, settings, given, out):
    """The Morris screening to set beside Sobol: the given file, or
    `mutsim sensitivity` on the settings' ``sensitivity`` file."""
    if given:
        return Path(given)
    result = out / "sensitivity.h5"
    if not result.exists():
        mutsim("sensitivity", settings["sensitivity"], "-o", result, "-q")
    return result


def morris_comparison(sobol_result, morris_path, levers):
    """Sobol's total-index ranking of the share beside Morris's mu* rank of
    its share output, for the inputs the screening has (a lever by its
    key)."""
    sens = read_sensitivity(morris_path)
    names = sens.outputs["names"]
    column = next((i for i, n in enumerate(names) if "share" in n), 0)
    rank = dict(zip(sens.parameters["names"], sens.rank[:, column]))
    for lever in levers:
        if lever.key in rank:
            rank[lever.name] = rank[lever.key]
    first = next(iter(sobol_result["tables"].values()))
    return sobol.compare_with_morris(first, rank)


# ---- step 4: scenario discovery --------------------------------------------

def run_discovery(mutsim, settings, levers, posterior, target_share, out):
    """The Latin hypercube over the levers, each point on one posterior
    draw and one replicate: lever values [n, L] and the shares at the
    target and late months [n]."""
    cfg = settings["discovery"]
    n = int(cfg["samples"])
    units = qmc.LatinHypercube(d=len(levers), seed=cfg["seed"]).random(n)
    values = scale_units(levers, units)
    particles = posterior.draws(n, cfg["seed"])
    points = [_point(levers, row, posterior, p)
              for row, p in zip(values, particles)]
    swept = run_points(mutsim, settings, "discovery", points, 1, cfg["seed"],
                       settings["horizon"], out)
    share = swept.series[SHARE][:, 0, :]
    return {"values": values, "particles": particles,
            "parameters": posterior.particles[particles],
            "share_target": ensemble.at_month(share, swept.dates,
                                              settings["target_month"]),
            "share_late": ensemble.at_month(share, swept.dates,
                                            settings["late_month"])}


def prim_boxes(levers, lhs, target_share, cfg):
    """PRIM for the target reached at each month; where no point reaches
    it, PRIM for the top tenth of shares instead (which levers get
    highest), said so in ``case``."""
    names = [lever.name for lever in levers]
    lower = np.array([lever.lower for lever in levers])
    upper = np.array([lever.upper for lever in levers])
    boxes = {}
    for label in ("share_target", "share_late"):
        share = lhs[label]
        y = (share >= target_share).astype(float)
        case = "share >= target"
        if y.sum() == 0:
            cut = np.quantile(share, 0.9)
            y = (share >= cut).astype(float)
            case = f"share >= {cut:.4f} (the top tenth; no point reaches " \
                   "the target)"
        result = prim.peel(lhs["values"], y, names, lower, upper,
                           alpha=cfg["peel_alpha"], min_mass=cfg["min_mass"])
        box = result.choose(cfg["min_coverage"])
        if box is not None:
            box = prim.paste(lhs["values"], y, result, box,
                             alpha=cfg["peel_alpha"])
        boxes[label] = {"case": case, "reached": int((share >= target_share)
                                                     .sum()),
                        "points": int(share.size), "result": result,
                        "box": box, "words": result.describe(box)}
    return boxes


def _surrogate_features(levers, lhs):
    """Each hypercube point's features: its levers on the unit cube, then
    (when the points carry them) its posterior draw's parameters."""
    units = np.column_stack([[lever.unit(v) for v in lhs["values"][:, j]]
                             for j, lever in enumerate(levers)])
    if "parameters" not in lhs:
        return units
    return np.column_stack([units, lhs["parameters"]])


def surrogate_fit(levers, lhs, seed, folds=5):
    """Out-of-sample R^2 of the surrogate (``folds``-fold cross-validation)
    on the levers alone and, when the points carry them, on the levers and
    their posterior draw's parameters: how much of the hypercube's share
    the surrogate the path walks on explains."""
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import KFold, cross_val_predict

    share = np.asarray(lhs["share_target"], float)
    features = _surrogate_features(levers, lhs)
    sets = {"levers": features[:, :len(levers)]}
    if features.shape[1] > len(levers):
        sets["levers_and_parameters"] = features
    split = KFold(folds, shuffle=True, random_state=seed)
    total = np.sum((share - share.mean()) ** 2)
    fit = {}
    for name, x in sets.items():
        predicted = cross_val_predict(
            GradientBoostingRegressor(random_state=seed), x, share, cv=split)
        fit[name] = float(1 - np.sum((share - predicted) ** 2) / total)
    return fit


def surrogate_path(levers, lhs, target_share, seed, min_gain=0.0,
                   averaging_draws=64):
    """Greedy steps from the baseline on a gradient-boosting surrogate of
    the target-month share: each step moves the one unmoved lever, to one
    of five values across its range, that raises the predicted share most;
    it stops once the prediction reaches the target, or when no move
    raises it by more than ``min_gain``.

    Each hypercube point runs on its own posterior draw, and the draw
    explains much of its share (surrogate_fit), so when the points carry
    their parameters the surrogate sees them too, and a lever setting's
    prediction is its mean over the first ``averaging_draws`` points'
    draws: the share expected over the posterior, not at one draw. On the
    levers alone the baseline, at a corner of the lever cube, is an
    extrapolation: 4.2% predicted against 1.2% run (docs/ANSWER.md)."""
    from sklearn.ensemble import GradientBoostingRegressor

    features = _surrogate_features(levers, lhs)
    model = GradientBoostingRegressor(random_state=seed).fit(
        features, lhs["share_target"])
    draws = features[:averaging_draws, len(levers):]

    def predict(rows):
        """Mean prediction over the draws for each lever row [n, L]."""
        if draws.shape[1] == 0:
            return model.predict(rows)
        full = np.column_stack([np.repeat(rows, len(draws), axis=0),
                                np.tile(draws, (len(rows), 1))])
        return model.predict(full).reshape(len(rows), len(draws)).mean(1)

    current = np.array([lever.unit(lever.baseline) for lever in levers])
    steps = [{"moved": None, "unit": current.copy(),
              "predicted": float(predict(current[None])[0])}]
    free = set(range(len(levers)))
    grid = np.linspace(0, 1, 5)
    while free and steps[-1]["predicted"] < target_share:
        best = None
        for j in sorted(free):
            trial = np.repeat(current[None], grid.size, axis=0)
            trial[:, j] = grid
            pred = predict(trial)
            i = int(np.argmax(pred))
            if best is None or pred[i] > best[2]:
                best = (j, grid[i], float(pred[i]))
        j, unit, predicted = best
        if predicted - steps[-1]["predicted"] <= min_gain:
            break
        current[j] = unit
        free.discard(j)
        steps.append({"moved": j, "unit": current.copy(),
                      "predicted": predicted})
    return steps


def step_scenario(levers, values, baseline):
    """A scenario that extends the baseline with the levers at ``values``
    (the NHS periods written whole, since an extended list replaces)."""
    scenario = {"extends": str(baseline)}
    for lever, value in zip(levers, values):
        if lever.kind == "nhs_long_contracts":
            periods = yaml.safe_load(Path(baseline).read_text(
                encoding="utf-8"))["commissioning"]["sectors"]["nhs"][
                    "periods"]
            for period in periods:
                period["contract_years"] = answer_config.blend_mix(
                    period["contract_years"], float(value))
            entries = {answer_config.NHS_PERIODS: periods}
        else:
            entries = lever.entries(value)
        for key, entry in entries.items():
            node = scenario
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = entry
    return scenario


def verify_path(mutsim, settings, levers, posterior_file, steps,
                target_share, out):
    """Each surrogate step as a scenario run over ``verify_draws``
    posterior draws (`mutsim ensemble`, one replicate): every step on the
    same draws and seeds, so a step's gain over the baseline (step 0) is a
    paired difference. Adds the median share, P(target) at both months
    and the paired mean gain at the target month."""
    cfg = settings["discovery"]
    folder = out / "verify"
    folder.mkdir(exist_ok=True)
    base = None
    for i, step in enumerate(steps):
        values = scale_units(levers, step["unit"])[0]
        for j, lever in enumerate(levers):
            if step["unit"][j] == lever.unit(lever.baseline):
                values[j] = lever.baseline
        step["values"] = values
        scenario = folder / f"step-{i}.yaml"
        scenario.write_text(yaml.safe_dump(step_scenario(
            levers, values, settings["ensemble"]["baseline"]),
            sort_keys=False), encoding="utf-8")
        path = folder / f"step-{i}.h5"
        mutsim("ensemble", scenario, "--posterior", posterior_file,
               "--draws", cfg["verify_draws"], "--replicates", 1, "--seed",
               cfg["seed"], "--set", f"population.scale={settings['scale']}",
               "--set", f"time.end={settings['horizon']}", "-q", "-o", path)
        run = ensemble.read_ensemble(path)
        base = base or run
        ensemble.check_paired(base, run)
        for label, month in (("target", settings["target_month"]),
                             ("late", settings["late_month"])):
            at = ensemble.at_month(run.series[SHARE], run.dates, month)
            step[f"median_{label}"] = float(np.median(at))
            step[f"p_{label}"] = float(np.mean(at >= target_share))
        step["gain"] = float(np.mean(
            ensemble.at_month(run.series[SHARE], run.dates,
                              settings["target_month"])
            - ensemble.at_month(base.series[SHARE], base.dates,
                                settings["target_month"])))
    return steps


def smallest_change(levers, steps, moved_fraction):
    """The first verified step with P(target) >= 0.5, or None; and the
    levers moved (beyond ``moved_fraction`` of their range) at it."""
    for step in steps:
        if step["p_target"] >= 0.5:
            return step, moved_levers(levers, step["values"],
                                      moved_fraction)
    return None, []


def moved_levers(levers, values, moved_fraction):
    return [lever for lever, value in zip(levers, values)
            if abs(lever.unit(value) - lever.unit(lever.baseline))
            > moved_fraction]


# ---- the command -----------------------------------------------------------

class Timings:
    """Wall time per step, kept in ``path`` across runs: a step whose
    output files were all there before it ran (a resumed, finished step)
    keeps the time recorded when it did the work."""

    def __init__(self, path):
        self.path = path
        self.seconds = (json.loads(path.read_text(encoding="utf-8"))
                        if path.exists() else {})

    def timed(self, name, outputs, step, *args):
        finished = all(Path(o).exists() for o in outputs)
        start = time.monotonic()
        value = step(*args)
        if not (finished and name in self.seconds):
            self.seconds[name] = time.monotonic() - start
            self.path.write_text(json.dumps(self.seconds, indent=1),
                                 encoding="utf-8")
        return value


def chunk_files(out, name, points, block=None):
    """The files run_points writes for a design of ``points`` points."""
    chunks = len(_chunks([None] * int(points), 0, block))
    return [out / f"{name}-{c}.h5" for c in range(chunks)]


def ensemble_files(settings, out):
    ens = settings["ensemble"]
    return [out / "ensembles" / f"{Path(s).stem}.h5"
            for s in [ens["baseline"]] + ens["scenarios"]]


def _arguments(argv):
    parser = argparse.ArgumentParser(
        description="The answer under uncertainty (issue 16): ensembles, "
        "Sobol indices, scenario discovery and their report.")
    parser.add_argument("config", help="scenarios/answer/answer.yaml")
    parser.add_argument("-o", "--output", required=True,
                        help="folder for every file of the answer")
    parser.add_argument("--posterior", help="calibration file (mutsim "
                        "calibrate); default: a development calibration")
    parser.add_argument("--profile", help="a profile of the settings file "
                        "(quick)")
    parser.add_argument("--morris", help="a sensitivity file (mutsim "
                        "sensitivity) to set Morris's ranking beside Sobol's")
    parser.add_argument("--binary", default=str(
        Path(__file__).resolve().parents[2] / "build" / "bin" / "mutsim"))
    parser.add_argument("--ranks", type=int, default=1,
                        help="MPI ranks for the model runs (mpirun -n)")
    parser.add_argument("--fresh", action="store_true",
                        help="remove the output folder first")
    return parser.parse_args(argv)


def validate_levers(mutsim, baseline, levers):
    """`mutsim validate` at both ends of every lever (an unknown key or a
    value the model refuses stops here, before any run)."""
    for lever in levers:
        if lever.kind == "nhs_long_contracts":
            continue
        for value in (lever.lower, lever.upper):
            (key, entry), = lever.entries(value).items()
            text = yaml.safe_dump(entry, default_flow_style=True).strip()
            text = text.removesuffix("...").strip()
            try:
                mutsim("validate", baseline, "--set", f"{key}={text}",
                       threads=False)
            except AnswerError as exc:
                raise ConfigError(f"lever {lever.name}: {exc}") from None


def prepare(args):
    """Settings, levers checked, the binary: everything before a run."""
    settings = answer_config.load(args.config, args.profile)
    mutsim = Mutsim(args.binary, settings["threads"], args.ranks)
    levers = settings["levers"]
    answer_config.check_levers(args.config, levers,
                               answer_config.declared_ranges(args.binary),
                               settings["ensemble"]["baseline"])
    validate_levers(mutsim, settings["ensemble"]["baseline"], levers)
    if args.posterior:
        check_posterior(mutsim, settings["ensemble"]["baseline"],
                        Posterior(args.posterior))
    return settings, mutsim, levers


def check_posterior(mutsim, baseline, posterior):
    """Refuse, before any run, a posterior whose free parameters the
    baseline scenario does not have or whose values it refuses."""
    sets = []
    for name, value in posterior.entries(0).items():
        sets += ["--set", f"{name}={value!r}"]
    try:
        mutsim("validate", baseline, *sets, threads=False)
    except AnswerError as exc:
        raise ConfigError(f"{posterior.path}: not a posterior of "
                          f"{baseline}: {exc}") from None


def run(args):
    settings, mutsim, levers = prepare(args)
    out = Path(args.output)
    if args.fresh and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = Timings(out / "timings.json")
    timed = timings.timed

    posterior_file = Path(args.posterior) if args.posterior else timed(
        "development calibration", [out / "posterior-dev.h5"],
        development_calibration, mutsim, settings, out)
    posterior = Posterior(posterior_file)
    target_share = float(yaml.safe_load(Path(settings["ensemble"][
        "baseline"]).read_text(encoding="utf-8"))["target"]["share"])
    files = timed("ensembles", ensemble_files(settings, out),
                  run_ensembles, mutsim, settings, posterior_file, out)
    ensembles = analyse_ensembles(files, settings, target_share)
    k = len(posterior.names) + len(levers)
    sobol_runs = settings["sobol"]["base_samples"] * (k + 2)
    sobol_result = timed("sobol", chunk_files(
        out, "sobol", sobol_runs, settings["sobol"]["base_samples"]),
                         run_sobol, mutsim,
                         settings, levers, posterior, out)
    morris_path = timed("morris screening", [out / "sensitivity.h5"],
                        morris_file, mutsim, settings, args.morris, out)
    morris = morris_comparison(sobol_result, morris_path, levers)
    lhs = timed("discovery", chunk_files(out, "discovery", settings[
        "discovery"]["samples"]), run_discovery, mutsim,
                settings, levers, posterior, target_share, out)
    boxes = prim_boxes(levers, lhs, target_share, settings["discovery"])
    fit = surrogate_fit(levers, lhs, settings["discovery"]["seed"])
    steps = surrogate_path(levers, lhs, target_share,
                           settings["discovery"]["seed"],
                           settings["discovery"]["min_gain"],
                           settings["discovery"]["surrogate_draws"])
    steps = timed("verification", [out / "verify" / f"step-{i}.h5"
                                   for i in range(len(steps))],
                  verify_path, mutsim, settings, levers, posterior_file,
                  steps, target_share, out)
    change = smallest_change(levers, steps,
                             settings["discovery"]["moved_fraction"])
    answer_report.write(out, {
        "settings": settings, "posterior": posterior,
        "posterior_file": posterior_file, "development": not args.posterior,
        "target_share": target_share, "ensembles": ensembles,
        "sobol": sobol_result, "morris": morris, "lhs": lhs, "boxes": boxes,
        "surrogate_fit": fit, "steps": steps, "change": change, "levers": levers,
        "timings": timings.seconds, "commands": mutsim.log,
        "argv": " ".join(sys.argv)})
    return out


def main(argv=None):
    args = _arguments(argv)
    try:
        out = run(args)
    except (ConfigError, FormatError) as exc:
        print(f"answer: error: {exc}", file=sys.stderr)
        return 2
    except AnswerError as exc:
        print(f"answer: error: {exc}", file=sys.stderr)
        return 1
    print(f"answer: wrote {out / 'ANSWER.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
