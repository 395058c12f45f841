"""`scenewatch listen predb.net predb.club irc://…` and `scenewatch sources`, as a user runs them, on real names.

Two loopback providers (tests/provider_servers.py) and a real ngircd announce real release names from the nZEDb slice
(with their real pre times); several names reach the listener on all three. The listener merges them into one store:
one release per name, one sighting per feed. While it runs, `scenewatch sources --db` shows each source's state from
the listener's status file; after SIGTERM the file is gone and the command says no listener runs.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenewatch.store import Database
from tests.live_servers import NGIRCD, IrcBot, LoopThread, Ngircd, wait_until
from tests.provider_servers import ProviderServer, real_releases

SCALE = 0.01


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _scenewatch(*args: str, terminal: bool = False) -> subprocess.CompletedProcess[str]:
    # TTY_COMPATIBLE: Rich lays the output out as for a terminal of COLUMNS columns (a pipe gets full-width text)
    extra = {"COLUMNS": "80", "TTY_COMPATIBLE": "1", "NO_COLOR": "1"} if terminal else {}
    return subprocess.run([sys.executable, "-m", "scenewatch", *args], capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, **extra})  # fmt: skip


def test_sources_lists_presets_at_80_columns() -> None:
    done = _scenewatch("sources", terminal=True)
    assert done.returncode == 0, done.stderr
    lines = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout).splitlines()  # bold headers: escape codes take no room
    assert all(len(line) <= 80 for line in lines)
    table = "\n".join(lines[:12])
    for preset, limit in [("predb.net", "30 / min"), ("predb.club", "30 / min"), ("xrel", "900 / h"),
                          ("srrdb", "20 / min")]:  # fmt: skip
        assert any(preset in line and limit in line for line in table.splitlines()), preset
    assert "sighting" in next(line for line in lines if line.startswith("│ srrdb"))
    as_json = json.loads(_scenewatch("sources", "--json").stdout)
    assert {row["preset"] for row in as_json} == {"predb.net", "predb.club", "xrel", "xrel-p2p", "srrdb"}
    net = next(row for row in as_json if row["preset"] == "predb.net")
    assert net["api"] == "https://api.predb.net/" and net["websocket"] == "wss://api.predb.net/ws"


@pytest.mark.skipif(NGIRCD is None, reason="ngircd is not installed (apt-get install -y ngircd)")
def test_listen_three_sources_into_one_store(loop: LoopThread, tmp_path: Path, db_path: Path) -> None:
    ircd = Ngircd(tmp_path / "ircd")
    ircd.start()
    net = ProviderServer(loop, "predb.net", scale=SCALE)
    club = ProviderServer(loop, "predb.club", scale=SCALE)
    releases = real_releases(60)
    shared, only_net, only_club = releases[:10], releases[10:30], releases[30:50]
    for name, section, at in shared + only_net:
        net.add(name, section, at, publish=False)
    for name, section, at in shared + only_club:
        club.add(name, section, at, publish=False)
    config = tmp_path / "listen.toml"
    config.write_text(
        f"""
[listener]
flush_seconds = 0.2
time_scale = {SCALE}

[presets."predb.net"]
api = "{net.api_url}"
websocket = "{net.ws_url}"

[presets."predb.club"]
api = "{club.api_url}"
websocket = "{club.ws_url}"
""",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "scenewatch", "listen", "predb.net", "predb.club", ircd.url("#pre"),
               "--config", str(config), "--db", str(db_path)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()
    bot = IrcBot(ircd.port)
    try:
        wait_until(lambda: "stored" in lines.get(timeout=20), timeout=30, what="a first write")
        bot.connect(["#pre"])
        bot.wait_for_nick("#pre", "scenew")
        for name, section, _ in shared[:5] + releases[50:55]:
            bot.say("#pre", f"[PRE] [{section}] {name}")
        for name, section, at in releases[55:58]:  # live frames on both websockets
            net.add(name, section, at)
            club.add(name, section, at)

        def states() -> dict[str, dict[str, object]]:
            done = _scenewatch("sources", "--db", str(db_path), "--json")
            assert done.returncode == 0, done.stderr
            return {s["origin"]: s for s in json.loads(done.stdout)["listener"]["sources"]}

        wait_until(lambda: all(s.get("connected") for s in states().values()), 20, what="three connected sources")
        wait_until(lambda: sum(s["announcements"] for s in states().values()) >= 30 + 30 + 10 + 6, 20,
                   what="everything announced")  # fmt: skip
        seen = states()
        text = _scenewatch("sources", "--db", str(db_path)).stdout
    finally:
        bot.close()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        ircd.stop()
        net.close()
        club.close()
    assert proc.returncode == 0, stderr
    assert set(seen) == {"predb.net", "predb.club", f"irc://127.0.0.1:{ircd.port}"}
    assert seen["predb.net"]["state"] == "live" and seen["predb.net"]["websocket"] is True
    assert seen["predb.club"]["heartbeats"] >= 0 and seen["predb.net"]["backlog"] == 0
    assert all(s["gaps_recorded"] == 0 for s in seen.values())
    assert "listener pid" in text and "predb.club" in text
    assert "no listener is running" in _scenewatch("sources", "--db", str(db_path)).stderr
    with Database(db_path, read_only=True) as db:
        names = {n.lower() for (n,) in db.con.execute("SELECT name FROM releases").fetchall()}
        feeds = dict(db.con.execute(
            "SELECT r.name, list_sort(list(DISTINCT s.feed)) FROM releases r JOIN sightings s ON s.release_id = r.id "
            "GROUP BY r.name"
        ).fetchall())  # fmt: skip
        duplicates = db.scalar("SELECT count(*) - count(DISTINCT (release_id, feed, seen_at)) FROM sightings")
    assert names == {n.lower() for n, _, _ in releases[:58]}
    assert duplicates == 0
    irc_feed = "irc:127.0.0.1/#pre"
    for name, _, _ in shared[:5]:
        assert feeds[name] == sorted(["predb.club", "predb.net", irc_feed])  # one release, a sighting per feed
    for name, _, _ in only_net:
        assert feeds[name] == ["predb.net"]
    for name, _, _ in releases[55:58]:
        assert feeds[name] == ["predb.club", "predb.net"]
