"""The mechanisms of the seeds in one run: a row each for the report.

Forms of mutuals and the two readings of the target, engagement, mutuals
founded before 2010, Any Qualified Provider by service line, the CCG
transition and Article 77's reserved contracts (docs/ODD.md sections 7.7
to 7.11). Each row reads series the run wrote; a series the run lacks (an
older file, a mechanism it does not have) leaves its row out, so the table
shows what the file holds and nothing else.
"""

import re

import numpy as np

from . import stats

FORM_SERIES = re.compile(r"^mutuals_active_(?!nhs$)(\w+)$")
LINE_SERIES = re.compile(r"^proposals_(\w+)_cumulative$")

# (mechanism, quantity, series, how to read it over months, kind of value)
FIXED_ROWS = [
    ("forms", "share, strict reading", "share_in_mutuals_strict", "at",
     "share"),
    ("forms", "share, broad reading (governance mutuals count)",
     "share_in_mutuals_broad", "at", "share"),
    ("forms", "staff off the public-sector payroll",
     "staff_left_public_payroll", "at", "count"),
    ("engagement", "mean engagement in mutuals", "mean_engagement_in_mutuals",
     "at", "level"),
    ("engagement", "mean engagement outside mutuals",
     "mean_engagement_outside_mutuals", "at", "level"),
    ("engagement", "engagement gap (in minus outside mutuals)",
     "engagement_gap", "at", "level"),
    ("before 2010", "mutuals founded before 2010 still active",
     "initial_mutuals_active", "at", "count"),
    ("AQP", "AQP volume losses of incumbent mutuals (cumulative)",
     "aqp_volume_losses_cumulative", "at", "count"),
    ("transition", "peak CCG transition uncertainty (NHS)",
     "commissioning_transition_uncertainty_nhs", "max", "level"),
    ("Article 77", "reserved awards to mutuals (cumulative)",
     "reserved_awards_cumulative", "at", "count"),
    ("Article 77", "awards kept open by the repeat bar (cumulative)",
     "reserved_barred_cumulative", "at", "count"),
]

FORMATS = {
    "share": lambda x: "n/a" if np.isnan(x) else f"{100 * x:.2f}%",
    "count": lambda x: "n/a" if np.isnan(x) else f"{x:,.1f}",
    "level": lambda x: "n/a" if np.isnan(x) else f"{x:.3f}",
}


def mechanism_rows(run, column):
    """Rows [mechanism, quantity, median, 90% interval] at month `column`
    (medians and intervals over replicates)."""
    rows = [_row(run, column, *spec) for spec in FIXED_ROWS]
    rows += [_row(run, column, "forms", f"mutuals of the form {form}",
                  f"mutuals_active_{form}", "at", "count")
             for form in _matches(run, FORM_SERIES)]
    for line in _matches(run, LINE_SERIES):
        for event in ("proposals", "abandoned", "spinouts"):
            rows.append(_row(run, column, "service lines",
                             f"{event} on {line} (cumulative)",
                             f"{event}_{line}_cumulative", "at", "count"))
    return [row for row in rows if row is not None]


def _matches(run, pattern):
    return [m.group(1) for name in sorted(run.series)
            if (m := pattern.match(name))]


def _row(run, column, mechanism, quantity, series, reading, kind):
    if series not in run.series:
        return None
    values = run.series[series]
    per_replicate = (values[:, column] if reading == "at"
                     else np.max(values[:, :column + 1], axis=1))
    s = stats.summarise(per_replicate)
    fmt = FORMATS[kind]
    return [mechanism, quantity, fmt(s["median"]),
            f"{fmt(s['q05'])} to {fmt(s['q95'])}"]
