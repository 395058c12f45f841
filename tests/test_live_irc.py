"""The IRC source against a real ngircd on 127.0.0.1: announces, nukes, dedup, restart, SIGKILL, gaps.

Needs the `ngircd` binary (Debian/Ubuntu: `apt-get install -y ngircd`); skipped with that reason otherwise.
"""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenewatch.live import LiveRunner, load_config
from scenewatch.sources.live import IrcNetwork, IrcSource
from scenewatch.store import Database
from tests.live_servers import NGIRCD, IrcBot, Ngircd, wait_until

pytestmark = pytest.mark.skipif(NGIRCD is None, reason="ngircd is not installed (apt-get install -y ngircd)")

NAMES = [f"Live.Irc.Show.S03E{i:02d}.720p.HDTV.x264-GRP" for i in range(1, 7)]


@pytest.fixture
def ircd(tmp_path: Path) -> Iterator[Ngircd]:
    server = Ngircd(tmp_path / "ircd")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bot(ircd: Ngircd) -> Iterator[IrcBot]:
    client = IrcBot(ircd.port)
    yield client
    client.close()


def _count(runner: LiveRunner, sql: str, params: list[object] | None = None) -> int:
    con = runner.cursor()
    try:
        return int(con.execute(sql, params or []).fetchall()[0][0])
    finally:
        con.close()


def test_announces_from_two_channels_restart_and_gap(ircd: Ngircd, bot: IrcBot, db_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "listen.toml"
    config.write_text(
        f"""
[listener]
flush_seconds = 0.3

[[formats]]
id = "arrows"
action = "pre"
pattern = '^NEW >> (?P<section>\\S+) >> (?P<name>\\S+)'

[[irc]]
url = "{ircd.url("#pre", "#pre2")}"
nick = "swatch"
name = "testnet"
backoff_base = 0.2
backoff_cap = 1.0
""",
        encoding="utf-8",
    )
    settings = load_config(config)
    (source,) = settings.sources
    assert isinstance(source, IrcSource)
    db = Database(db_path)
    with LiveRunner(db, settings.sources, flush_seconds=settings.flush_seconds) as runner:
        bot.connect(["#pre", "#pre2"])
        bot.wait_for_nick("#pre", "swatch")
        bot.wait_for_nick("#pre2", "swatch")
        for name in NAMES[:3]:
            bot.say("#pre", f"[PRE] [TV-X264] {name}")
            bot.say("#pre2", f"\x02\x0304PRE:\x0f [\x0312TV-X264\x03] \x1f{name}\x1f")  # same release, other channel
        bot.say("#pre2", f"NEW >> TV-X264 >> {NAMES[3]}")  # the user's own format from the config
        bot.say("#pre", f"[NUKE] {NAMES[0]} [bad.ivtc] [LocalNet]")
        bot.say("#pre", "[PRE] [TV] ???")  # an announce with no usable name: malformed, counted
        bot.say("#pre", "\x03" * 40 + "\x0f\x02")  # formatting only
        bot.say("#pre", "anyone seen the new episode?")  # chatter
        burst = [f"Burst.Release.{i:03d}-FLOOD" for i in range(150)]
        for name in burst:  # a burst far above the 1 line/s the server would allow a penalised client
            bot.say("#pre", f"[PRE] [0DAY] {name}")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM releases") == 4 + len(burst), what="announces")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM nukes WHERE network = 'LocalNet'") == 1)
        assert source.stats.malformed == 1
        assert source.stats.ignored >= 1

        ircd.restart()  # the server goes away and comes back on the same port
        bot.connect(["#pre", "#pre2"])
        bot.wait_for_nick("#pre", "swatch", timeout=20)
        bot.wait_for_nick("#pre2", "swatch", timeout=20)
        bot.say("#pre", f"[PRE] [TV-X264] {NAMES[0]}")  # seen again after the reconnect
        for name in NAMES[4:]:
            bot.say("#pre", f"[PRE] [TV-X264] {name}")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM releases") == 6 + len(burst), what="post-restart")
        wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") == 1, what="the restart as a gap")
        duplicates = _count(runner, "SELECT count(*) - count(DISTINCT lower(name)) FROM releases")
        sightings = _count(
            runner,
            "SELECT count(*) FROM sightings s JOIN releases r ON r.id = s.release_id WHERE r.name = ?",
            [NAMES[0]],
        )
        assert source.stats.connects == 2
    assert duplicates == 0
    assert sightings == 3  # #pre, #pre2, and #pre after the reconnect: one release, three sightings
    feeds = {row[0] for row in db.con.execute("SELECT DISTINCT feed FROM sightings").fetchall()}
    assert {"irc:testnet/#pre", "irc:testnet/#pre2"} <= feeds
    gap = db.con.execute("SELECT source, start_at < end_at, reason FROM gaps").fetchall()[0]
    assert gap[0] == source.origin and gap[1]
    assert db.scalar("SELECT count(*) FROM live_uptime") == 2
    assert db.scalar("SELECT section FROM releases WHERE name = ?", [NAMES[3]]) == "TV-X264"
    db.close()


def test_sigkill_is_recorded_as_a_gap_on_restart(ircd: Ngircd, bot: IrcBot, db_path: Path, tmp_path: Path) -> None:
    url = ircd.url("#pre")
    bot.connect(["#pre"])
    command = [sys.executable, "-m", "scenewatch", "listen", url, "--db", str(db_path), "--flush-seconds", "0.2"]
    stderr = (tmp_path / "listen.err").open("w")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()
    try:
        bot.wait_for_nick("#pre", "scenewat", timeout=30)
        bot.say("#pre", "[PRE] [X264] Kept.Before.The.Kill.2024.1080p.BluRay.x264-GRP")
        wait_until(lambda: "stored 1 announcements" in lines.get(timeout=15), timeout=20, what="the first write")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stderr.close()
    db = Database(db_path)
    source = IrcSource(IrcNetwork.from_url(url, backoff_base=0.2, backoff_cap=1.0))
    with LiveRunner(db, [source], flush_seconds=0.2) as runner:
        wait_until(
            lambda: _count(runner, "SELECT count(*) FROM gaps WHERE reason LIKE '%killed%'") == 1,
            what="the kill recorded as a gap",
        )
        kept = _count(runner, "SELECT count(*) FROM releases WHERE name LIKE 'Kept.Before.The.Kill%'")
    assert kept == 1
    db.close()


def test_ircs_with_a_self_signed_certificate(tmp_path: Path, db_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make the test certificate)")
    server = Ngircd(tmp_path / "ircd-tls", tls=True)
    server.start()
    bot = IrcBot(server.port)
    try:
        url = f"ircs://127.0.0.1:{server.tls_port}/#pre?cafile={server.cert}"
        source = IrcSource(IrcNetwork.from_url(url, backoff_base=0.2, backoff_cap=1.0))
        assert source.origin == f"ircs://127.0.0.1:{server.tls_port}"
        db = Database(db_path)
        bot.connect(["#pre"])  # first in the channel: the bot is its operator
        with LiveRunner(db, [source], flush_seconds=0.2) as runner:
            bot.wait_for_nick("#pre", "scenewat")
            bot.say("#pre", "[PRE] [X264] Over.Tls.2024.1080p.WEB.h264-GRP")
            wait_until(lambda: _count(runner, "SELECT count(*) FROM releases") == 1, what="the TLS announce")
            bot.send(f"KICK #pre {source.nick} :testing rejoin")
            wait_until(lambda: "#pre" not in source.joined, what="the kick")
            wait_until(lambda: "#pre" in source.joined, what="the rejoin after a kick")
            bot.say("#pre", "[PRE] [X264] After.The.Kick.2024.1080p.WEB.h264-GRP")
            wait_until(lambda: _count(runner, "SELECT count(*) FROM releases") == 2, what="announce after rejoin")
            assert source.stats.connects == 1  # a kick is not a reconnect
        db.close()
    finally:
        bot.close()
        server.stop()
