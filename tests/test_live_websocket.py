"""The websocket feed against a local fake: frames, malformed frames, a dropped connection, API catch-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scenewatch.live import LiveRunner
from scenewatch.sources.live import ApiConfig, WebsocketConfig, WebsocketSource
from scenewatch.sources.live.websocket import default_catchup_url
from scenewatch.store import Database
from tests.live_servers import FakePredbApi, FakeWsFeed, LoopThread, wait_until


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _count(runner: LiveRunner, sql: str = "SELECT count(*) FROM releases") -> int:
    con = runner.cursor()
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def _source(feed: FakeWsFeed, api: FakePredbApi) -> WebsocketSource:
    catchup = ApiConfig(api.url, page_size=5, max_pages=20, backoff_base=0.05, backoff_cap=0.2)
    return WebsocketSource(WebsocketConfig(feed.url, catchup=catchup, backoff_base=0.1, backoff_cap=0.3))


def test_frames_disconnect_and_catch_up_without_duplicates(loop: LoopThread, db_path: Path) -> None:
    api = FakePredbApi(loop)
    feed = FakeWsFeed(loop, api)
    db = Database(db_path)
    source = _source(feed, api)
    with LiveRunner(db, [source], flush_seconds=0.2) as runner:
        wait_until(lambda: feed.clients, what="the listener to connect")
        for i in range(5):
            feed.publish(f"Live.Show.S02E{i + 1:02d}.1080p.WEB.h264-GRP")
        wait_until(lambda: _count(runner) == 5, what="live frames")
        nuked = api.rows[0] | {"nuke": {"type": "nuke", "reason": "mislabeled", "net": "NukeNet", "nukeAt": 1.8e9}}
        feed.send({"action": "nuke", "row": nuked})
        feed.send("{not json")
        feed.send({"action": "insert", "row": "not an object"})
        feed.send({"action": "insert", "row": {"id": 1, "name": ""}})
        wait_until(lambda: _count(runner, "SELECT count(*) FROM nukes") == 1, what="the nuke frame")
        wait_until(lambda: source.stats.malformed == 3, what="malformed frames counted")
        # the feed goes away: clients cut, reconnects refused while rows keep arriving in the API
        feed.refusing = True
        api.faults.extend(["500"])  # the first catch-up attempt fails too
        feed.drop()
        wait_until(lambda: not source.stats.connected, what="the disconnect")
        for i in range(12):
            api.add(f"Missed.While.Down.{i:02d}-GRP")
        feed.refusing = False
        wait_until(lambda: _count(runner) == 17, what="the catch-up through the API")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") == 1, what="the outage as a gap")
        feed.publish("After.The.Reconnect-GRP")
        wait_until(lambda: _count(runner) == 18, what="frames after the reconnect")
        assert source.catchups == 1 and source.caught_up_rows == 12
        assert not _count(runner, "SELECT count(*) - count(DISTINCT lower(name)) FROM releases")
        assert _count(runner, "SELECT count(*) FROM live_uptime") == 2
    assert db.scalar("SELECT cursor FROM live_state") == f"id:{api.next_id}"
    reason = db.scalar("SELECT reason FROM gaps")
    assert reason and ("Closed" in reason or "closed" in reason or "Error" in reason)
    db.close()


def test_default_catchup_url() -> None:
    assert default_catchup_url("wss://predb.ovh/api/v1/ws") == "https://predb.ovh/api/v1/"
    assert default_catchup_url("ws://127.0.0.1:9/feed") == "http://127.0.0.1:9/feed/"
