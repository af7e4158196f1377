"""Print the fit of mutsim runs to BRIEF.md's patterns P1-P5.

    /usr/bin/python3 analysis/patterns.py results/baseline.h5 [MORE.h5 ...]

One table per file: each pattern's observed value and working tolerance
(docs/ANALYSIS.md), the simulated median and 90% interval across replicates,
the share of replicates agreeing and whether the median is within the
tolerance. `make run` prints it after the baseline run. Exit status 0, or 2
when a file is not mutsim output (the message names it).
"""

import sys

from mutsim_analysis.patterns import main

if __name__ == "__main__":
    sys.exit(main())
