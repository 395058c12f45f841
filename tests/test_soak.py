"""Soak (issue #22.5): a real `scenewatch listen` process under announces, readers and outages, a few minutes long.

A real ngircd on 127.0.0.1; four announce bots at a steady rate (five lines a second each); the listener stores
them and serves its read API (--port) to 50 concurrent readers all through, and its owner file answers a read CLI.
The IRC server is SIGKILLed and restarted three times, and the listener SIGKILLed once and restarted. What counts
as receivable is defined in :mod:`tests.soak_support` (sent while the listener was in the channel, outside the
short at-risk window before a disruption). At the end: every receivable announce stored exactly once, nothing sent
while the listener was dead stored, every outage and the kill a gap, no 5xx, the listener's RSS growth bounded,
and the store's rows equal to a clean `scenewatch ingest` of the same announces into a fresh store.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scenewatch.store import Database
from tests.helpers import run_cli
from tests.live_servers import NGIRCD, Ngircd, free_port, wait_until
from tests.soak_support import CHANNEL, LISTENER_NICK, Announcer, Ledger, Readers, Sent, rss_mb

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGIRCD is None, reason="ngircd is not installed (apt-get install -y ngircd)"),
]

ANNOUNCERS, RATE = 4, 5.0  # bots, announces per second each
LIVE_SECONDS = 14.0  # each stretch of plain running between disruptions
IRC_DOWN_SECONDS = 3.0
AT_RISK_IRC, AT_RISK_KILL = 1.0, 3.0  # seconds before a disruption whose announces it may take with it
FLUSH_SECONDS = 1.0
RSS_GROWTH_LIMIT_MB = 64.0


class Listener:
    """`scenewatch listen` as a user runs it, restartable on the same read port; every process started is kept."""

    def __init__(self, config: Path, db: Path, port: int, logs: Path) -> None:
        self.config, self.db, self.port, self.logs = config, db, port, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> float:
        """Start it and wait until it answers reads; returns the wall-clock moment it was started."""
        log = self.logs / f"listen-{len(self.started)}.err"
        at = time.time()
        with log.open("wb") as stream:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scenewatch", "listen", "--config", str(self.config), "--db", str(self.db),
                 "--port", str(self.port), "--quiet"],
                stdout=subprocess.DEVNULL, stderr=stream,
            )  # fmt: skip
        self.started.append(self.process)
        wait_until(lambda: self._answering(log), timeout=60, interval=0.1, what="the listener's read API")
        return at

    def _answering(self, log: Path) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"listen exited {self.process.returncode}: {log.read_text()[-2000:]}")
        return "answering reads at" in log.read_text()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> float:
        """SIGKILL; returns the moment."""
        assert self.process is not None
        at = time.time()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        return at

    def stop(self) -> int:
        """SIGTERM (a clean stop flushes what is buffered); its exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def cleanup(self) -> None:
        """Kill, by PID, whichever of the processes this started still runs."""
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@contextmanager
def running(*threads: Announcer | Readers) -> Iterator[None]:
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for thread in threads:
            thread.halt.set()
        for thread in threads:
            thread.join(30)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _moment(value: datetime) -> float:
    return value.replace(tzinfo=UTC).timestamp() if value.tzinfo is None else value.timestamp()


def test_soak(tmp_path: Path) -> None:
    began = time.monotonic()
    ircd = Ngircd(tmp_path / "ircd")
    db, port = tmp_path / "soak.duckdb", free_port()
    config = tmp_path / "listen.toml"
    config.write_text(
        f'[listener]\nflush_seconds = {FLUSH_SECONDS}\n\n[[irc]]\nurl = "{ircd.url(CHANNEL)}"\n'
        f'nick = "{LISTENER_NICK}"\nname = "soak"\nbackoff_base = 0.2\nbackoff_cap = 1.0\n',
        encoding="utf-8",
    )
    listener = Listener(config, db, port, tmp_path)
    ledger = Ledger()
    announcers = [Announcer(ledger, ircd.port, f"ann{i}", RATE, i / (RATE * ANNOUNCERS)) for i in range(ANNOUNCERS)]
    readers = Readers(f"http://127.0.0.1:{port}", count=50)
    outages: list[tuple[float, float]] = []  # IRC server killed at, started again at
    rss: list[tuple[str, float]] = []
    cli_reads: list[str] = []

    def everyone_sees_the_listener() -> None:
        wait_until(lambda: all(a.present for a in announcers), timeout=60, what="the listener back in the channel")

    def sample(label: str) -> None:
        value = rss_mb(listener.pid)
        assert value is not None, f"the listener is gone at {label}"
        rss.append((label, value))

    def read_through_owner() -> None:
        """A read CLI while the listener owns the store: answered through it (a direct open would be refused)."""
        done = run_cli("gaps", "--db", str(db), "--json", timeout=120)
        assert done.returncode == 0, done.stderr
        cli_reads.append(f"{len(json.loads(done.stdout))} gaps")

    def kill_irc() -> None:
        ledger.set_phase("at_risk")
        time.sleep(AT_RISK_IRC)
        killed = time.time()
        ircd.kill()
        time.sleep(IRC_DOWN_SECONDS)
        # "Back" is when the server is started, not when start() returns: the listener may reconnect
        # while start() still waits for the port, so its gap can end a few ms before start() returns.
        restarting = time.time()
        ircd.start()
        outages.append((killed, restarting))
        ledger.set_phase("live")
        everyone_sees_the_listener()

    try:
        ircd.start()
        listener.start()
        with running(*announcers, readers):
            everyone_sees_the_listener()
            time.sleep(3.0)
            sample("first listener, warm")
            time.sleep(LIVE_SECONDS - 3.0)
            kill_irc()
            time.sleep(LIVE_SECONDS)
            read_through_owner()
            kill_irc()
            time.sleep(LIVE_SECONDS)
            sample("first listener, before its kill")
            ledger.set_phase("at_risk")
            time.sleep(AT_RISK_KILL)
            killed_at = listener.kill()
            wait_until(lambda: not any(a.present for a in announcers), timeout=15, what="the listener's QUIT")
            ledger.set_phase("dead")
            time.sleep(2.0)
            ledger.set_phase("restarting")
            time.sleep(0.5)  # what was sent while it was dead is through the IRC server before it can join again
            restarted_at = listener.start()
            ledger.set_phase("live")
            everyone_sees_the_listener()
            time.sleep(3.0)
            sample("second listener, warm")
            time.sleep(LIVE_SECONDS - 3.0)
            read_through_owner()
            kill_irc()
            time.sleep(LIVE_SECONDS)
            sample("second listener, at the end")
            ledger.set_phase("done")
            time.sleep(0.5)
        assert listener.stop() == 0
    finally:
        listener.cleanup()
        ircd.stop()
    soak_seconds = time.monotonic() - began

    receivable, at_risk, out = (ledger.of_kind(k) for k in ("receivable", "at_risk", "out"))
    with Database(db, read_only=True) as store:
        stored = dict(store.con.execute("SELECT name, count(*) FROM releases GROUP BY name").fetchall())
        sightings = store.scalar("SELECT count(*) FROM sightings")
        gaps = store.con.execute("SELECT source, start_at, end_at, reason FROM gaps ORDER BY start_at").fetchall()
        live_rows = _rows(store)
    kept_at_risk = [s for s in at_risk if s.name in stored]
    expected: list[Sent] = receivable + kept_at_risk

    # The figures, before the verdicts.
    print(f"\nsoak: {soak_seconds:.0f} s wall; {ANNOUNCERS} announcers at {RATE:.0f}/s each")
    print(f"  announces sent {len(ledger.sent)}: receivable {len(receivable)}, at risk {len(at_risk)} "
          f"({len(kept_at_risk)} kept), sent while the listener was dead {len(out)}; "
          f"not sent: {dict(ledger.unsent)}")  # fmt: skip
    print(f"  stored {len(stored)} releases, {sightings} sightings; duplicates {sum(n - 1 for n in stored.values())}")
    print(f"  gaps {len(gaps)}:")
    for source, start, end, reason in gaps:
        print(f"    {source} {start:%H:%M:%S.%f}-{end:%H:%M:%S.%f} ({_moment(end) - _moment(start):.1f} s) {reason}")
    print(f"  IRC outages (killed, back): {[(f'{_iso(a)[11:23]}', f'{_iso(b)[11:23]}') for a, b in outages]}; "
          f"listener killed {_iso(killed_at)[11:23]}, restarted {_iso(restarted_at)[11:23]}")  # fmt: skip
    print(f"  readers: {readers.summary()}")
    print(f"  reads through the owner file: {cli_reads}")
    print("  listener RSS: " + ", ".join(f"{label} {value:.0f} MiB" for label, value in rss))

    missing = [s.name for s in receivable if s.name not in stored]
    assert not missing, f"{len(missing)} receivable announces not stored, e.g. {missing[:5]}"
    assert all(n == 1 for n in stored.values()), "an announce stored twice"
    assert sightings == len(stored)  # one announce, one sighting
    assert not [s.name for s in out if s.name in stored], "stored an announce sent while the listener was dead"
    assert set(stored) == {s.name for s in expected}, "stored something nobody announced"

    assert len(gaps) == len(outages) + 1, gaps
    for killed, back in outages:
        covering = [g for g in gaps if _moment(g[1]) <= killed + 2.0 and _moment(g[1]) >= killed - 0.1
                    and _moment(g[2]) >= back and "killed" not in g[3]]  # fmt: skip
        assert len(covering) == 1, (f"the IRC outage {_iso(killed)} - {_iso(back)}", gaps)
    kills = [g for g in gaps if "killed" in g[3]]
    assert len(kills) == 1, gaps
    _, start, end, _ = kills[0]
    assert killed_at - (AT_RISK_KILL + FLUSH_SECONDS) <= _moment(start) <= killed_at, "the kill's gap starts too early"
    assert _moment(end) >= restarted_at

    assert not readers.server_errors, readers.server_errors[:5]
    assert sum(v for k, v in readers.statuses.items() if k.isdigit()) >= 50 * 10
    by_label = dict(rss)
    growth = by_label["second listener, at the end"] - by_label["second listener, warm"]
    print(f"  RSS growth of the second listener over {LIVE_SECONDS * 2:.0f} s of running: {growth:+.0f} MiB")
    assert growth < RSS_GROWTH_LIMIT_MB
    assert by_label["first listener, before its kill"] - by_label["first listener, warm"] < RSS_GROWTH_LIMIT_MB

    # A clean replay: the same announces, ingested as a file into a fresh store, give the same rows.
    replay = tmp_path / "replay.ndjson"
    replay.write_text("".join(json.dumps({"name": s.name, "section": s.section, "pre_at": _iso(s.at)}) + "\n"
                              for s in expected))  # fmt: skip
    fresh = tmp_path / "replay.duckdb"
    done = run_cli("ingest", str(replay), "--db", str(fresh), "--quiet")
    assert done.returncode == 0, done.stderr
    with Database(fresh, read_only=True) as store:
        replayed = _rows(store)
    print(f"  clean replay of {len(expected)} announces: {replayed['counts']} (live store: {live_rows['counts']})")
    assert replayed == live_rows


def _rows(store: Database) -> dict[str, object]:
    """Row counts of the content tables and every release's parsed fields (not its times or feed)."""
    counts = {table: store.scalar(f"SELECT count(*) FROM {table}") for table in ("releases", "sightings", "nukes")}
    parsed = store.con.execute(
        "SELECT name, section, category, grp, title, year, season, episode, resolution, source FROM releases"
    ).fetchall()
    return {"counts": counts, "parsed": sorted(parsed, key=repr)}

