"""Statistics across the replicates of mutsim runs.

Series are float64 arrays [R, T] (replicates x months) and ``dates`` is the
matching ``datetime64[M]`` array [T], as returned by ``reader.read_run``.
Every function here is pure: arrays in, numbers or tables out.
"""

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% CI

FAN_QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.50, "q75": 0.75,
                 "q95": 0.95}

NOT_REACHED = "not reached"


def month_index(dates, month):
    """Column of ``month`` ('YYYY-MM') in ``dates``; ValueError if absent."""
    hits = np.flatnonzero(dates == np.datetime64(month, "M"))
    if hits.size == 0:
        raise ValueError(f"month {month} is outside the horizon "
                         f"{dates[0]} to {dates[-1]}")
    return int(hits[0])


def fan_quantiles(values, dates=None):
    """Per-month quantiles across replicates for a fan chart.

    Returns a DataFrame with columns q05, q25, median, q75, q95 (numpy's
    linear interpolation between order statistics), one row per month,
    indexed by ``dates`` when given.
    """
    q = np.quantile(values, list(FAN_QUANTILES.values()), axis=0)
    return pd.DataFrame(q.T, columns=list(FAN_QUANTILES), index=dates)


def summarise(values):
    """Median and 90% interval (5th, 95th percentiles) of a 1-D sample.

    NaN entries (replicates where the quantity is undefined) are dropped;
    ``n`` counts the replicates that remain.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return {"median": np.nan, "q05": np.nan, "q95": np.nan, "n": 0}
    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return {"median": median, "q05": q05, "q95": q95, "n": values.size}


def wilson_interval(k, n, z=Z95):
    """Wilson score interval for a binomial proportion k/n.

    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
    Unlike the normal (Wald) interval it stays inside [0, 1] and does not
    collapse to a point when k = 0 or k = n, which is the usual case for a
    target that no replicate reaches. Returns (nan, nan) when n = 0.
    """
    if n == 0:
        return (np.nan, np.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def reached_by(share, dates, target_share, target_date):
    """Per replicate: was share >= target_share in any month up to and
    including ``target_date``? Boolean array [R]."""
    last = month_index(dates, target_date)
    return (share[:, :last + 1] >= target_share).any(axis=1)


def probability_reached(share, dates, target_share, target_date):
    """Probability of reaching the target by the target date.

    Returns a dict: k replicates reaching it, n replicates, p = k / n and
    the 95% Wilson interval (lo, hi).
    """
    reached = reached_by(share, dates, target_share, target_date)
    k, n = int(reached.sum()), int(reached.size)
    lo, hi = wilson_interval(k, n)
    return {"k": k, "n": n, "p": k / n if n else np.nan, "lo": lo, "hi": hi}


def first_crossing(share, target_share):
    """Per replicate, the first month index with share >= target_share,
    or -1 if the target is not reached within the horizon."""
    crossed = share >= target_share
    return np.where(crossed.any(axis=1), crossed.argmax(axis=1), -1)


def first_crossing_distribution(share, dates, target_share):
    """Distribution over replicates of the first month the target is met.

    DataFrame with columns month ('YYYY-MM' or 'not reached'), replicates
    and fraction, in date order with 'not reached' last.
    """
    first = first_crossing(share, target_share)
    counts = pd.Series(first).value_counts().sort_index()
    counts = pd.concat([counts[counts.index >= 0], counts[counts.index < 0]])
    months = [str(dates[i]) if i >= 0 else NOT_REACHED for i in counts.index]
    return pd.DataFrame({"month": months, "replicates": counts.to_numpy(),
                         "fraction": counts.to_numpy() / share.shape[0]})


def gap_in_workers(staff_in_mutuals, employment, dates, target_share,
                   target_date):
    """Workers missing from the target at the target date, per replicate:
    target_share * public_sector_employment - staff_in_mutuals.
    Negative means the target was exceeded."""
    col = month_index(dates, target_date)
    return target_share * employment[:, col] - staff_in_mutuals[:, col]


def spinout_sizes(events, last_month=None):
    """Staff per spin-out, by route, from ``/events`` rows of kind 'spinout'.

    ``last_month`` (an index into dates) keeps only spin-outs up to and
    including that month. Returns {route: ndarray of staff}, routes in
    order of first appearance.
    """
    rows = events[events["kind"] == "spinout"]
    if last_month is not None:
        rows = rows[rows["month"] <= last_month]
    return {route: group["staff"].to_numpy(dtype=float)
            for route, group in rows.groupby("route", sort=False)}


def size_summary(sizes):
    """Per-route count, mean and quantiles of staff per spin-out."""
    rows = []
    for route, staff in sizes.items():
        stats = summarise(staff)
        rows.append({"route": route, "spinouts": staff.size,
                     "mean": staff.mean() if staff.size else np.nan,
                     "median": stats["median"], "q05": stats["q05"],
                     "q95": stats["q95"]})
    return pd.DataFrame(rows, columns=["route", "spinouts", "mean", "median",
                                       "q05", "q95"])


# Working tolerances of this analysis for the observed patterns of
# BRIEF.md P1-P5 (re-read in issue 12): how far the simulated median may sit
# from the observed value (in the pattern's own unit) and still count as
# reproducing it. They are judgement calls, not published error bars; change
# them here only.
WORKING_TOLERANCES = {
    "P1": 0,      # "at least 39" is already a lower bound
    "P1b": 0.15,  # "about half" of them a whole PCT provider arm
    "P2a": 8,     # 19 proposals open
    "P2b": 3,     # 4 named as in progress
    "P3": 2,      # 2 abandoned between Jun and Nov 2012
    "P4": 0,      # the threshold ratio 2 already encodes "far smaller"
    "P5": 15,     # 53 mutuals serving the NHS (Cabinet Office figure)
}

RTP_SEED = "HSJ, right to provide (seeds/003)"

OBSERVED_TARGETS = [
    {"id": "P1", "statistic": "level", "date": "2011-12",
     "series": "spinouts_tcs_cumulative", "observed": 39, "comparison": ">=",
     "tolerance": WORKING_TOLERANCES["P1"],
     "source": "TCS set up more than twice P2's 19 NHS social enterprises "
               f"in 2010 and 2011; {RTP_SEED}"},
    {"id": "P1b", "statistic": "level", "date": "2011-12",
     "series": "spinouts_tcs_whole_share", "observed": 0.5,
     "comparison": "==", "tolerance": WORKING_TOLERANCES["P1b"],
     "source": "about half of the TCS social enterprises were a whole PCT "
               f"provider arm; {RTP_SEED}"},
    {"id": "P2a", "statistic": "level", "date": "2012-11",
     "series": "proposals_rtp_open", "observed": 19,
     "comparison": "==", "tolerance": WORKING_TOLERANCES["P2a"],
     "source": "19 Right to Provide proposals still open (4 in progress, "
               f"15 exploring), Nov 2012; {RTP_SEED}"},
    {"id": "P2b", "statistic": "level", "date": "2012-11",
     "series": "proposals_rtp_in_progress", "observed": 4,
     "comparison": "==", "tolerance": WORKING_TOLERANCES["P2b"],
     "source": f"4 named as in progress, Nov 2012; {RTP_SEED}"},
    {"id": "P3", "statistic": "listed_abandoned", "start": "2012-06",
     "date": "2012-11", "route": "rtp",
     "series": "rtp proposals open in 2012-06 abandoned by 2012-11",
     "observed": 2, "comparison": "==", "tolerance": WORKING_TOLERANCES["P3"],
     "source": "2 proposals listed in June 2012 since abandoned; "
               f"{RTP_SEED}"},
    {"id": "P4", "statistic": "proposal_size_ratio", "date": "2012-11",
     "series": "mean staff: tcs spin-outs / rtp proposals (open or "
               "abandoned)", "observed": 2,
     "comparison": ">=", "tolerance": WORKING_TOLERANCES["P4"],
     "routes": ("tcs", "rtp"),
     "source": "Right to Provide proposals far smaller on average than the "
               f"TCS social enterprises; no RtP mutual yet; {RTP_SEED}"},
    {"id": "P5", "statistic": "level", "date": "2013-10",
     "series": "mutuals_serving_nhs", "observed": 53, "comparison": "==",
     "tolerance": WORKING_TOLERANCES["P5"],
     "source": "53 mutuals provide some service to the NHS, about Oct 2013 "
               "(BRIEF's reading; the article is dated Aug 2014); "
               "HSJ, Mutuals in Health Pathfinder (seeds/000)"},
]


def target_values(target, series, dates, events):
    """Per-replicate simulated value of one observed target.

    'level' reads the series at the date, 'change' the difference between
    the date and ``start``; 'listed_abandoned' and 'proposal_size_ratio'
    read /events (proposals, see ``proposal_table``), weighting each row by
    its ``weight``. Raises KeyError naming the missing series or route and
    ValueError for a date off the horizon.
    """
    col = month_index(dates, target["date"])
    replicates = next(iter(series.values())).shape[0]
    if target["statistic"] == "listed_abandoned":
        return listed_abandoned(events, target["route"],
                                month_index(dates, target["start"]), col,
                                replicates)
    if target["statistic"] == "proposal_size_ratio":
        return proposal_size_ratio(events, col, replicates,
                                   *target["routes"])
    if target["series"] not in series:
        raise KeyError(f"series {target['series']} is not in the file")
    values = series[target["series"]]
    if target["statistic"] == "change":
        return values[:, col] - values[:, month_index(dates, target["start"])]
    return values[:, col]


PROPOSAL_KINDS = ("proposal", "in_progress", "spinout", "abandoned")


def proposal_table(events):
    """One row per proposal: replicate, route, start (month entered), end
    (month spun out or abandoned; NaN while open), outcome ('spinout',
    'abandoned' or ''), staff and weight. A proposal's events share its
    replicate, route, organisation and first unit (``service``) and come
    in order, so each 'proposal' row starts the next proposal of that key."""
    rows = events[events["kind"].isin(PROPOSAL_KINDS)].copy()
    if "weight" not in rows.columns:
        rows["weight"] = 1.0
    keys = ["replicate", "route", "organisation", "service"]
    rows = rows.sort_values(keys + ["month"], kind="stable")
    rows["n"] = (rows["kind"] == "proposal").groupby(
        [rows[k] for k in keys]).cumsum()
    starts = rows[rows["kind"] == "proposal"].set_index(keys + ["n"])
    ends = rows[rows["kind"].isin(("spinout", "abandoned"))]
    ends = ends.drop_duplicates(keys + ["n"]).set_index(keys + ["n"])
    table = pd.DataFrame({"start": starts["month"], "staff": starts["staff"],
                          "weight": starts["weight"]})
    table["end"] = ends["month"].reindex(table.index)
    table["outcome"] = ends["kind"].reindex(table.index).fillna("")
    return table.reset_index()


def listed_abandoned(events, route, listed_month, last_month, replicates):
    """Per replicate, proposals on ``route`` open at the end of month
    ``listed_month`` that were abandoned by ``last_month`` (weighted)."""
    p = proposal_table(events)
    p = p[p["route"] == route]
    hit = ((p["start"] <= listed_month) & (p["outcome"] == "abandoned")
           & (p["end"] > listed_month) & (p["end"] <= last_month))
    counts = p[hit].groupby("replicate")["weight"].sum()
    return counts.reindex(range(replicates), fill_value=0.0).to_numpy(float)


def proposal_size_ratio(events, last_month, replicates, big, small):
    """Per replicate, the weighted mean staff of ``big``-route spin-outs up
    to ``last_month`` over that of ``small``-route proposals entered by then
    and not spun out by then (open or abandoned). NaN where either is none."""
    spinouts = events[(events["kind"] == "spinout") & (events["route"] == big)
                      & (events["month"] <= last_month)]
    p = proposal_table(events)
    p = p[(p["route"] == small) & (p["start"] <= last_month)
          & ~((p["outcome"] == "spinout") & (p["end"] <= last_month))]
    for route, rows in ((big, spinouts), (small, p)):
        if rows.empty:
            raise KeyError(f"no {route} rows up to that date")
    ratio = _weighted_mean_staff(spinouts) / _weighted_mean_staff(p)
    return ratio.reindex(range(replicates)).to_numpy(dtype=float)


def _weighted_mean_staff(rows):
    weight = rows["weight"] if "weight" in rows.columns else 1.0
    weighted = (rows["staff"] * weight).groupby(rows["replicate"]).sum()
    total = pd.Series(weight, index=rows.index).groupby(
        rows["replicate"]).sum()
    return weighted / total


# The two comparisons of an observed target, by their symbol here and by
# their name in calibration files (scenarios/calibration.yaml).
COMPARISONS = {">=": ">=", "==": "==", "at_least": ">=", "equal": "=="}


def comparison_symbol(comparison):
    """'>=' or '==' for either spelling; ValueError for anything else."""
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}")
    return COMPARISONS[comparison]


def matches(values, comparison, observed, tolerance):
    """Element-wise: does a simulated value agree with the observation?

    '>=' (at least): value >= observed - tolerance; '==' (equal):
    |value - observed| <= tolerance. NaN (undefined) never agrees.
    """
    values = np.asarray(values, dtype=float)
    if comparison_symbol(comparison) == ">=":
        return values >= observed - tolerance
    return np.abs(values - observed) <= tolerance


def weighted_quantile(values, weights, q):
    """Inverse of the weighted empirical CDF: the smallest value whose
    normalised cumulative weight reaches q (as the C++ weighted_quantile of
    sim/calibration). NaN values and zero weights are dropped."""
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    keep = ~np.isnan(values) & (weights > 0)
    values, weights = values[keep], weights[keep]
    if values.size == 0:
        return np.nan
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights)
    i = np.searchsorted(cumulative, q * cumulative[-1] * (1 - 1e-12))
    return values[min(i, values.size - 1)]


MEDIAN_BOOTSTRAP_DRAWS = 4000
MEDIAN_BOOTSTRAP_SEED = 20121130  # any fixed seed: tables must be reproducible


def median_se(values, draws=MEDIAN_BOOTSTRAP_DRAWS,
              seed=MEDIAN_BOOTSTRAP_SEED):
    """Bootstrap standard error of the median of `values` (NaNs dropped).

    Not the normal-theory 1.2533 sd / sqrt(n): that is 1 / (2 f(m) sqrt(n))
    with f a smooth density at the median, and most pattern quantities are
    small counts (P3 is 0-3 abandonments), whose sample median jumps a whole
    unit when the distribution function sits near one half at an integer.
    The bootstrap measures that jump; on continuous quantities it agrees
    with the formula. NaN for fewer than two values.
    """
    values = np.asarray(values, float)
    values = values[~np.isnan(values)]
    if values.size < 2:
        return np.nan
    rng = np.random.default_rng(seed)
    resamples = rng.choice(values, size=(draws, values.size))
    return np.median(resamples, axis=1).std(ddof=1)


def evaluate_targets(series, dates, events, targets=OBSERVED_TARGETS):
    """Compare simulated and observed values of the P1-P5 patterns.

    One row per target: simulated median and 90% interval across
    replicates, the fraction of replicates agreeing, and ``consistent``:
    the observed value lies in the tolerance band around the simulated
    median ([median - tol, median + tol] for '==', at most median + tol for
    '>='). A target whose series, route or date is absent gets
    ``consistent`` None and a note instead of failing the whole table.
    """
    rows = []
    for target in targets:
        row = {key: target.get(key) for key in (
            "id", "statistic", "start", "date", "series", "comparison",
            "observed", "tolerance", "source")}
        try:
            values = target_values(target, series, dates, events)
        except (KeyError, ValueError) as exc:
            rows.append({**row, "median": np.nan, "q05": np.nan,
                         "q95": np.nan, "agreeing": np.nan,
                         "consistent": None,
                         "note": f"skipped: {exc.args[0]}"})
            continue
        stats = summarise(values)
        valid = values[~np.isnan(values)]
        agree = matches(valid, target["comparison"], target["observed"],
                        target["tolerance"])
        consistent = (bool(matches(stats["median"], target["comparison"],
                                   target["observed"], target["tolerance"]))
                      if stats["n"] else None)
        rows.append({**row, "median": stats["median"], "q05": stats["q05"],
                     "q95": stats["q95"],
                     "agreeing": agree.mean() if valid.size else np.nan,
                     "consistent": consistent,
                     "note": _valid_note(stats["n"], values.size)})
    return pd.DataFrame(rows)


def _valid_note(valid, total):
    if valid == total:
        return ""
    return f"defined in {valid} of {total} replicates"


def compare_runs(runs, baseline):
    """Cross-scenario comparison of the target.

    ``runs`` is a list of reader.Run, ``baseline`` the name of one of them.
    Per run: median and 90% interval of the share at its target date,
    probability of reaching the target with its Wilson interval, and the
    differences of both from the baseline. Rows are sorted by effect on the
    target: |delta probability|, then |delta median share|, largest first.
    """
    rows = []
    for run in runs:
        share = run.series["share_in_mutuals"]
        at_target = share[:, month_index(run.dates, run.target_date)]
        prob = probability_reached(share, run.dates, run.target_share,
                                   run.target_date)
        stats = summarise(at_target)
        rows.append({"scenario": run.name, "target_date": run.target_date,
                     "share_median": stats["median"],
                     "share_q05": stats["q05"], "share_q95": stats["q95"],
                     "p_reached": prob["p"], "p_lo": prob["lo"],
                     "p_hi": prob["hi"], "replicates": prob["n"]})
    table = pd.DataFrame(rows)
    base = table[table["scenario"] == baseline].iloc[0]
    table["delta_share"] = table["share_median"] - base["share_median"]
    table["delta_p"] = table["p_reached"] - base["p_reached"]
    order = np.lexsort((-table["delta_share"].abs(), -table["delta_p"].abs()))
    return table.iloc[order].reset_index(drop=True)
