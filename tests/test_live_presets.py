"""The live presets against loopback providers (tests/provider_servers.py) and their documented failure modes.

Every test runs the provider and the client at one time scale (0.01: a 60 s rate window is 0.6 s, a ten-minute outage
6 s) and asserts on the server side: never more requests in a window than the provider allows, no duplicate, no loss
of anything the provider still serves, and each gap recorded with its reason (``cap``, ``rate-limited``,
``source down``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scenewatch.live import LiveRunner
from scenewatch.live.config import source_for_preset
from scenewatch.records import Announcement
from scenewatch.sources.live.presets import find_preset, shipped_presets
from scenewatch.sources.live.provider import ProviderSource
from scenewatch.sources.live.provider_api import ProviderRows
from scenewatch.store import Database
from tests.live_servers import LoopThread, wait_until
from tests.provider_servers import ProviderServer, real_releases, sample

SCALE = 0.01


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _source(server: ProviderServer, scale: float = SCALE, **extra: Any) -> ProviderSource:
    source = source_for_preset(server.provider, {server.provider: server.overrides(**extra)}, time_scale=scale)
    assert isinstance(source, ProviderSource)
    return source


def _count(runner: LiveRunner, sql: str = "SELECT count(*) FROM releases") -> int:
    con = runner.cursor()
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def _rows(runner: LiveRunner, sql: str) -> list[tuple[Any, ...]]:
    con = runner.cursor()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _names(runner: LiveRunner) -> set[str]:
    return {r[0] for r in _rows(runner, "SELECT name FROM releases")}


def _no_duplicates(runner: LiveRunner) -> None:
    assert not _count(runner, "SELECT count(*) - count(DISTINCT lower(name)) FROM releases")
    assert not _count(runner, "SELECT count(*) - count(DISTINCT (release_id, feed, seen_at)) FROM sightings")


# -- shapes ---------------------------------------------------------------------------------------------------------
def test_recorded_samples_map_onto_records() -> None:
    presets = shipped_presets()
    net = ProviderRows(presets["predb.net"])
    ok, nuked = (net.map(row) for row in sample("predb.net")["data"])
    assert isinstance(ok, Announcement) and ok.nuke is None and ok.size_mb == 84.6 and ok.files == 9
    assert ok.pre_at == datetime.fromtimestamp(1597851727, UTC) and ok.feed == "predb.net" and ok.time_trusted
    assert isinstance(nuked, Announcement) and nuked.nuke is not None
    assert (nuked.nuke.action, nuked.nuke.reason) == ("nuke", "mislabeled_is.hdtv")
    frame = ProviderRows(presets["predb.net"], presets["predb.net"].frame_fields()).map(
        sample("predb.net-ws")["message"]
    )
    assert isinstance(frame, Announcement) and frame.name == ok.name and frame.pre_at == ok.pre_at

    club = ProviderRows(presets["predb.club"])
    plain, with_nuke = (club.map(row) for row in sample("predb.club")["data"]["rows"])
    assert isinstance(with_nuke, Announcement) and with_nuke.nuke is not None
    assert (with_nuke.nuke.action, with_nuke.nuke.network) == ("nuke", "LocalNet")
    assert with_nuke.nuke.at == datetime.fromtimestamp(1493770000, UTC) and with_nuke.group == "HAGGiS"
    assert isinstance(plain, Announcement) and plain.section == "TV-DVDRIP"

    xrel = ProviderRows(presets["xrel"])
    movie, show = (xrel.map(row) for row in sample("xrel")["list"])
    assert isinstance(movie, Announcement) and movie.size_mb == 7950 and movie.section == "movie" and not movie.nuke
    assert isinstance(show, Announcement) and show.size_mb == 1024 and show.nuke is not None
    assert show.nuke.reason == "dupe"

    srr = ProviderRows(presets["srrdb"])
    first = srr.map(sample("srrdb")["results"][0])
    assert isinstance(first, Announcement) and not first.time_trusted  # an srrDB date is a sighting, not a pre
    assert first.pre_at == datetime(2020, 8, 19, 15, 42, 7, tzinfo=UTC)  # 17:42 CEST


@pytest.mark.parametrize("provider", ["predb.net", "predb.club", "xrel", "srrdb"])
def test_servers_answer_in_the_recorded_shape(loop: LoopThread, provider: str) -> None:
    server = ProviderServer(loop, provider, scale=SCALE)
    row = server.add("Shape.Check.2020.1080p.WEB.h264-GRP", publish=False)
    rows = {"predb.net": lambda s: s["data"][0], "predb.club": lambda s: s["data"]["rows"][0],
            "xrel": lambda s: s["list"][0], "srrdb": lambda s: s["results"][0]}  # fmt: skip
    recorded = rows[provider](sample(provider))
    assert set(row) == set(recorded)
    server.close()


# -- predb.net: websocket + API, 429, the 100-page cap ---
def test_predb_net_caps_429_and_rate_limit(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "predb.net", scale=SCALE)
    releases = real_releases(10_400)
    for name, section, at in releases[:50]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    source = _source(server)
    with LiveRunner(db, [source], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 50, 20, what="the first page")
        wait_until(lambda: server.clients, 10, what="the websocket")
        for name, section, at in releases[50:60]:
            server.add(name, section, at)  # frames
        wait_until(lambda: _count(runner) == 60, 10, what="websocket frames")
        assert source.stats.announcements >= 60
    # Stopped: 10,340 releases arrive; 100 pages of 100 reach back only to the newest 10,000.
    for name, section, at in releases[60:]:
        server.add(name, section, at, publish=False)
    server.faults.append("429:30")  # the first catch-up request is refused: wait 30 s (0.3 s here), then go on
    source = _source(server)
    with LiveRunner(db, [source], flush_seconds=0.2) as runner:
        wait_until(lambda: _count(runner) == 60 + 10_000, 60, what="the catch-up to the cap")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps WHERE reason LIKE 'cap:%'") == 1, 10)
        stored = _names(runner)
        served = {r["release"] for r in server.rows[::-1][:10_000]}
        assert served <= stored  # nothing the provider still serves is lost
        assert not ({n for n, _, _ in releases[60:400]} & stored)  # the part past page 100 is not there ...
        gap = _rows(runner, "SELECT start_at, end_at, reason FROM gaps WHERE reason LIKE 'cap:%'")[0]
        first_lost, last_lost = releases[60][2], releases[399][2]
        assert gap[0] <= datetime.fromtimestamp(first_lost, UTC).replace(tzinfo=None)  # ... and the gap covers it
        assert gap[1] >= datetime.fromtimestamp(last_lost, UTC).replace(tzinfo=None)
        assert "stop at 100 pages" in gap[2]
        _no_duplicates(runner)
    pages = [int(r[2]["page"]) for r in server.list_requests() if r[2].get("page")]
    assert max(pages) == 100  # the preset knows the cap: it never asks past it
    refused = [r for r in server.list_requests() if r[3] == 429]
    after = [r for r in server.list_requests() if r[0] > refused[0][0]]
    assert after[0][0] - refused[0][0] >= 30 * SCALE * 0.95  # Retry-After honoured
    assert server.busiest_window() <= 30 and server.refused() == 0  # 30 / 60 s, measured by the server
    assert source.stats.rate_limited == 1
    db.close()
    server.close()


def test_predb_net_renamed_field_is_a_config_change(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "predb.net", scale=SCALE)
    statuses = [(0, ""), (1, "bad.dir"), (2, "fixed"), (3, "dupe"), (4, "restored")]
    for (name, section, at), (status, reason) in zip(real_releases(5), statuses, strict=True):
        row = server.add(name, section, at, publish=False, status=status, reason=reason)
        row["release_name"] = row.pop("release")
    spec = find_preset("predb.net", {"predb.net": server.overrides(fields={"name": "release_name"})})
    assert spec is not None and spec.fields["name"] == "release_name" and spec.fields["pre_at"] == "pretime"
    db = Database(db_path)
    with LiveRunner(db, [ProviderSource(spec, time_scale=SCALE)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 5, 10, what="rows with the renamed field")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM nukes") == 4, 10, what="the nuke history")
        history = set(_rows(runner, "SELECT action, reason, feed FROM nukes"))
    # predb.net's status codes (predb.de documents 1 nuked, 2 unnuked, 3 delpre, 4 undelpre) as nuke events
    assert history == {("nuke", "bad.dir", "predb.net"), ("unnuke", "fixed", "predb.net"),
                       ("delpre", "dupe", "predb.net"), ("undelpre", "restored", "predb.net")}  # fmt: skip
    db.close()
    server.close()


def test_a_lowered_page_cap_answered_with_400_is_a_cap_gap(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "predb.net", scale=SCALE)
    releases = real_releases(520)
    server.add(*releases[0], publish=False)
    db = Database(db_path)
    with LiveRunner(db, [_source(server)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 1, 10, what="the first row")
    for name, section, at in releases[1:]:
        server.add(name, section, at, publish=False)
    server.page_cap = 3  # the provider now answers HTTP 400 past page 3
    with LiveRunner(db, [_source(server)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps WHERE reason LIKE 'cap:%'") == 1, 20)
        assert _count(runner) == 1 + 300
        reason = _rows(runner, "SELECT reason FROM gaps WHERE reason LIKE 'cap:%'")[0][0]
    assert reason == "cap: predb.net answers HTTP 400 past page 3"
    assert [r[3] for r in server.list_requests() if r[2].get("page") == "4"] == [400]
    db.close()
    server.close()


# -- predb.club: a silently capped count, heartbeat-only minutes, a websocket dropped mid-frame ------------------------
def test_predb_club_capped_count_heartbeats_and_a_frame_cut_in_half(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "predb.club", scale=SCALE)
    server.count_cap = 40  # asked for 100 a page, the provider answers 40 without saying so
    releases = real_releases(400)
    for name, section, at in releases[:30]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    source = _source(server)
    with LiveRunner(db, [source], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 30 and server.clients, 10, what="first page and websocket")
        # Stopped for a while is not needed: a catch-up of 130 rows at 40 a page while the listener runs.
        server.frames_paused = True  # three minutes of heartbeats only while 130 releases arrive
        for name, section, at in releases[30:160]:
            server.add(name, section, at)
        wait_until(lambda: source.stats.heartbeats >= 3, 10, what="heartbeats")
        assert _count(runner) == 30  # the websocket said nothing ...
        wait_until(lambda: _count(runner) == 160, 15, what="the verification poll")  # ... the API had them all
        assert source.stats.connects == 1 and source.stats.disconnects == 0  # heartbeats kept it connected
        server.frames_paused = False
        for name, section, at in releases[160:170]:
            server.add(name, section, at)
        wait_until(lambda: _count(runner) == 170, 10, what="frames again")
        # A release whose frame is cut in half: the connection drops mid-frame; the API catch-up brings it back.
        lost = releases[170]
        server.add(*lost, publish=False)
        server.drop_mid_frame()
        wait_until(lambda: lost[0] in _names(runner), 15, what="the release of the cut frame")
        wait_until(lambda: server.clients, 10, what="the reconnect")
        assert source.stats.malformed == 0  # a cut frame is a dropped connection, not bad input
        _no_duplicates(runner)
        assert _count(runner, "SELECT count(*) FROM gaps") == 0  # the API answered throughout: never down
    pages = [int(r[2]["page"]) for r in server.list_requests()]
    assert max(pages) >= 4  # 130 rows at 40 a page: a short page was not taken for the end
    assert {r[2]["count"] for r in server.list_requests()} == {"100"}
    assert server.busiest_window() <= 30 and server.refused() == 0
    db.close()
    server.close()


# -- a provider down for ten minutes -----------------------------------------------------------------------------------
def test_ten_minutes_down_is_a_source_down_gap_and_nothing_is_lost(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "predb.net", scale=SCALE)
    releases = real_releases(300)
    for name, section, at in releases[:20]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    source = _source(server)
    with LiveRunner(db, [source], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 20 and server.clients, 10, what="listening")
        before = datetime.now(UTC)
        server.go_down()
        wait_until(lambda: not source.stats.connected, 10, what="the outage noticed")
        for name, section, at in releases[20:280]:  # the provider's own scrapers keep working
            server.add(name, section, at, publish=False)
        import time

        time.sleep(600 * SCALE)
        server.go_up()
        back = datetime.now(UTC)
        wait_until(lambda: _count(runner) == 280, 30, what="the catch-up after the outage")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") == 1, 10, what="the outage as a gap")
        start, end, reason = _rows(runner, "SELECT start_at, end_at, reason FROM gaps")[0]
        _no_duplicates(runner)
    assert reason.startswith("source down: ")
    assert before.replace(tzinfo=None) - (end - start) < start <= before.replace(tzinfo=None)
    assert (end - start).total_seconds() >= 600 * SCALE and end >= back.replace(tzinfo=None) - (end - start)
    assert server.busiest_window() <= 30 and server.refused() == 0
    assert source.stats.disconnects == 1 and source.stats.connects == 2
    db.close()
    server.close()


# -- xREL: a time cursor, 900 calls / hour, a Retry-After too long to wait for midway ---
def test_xrel_rate_limited_gap_and_hourly_limit(loop: LoopThread, db_path: Path) -> None:
    scale = 0.002  # an hour is 7.2 s
    server = ProviderServer(loop, "xrel", scale=scale)
    releases = real_releases(900)
    for name, section, at in releases[:100]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    with LiveRunner(db, [_source(server, scale)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 100, 10, what="the first page")
    for name, section, at in releases[100:800]:
        server.add(name, section, at, publish=False)
    # Page 1 and 2 of the catch-up are served, then: 429, retry after an hour (> the 15 minutes we wait midway).
    server.faults.extend(["ok", "ok", "429:3600"])
    source = _source(server, scale)
    with LiveRunner(db, [source], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps WHERE reason LIKE 'rate-limited:%'") == 1, 20)
        start, end, reason = _rows(runner, "SELECT start_at, end_at, reason FROM gaps WHERE reason LIKE 'rate%'")[0]
        assert "retry after 3600s" in reason
        assert start == datetime.fromtimestamp(releases[99][2], UTC).replace(tzinfo=None)  # the cursor before
        assert end == datetime.fromtimestamp(releases[600][2], UTC).replace(tzinfo=None)  # the oldest row read
        assert _count(runner) == 100 + 200
        for name, section, at in releases[800:900]:
            server.add(name, section, at, publish=False)
        wait_until(lambda: _count(runner) == 100 + 200 + 100, 20, what="polling again after the hour")
        _no_duplicates(runner)
    refused = next(r for r in server.list_requests() if r[3] == 429)
    after = [r for r in server.list_requests() if r[0] > refused[0]]
    assert after and after[0][0] - refused[0] >= 3600 * scale * 0.95  # the hour was honoured
    assert server.busiest_window() <= 900 and server.refused() == 0
    assert {r[2]["per_page"] for r in server.list_requests()} == {"100"}
    db.close()
    server.close()


# -- srrDB: dates are sightings, never pre times ---
def test_srrdb_dates_are_sightings_not_pre_times(loop: LoopThread, db_path: Path) -> None:
    server = ProviderServer(loop, "srrdb", scale=SCALE)
    releases = real_releases(120)
    for name, section, at in releases[:1]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    with LiveRunner(db, [_source(server)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 1, 10, what="the first row")
    for name, section, at in releases[1:]:
        server.add(name, section, at, publish=False)
    with LiveRunner(db, [_source(server)], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 120, 15, what="three pages of 45 by skip")
        rows = _rows(runner, "SELECT r.pre_at, s.seen_at, s.time_trusted, s.feed FROM releases r "
                             "JOIN sightings s ON s.release_id = r.id")  # fmt: skip
        _no_duplicates(runner)
    assert all(pre is None and not trusted and feed == "srrdb" for pre, _, trusted, feed in rows)
    seen = sorted(r[1] for r in rows)
    assert seen[0] == datetime.fromtimestamp(releases[0][2], UTC).replace(tzinfo=None)  # Brussels → UTC
    paths = {r[1] for r in server.list_requests()}
    assert "/v1/search/order:date-desc/skip:45" in paths and "/v1/search/order:date-desc/skip:90" in paths
    assert server.busiest_window() <= 20 and server.refused() == 0
    db.close()
    server.close()


def test_403_is_an_outage_that_waits_and_p2p_is_not_scene(loop: LoopThread, db_path: Path) -> None:
    scale = 0.002  # the 15 minutes waited after a 403 are 1.8 s
    server = ProviderServer(loop, "xrel", scale=scale)
    releases = real_releases(40)
    for name, section, at in releases[:10]:
        server.add(name, section, at, publish=False)
    db = Database(db_path)
    source = _source(server, scale)
    with LiveRunner(db, [source], flush_seconds=0.1) as runner:
        wait_until(lambda: _count(runner) == 10, 10, what="listening")
        server.faults.append("403")
        for name, section, at in releases[10:40]:
            server.add(name, section, at, publish=False)
        wait_until(lambda: _count(runner) == 40, 20, what="the rows after the refusal")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") == 1, 10)
        reason = _rows(runner, "SELECT reason FROM gaps")[0][0]
    assert reason == "source down: HTTP 403 forbidden (waiting 900s)"
    refused = next(r for r in server.list_requests() if r[3] == 403)
    after = [r for r in server.list_requests() if r[0] > refused[0]]
    assert after[0][0] - refused[0] >= 900 * scale * 0.95  # it stayed away as long as it said
    db.close()
    server.close()
    p2p = ProviderRows(shipped_presets()["xrel-p2p"]).map(
        {"id": "a1", "dirname": "Some.Movie.2020.1080p.WEB-DL.DD5.1.H264-P2PGRP", "pub_time": 1597851727,
         "size_mb": 4200, "category": {"meta_cat": "movies", "sub_cat": "hd"}}
    )  # fmt: skip
    assert isinstance(p2p, Announcement) and not p2p.scene and p2p.feed == "xrelp2p" and p2p.size_mb == 4200
