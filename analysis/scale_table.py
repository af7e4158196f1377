"""Does a sample estimate the whole? The scale table of docs/ODD.md section 8.

    /usr/bin/python3 analysis/scale_table.py FULL.h5 SAMPLE.h5 [MORE.h5 ...]

FULL.h5 is a run at population.scale 1, each SAMPLE.h5 the same scenario at
a smaller scale. For every P1-P5 quantity (stats.OBSERVED_TARGETS) and the
share in mutuals at the target date: the median across replicates at each
scale, its bootstrap standard error (stats.median_se: 4000 resamples,
fixed seed; a normal-theory formula does not describe small counts), and
whether each sample's median is within 10% of the full run's or within two
standard errors of the difference, where that is wider. The last column
is the variance cost: how many times more replicates the smallest sample
needs for the interval the full run gets, (variance at that scale) /
(variance at scale 1), from the same runs.

A second table checks the design's claim directly: the mean across
replicates at each scale, its standard error, and the z of each sample's
mean against the full run's (independent seeds), with k the Bonferroni
bound at family-wise false-alarm rate 0.01 over all the comparisons, as
tests/engine/test_sampling.cpp does on its miniature.
Exit status 0 when every median is within its band and every |z| < k,
1 otherwise.
"""

import sys

import numpy as np
from scipy.stats import norm

from mutsim_analysis import stats
from mutsim_analysis.reader import read_run


def quantities(run):
    """{name: per-replicate values} for the patterns and the 2015 share."""
    out = {}
    for target in stats.OBSERVED_TARGETS:
        out[target["id"]] = stats.target_values(target, run.series, run.dates,
                                                run.events)
    # The target date, or the last month of a shorter run.
    month = min(run.target_date, str(run.dates[-1]))
    col = stats.month_index(run.dates, month)
    out[f"share {month}"] = run.series["share_in_mutuals"][:, col]
    return out


def summary(values):
    values = values[~np.isnan(values)]
    sd = values.std(ddof=1) if values.size > 1 else np.nan
    return np.median(values), stats.median_se(values), sd


def mean_se(values):
    values = values[~np.isnan(values)]
    return values.mean(), values.std(ddof=1) / np.sqrt(values.size)


def means_table(tables, heads):
    """Print the means table; True when every |z| is below k."""
    comparisons = len(tables[0]) * (len(tables) - 1)
    k = norm.ppf(1 - 0.01 / comparisons / 2)
    mean_heads = [h.replace("median", "mean") for h in heads]
    print("\n| quantity | " + " | ".join(mean_heads)
          + f" | largest abs(z) (k = {k:.2f}) |")
    print("|---" * (len(tables) + 2) + "|")
    ok = True
    for name in tables[0]:
        m1, se1 = mean_se(tables[0][name])
        cells, zs = [], []
        for table in tables:
            m, se = mean_se(table[name])
            cells.append(f"{m:.4g} ({se:.2g})")
            if table is not tables[0]:
                zs.append(abs(m - m1) / np.hypot(se, se1))
        ok &= max(zs) < k
        print(f"| {name} | " + " | ".join(cells) + f" | {max(zs):.2f} |")
    return ok


def main(paths):
    runs = [read_run(p) for p in paths]
    scales = [float(r.attrs["scale"]) for r in runs]
    tables = [quantities(r) for r in runs]
    heads = [f"scale {s:g} ({r.attrs['replicates']} reps) median (se)"
             for s, r in zip(scales, runs)]
    print("| quantity | " + " | ".join(heads)
          + " | within band | variance ratio |")
    print("|---" * (len(runs) + 3) + "|")
    ok = True
    for name in tables[0]:
        cells, within = [], []
        m1, se1, sd1 = summary(tables[0][name])
        for table in tables:
            m, se, sd = summary(table[name])
            cells.append(f"{m:.4g} ({se:.2g})")
            if table is not tables[0]:
                band = max(0.1 * abs(m1), 2 * np.hypot(se, se1))
                within.append(abs(m - m1) <= band)
        ok &= all(within)
        ratio = (summary(tables[-1][name])[2] / sd1) ** 2
        print(f"| {name} | " + " | ".join(cells) + " | "
              + ("yes" if all(within) else "NO") + f" | {ratio:.2g} |")
    ok &= means_table(tables, heads)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
