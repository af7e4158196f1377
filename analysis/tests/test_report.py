import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from mutsim_analysis.report import main
from synthetic import make_file, plausible_file

SCRIPT = Path(__file__).resolve().parents[1] / "report.py"


def build(tmp_path, *files):
    out = tmp_path / "report"
    assert main([str(f) for f in files] + ["-o", str(out)]) == 0
    return out


def test_report_links_only_existing_local_images(tmp_path):
    out = build(tmp_path, plausible_file(tmp_path / "baseline.h5"),
                plausible_file(tmp_path / "reserved.h5", uplift=6, seed=2))
    page = (out / "index.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 8  # four figures per run
    assert all((out / name).is_file() for name in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<style>" in page


def test_summary_answers_the_questions(tmp_path):
    out = build(tmp_path, plausible_file(tmp_path / "baseline.h5"),
                plausible_file(tmp_path / "reserved.h5", uplift=6, seed=2))
    summary = (out / "summary.md").read_text()
    assert "baseline: baseline" in summary
    assert "moves the target most is reserved" in summary
    assert "No: no replicate reached the target" in summary
    assert "Gap to the target at 2015-03" in summary
    assert "| P1 | 2011-12 |" in summary


def test_baseline_defaults_to_the_first_file(tmp_path):
    out = build(tmp_path, plausible_file(tmp_path / "second.h5", seed=2),
                plausible_file(tmp_path / "first.h5"))
    assert "(baseline: second)" in (out / "summary.md").read_text()


def test_climate_chart_needs_the_climate_series(tmp_path):
    out = build(tmp_path, plausible_file(tmp_path / "baseline.h5"))
    assert (out / "baseline_climate.png").is_file()
    old = make_file(tmp_path / "old.h5",
                    {"share_in_mutuals": np.full((2, 72), 0.01)})
    out = build(tmp_path, old)
    assert not (out / "old_climate.png").exists()
    assert "figure skipped, no climate series" in \
        (out / "index.html").read_text()


def test_missing_route_is_noted_not_fatal(tmp_path):
    out = build(tmp_path, plausible_file(tmp_path / "baseline.h5"),
                plausible_file(tmp_path / "rtp_only.h5", routes=("rtp",)))
    summary = (out / "summary.md").read_text()
    assert "P1: skipped: series spinouts_tcs_cumulative is not in the file" \
        in summary
    assert (out / "rtp_only_sizes.png").is_file()


def test_file_without_events_or_share_skips_figures(tmp_path):
    bare = make_file(tmp_path / "bare.h5",
                     {"staff_total": np.ones((2, 72))})
    out = build(tmp_path, bare)
    page = (out / "index.html").read_text()
    assert "<img" not in page
    assert "series share_in_mutuals is missing" in page
    assert "the file has no spin-out events" in page


def test_share_without_staff_series_still_answers(tmp_path):
    share = np.full((4, 72), 0.01)
    share[1, 30:] = 0.2
    out = build(tmp_path, make_file(tmp_path / "baseline.h5",
                                    {"share_in_mutuals": share}))
    summary = (out / "summary.md").read_text()
    assert "in 1 of 4 replicates: probability 0.25" in summary
    assert "Gap in workers not available: missing staff_in_mutuals, " \
        "public_sector_employment" in summary
    assert (out / "baseline_share.png").is_file()


def run_cli(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True)


def test_cli_exit_code_2_names_the_bad_file(tmp_path):
    good = plausible_file(tmp_path / "baseline.h5", replicates=2)
    newer = make_file(tmp_path / "newer.h5",
                      {"share_in_mutuals": np.zeros((2, 72))},
                      attrs={"format_version": "2.0"})
    foreign = tmp_path / "foreign.h5"
    foreign.write_text("hello")
    for bad in (newer, foreign, tmp_path / "missing.h5"):
        result = run_cli(good, bad, "-o", tmp_path / "out")
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert str(bad) in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_refuses_two_files_with_one_scenario_name(tmp_path):
    (tmp_path / "a").mkdir()
    first = plausible_file(tmp_path / "baseline.h5", replicates=2)
    second = plausible_file(tmp_path / "a" / "baseline.h5", replicates=2)
    result = run_cli(first, second, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "baseline: two input files" in result.stderr


def test_cli_exit_code_0_on_good_files(tmp_path):
    good = plausible_file(tmp_path / "baseline.h5", replicates=2)
    result = run_cli(good, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
