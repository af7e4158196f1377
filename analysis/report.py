"""Build the mutsim report: /usr/bin/python3 analysis/report.py FILES -o DIR

Python puts this script's folder first on sys.path, so the package beside
it imports without installation.
"""

import sys

from mutsim_analysis.report import main

if __name__ == "__main__":
    sys.exit(main())
