"""The P1-P5 fit table of analysis/patterns.py, as plain text."""

import argparse
import sys
from pathlib import Path

from .reader import FormatError, read_run
from .report import target_table
from .stats import evaluate_targets


def text_table(headers, rows):
    """Columns padded to their widest cell, for a terminal."""
    widths = [max(len(cell) for cell in column)
              for column in zip(headers, *rows)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])]
                     + [line(row) for row in rows])


def patterns_text(run):
    targets = evaluate_targets(run.series, run.dates, run.events)
    replicates = next(iter(run.series.values())).shape[0]
    met = int((targets["consistent"] == True).sum())  # noqa: E712 (None = skipped)
    title = (f"{run.path}: BRIEF.md patterns P1-P5 over {replicates} "
             f"replicate(s); {met} of {len(targets)} within tolerance")
    return title + "\n" + text_table(*target_table(targets))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Fit of mutsim runs to the observed patterns P1-P5.")
    parser.add_argument("files", nargs="+", type=Path,
                        help="mutsim output files")
    args = parser.parse_args(argv)
    for path in args.files:
        try:
            run = read_run(path)
        except FormatError as exc:
            print(f"mutsim-patterns: error: {exc}", file=sys.stderr)
            return 2
        print(patterns_text(run))
    return 0
