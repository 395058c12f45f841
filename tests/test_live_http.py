"""The predb API poller against a local fake API: 429s, 500s, malformed JSON, dropped connections, catch-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scenewatch.live import LiveRunner
from scenewatch.sources.live import ApiConfig, HttpApiSource
from scenewatch.sources.live.http_api import retry_after_seconds
from scenewatch.store import Database
from tests.live_servers import FakePredbApi, LoopThread, wait_until


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _source(api: FakePredbApi, **options: object) -> HttpApiSource:
    config = ApiConfig(api.url, interval=0.1, page_size=100, backoff_base=0.05, backoff_cap=0.2, **options)
    return HttpApiSource(config)


def _count(runner: LiveRunner, sql: str = "SELECT count(*) FROM releases") -> int:
    con = runner.cursor()
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()


def test_poller_survives_faults_and_records_the_outage(loop: LoopThread, db_path: Path) -> None:
    api = FakePredbApi(loop)
    for i in range(3):
        api.add(f"First.Show.S01E0{i + 1}.720p.HDTV.x264-GRP")
    db = Database(db_path)
    source = _source(api)
    with LiveRunner(db, [source], flush_seconds=0.2) as runner:
        wait_until(lambda: _count(runner) == 3, what="first rows")
        api.faults.extend(["429", "500", "malformed", "drop", "error-status"])
        api.add("Second.Movie.2024.1080p.BluRay.x264-GRP", "X264")
        api.add("Third.Album-WEB-2024-GRP", "MP3", nuke={"type": "nuke", "reason": "dupe", "net": "LocalNet"})
        wait_until(lambda: _count(runner) == 5, what="rows after the faults")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") >= 1, what="the outage as a gap")
        assert source.stats.rate_limited >= 1
        assert source.stats.errors >= 4
        con = runner.cursor()
        gap = con.execute("SELECT source, start_at <= end_at, reason FROM gaps").fetchall()
        nuke = con.execute("SELECT action, reason, network FROM nukes").fetchall()
        con.close()
    assert gap[0][0] == api.url and gap[0][1]
    assert "500" in gap[0][2] or "JSON" in gap[0][2] or "Error" in gap[0][2]
    assert nuke == [("nuke", "dupe", "LocalNet")]
    db.close()


def test_catch_up_after_downtime_pages_back_to_the_cursor(loop: LoopThread, db_path: Path) -> None:
    api = FakePredbApi(loop)
    api.add("Before.The.Stop-GRP")
    db = Database(db_path)
    with LiveRunner(db, [_source(api)], flush_seconds=0.2) as runner:
        wait_until(lambda: _count(runner) == 1, what="first row")
    cursor = db.scalar("SELECT cursor FROM live_state WHERE source = ?", [api.url])
    assert cursor == "id:1001"
    for i in range(250):  # three pages of 100 while the listener is not running
        api.add(f"While.Down.Release.{i:03d}-GRP")
    requests_before = len(api.requests)
    with LiveRunner(db, [_source(api)], flush_seconds=0.2) as runner:
        wait_until(lambda: _count(runner) == 251, what="the catch-up")
        # the restart is an explicit gap: from the last heartbeat of the first run to the reconnect
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps WHERE reason = 'listener stopped'") == 1)
    pages = [r["page"] for r in api.requests[requests_before:]]
    assert pages[:3] == ["1", "2", "3"]
    assert db.scalar("SELECT count(*) FROM sightings") == 251  # nothing read twice
    assert db.scalar("SELECT count(*) FROM live_uptime WHERE source = ?", [api.url]) == 2
    db.close()


def test_predbnet_flavour_reads_status_codes(loop: LoopThread, db_path: Path) -> None:
    api = FakePredbApi(loop, flavour="predbnet")
    api.add("Net.Flavour.Release-GRP", "TV")
    api.add("Net.Flavour.Nuked-GRP", "TV", status=1, reason="bad.fps")
    api.add("", "TV")  # unusable row: counted, skipped
    db = Database(db_path)
    source = _source(api, flavour="predbnet")
    with LiveRunner(db, [source], flush_seconds=0.2) as runner:
        wait_until(lambda: _count(runner) == 2, what="predb.net rows")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM nukes WHERE reason = 'bad.fps'") == 1)
    assert source.stats.malformed >= 1
    assert "limit" in api.requests[0] and "count" not in api.requests[0]
    db.close()


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_a_live_source_is_also_a_plain_source(loop: LoopThread) -> None:
    from scenewatch.sources import Source

    api = FakePredbApi(loop)
    for i in range(3):
        api.add(f"Plain.Source.{i}-GRP")
    source = _source(api)
    assert isinstance(source, Source)
    batches = source.batches(batch_size=10)
    seen: list[str] = []
    for batch in batches:
        seen += [a.name for a in batch.announcements]
        if len(seen) >= 3:
            break
    batches.close()  # stops the private listener thread
    assert sorted(seen) == [f"Plain.Source.{i}-GRP" for i in range(3)]


def test_listen_command_stops_cleanly_on_sigterm(loop: LoopThread, db_path: Path) -> None:
    import queue
    import signal
    import subprocess
    import sys
    import threading

    api = FakePredbApi(loop)
    api.add("Cli.Listen.Release-GRP")
    command = [sys.executable, "-m", "scenewatch", "listen", api.url, "--db", str(db_path), "--flush-seconds", "0.2"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()
    try:
        wait_until(lambda: "stored 1 announcements (1 new)" in lines.get(timeout=20), timeout=30, what="a write")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert f"{api.url}: 1 announcements" in stderr
    db = Database(db_path)
    assert db.scalar("SELECT clean_stop FROM live_state WHERE source = ?", [api.url]) is True
    assert db.scalar("SELECT down_reason FROM live_state WHERE source = ?", [api.url]) == "listener stopped"
    db.close()
