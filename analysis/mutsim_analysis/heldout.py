"""Held-out figures (scenarios/validation/heldout.yaml): public figures the
calibration does not use, read in the vocabulary of the observed targets
(``stats.OBSERVED_TARGETS``) so ``stats.target_values`` measures them, and
their predictive fit: where each observation falls among simulated values.

A held-out figure that is also a calibration target (the same series and
date, or the same id) is refused: it would no longer be out of sample.
"""

from pathlib import Path

import numpy as np
import yaml

from . import stats

COMPARISONS = {"equal": "==", "at_least": ">="}
STATISTICS = ("level", "change")
REQUIRED = ("id", "statistic", "series", "date", "observed", "comparison",
            "reading", "source")


class HeldOutError(ValueError):
    """A held-out file that cannot be used; the message names file and key."""


def _figure(path, index, raw):
    where = f"{path}: figures[{index}]"
    if not isinstance(raw, dict):
        raise HeldOutError(f"{where}: expected a mapping")
    for key in REQUIRED:
        if raw.get(key) in (None, ""):
            raise HeldOutError(f"{where}: missing key '{key}'")
    if raw["statistic"] not in STATISTICS:
        raise HeldOutError(f"{where}.statistic: '{raw['statistic']}' is not "
                           f"one of {', '.join(STATISTICS)}")
    if raw["statistic"] == "change" and not raw.get("start"):
        raise HeldOutError(f"{where}: a 'change' needs 'start'")
    if raw["comparison"] not in COMPARISONS:
        raise HeldOutError(f"{where}.comparison: '{raw['comparison']}' is "
                           f"not one of {', '.join(COMPARISONS)}")
    try:
        observed = float(raw["observed"])
    except (TypeError, ValueError):
        raise HeldOutError(f"{where}.observed: not a number") from None
    return {**raw, "date": str(raw["date"]),
            "start": str(raw["start"]) if raw.get("start") else None,
            "observed": observed,
            "comparison": COMPARISONS[raw["comparison"]], "tolerance": 0.0}


def load_heldout(path):
    """The figures of a held-out file, as target dicts; HeldOutError names
    the file and the key of anything missing or malformed."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise HeldOutError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("figures"), list):
        raise HeldOutError(f"{path}: expected a list under 'figures'")
    figures = [_figure(path, i, raw) for i, raw in enumerate(doc["figures"])]
    ids = [f["id"] for f in figures]
    if len(set(ids)) != len(ids):
        raise HeldOutError(f"{path}: figure ids repeat: {ids}")
    return figures


def load_targets(calibration_path):
    """The calibration's targets (id, series, date) from its YAML file."""
    doc = yaml.safe_load(Path(calibration_path).read_text())
    return [{"id": t["id"], "series": t.get("series"),
             "date": str(t["date"])} for t in doc["targets"]]


def check_disjoint(figures, targets, path="held-out file"):
    """Refuse a held-out figure that is a calibration target by id or by
    (series, date)."""
    used = {(t["series"], t["date"]) for t in targets}
    ids = {t["id"] for t in targets}
    for f in figures:
        if f["id"] in ids or (f["series"], f["date"]) in used:
            raise HeldOutError(f"{path}: figure {f['id']} ({f['series']} at "
                               f"{f['date']}) is a calibration target")


def predictive_fit(figures, series, dates, events, weights=None):
    """One row per figure: observed, predictive median and 90% interval
    over the simulated values (replicates, or draws x replicates, weighted
    by ``weights`` when given), the predictive quantile of the observation
    and ``inside`` (the observation within the 90% interval; for '>=' at
    or below its 95th percentile). A figure whose date is off the horizon
    gets inside None and a note."""
    rows = []
    for f in figures:
        row = {k: f[k] for k in ("id", "series", "date", "observed",
                                 "comparison", "source")}
        try:
            values = np.asarray(stats.target_values(f, series, dates, events),
                                dtype=float)
        except (KeyError, ValueError) as exc:
            rows.append({**row, "median": np.nan, "q05": np.nan,
                         "q95": np.nan, "quantile": np.nan, "inside": None,
                         "note": f"not checked: {exc.args[0]}"})
            continue
        w = (np.ones_like(values) if weights is None
             else np.asarray(weights, dtype=float))
        w = np.where(np.isnan(values), 0.0, w)
        q05, median, q95 = (stats.weighted_quantile(values, w, q)
                            for q in (0.05, 0.5, 0.95))
        below = w[values < f["observed"]].sum() / w.sum()
        inside = (f["observed"] <= q95 if f["comparison"] == ">="
                  else q05 <= f["observed"] <= q95)
        rows.append({**row, "median": median, "q05": q05, "q95": q95,
                     "quantile": below, "inside": bool(inside), "note": ""})
    return rows
