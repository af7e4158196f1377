"""Build the mutsim report: PNG figures, index.html and summary.md.

    /usr/bin/python3 analysis/report.py results/*.h5 -o report/

Exit codes: 0 report written; 2 an input file is missing, not a mutsim
output, or of a newer format (one line on stderr names the file).
"""

import argparse
import html
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be set first)
import numpy as np  # noqa: E402

from . import stats  # noqa: E402
from .mechanisms import mechanism_rows  # noqa: E402
from .reader import FormatError, read_run  # noqa: E402

PIPELINE = [
    ("proposals_exploring", "exploring options"),
    ("proposals_in_progress", "in progress"),
    ("spinouts_cumulative", "spun out (cumulative)"),
    ("abandoned_cumulative", "abandoned (cumulative)"),
    ("mutual_failures_cumulative", "mutual failures (cumulative)"),
]
GAP_SERIES = ["staff_in_mutuals", "public_sector_employment"]
MAX_STRIP_POINTS = 2000  # per route: enough to show the spread, small PNGs

CSS = """
body { font-family: sans-serif; max-width: 70em; margin: 2em auto;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
.note { color: #a60; }
"""


class Skipped(Exception):
    """A figure that this file lacks the data to draw."""


@dataclass
class Section:
    """The analysis of one run, ready to render as HTML and Markdown."""

    name: str
    answer: str = ""
    figures: list = field(default_factory=list)  # (caption, file name)
    tables: list = field(default_factory=list)   # (title, headers, rows)
    notes: list = field(default_factory=list)


def main(argv=None):
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        description="Report on mutsim HDF5 output files.")
    parser.add_argument("files", nargs="+", type=Path,
                        help="mutsim output files; scenario = file stem")
    parser.add_argument("-o", "--output", type=Path, default=Path("report"),
                        help="output folder (default: report)")
    args = parser.parse_args(argv)
    try:
        runs = [read_run(path) for path in args.files]
    except FormatError as exc:
        print(f"mutsim-report: error: {exc}", file=sys.stderr)
        return 2
    duplicate = [n for n, c in Counter(r.name for r in runs).items() if c > 1]
    if duplicate:
        print(f"mutsim-report: error: {duplicate[0]}: two input files have "
              "this scenario name (file stem); rename one", file=sys.stderr)
        return 2
    build_report(runs, args.output)
    print(f"report written to {args.output / 'index.html'}")
    return 0


def build_report(runs, out_dir):
    """Write figures, index.html and summary.md for ``runs`` into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = [analyse_run(run, out_dir) for run in runs]
    overview = compare_section(runs)
    write_html(overview, sections, out_dir / "index.html")
    write_markdown(overview, sections, out_dir / "summary.md")


# ---------------------------------------------------------------- analysis


def analyse_run(run, out_dir):
    """Statistics and figures for one run."""
    section = Section(run.name)
    try:
        stats.month_index(run.dates, run.target_date)
    except ValueError as exc:
        section.notes.append(f"no target statistics: target date {exc}")
    else:
        headline(run, section)
        mechanisms = mechanism_rows(
            run, stats.month_index(run.dates, run.target_date))
        if mechanisms:
            section.tables.append((
                f"The seeds' mechanisms at {run.target_date} (medians over "
                "replicates)", ["mechanism", "quantity", "median",
                                "90% interval"], mechanisms))
    targets = stats.evaluate_targets(run.series, run.dates, run.events)
    section.tables.append(("Observed patterns P1-P5", *target_table(targets)))
    section.notes.extend(f"{row.id}: {row.note}" for row in
                         targets.itertuples() if row.note)
    sizes = stats.size_summary(route_sizes(run))
    section.tables.append(("Staff per spin-out by route (all replicates)",
                           *size_table(sizes)))
    for draw, suffix, caption in (
            (fan_chart, "share", "Share of public-sector workers in mutuals"),
            (lambda r, p: pipeline_chart(r, targets, p), "pipeline",
             "Spin-out pipeline and observed patterns"),
            (size_chart, "sizes", "Staff per spin-out by route"),
            (climate_chart, "climate",
             "The climate the model read: contract security by "
             "organisation type, wait-and-see, fund")):
        filename = f"{run.name}_{suffix}.png"
        try:
            notes = draw(run, out_dir / filename)
        except Skipped as exc:
            section.notes.append(f"{caption}: figure skipped, {exc}")
            continue
        section.figures.append((caption, filename))
        section.notes.extend(f"{caption}: {note}" for note in notes)
    return section


def headline(run, section):
    """The answer to 'could one in six have been met', with tables."""
    if "share_in_mutuals" not in run.series:
        section.notes.append("no target statistics: series share_in_mutuals "
                             "is missing")
        return
    share = run.series["share_in_mutuals"]
    col = stats.month_index(run.dates, run.target_date)
    prob = stats.probability_reached(share, run.dates, run.target_share,
                                     run.target_date)
    at_target = stats.summarise(share[:, col])
    section.answer = (
        f"{verdict(prob)} The share reached {pct(run.target_share)} in any "
        f"month up to {run.target_date} in {prob['k']} of {prob['n']} "
        f"replicates: probability {prob['p']:.2f} (95% Wilson interval "
        f"{prob['lo']:.2f} to {prob['hi']:.2f}). Share at {run.target_date}: "
        f"median {pct(at_target['median'])} (90% interval "
        f"{pct(at_target['q05'])} to {pct(at_target['q95'])}). "
        + gap_sentence(run))
    crossing = stats.first_crossing_distribution(share, run.dates,
                                                 run.target_share)
    section.tables.append((
        "First month the target is reached", ["month", "replicates",
                                              "fraction"],
        [[r.month, str(r.replicates), f"{r.fraction:.2f}"]
         for r in crossing.itertuples()]))


def gap_sentence(run):
    missing = [s for s in GAP_SERIES if s not in run.series]
    if missing:
        return "Gap in workers not available: missing " + ", ".join(missing)
    gap = stats.summarise(stats.gap_in_workers(
        run.series["staff_in_mutuals"], run.series["public_sector_employment"],
        run.dates, run.target_share, run.target_date))
    return (f"Gap to the target at {run.target_date}: "
            f"{workers(gap['median'])} workers (90% interval "
            f"{workers(gap['q05'])} to {workers(gap['q95'])}).")


def verdict(prob):
    if prob["k"] == 0:
        return "No: no replicate reached the target by the target date."
    if prob["k"] == prob["n"]:
        return "Yes: every replicate reached the target by the target date."
    return "Possibly: some replicates reached the target by the target date."


def compare_section(runs):
    """Cross-scenario table and the answer to 'which moves it most'."""
    section = Section("Scenario comparison")
    usable = []
    for run in runs:
        try:
            stats.month_index(run.dates, run.target_date)
        except ValueError:
            section.notes.append(f"{run.name}: left out, target date "
                                 f"{run.target_date} is off its horizon")
            continue
        if "share_in_mutuals" not in run.series:
            section.notes.append(f"{run.name}: left out, no "
                                 "share_in_mutuals series")
            continue
        usable.append(run)
    if not usable:
        section.answer = "No run has the series needed for a comparison."
        return section
    names = [run.name for run in usable]
    baseline = "baseline" if "baseline" in names else names[0]
    table = stats.compare_runs(usable, baseline)
    section.tables.append((f"Share at target date and probability of "
                           f"reaching it (baseline: {baseline})",
                           *comparison_table(table)))
    section.answer = moves_most(table, baseline)
    return section


def moves_most(table, baseline):
    others = table[table["scenario"] != baseline]
    if others.empty:
        return f"Only one scenario ({baseline}); nothing to compare."
    top = others.iloc[0]
    if top["delta_p"] == 0 and top["delta_share"] == 0:
        return f"No scenario changes the target statistics of {baseline}."
    return (f"The scenario that moves the target most is {top['scenario']}: "
            f"probability of reaching it {top['delta_p']:+.2f} and median "
            f"share at the target date {100 * top['delta_share']:+.2f} "
            f"percentage points against {baseline}.")


# ----------------------------------------------------------------- figures


def fan(ax, dates, values, label, color):
    """Median line with 50% and 90% bands across replicates."""
    q = stats.fan_quantiles(values)
    x = dates.astype("datetime64[D]")
    ax.fill_between(x, q["q05"], q["q95"], color=color, alpha=0.15,
                    linewidth=0)
    ax.fill_between(x, q["q25"], q["q75"], color=color, alpha=0.3,
                    linewidth=0)
    ax.plot(x, q["median"], color=color, label=label)


def fan_chart(run, path):
    if "share_in_mutuals" not in run.series:
        raise Skipped("series share_in_mutuals is missing")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    fan(ax, run.dates, 100 * run.series["share_in_mutuals"],
        "median (bands: 50%, 90%)", "tab:blue")
    ax.axhline(100 * run.target_share, color="tab:red", linestyle="--",
               label=f"target {pct(run.target_share)}")
    ax.axvline(np.datetime64(run.target_date, "D"), color="grey",
               linestyle=":", label=f"target date {run.target_date}")
    ax.set_ylabel("% of public-sector workers in mutuals")
    ax.set_title(f"{run.name}: share in mutuals")
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    save(fig, path)
    return []


def climate_chart(run, path):
    """Medians of the signals staff and proposals read (format 1.2)."""
    security = sorted(n for n in run.series
                      if n.startswith("contract_security_"))
    if not security or "wait_and_see_signal" not in run.series:
        raise Skipped("no climate series (a file of format 1.1 or older)")
    x = run.dates.astype("datetime64[D]")
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(9, 10),
                                              sharex=True)
    for name, color in zip(security, plt.cm.tab10.colors):
        top.plot(x, np.median(run.series[name], axis=0), color=color,
                 label=name.removeprefix("contract_security_"))
    top.set_ylabel("contract security [0, 1]")
    top.set_title(f"{run.name}: the climate (medians across replicates)")
    top.legend(loc="upper left", fontsize="small", ncol=2)
    for name, label, color in (
            ("wait_and_see_signal", "wait-and-see signal", "tab:blue"),
            ("wait_and_see_uncertainty", "its uncertainty", "tab:orange"),
            ("information_level", "information level", "tab:green")):
        if name in run.series:
            middle.plot(x, np.median(run.series[name], axis=0),
                        color=color, label=label)
    middle.set_ylabel("signal")
    middle.legend(loc="upper left", fontsize="small")
    if "fund_remaining_gbp" in run.series:
        bottom.plot(x, np.median(run.series["fund_remaining_gbp"], axis=0)
                    / 1e6, color="tab:purple", label="fund remaining")
    if "mutuals_on_reserved_contracts" in run.series:
        twin = bottom.twinx()
        twin.plot(x, np.median(run.series["mutuals_on_reserved_contracts"],
                               axis=0), color="tab:red",
                  label="mutuals on reserved contracts")
        twin.set_ylabel("mutuals on reserved contracts")
        twin.legend(loc="upper right", fontsize="small")
    bottom.set_ylabel("GBP million")
    bottom.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    save(fig, path)
    return []


def pipeline_chart(run, targets, path):
    present = [(n, label) for n, label in PIPELINE if n in run.series]
    if not present:
        raise Skipped("none of the pipeline series is in the file")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
    for (name, label), color in zip(present, plt.cm.tab10.colors):
        fan(top, run.dates, run.series[name], label, color)
    top.set_ylabel("proposals / mutuals (all routes)")
    top.set_title(f"{run.name}: pipeline (median, 50% and 90% bands)")
    top.legend(loc="upper left", fontsize="small")
    observed_panel(bottom, run, targets)
    fig.autofmt_xdate()
    save(fig, path)
    return [f"series {name} is missing" for name, _ in PIPELINE
            if name not in run.series]


def observed_panel(ax, run, targets):
    """The series behind P1-P5 with the observed values on top."""
    colors = iter(plt.cm.tab10.colors)
    lines = []
    for target, row in zip(stats.OBSERVED_TARGETS, targets.itertuples()):
        lines.append(f"{row.id} {status(row.consistent)}: simulated "
                     f"{number(row.median)} vs {row.comparison} "
                     f"{row.observed} (tol {row.tolerance})")
        # Event statistics have no series; shares do not belong on a count axis.
        if (target["statistic"] not in ("level", "change")
                or target["series"].endswith("_share")
                or row.consistent is None):
            continue
        color = next(colors)
        values = run.series[target["series"]]
        fan(ax, run.dates, values, f"{row.id}: {target['series']}", color)
        y = row.observed
        if target["statistic"] == "change":
            # The observation is a change: anchor it on the simulated start.
            start = stats.month_index(run.dates, target["start"])
            y += np.median(values[:, start])
        ax.errorbar(np.datetime64(target["date"], "D"), y,
                    yerr=None if row.comparison == ">=" else row.tolerance,
                    marker="^" if row.comparison == ">=" else "o",
                    color=color, markeredgecolor="black", capsize=4,
                    linestyle="none")
    ax.text(0.99, 0.02, "\n".join(lines), transform=ax.transAxes,
            ha="right", va="bottom", fontsize="x-small", family="monospace",
            bbox={"facecolor": "white", "alpha": 0.8})
    ax.set_ylabel("count")
    ax.set_title("series of P1-P5; markers: observed (bars: tolerance, "
                 "^: at least)", fontsize="medium")
    ax.legend(loc="upper left", fontsize="x-small")


def route_sizes(run):
    """Staff per spin-out by route, in the scenario's route order."""
    sizes = stats.spinout_sizes(run.events)
    order = [r for r in run.routes if r in sizes]
    return {r: sizes[r] for r in order + [r for r in sizes
                                          if r not in order]}


def size_chart(run, path):
    sizes = route_sizes(run)
    if not sizes:
        raise Skipped("the file has no spin-out events")
    # Log scale: spin-outs run from a 20-staff unit to whole PCT arms, and
    # a log axis cannot show a zero-staff row.
    data = [staff[staff > 0] for staff in sizes.values()]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.boxplot(data, labels=list(sizes), showfliers=False)
    rng = np.random.default_rng(0)  # fixed jitter: same PNG on every build
    for i, staff in enumerate(data, start=1):
        shown = staff if staff.size <= MAX_STRIP_POINTS else rng.choice(
            staff, MAX_STRIP_POINTS, replace=False)
        ax.scatter(i + rng.uniform(-0.15, 0.15, shown.size), shown, s=6,
                   alpha=0.4, color="tab:blue")
    ax.set_yscale("log")
    ax.set_ylabel("staff per spin-out")
    ax.set_title(f"{run.name}: spin-out size by route (all replicates)")
    save(fig, path)
    return [f"route {r} has no spin-outs" for r in run.routes
            if r not in sizes]


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------ tables


def pct(x):
    return "n/a" if np.isnan(x) else f"{100 * x:.2f}%"


def workers(x):
    return "n/a" if np.isnan(x) else f"{x:,.0f}"


def number(x):
    return "n/a" if np.isnan(x) else f"{x:,.3g}"


def status(consistent):
    return {True: "ok", False: "OFF", None: "skipped"}[consistent]


def interval(lo, hi, fmt):
    return f"{fmt(lo)} to {fmt(hi)}"


def target_table(targets):
    headers = ["id", "date", "quantity", "observed", "simulated median",
               "90% interval", "replicates agreeing", "consistent"]
    rows = [[r.id, r.date, r.series if r.statistic != "change"
             else f"change in {r.series} since {r.start}",
             f"{r.comparison} {r.observed} (tol {r.tolerance})",
             number(r.median), interval(r.q05, r.q95, number),
             "n/a" if np.isnan(r.agreeing) else f"{r.agreeing:.0%}",
             status(r.consistent)] for r in targets.itertuples()]
    return headers, rows


def size_table(sizes):
    headers = ["route", "spin-outs", "median staff", "mean staff",
               "90% interval"]
    rows = [[r.route, str(r.spinouts), number(r.median), number(r.mean),
             interval(r.q05, r.q95, number)] for r in sizes.itertuples()]
    return headers, rows


def comparison_table(table):
    headers = ["scenario", "target date", "median share", "90% interval",
               "P(reached)", "95% Wilson", "change in P", "change in share"]
    rows = [[r.scenario, r.target_date, pct(r.share_median),
             interval(r.share_q05, r.share_q95, pct), f"{r.p_reached:.2f}",
             interval(r.p_lo, r.p_hi, lambda x: f"{x:.2f}"),
             f"{r.delta_p:+.2f}", f"{100 * r.delta_share:+.2f} pts"]
            for r in table.itertuples()]
    return headers, rows


# ----------------------------------------------------------------- writers


def html_table(title, headers, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row)
                   + "</tr>\n" for row in rows)
    return (f"<h3>{html.escape(title)}</h3>\n<table><tr>{head}</tr>\n"
            f"{body}</table>\n")


def html_section(section):
    parts = [f"<h2>{html.escape(section.name)}</h2>\n"]
    if section.answer:
        parts.append(f"<p>{html.escape(section.answer)}</p>\n")
    parts += [html_table(*table) for table in section.tables]
    parts += [f'<figure><img src="{quote(name)}" alt="{html.escape(cap)}">'
              f"<figcaption>{html.escape(cap)}</figcaption></figure>\n"
              for cap, name in section.figures]
    if section.notes:
        parts.append('<ul class="note">' + "".join(
            f"<li>{html.escape(n)}</li>" for n in section.notes) + "</ul>\n")
    return "".join(parts)


def write_html(overview, sections, path):
    body = "".join(html_section(s) for s in [overview, *sections])
    path.write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>mutsim report</title><style>{CSS}</style></head><body>\n"
        "<h1>mutsim report: one in six public-sector workers in mutuals?"
        f"</h1>\n{body}</body></html>\n", encoding="utf-8")


def md_table(title, headers, rows):
    lines = [f"### {title}", "", "| " + " | ".join(headers) + " |",
             "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def md_section(section):
    parts = [f"## {section.name}\n"]
    if section.answer:
        parts.append(section.answer + "\n")
    parts += [md_table(*table) for table in section.tables]
    parts += [f"![{cap}]({quote(name)})\n" for cap, name in section.figures]
    parts += [f"- note: {note}" for note in section.notes]
    return "\n".join(parts) + "\n\n"


def write_markdown(overview, sections, path):
    path.write_text("# mutsim report: one in six public-sector workers in "
                    "mutuals?\n\n"
                    + "".join(md_section(s) for s in [overview, *sections]),
                    encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
