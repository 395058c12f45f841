"""The dashboard in headless Chromium (Playwright), judged as a person sees it.

Every page (overview, event with an event selected, groups, group, search) is opened on a demo-sized simulated store
and on the real nZEDb slice, at 1,280 and 1,400 px, and a full-page screenshot goes to test-artifacts/ (gitignored).
Each page must show: no element wider than the viewport, no two text boxes of a chart overlapping (caption, axis
titles, tick labels, legend, annotations, Plotly's toolbar), no table cell or figure reading None/NaN/<NA>/True/
False, every chart with data and a titled y-axis, and an explanation beside every score. No request may leave
127.0.0.1. Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`); skipped when it is absent.
"""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("uvicorn")
playwright_sync = pytest.importorskip("playwright.sync_api")

from scenewatch.report.summary import VANISHED_BEFORE_DAYS, VANISHED_MIN_RELEASES  # noqa: E402
from tests.page_checks import page_problems  # noqa: E402
from tests.web_fixtures import OUTAGE_DAY, RAID_DAY, TOKEN, LiveServer, build_store, start_server  # noqa: E402

CHROMIUM = Path(os.environ.get("SCENEWATCH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WAIT_MS = 180_000  # how long a page may take to draw (a guard against hangs, not a timing assertion)
WIDTHS = (1280, 1400)
PAGES = ("overview", "event", "groups", "group", "search")
USER_EVENT = {"name": "Planted feed outage", "day": OUTAGE_DAY.isoformat(),
              "description": "registered by the browser test (origin: database)"}  # fmt: skip
# A sourced event a few days before the data ends: inside the data, but with no 8 weeks after it to measure, so it
# must not become the event page's default (a fresh CI run once opened on such an event instead of the raid).
LATE_EVENT = {"name": "Late sourced takedown", "day": "2021-01-25", "description": "registered by the browser test",
              "sources": ["https://example.org/late-takedown"]}  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install -y chromium (Debian) to run browser tests"
)


# -- servers -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The demo's span and scale (2019-01 … 2021-01, scale 0.4) with the raid and a feed outage planted; its own
    store (other modules register events in the shared one), with one more event registered by a user."""
    path = build_store(tmp_path_factory.mktemp("browser-demo"), scale=0.4, start=date(2019, 1, 1),
                       end=date(2021, 1, 31), seed=42)  # fmt: skip
    server = start_server(path)
    for event in (USER_EVENT, LATE_EVENT):
        response = httpx.post(server.url + "/api/events", json=event, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 201, response.text
    yield server
    server.stop()


@pytest.fixture(scope="module")
def real_server(real_store) -> LiveServer:
    """The real slice, opened read-only."""
    server = start_server(real_store.path, token=None, read_only=True)
    yield server
    server.stop()


@pytest.fixture(params=["sim", "real"])
def server(request: pytest.FixtureRequest) -> tuple[str, LiveServer]:
    return request.param, request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


class Tab:
    """A page in a fresh browser context that records every request and every JavaScript error."""

    def __init__(self, browser: Any, server: LiveServer, width: int) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server.url)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._guard)  # offline: nothing outside the server is even attempted
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _guard(self, route: Any) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _local(self, url: str) -> bool:
        return url.startswith(self.server.url + "/") or url.startswith(self.server.ws_url + "/")

    def open(self, path: str) -> Any:
        """Go to ``path`` and wait until the page says it has drawn what it loaded."""
        self.page.goto(path)
        self.page.wait_for_function("() => document.body.dataset.ready === '1'")
        return self.page

    def close(self) -> None:
        self.context.close()
        outside = [url for url in self.requests if not self._local(url)]
        assert not outside, f"requests left 127.0.0.1: {outside}"
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture
def tabs(browser):
    opened: list[Tab] = []

    def make(server: LiveServer, width: int = 1400) -> Tab:
        tab = Tab(browser, server, width)
        opened.append(tab)
        return tab

    yield make
    for tab in opened:
        tab.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- what a person would notice --------------------------------------------------------------------------------
def inspect(page: Any) -> None:
    """Fail with what a person would notice on the page (tests/page_checks.py, shared with the report's test)."""
    problems = page_problems(page, explained=True)
    assert not problems, problems[:10]


def top_group(server: LiveServer) -> str:
    """The group with the most releases in the store (SPARKS in the simulation, a real group on the slice)."""
    return httpx.get(server.url + "/api/groups", params={"limit": 1}, timeout=120).json()[0]["group"]


def page_path(page: str, server: LiveServer) -> str:
    return {"overview": "/", "event": "/event", "groups": "/groups", "group": f"/groups/{top_group(server)}",
            "search": "/search"}[page]  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", PAGES)
def test_every_page_reads_well(tabs, server: tuple[str, LiveServer], page_name: str, width: int) -> None:
    store, live = server
    tab = tabs(live, width)
    page = tab.open(page_path(page_name, live))
    inspect(page)
    if page_name in ("overview", "event", "group"):
        assert page.locator(".js-plotly-plot").count(), "the page drew no chart"
    if page_name != "overview":
        assert page.locator("table.data tbody tr").count() > 0
    shot(page, f"{store}-{page_name}-{width}")


# -- what each page must say -----------------------------------------------------------------------------------
def test_overview_marks_the_events_inside_the_data_and_shows_its_range(tabs, server) -> None:
    store, live = server
    page = tabs(live).open("/")
    assert page.locator("#chart[data-ready='1']").count() == 1
    names = page.evaluate("() => document.getElementById('chart').data.map(t => t.name)")
    assert "7-day mean (all)" in names and len(names) >= 5  # one trace per category plus the mean
    labels = page.evaluate("() => [...document.querySelectorAll('#chart .annotation-text')].map(t => t.textContent)")
    assert "SPARKS raid" in labels  # the shipped catalogue (real) or a registered event (simulation)
    assert not any("Operation" in label for label in labels)  # 2001-2005 events are outside the data: not drawn
    if store == "sim":
        assert USER_EVENT["name"] in labels  # registered by a user
    # The date inputs show the range drawn, not mm/dd/yyyy, and follow a zoom.
    since, until = page.input_value("#since"), page.input_value("#until")
    shown = page.evaluate("() => document.getElementById('chart').layout.xaxis.range.map(String)")
    assert (since, until) == (shown[0][:10], shown[1][:10])
    page.evaluate("() => Plotly.relayout('chart', {'xaxis.range': ['2020-08-01', '2020-09-30']})")
    page.wait_for_function("() => document.getElementById('since').value === '2020-08-01'")
    assert page.input_value("#until") == "2020-09-30"
    assert "releases shown" in page.locator("#brush").inner_text()
    gaps = page.locator("#gaps").inner_text().lower()
    assert "feed gaps" in gaps or "no feed gap" in gaps


def test_event_page_defaults_to_the_latest_event_in_the_data(tabs, server) -> None:
    """The default is the latest sourced event with the whole 8+8-week window inside the data: the raid on both
    stores, even with a sourced event registered 6 days before the simulation's end."""
    store, live = server
    page = tabs(live).open("/event")
    assert page.locator("#event-select").input_value() == RAID_DAY.isoformat()
    assert page.input_value("#event-day") == RAID_DAY.isoformat()  # not mm/dd/yyyy
    options = page.locator("#event-select option").all_inner_texts()
    assert any("Operation Buccaneer" in o and "outside the data" in o for o in options)  # the catalogue, whole
    assert page.locator("#event-select option[disabled]").count() >= 3
    if store == "sim":
        assert any(USER_EVENT["name"] in o for o in options)
        late = page.locator(f"#event-select option[value='{LATE_EVENT['day']}']")
        assert late.get_attribute("disabled") is None  # listed and analysable, just not the default
        enabled = page.locator(f"#event-select option[value='{OUTAGE_DAY.isoformat()}']")
        assert enabled.get_attribute("disabled") is None
    assert page.locator("#charts[data-ready='server']").count() == 1  # the analysis module's model, not the naive one
    assert page.locator("#charts figure.chart").count() >= 5
    names = page.evaluate("() => document.querySelector('#charts .js-plotly-plot').data.map(t => t.name)")
    assert {"95% band", "counterfactual", "observed"} <= set(names)
    assert page.locator("#charts path.js-fill").count() >= 1  # the band is drawn as a filled area
    captions = page.locator("#charts figcaption").all_inner_texts()
    assert captions[0].startswith("all ") and "%" in captions[0] and "95%" in captions[0]
    for category in ("game", "ebook"):  # the story of the raid: games and e-books are there
        assert any(c.startswith(category + " ") for c in captions), captions
    assert "SPARKS raid" in page.locator("#event-about").inner_text()
    # Recovery with the report's and the CLI's parameters (horizon 26 weeks, the defaults of
    # scenewatch.analysis.recovery.recovery, which /api/recovery keeps): the same dates everywhere.
    params = {"event": RAID_DAY.isoformat(), "by": "category"}
    answer = httpx.get(live.url + "/api/recovery", params=params, timeout=300)
    back = {r["category"]: r for r in answer.json()["rows"]}
    for caption in captions:
        category = caption.split(" ")[0]
        row = back[category]
        if row["recovered"]:
            assert f"recovery: {row['recovery_date'][:10]}" in caption, (caption, row)
        else:
            assert "recovery: 20" not in caption, (caption, row)
    assert page.locator("#vanished tbody tr").count() > 5
    if store == "sim":
        assert page.locator("#vanished tbody", has_text="SPARKS").count() == 1
    # "groups vanished" is the report's figure: the same definition, the same count.
    card = page.locator("#summary .card", has_text="groups vanished").locator(".value").inner_text()
    report_rule = {"event": RAID_DAY.isoformat(), "before_days": VANISHED_BEFORE_DAYS,
                   "min_releases": VANISHED_MIN_RELEASES}  # fmt: skip
    gone = httpx.get(live.url + "/api/silent-groups", params=report_rule, timeout=300).json()
    assert card.replace(",", "") == str(len(gone)), (card, len(gone))
    # Picking another event redraws for it and keeps the inputs in step.
    if store == "sim":
        page.select_option("#event-select", OUTAGE_DAY.isoformat())
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        assert page.input_value("#event-day") == OUTAGE_DAY.isoformat()
        assert f"day={OUTAGE_DAY.isoformat()}" in page.url


def test_event_page_without_an_event_says_what_to_do(tabs, tmp_path: Path) -> None:
    """A store of early 2019: every known event lies outside it, so none is selected and the page says why."""
    path = build_store(tmp_path, scale=0.05, start=date(2019, 1, 1), end=date(2019, 3, 31))
    server = start_server(path, token=None)
    try:
        page = tabs(server).open("/event")
        assert page.locator("#event-select").input_value() == ""
        assert page.locator("#event-select option:not([disabled])").count() == 1  # "— pick an event —" only
        text = page.locator("#charts").inner_text()
        assert "pick a day" in text and "scenewatch events add" in text
        assert "POST /api/events" not in page.locator("main").inner_text()
        assert page.input_value("#event-day") == ""
        page.fill("#event-day", "2019-02-15")  # any day inside the data can be analysed
        page.click("#apply")
        page.wait_for_function("() => document.body.dataset.ready === '1' && document.querySelector('#charts figure')")
        assert "2019-02-15" in page.locator("#summary").inner_text() and "day=2019-02-15" in page.url
        inspect(page)
    finally:
        server.stop()


def test_groups_table_sorts_collapses_and_explains(tabs, server) -> None:
    _, live = server
    page = tabs(live).open("/groups")
    rows = page.locator("#groups tbody tr")
    assert 20 < rows.count() <= 200
    total = int(page.locator("#count").inner_text().split()[0].replace(",", ""))
    if total > 200:
        page.locator("button.more-rows").click()
        assert rows.count() == total
    page.locator("#groups th[data-key='dormancy_score']").click()
    scores = page.locator("#groups tbody tr td:nth-child(9)").all_inner_texts()[:20]
    numbers = [float(s.replace(",", "")) for s in scores if s != "—"]
    assert numbers == sorted(numbers, reverse=True) and numbers  # the most dormant first
    legend = page.locator("#groups").locator("xpath=preceding-sibling::p[1]").inner_text()
    assert "dormancy score" in legend and "one in a thousand" in legend  # from columns.tsv, not from the page


def test_group_page_has_timeline_and_affiliation(tabs, sim_server) -> None:
    page = tabs(sim_server).open("/groups/SPARKS")
    assert page.locator("#timeline .barlayer g.trace.bars").count() == 1
    assert page.locator("#sections tbody tr").count() >= 1
    assert page.locator("#vanished-with tbody tr").count() >= 1
    assert "silence ÷ mean gap" in page.locator("#summary").inner_text()


def test_search_returns_results_and_live_updates(tabs, sim_server: LiveServer) -> None:
    tab = tabs(sim_server)
    page = tab.open("/search")
    assert page.locator("#live-box").is_hidden()  # nothing streams yet: the live box takes no space
    page.fill("#q", "@group SPARKS @section X264-HD")
    page.click("#search-form button[type=submit]")
    # The page may still show the results of its first, unfiltered load: wait for the filtered ones.
    page.wait_for_function(
        "() => { const cells = [...document.querySelectorAll('#results tbody tr td:nth-child(4)')];"
        " return cells.length > 0 && cells.every(td => td.textContent === 'SPARKS'); }"
    )
    assert page.locator("#results tbody tr").count() > 10
    page.wait_for_function("() => document.getElementById('live-state').textContent === '(connected)'")
    from scenewatch.web import publish

    publish(sim_server.app, {"releases": [{"name": "Browser.Live.Test.2020.1080p.BluRay.x264-SPARKS",
                                           "group": "SPARKS", "section": "X264-HD", "pre_at": "2020-12-01T00:00:00"}],
                             "nukes": []})  # fmt: skip
    page.locator("#live-list li", has_text="Browser.Live.Test").wait_for()
    assert page.locator("#live-box").is_visible()
    page.locator("#results tbody tr").first.locator("a").first.click()
    page.wait_for_selector("#detail:not([hidden]) #detail-sightings tbody tr")
    detail = page.locator("#detail").inner_text()
    assert "sightings (" in detail and "true" not in detail.lower().split()
    inspect(page)


def test_api_docs_are_served_from_local_files(tabs, sim_server: LiveServer) -> None:
    tab = tabs(sim_server)
    page = tab.page
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "scenewatch" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock-summary-path")
    assert page.locator(".opblock-summary-path", has_text="/api/events").count() >= 1
    shot(page, "sim-docs-1400")
    page.goto("/redoc")
    page.wait_for_selector(".swagger-ui .info .title")  # ReDoc would fetch its logo from a CDN: it points here
    assert page.url == sim_server.url + "/docs"
    assert any(url.endswith("/vendor/docs/swagger-ui-bundle.js") for url in tab.requests)


def test_formatting_matches_the_terminal_and_the_report(tabs, sim_server: LiveServer) -> None:
    """SW.format / SW.formatColumn (common.js) give the text scenewatch.output.values gives, value for value."""
    from scenewatch.output import describe, format_column, format_value

    cases = [
        (None, "count"), (float("nan"), "number"), (True, "bool"), (False, "count"), ([], "list"), (["a", "b"], "list"),
        (1944, "count"), (2.5, "count"), (3.5, "count"), (-0.4, "count"), (12776.0, "count"), (0.4, "signed_count"),
        (-1, "signed_count"), (1023, "signed_count"), (-0.52, "signed_percent"), (0.05, "signed_percent"),
        (0.0004, "percent"), (0, "percent"), (1.5, "percent"), (-0.0004, "signed_percent"), (0.125, "pvalue"),
        (0.0004, "pvalue"), (0.04321, "pvalue"), (108.45, "score"), (0.25, "days"), (1234.5, "hours"),
        (1234.5, "number"), (12.345, "number"), (1.005, "number"), (0.000012345, "number"), (0.5, "number"),
        (0.1234, "number"), (-3.14159, "number"), (7, "text"), ("2020-08-25", "date"),
        ("2020-08-25T07:43:16", "date"), ("2020-08-25T07:43:16", "datetime"), ("2020-08-25", "datetime"),
        ("2020-08-25T07:43:16+00:00", "datetime"), ("not a date", "date"), ("SPARKS", "text"),
    ]  # fmt: skip
    page = tabs(sim_server).open("/groups")
    js_cases = [[None if isinstance(v, float) and math.isnan(v) else v, k] for v, k in cases]
    got = page.evaluate("(cases) => cases.map(([v, k]) => SW.format(v, k))", js_cases)
    want = [format_value(v, k) for v, k in cases]
    assert got == want
    import pandas as pd

    columns = [("x", [0.5, 1.25, 3.0, None]), ("x", [1234.5, 20000.25]), ("x", [12.34, 15.0]), ("x", [0.0123, 0.5]),
               ("x", [1.0, 2.0]), ("dormancy", [1.5, float("inf")]), ("days_silent", [115.0, 3.0, None]),
               ("days_silent", [0.25, 3.0]), ("offset_hours", [12.0, 48.0]), ("offset_hours", [1.5, 2.0])]  # fmt: skip
    as_json = [[["inf" if v is not None and math.isinf(v) else v for v in c],
                "number" if name == "x" else describe(name).kind] for name, c in columns]  # fmt: skip
    got = page.evaluate("(cols) => cols.map(([c, k]) => SW.formatColumn(c.map((v) => v === 'inf' ? Infinity : v), k))",
                        as_json)  # fmt: skip
    want = [format_column(pd.Series(c, name=name, dtype="float64"), None if name == "x" else describe(name))
            for name, c in columns]  # fmt: skip
    assert got == want
