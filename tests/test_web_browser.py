"""The dashboard in headless Chromium (Playwright): charts render with data, the event band shows, search works.

Screenshots of every page go to test-artifacts/ (gitignored). Needs Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`); the tests skip with that reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

pytest.importorskip("uvicorn")
playwright_sync = pytest.importorskip("playwright.sync_api")

from tests.web_fixtures import RAID_DAY, LiveServer, shared_server  # noqa: E402

CHROMIUM = Path(os.environ.get("SCENEWATCH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WAIT_MS = 60_000  # how long a selector may take to appear (a guard against hangs, not a timing assertion)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install -y chromium (Debian) to run browser tests"
)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=live_server.url)
    # Offline: any request that is not to the test server fails the test.
    outside: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(live_server.url) or route.request.url.startswith(live_server.ws_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    errors: list[str] = []
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not outside, f"the dashboard fetched outside the server: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_overview_renders_stacked_chart_with_events_and_gaps(page) -> None:
    page.goto("/")
    page.wait_for_selector("#chart[data-ready='1']")
    traces = page.locator("#chart .scatterlayer g.trace.scatter")
    assert traces.count() >= 5  # one per category plus the 7-day mean
    points = page.evaluate("() => document.getElementById('chart').data.reduce((s, t) => s + t.y.length, 0)")
    assert points > 1000
    names = page.evaluate("() => document.getElementById('chart').data.map(t => t.name)")
    assert "7-day mean (all)" in names
    assert page.locator("#chart .annotation-text", has_text="SPARKS raid").count() == 1
    assert page.locator("#chart .annotation-text", has_text="gap").count() >= 1
    assert "releases" in page.locator("#brush").inner_text()
    shot(page, "overview")


def test_event_page_defaults_to_the_latest_sourced_event_in_the_data(page, live_server: LiveServer) -> None:
    # Other tests register events on the shared server, so the expectation is read from the API, not fixed.
    events = httpx.get(f"{live_server.url}/api/events", timeout=30).json()
    sourced = [e for e in events if e["in_data"] and (e["origin"] == "catalogue" or e["sources"])]
    assert any(e["day"] == RAID_DAY.isoformat() for e in sourced)  # the registered raid cites a source
    page.goto("/event")
    page.wait_for_selector("#charts[data-ready]")
    assert page.locator("#event-select").input_value() == sourced[-1]["day"]


def test_event_page_shows_counterfactual_band(page) -> None:
    page.goto(f"/event?day={RAID_DAY.isoformat()}")
    page.wait_for_selector("#charts[data-ready]")
    assert page.locator("#charts .js-plotly-plot").count() >= 3
    names = page.evaluate("() => document.querySelector('#charts .js-plotly-plot').data.map(t => t.name)")
    assert {"95% band", "counterfactual", "observed"} <= set(names)
    assert page.locator("#charts path.js-fill").count() >= 1  # the band is drawn as a filled area
    assert page.locator("#vanished tbody tr").count() > 5
    assert page.locator("#vanished tbody", has_text="SPARKS").count() == 1
    shot(page, "event")


def test_groups_table_sorts_and_group_page_has_timeline(page) -> None:
    page.goto("/groups")
    page.wait_for_selector("#groups[data-ready='1'] tbody tr")
    assert page.locator("#groups tbody tr").count() > 20
    page.locator("#groups th[data-key='dormancy_score']").click()
    first = page.locator("#groups tbody tr").first.locator("td").first.inner_text()
    assert first  # the most dormant group comes first after sorting by score (descending)
    shot(page, "groups")
    page.goto("/groups/SPARKS")
    page.wait_for_selector("#timeline .barlayer g.trace.bars")
    assert page.locator("#sections tbody tr").count() >= 1
    page.wait_for_selector("#vanished-with tbody tr")
    shot(page, "group")


def test_search_returns_results_and_live_updates(page, live_server: LiveServer) -> None:
    page.goto("/search")
    page.fill("#q", "@group SPARKS @section X264-HD")
    page.click("#search-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('releases shown')")
    # The page may still show the results of its first, unfiltered load: wait for the filtered ones.
    page.wait_for_function(
        "() => { const cells = [...document.querySelectorAll('#results tbody tr td:nth-child(4)')];"
        " return cells.length > 0 && cells.every(td => td.textContent === 'SPARKS'); }"
    )
    rows = page.locator("#results tbody tr")
    assert rows.count() > 10
    groups = set(page.evaluate("() => [...document.querySelectorAll('#results tbody tr td:nth-child(4)')]"
                               ".map(td => td.textContent)"))  # fmt: skip
    assert groups == {"SPARKS"}
    page.wait_for_function("() => document.getElementById('live-state').textContent === '(connected)'")
    from scenewatch.web import publish

    publish(live_server.app, {"releases": [{"name": "Browser.Live.Test.2020.1080p.BluRay.x264-SPARKS",
                                            "group": "SPARKS", "section": "X264-HD", "pre_at": "2020-12-01T00:00:00"}],
                              "nukes": []})  # fmt: skip
    page.locator("#live-list li", has_text="Browser.Live.Test").wait_for()
    page.locator("#results tbody tr").first.locator("a").first.click()
    page.wait_for_selector("#detail:not([hidden])")
    assert '"sightings"' in page.locator("#detail").inner_text()
    shot(page, "search")
