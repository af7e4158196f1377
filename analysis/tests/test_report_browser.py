"""The HTML report in a real browser (headless Chromium): every image loads,
the page logs no error, a screenshot is saved; and the check fails when an
image is missing or the page logs an error."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mutsim_analysis.browser import check_page
from mutsim_analysis.report import main as report
from synthetic import plausible_file

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MUTSIM_BINARY", REPO / "build" / "bin" / "mutsim"))
SCRIPT = REPO / "analysis" / "check_report.py"
# Kept for a person to look at after `make test`.
SCREENSHOT = REPO / "build" / "test-artifacts" / "report.png"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """A report of a tiny real run (the small test scenario) and a synthetic one."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built: run 'make build' first")
    folder = tmp_path_factory.mktemp("browser")
    real = folder / "small.h5"
    subprocess.run([str(BINARY), "run", str(REPO / "tests/data/small.yaml"), "-o", str(real),
                    "-q", "--replicates", "4", "--set", "target.date=2012-06",
                    "--set", "population.scale=0.5"], check=True)
    synthetic = plausible_file(folder / "synthetic.h5")
    out = folder / "report"
    assert report([str(real), str(synthetic), "-o", str(out)]) == 0
    return out


def test_every_image_loads_and_nothing_is_logged(report_dir):
    check = check_page(report_dir / "index.html", screenshot=SCREENSHOT)
    assert check.problems == []
    assert len(check.images) == 8  # four figures per run
    assert all(width > 0 for _, width in check.images)
    assert check.screenshot == SCREENSHOT
    png = SCREENSHOT.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width >= 1000 and height > 900  # the whole page, not the first screen


def test_a_missing_image_fails_the_check(report_dir, tmp_path):
    broken = tmp_path / "report"
    shutil.copytree(report_dir, broken)
    (broken / "small_share.png").unlink()
    check = check_page(broken / "index.html")
    assert "image small_share.png did not load" in check.problems
    assert any("small_share.png" in p and "ERR_FILE_NOT_FOUND" in p for p in check.problems)
    done = subprocess.run([sys.executable, str(SCRIPT), str(broken / "index.html")],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    assert "image small_share.png did not load" in done.stderr


def test_a_script_error_fails_the_check(report_dir, tmp_path):
    broken = tmp_path / "report"
    shutil.copytree(report_dir, broken)
    page = broken / "index.html"
    page.write_text(page.read_text().replace("</body>",
                                             "<script>undefinedFunction();</script></body>"))
    check = check_page(page)
    assert len(check.problems) == 1
    assert "undefinedFunction" in check.problems[0]
