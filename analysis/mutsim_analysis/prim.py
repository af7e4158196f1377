"""Scenario discovery by PRIM, the Patient Rule Induction Method (Friedman
and Fisher 1999), as EMA Workbench uses it (Kwakkel 2017): boxes in the
lever space where a case of interest (the target reached with probability
at least 0.5) is dense.

Peeling: from the box holding every point, repeatedly remove the slice of
``alpha`` of the box's points at the low or high end of one lever, the one
peel that most raises the box's density (the mean of ``y`` inside), until
the box holds fewer than ``min_mass`` of the points. Each step is a point
of the trajectory: coverage (the share of all cases of interest inside the
box), density and mass. Pasting then grows the chosen box back along any
lever where that raises its density. ``describe`` says the box in words:
the levers it restricts and their ranges.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Box:
    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    mass: float


@dataclass
class PrimResult:
    names: list
    lower: np.ndarray   # the full ranges of the levers
    upper: np.ndarray
    trajectory: list = field(default_factory=list)  # Box per peeling step

    def table(self):
        """The coverage-density trade-off, one row per peeling step."""
        return pd.DataFrame([{"step": i, "coverage": b.coverage,
                              "density": b.density, "mass": b.mass,
                              "restricted": len(self.restricted(b))}
                             for i, b in enumerate(self.trajectory)])

    def restricted(self, box):
        """Indices of the levers the box limits."""
        return [j for j in range(len(self.names))
                if box.lower[j] > self.lower[j]
                or box.upper[j] < self.upper[j]]

    def choose(self, min_coverage=0.5):
        """The densest box whose coverage is at least ``min_coverage``
        (the first such box on ties: the least restricted)."""
        ok = [b for b in self.trajectory if b.coverage >= min_coverage]
        if not ok:
            return None
        best = max(b.density for b in ok)
        return next(b for b in ok if b.density == best)

    def describe(self, box):
        """The box in plain words."""
        if box is None:
            return "no box reaches the required coverage"
        parts = []
        for j in self.restricted(box):
            lo = box.lower[j] > self.lower[j]
            hi = box.upper[j] < self.upper[j]
            name = self.names[j]
            if lo and hi:
                parts.append(f"{name} between {box.lower[j]:.4g} and "
                             f"{box.upper[j]:.4g}")
            elif lo:
                parts.append(f"{name} at least {box.lower[j]:.4g}")
            else:
                parts.append(f"{name} at most {box.upper[j]:.4g}")
        where = "; ".join(parts) if parts else "anywhere in the ranges"
        return (f"{where} (coverage {box.coverage:.0%}, density "
                f"{box.density:.0%}, {box.mass:.0%} of the points)")


def _inside(x, lower, upper):
    return np.all((x >= lower) & (x <= upper), axis=1)


def _box(x, y, lower, upper):
    inside = _inside(x, lower, upper)
    total = y.sum()
    return Box(lower.copy(), upper.copy(),
               y[inside].sum() / total if total > 0 else np.nan,
               y[inside].mean() if inside.any() else np.nan,
               inside.mean())


def _best_peel(x, y, lower, upper, alpha):
    """The (lower, upper) of the densest box one peel away; None if no peel
    removes any point."""
    inside = _inside(x, lower, upper)
    best, best_density = None, -np.inf
    for j in range(x.shape[1]):
        values = x[inside, j]
        for side in ("low", "high"):
            q = np.quantile(values, alpha if side == "low" else 1 - alpha)
            lo, up = lower.copy(), upper.copy()
            if side == "low":
                keep = values > q
                lo[j] = values[keep].min() if keep.any() else q
            else:
                keep = values < q
                up[j] = values[keep].max() if keep.any() else q
            if not keep.any() or keep.all():
                continue
            density = y[inside][keep].mean()
            if density > best_density:
                best, best_density = (lo, up), density
    return best


def peel(x, y, names, lower=None, upper=None, alpha=0.05, min_mass=0.05):
    """The peeling trajectory over points ``x`` [n, k] with cases of
    interest ``y`` [n] (0/1 or a probability)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    lower = x.min(axis=0) if lower is None else np.asarray(lower, float)
    upper = x.max(axis=0) if upper is None else np.asarray(upper, float)
    result = PrimResult(list(names), lower.copy(), upper.copy())
    lo, up = lower.copy(), upper.copy()
    result.trajectory.append(_box(x, y, lo, up))
    while True:
        nxt = _best_peel(x, y, lo, up, alpha)
        if nxt is None:
            break
        box = _box(x, y, *nxt)
        if box.mass < min_mass:
            break
        lo, up = nxt
        result.trajectory.append(box)
    return result


def paste(x, y, result, box, alpha=0.05):
    """Grow ``box`` back, a slice of ``alpha`` of its points at a time, along
    whichever lever raises its density most, while any does."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    lo, up = box.lower.copy(), box.upper.copy()
    current = _box(x, y, lo, up)
    while True:
        step = max(1, int(alpha * _inside(x, lo, up).sum()))
        best = None
        for j in range(x.shape[1]):
            others = _inside(np.delete(x, j, 1), np.delete(lo, j),
                             np.delete(up, j))
            below = np.sort(x[others & (x[:, j] < lo[j]), j])[::-1]
            above = np.sort(x[others & (x[:, j] > up[j]), j])
            for values, side in ((below, "low"), (above, "high")):
                if values.size == 0:
                    continue
                edge = values[min(step, values.size) - 1]
                cand_lo, cand_up = lo.copy(), up.copy()
                if side == "low":
                    cand_lo[j] = edge
                else:
                    cand_up[j] = edge
                cand = _box(x, y, cand_lo, cand_up)
                if cand.density > current.density and (
                        best is None or cand.density > best.density):
                    best = cand
        if best is None:
            return current
        lo, up, current = best.lower, best.upper, best
