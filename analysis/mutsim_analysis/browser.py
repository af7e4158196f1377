"""Open an HTML page in headless Chromium and check it as a reader sees it.

    /usr/bin/python3 analysis/check_report.py report/index.html --screenshot report.png

Every image must load (natural width above zero) and the page must log no
error (console errors, failed loads, script exceptions). Uses Debian's
chromium, chromium-driver and python3-selenium; the page is read from disk
and the browser is kept off the network.
"""

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless as root needs --no-sandbox; the rest keep a fresh profile quiet
# and off the network (the machine has none).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--hide-scrollbars"]
WIDTH = 1200
MAX_HEIGHT = 16000  # a screenshot of the whole page, up to this many pixels

IMAGES = """return Array.from(document.images).map(
    img => [img.getAttribute("src"), img.complete, img.naturalWidth]);"""


class BrowserMissing(RuntimeError):
    """Chromium or its driver is not installed."""


@dataclass
class PageCheck:
    """What the browser saw: each image (src, natural width), the errors it
    logged, and the problems they add up to (none: the page is fine)."""

    page: Path
    images: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    screenshot: Path = None


def check_page(page, screenshot=None):
    """Loads ``page`` in headless Chromium; optionally saves a PNG of it."""
    page = Path(page).resolve()
    if not page.is_file():
        raise FileNotFoundError(page)
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).exists():
            raise BrowserMissing(f"{program} is not installed (Debian chromium, "
                                 "chromium-driver)")
    with tempfile.TemporaryDirectory(prefix="mutsim-chromium-") as profile:
        driver = _start(profile)
        try:
            driver.get(page.as_uri())  # returns once the load event has fired
            check = PageCheck(page=page)
            check.images = [(src, width if done else 0)
                            for src, done, width in driver.execute_script(IMAGES)]
            check.errors = [entry["message"] for entry in driver.get_log("browser")
                            if entry["level"] == "SEVERE"]
            if screenshot:
                check.screenshot = _save_screenshot(driver, Path(screenshot))
        finally:
            driver.quit()
    check.problems = [f"image {src} did not load" for src, width in check.images
                      if width <= 0]
    check.problems += [f"the page logged an error: {message}" for message in check.errors]
    return check


def _start(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}", f"--window-size={WIDTH},900"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver named outright: Selenium never looks for (or fetches) one.
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _save_screenshot(driver, path):
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(int(height), 600), MAX_HEIGHT))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not driver.save_screenshot(str(path)):
        raise RuntimeError(f"{path}: the browser did not save the screenshot")
    return path


def main(argv=None):
    """Exit status 0 when the page is fine, 1 with its problems, 2 when it
    cannot be checked (no such page, no browser)."""
    parser = argparse.ArgumentParser(description="Check an HTML page in headless Chromium.")
    parser.add_argument("page", type=Path, help="HTML file, e.g. report/index.html")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the whole page here")
    args = parser.parse_args(argv)
    try:
        check = check_page(args.page, args.screenshot)
    except (FileNotFoundError, BrowserMissing) as exc:
        print(f"check-report: error: {exc}", file=sys.stderr)
        return 2
    for problem in check.problems:
        print(f"check-report: {args.page}: {problem}", file=sys.stderr)
    if not check.problems:
        print(f"{args.page}: {len(check.images)} images loaded, no errors logged"
              + (f"; screenshot {check.screenshot}" if check.screenshot else ""))
    return 1 if check.problems else 0


if __name__ == "__main__":
    sys.exit(main())
