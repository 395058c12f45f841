"""`serve --listen-config`: one process owns the database, follows a live feed and serves the API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scenewatch.store import Database
from tests.live_servers import FakePredbApi, LoopThread, free_port, wait_until


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _names(port: int) -> set[str]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/api/releases", params={"q": "", "limit": 100}, timeout=5)
    except httpx.HTTPError:
        return set()
    if response.status_code != 200:
        return set()
    body = response.json()
    rows = body["items"]
    return {row["name"] for row in rows}


def test_serve_and_listen_in_one_process(loop: LoopThread, tmp_path: Path) -> None:
    api = FakePredbApi(loop)
    api.add("Before.Start.S01E01.720p.HDTV.x264-GRP")
    config = tmp_path / "listen.toml"
    config.write_text(f'[listener]\nflush_seconds = 0.2\n\n[[http]]\nurl = "{api.url}"\ninterval = 0.2\n')
    db_path = tmp_path / "live.duckdb"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scenewatch", "serve", "--db", str(db_path), "--port", str(port),
         "--listen-config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: "Before.Start.S01E01.720p.HDTV.x264-GRP" in _names(port), timeout=30, what="first row")
        api.add("While.Serving.2024.1080p.WEB.h264-GRP", "X264")
        wait_until(lambda: "While.Serving.2024.1080p.WEB.h264-GRP" in _names(port), timeout=30, what="live row")
        # The database belongs to this process; a read from another process is answered through it (the owner
        # file beside the database), and a write is refused with the name of the holder and the way round it.
        read = subprocess.run(
            [sys.executable, "-m", "scenewatch", "info", "--db", str(db_path), "--json"], capture_output=True, text=True
        )
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout)[0]["releases"] == 2
        dump = tmp_path / "one.ndjson"
        dump.write_text(json.dumps({"name": "Refused.While.Owned.2024.1080p.WEB.h264-GRP", "pre_at": 1.7e9}) + "\n")
        write = subprocess.run(
            [sys.executable, "-m", "scenewatch", "ingest", str(dump), "--db", str(db_path)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert write.returncode == 2 and write.stderr.startswith("error: "), write.stderr
        assert str(server.pid) in write.stderr, write.stderr
    finally:
        os.kill(server.pid, signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert f"listening to {api.url}" in stderr
    with Database(db_path, read_only=True) as db:
        assert db.count_releases() == 2
        assert db.scalar("SELECT count(*) FROM live_uptime") >= 1
