"""The HTML report as a person sees it, in headless Chromium: on the simulated store and on the real slice.

Each report is opened from disk at 1,280 px, photographed whole into test-artifacts/, and checked for what a reader
would notice (tests/page_checks.py): nothing wider than the page, no overlapping text, no raw ``None``/``NaN`` cells,
every chart with data and a titled y-axis. Nothing may be fetched: the report is one self-contained file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from analysis_data import RAID, simulated
from page_checks import page_problems
from real_data import RealStore

from scenewatch.report import write_report
from scenewatch.store import Database

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path(os.environ.get("SCENEWATCH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install -y chromium (Debian) to run browser tests"
)


def look_at(report: Path, name: str, width: int = 1280) -> list[str]:
    """Open ``report`` in Chromium, photograph it into test-artifacts/NAME.png, return what is wrong with it."""
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": 1000})
        fetched: list[str] = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else (fetched.append(route.request.url), route.abort()))  # fmt: skip
        page = context.new_page()
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        problems = page_problems(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        browser.close()
    return problems + [f"fetched {url}" for url in fetched]


def test_report_on_the_simulated_store_reads_cleanly(tmp_path: Path) -> None:
    with simulated().open() as db:
        report = write_report(db, tmp_path / "report.html", event=RAID)
    assert look_at(report, "report-simulated") == []


def test_report_on_the_real_slice_reads_cleanly(real_store: RealStore, tmp_path: Path) -> None:
    with Database(real_store.path, read_only=True) as db:
        report = write_report(db, tmp_path / "report.html", event=RAID)
    assert look_at(report, "report-real") == []


BAD_PAGE = """<!DOCTYPE html><html><body style="margin:0">
<div style="width:2000px">too wide</div>
<table><tr><td>None</td></tr></table>
<script>{plotly}</script><div id="p"></div>
<script>Plotly.newPlot("p", [{{x: [1, 2], y: [3, 4]}}], {{width: 600, height: 300,
  annotations: [{{x: 1.5, y: 3.5, text: "one label here", showarrow: false}},
                {{x: 1.5, y: 3.5, text: "another label", showarrow: false}}]}});</script>
</body></html>"""


def test_the_checks_see_what_a_person_would(tmp_path: Path) -> None:
    from plotly.offline import get_plotlyjs

    page = tmp_path / "bad.html"
    page.write_text(BAD_PAGE.format(plotly=get_plotlyjs()), encoding="utf-8")
    problems = " | ".join(look_at(page, "checks-self-test"))
    for expected in ("scrolls sideways", 'a table cell shows "None"', "without a y-axis title", "overlapping text"):
        assert expected in problems, expected
