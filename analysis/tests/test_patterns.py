"""analysis/patterns.py: the P1-P5 fit table `make run` prints."""

import subprocess
import sys
from pathlib import Path

from mutsim_analysis.patterns import main
from synthetic import make_file
from test_targets import pattern_events, pattern_series

SCRIPT = Path(__file__).resolve().parents[1] / "patterns.py"


def pattern_file(path):
    events = [tuple(row) for row in pattern_events().itertuples(index=False)]
    return make_file(path, pattern_series(), events=events)


def rows_by_id(text):
    lines = text.splitlines()
    return {line.split()[0]: line for line in lines[3:]}


def test_table_gives_each_pattern_its_verdict(tmp_path, capsys):
    assert main([str(pattern_file(tmp_path / "run.h5"))]) == 0
    out = capsys.readouterr().out
    # Known answers of test_targets: P1, P1b, P2b, P3 within; P2a, P5 off;
    # P4 ratios 12.5, 1, 10 of the defined replicates (median 10 >= 2).
    assert "over 5 replicate(s); 5 of 7 within tolerance" in out
    rows = rows_by_id(out)
    assert list(rows) == ["P1", "P1b", "P2a", "P2b", "P3", "P4", "P5"]
    assert rows["P1"].rstrip().endswith("ok")
    assert rows["P2a"].rstrip().endswith("OFF")
    assert rows["P5"].rstrip().endswith("OFF")
    assert " 37 " in rows["P5"]  # the simulated median


def test_not_a_mutsim_file_exits_2_naming_it(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    result = subprocess.run([sys.executable, str(SCRIPT), str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "bad.h5" in result.stderr and result.stdout == ""
