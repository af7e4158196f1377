"""Variance-based global sensitivity (issue 16 item 3): Sobol first-order
and total indices with the Saltelli design, the Saltelli et al. (2010)
first-order estimator and Jansen's (1999) total-effect estimator, and
bootstrap 95% intervals.

The design is N base rows of a scrambled Sobol sequence in 2k dimensions
(scipy.stats.qmc): matrix A its first k columns, B its last k, and for each
parameter i the matrix AB_i, A with column i taken from B: N (k + 2) model
evaluations, in the order A, B, AB_1, ..., AB_k. ``sweep_yaml`` writes them
as a `points` sweep for `mutsim sweep` (each point's output is then the mean
over its replicates); ``indices`` reads the outputs back in that order.

Estimators, with f_A, f_B, f_ABi the outputs and V the variance of f_A and
f_B pooled (Saltelli et al. 2010, table 2, estimators (b) and (f)):

    S_i  = mean(f_B (f_ABi - f_A)) / V
    ST_i = mean((f_A - f_ABi)^2) / (2 V)
"""

import numpy as np
import pandas as pd
from scipy.stats import qmc

from . import ensemble


def saltelli_design(lower, upper, n, seed=1, integer=None):
    """The design as an array [N (k + 2), k] in parameter units. ``n``
    should be a power of 2 (the Sobol net's balance)."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    k = lower.size
    base = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)
    a, b = base[:, :k], base[:, k:]
    blocks = [a, b]
    for i in range(k):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    unit = np.vstack(blocks)
    values = lower + unit * (upper - lower)
    if integer is not None:
        for i, is_int in enumerate(integer):
            if is_int:
                values[:, i] = np.floor(lower[i] + unit[:, i]
                                        * (upper[i] - lower[i] + 1))
                values[:, i] = np.minimum(values[:, i], upper[i])
    return values


def _split(outputs, k):
    outputs = np.asarray(outputs, float)
    n = outputs.size // (k + 2)
    if outputs.size != n * (k + 2) or n < 2:
        raise ValueError(f"{outputs.size} outputs do not form a Saltelli "
                         f"design of {k} parameters")
    return outputs[:n], outputs[n:2 * n], outputs[2 * n:].reshape(k, n)


def _estimate(fa, fb, fab):
    variance = np.var(np.concatenate([fa, fb]), ddof=1)
    if not variance > 0:
        return np.full(fab.shape[0], np.nan), np.full(fab.shape[0], np.nan)
    first = np.mean(fb * (fab - fa), axis=1) / variance
    total = np.mean((fa - fab) ** 2, axis=1) / (2 * variance)
    return first, total


def indices(outputs, names, n_boot=1000, seed=1):
    """First-order and total indices with bootstrap 95% intervals (rows of
    the design resampled with replacement, the same rows in A, B and every
    AB_i). One row per parameter."""
    k = len(names)
    fa, fb, fab = _split(outputs, k)
    first, total = _estimate(fa, fb, fab)
    rng = np.random.default_rng(seed)
    n = fa.size
    boot_first = np.empty((n_boot, k))
    boot_total = np.empty((n_boot, k))
    for b in range(n_boot):
        rows = rng.integers(0, n, n)
        boot_first[b], boot_total[b] = _estimate(fa[rows], fb[rows],
                                                 fab[:, rows])
    q = np.nanquantile
    return pd.DataFrame({
        "parameter": list(names), "S1": first,
        "S1_low": q(boot_first, 0.025, axis=0),
        "S1_high": q(boot_first, 0.975, axis=0),
        "ST": total, "ST_low": q(boot_total, 0.025, axis=0),
        "ST_high": q(boot_total, 0.975, axis=0)})


def sweep_yaml(scenario, names, values, seed, replicates, integer=None,
               fixed=None, description="Saltelli design"):
    """A `points` sweep file over the design rows (docs/CLUSTER.md), by
    ensemble.points_sweep_yaml; integer columns are written as integers."""
    integer = integer or [False] * len(names)
    points = [{name: int(v) if is_int else float(v)
               for name, v, is_int in zip(names, row, integer)}
              for row in values]
    return ensemble.points_sweep_yaml(
        scenario, points, seed, replicates, fixed=fixed,
        description=f"{description} (mutsim_analysis.sobol)")


def compare_with_morris(sobol, morris_rank):
    """Sobol total-index rank beside the Morris mu* rank, per parameter,
    and whether they disagree by more than one place."""
    table = sobol[["parameter", "ST"]].copy()
    table["sobol_rank"] = table["ST"].rank(ascending=False, method="min")
    table["morris_rank"] = table["parameter"].map(morris_rank)
    table["disagree"] = (table["sobol_rank"] - table["morris_rank"]).abs() > 1
    return table
