"""The answer under uncertainty (issue 16): /usr/bin/python3
analysis/answer.py scenarios/answer/answer.yaml -o DIR [--posterior FILE]
[--profile quick] [--morris FILE]. docs/ANSWER.md says what it computes.

Python puts this script's folder first on sys.path, so the package beside
it imports without installation.
"""

import sys

from mutsim_analysis.answer import main

if __name__ == "__main__":
    sys.exit(main())
