"""Check the HTML report in headless Chromium:

    /usr/bin/python3 analysis/check_report.py report/index.html [--screenshot report.png]

Exit 0: every image loads and the page logs no error; 1: it does not (each
problem on stderr); 2: no such page, or no browser installed.
"""

import sys

from mutsim_analysis.browser import main

if __name__ == "__main__":
    sys.exit(main())
