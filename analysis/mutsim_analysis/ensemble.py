"""Posterior ensembles (`mutsim ensemble`, docs/CLUSTER.md): reading them,
and the answer under uncertainty they carry (issue 16): the probability of
the target with its interval over draws and replicates, the first month it
is reached, the variance of an outcome split into its parameter and
stochastic parts, and a lever's effect as a paired difference.

An ensemble file is a sweep file (format ``mutsim-sweep``) whose points are
posterior draws: series ``[D, R, T]``, ``/points`` with each draw's seed and
parameters, and the ``ensemble:`` block of its ``sweep_yaml`` naming the
posterior and the particle behind every draw.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .reader import (FormatError, check_version, open_h5, read_attrs,
                     read_dataset)

SWEEP_FORMAT = "mutsim-sweep"
# Intervals are 90% (the report's convention for fan charts and targets).
LOW, HIGH = 0.05, 0.95


@dataclass
class Sweep:
    """P points x R replicates x T months of a `mutsim sweep` file."""

    path: Path
    attrs: dict
    dates: np.ndarray       # [T] datetime64[M]
    series: dict            # name -> [P, R, T]
    points: pd.DataFrame    # one row per point: point, seed, status, ...


@dataclass
class Ensemble(Sweep):
    """A sweep whose points are posterior draws: D draws x R replicates x T
    months of one scenario, with the particle behind each draw."""

    particles: list         # the posterior particle behind each draw
    posterior: str          # the posterior file as given to mutsim ensemble
    posterior_fingerprint: str

    @property
    def draws(self):
        return len(self.particles)

    @property
    def seeds(self):
        return self.points["seed"].to_numpy(np.uint64)


def _ensemble_block(path, attrs):
    try:
        block = yaml.safe_load(attrs.get("sweep_yaml", "")) or {}
    except yaml.YAMLError:
        raise FormatError(path,
                          "root attribute sweep_yaml: not YAML") from None
    ensemble = block.get("ensemble") if isinstance(block, dict) else None
    if not isinstance(ensemble, dict) or "particles" not in ensemble:
        raise FormatError(path, "not an ensemble (a sweep file without the "
                          "ensemble: block of mutsim ensemble)")
    return ensemble


def _points(path, h5):
    table = read_dataset(path, h5, "points")
    frame = pd.DataFrame(table)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].str.decode("utf-8")
    return frame


def points_sweep_yaml(scenario, points, seed, replicates, fixed=None,
                      description=None):
    """The text of a `points` sweep file (docs/CLUSTER.md): `points` is a
    list of {key: value} rows (a value may be a list, e.g. a contract-length
    mix), `fixed` the `set:` values every point shares. The one writer of
    sweep files in mutsim_analysis."""
    sweep = {"scenario": str(scenario)}
    if description:
        sweep["description"] = description
    sweep.update({"seed": int(seed), "replicates": int(replicates)})
    if fixed:
        sweep["set"] = dict(fixed)
    sweep["design"] = {"type": "points", "points": list(points)}
    return yaml.safe_dump(sweep, sort_keys=False, default_flow_style=None)


def read_sweep(path):
    """Load a sweep file (`mutsim sweep` or `mutsim ensemble`), or raise
    ``FormatError`` naming the file and the object (not a sweep, a damaged
    or short dataset)."""
    path = Path(path)
    with open_h5(path) as h5:
        attrs = read_attrs(path, h5)
        check_version(path, attrs, SWEEP_FORMAT)
        points = _points(path, h5)
        dates = np.array([d.decode() if isinstance(d, bytes) else str(d)
                          for d in read_dataset(path, h5, "time/date")],
                         dtype="datetime64[M]")
        shape = (len(points), int(attrs["replicates"]), dates.size)
        series = {}
        for name in h5["series"]:
            values = read_dataset(path, h5, f"series/{name}")
            if values.shape != shape:
                raise FormatError(path, f"/series/{name}: shape {values.shape}"
                                  f", expected {shape}")
            series[name] = values
    return Sweep(path, attrs, dates, series, points)


def read_ensemble(path):
    """Load an ensemble file, or raise ``FormatError`` naming the file and
    the object (not a sweep, not an ensemble, a damaged or short dataset)."""
    sweep = read_sweep(path)
    block = _ensemble_block(sweep.path, sweep.attrs)
    particles = list(block["particles"])
    if len(particles) != len(sweep.points):
        raise FormatError(sweep.path, f"ensemble.particles lists "
                          f"{len(particles)} draws, /points has "
                          f"{len(sweep.points)}")
    return Ensemble(sweep.path, sweep.attrs, sweep.dates, sweep.series,
                    sweep.points, particles, str(block.get("posterior", "")),
                    str(block.get("posterior_fingerprint", "")))


def check_paired(base, other):
    """Refuse to compare ensembles that are not the same worlds: the same
    posterior, particles and seeds, draw for draw."""
    if (base.posterior_fingerprint != other.posterior_fingerprint
            or base.particles != other.particles
            or not np.array_equal(base.seeds, other.seeds)):
        raise ValueError(f"{other.path} is not paired with {base.path}: run "
                         "both with the same --posterior, --draws and --seed")
    if base.series["share_in_mutuals"].shape != \
            other.series["share_in_mutuals"].shape:
        raise ValueError(f"{other.path} and {base.path} differ in replicates "
                         "or months")


def at_month(values, dates, month):
    """``values[..., t]`` at month 'YYYY-MM'; ValueError off the horizon."""
    t = np.flatnonzero(dates == np.datetime64(month, "M"))
    if t.size == 0:
        raise ValueError(f"{month} is outside the run ({dates[0]} to "
                         f"{dates[-1]})")
    return values[..., t[0]]


def hierarchical_bootstrap(values, statistic, n_boot=2000, seed=1):
    """Statistic over ``values[D, R]`` resampled as the ensemble was made:
    draws with replacement, then replicates with replacement within each
    draw. Returns the [n_boot] bootstrap values (parameter and stochastic
    uncertainty of the estimate both)."""
    rng = np.random.default_rng(seed)
    d, r = values.shape
    out = np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, d, d)
        cols = rng.integers(0, r, (d, r))
        out[b] = statistic(values[rows[:, None], cols])
    return out


def probability_of_target(share, dates, target_share, month, n_boot=2000):
    """P(share >= target at ``month``) over draws and replicates, with the
    90% interval of the hierarchical bootstrap. Where no world (or every
    world) reaches the target the bootstrap has nothing to resample and
    would say [0, 0]; the open end is then the exact binomial bound over
    the D draws (Clopper-Pearson, 95% one-sided: 1 - 0.05^(1/D)), counting
    draws, not worlds, since a draw's replicates share its parameters."""
    hit = (at_month(share, dates, month) >= target_share).astype(float)
    boot = hierarchical_bootstrap(hit, np.mean, n_boot)
    low, high = np.quantile(boot, LOW), np.quantile(boot, HIGH)
    bound = 1 - (1 - HIGH) ** (1 / hit.shape[0])
    if hit.max() == 0:
        high = bound
    elif hit.min() == 1:
        low = 1 - bound
    return {"month": month, "p": hit.mean(), "low": low, "high": high}


def first_reached(share, dates, target_share):
    """Per draw and replicate, the index of the first month with share >=
    target, or -1 if not by the end of the run."""
    hit = share >= target_share
    first = hit.argmax(axis=-1)
    return np.where(hit.any(axis=-1), first, -1)


def reached_by_year(share, dates, target_share):
    """P(target reached by the end of each year of the run) over draws and
    replicates, and the share never reached within it."""
    first = first_reached(share, dates, target_share).ravel()
    rows = []
    years = sorted({int(str(d)[:4]) for d in dates})
    for year in years:
        last = np.flatnonzero(dates <= np.datetime64(f"{year}-12", "M"))[-1]
        rows.append({"by": f"{year}-12",
                     "p": float(np.mean((first >= 0) & (first <= last)))})
    rows.append({"by": "not by the end", "p": float(np.mean(first < 0))})
    return pd.DataFrame(rows)


def variance_split(values):
    """Law of total variance for ``values[D, R]`` (R >= 2): Var Y =
    E[Var(Y | theta)] + Var(E[Y | theta]). The stochastic part is the mean
    within-draw variance (unbiased, ddof 1); the parameter part is the
    variance of the draw means less its replicate noise, stochastic / R
    (clipped at 0). Returns total, parameter, stochastic and the parameter
    share."""
    values = np.asarray(values, float)
    d, r = values.shape
    if r < 2 or d < 2:
        raise ValueError("the variance split needs at least 2 draws and 2 "
                         "replicates per draw")
    stochastic = values.var(axis=1, ddof=1).mean()
    parameter = max(0.0, values.mean(axis=1).var(ddof=1) - stochastic / r)
    total = parameter + stochastic
    return {"total": total, "parameter": parameter, "stochastic": stochastic,
            "parameter_share": parameter / total if total > 0 else np.nan}


def lever_effect(base, lever, margin, n_boot=2000):
    """A lever's effect on paired worlds: ``lever - base`` per draw and
    replicate ([D, R] each, the same seeds), its median and 90% range over
    worlds, its mean with a 90% bootstrap interval, and P(effect >=
    margin)."""
    effect = np.asarray(lever, float) - np.asarray(base, float)
    boot = hierarchical_bootstrap(effect, np.mean, n_boot)
    return {"mean": effect.mean(), "mean_low": np.quantile(boot, LOW),
            "mean_high": np.quantile(boot, HIGH),
            "median": np.median(effect),
            "q05": np.quantile(effect, LOW), "q95": np.quantile(effect, HIGH),
            "p_at_least_margin": float(np.mean(effect >= margin)),
            "margin": margin}
