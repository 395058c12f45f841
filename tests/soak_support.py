"""The soak's moving parts: announce bots that know whether the listener is in the channel, API readers, RSS.

What makes an announce *receivable* is decided where it is sent, under one lock with the soak's phase:

- each announcer tracks, on its own connection, whether the listener's nick is in the channel (NAMES on join, then
  JOIN / PART / QUIT / KICK lines). The server processed the listener's JOIN before it told us, so a line we send
  after seeing it reaches the listener, unless the listener leaves meanwhile; it leaves only when the soak disrupts.
- before every disruption the phase turns ``at_risk`` for a while: what is sent then may be lost with the disruption
  (still in the IRC server's buffers when it is killed, or received but not yet committed by a listener that is
  SIGKILLed), and is tracked apart: stored at most once, never required.
- while the listener process is dead (killed, all announcers saw it quit, not yet restarted) the phase is ``dead``:
  announces are sent into the channel nobody listens to, and must not be stored.
- a tick that finds the IRC server down, or the listener not (yet) in the channel, sends nothing: it is counted.
"""

from __future__ import annotations

import asyncio
import collections
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live_servers import IrcBot

LISTENER_NICK = "swatch"
CHANNEL = "#pre"
SECTIONS = ["TV-X264", "X264", "MP3", "0DAY", "EBOOK", "GAMES"]


def announce(seq: int) -> tuple[str, str]:
    """The ``seq``-th announce's release name and section: unique names of a few kinds and groups."""
    group, kind = f"SOAK{seq % 7}", seq % len(SECTIONS)
    if kind == 0:
        return f"Soak.Show.{seq}.S{seq % 9 + 1:02d}E{seq % 20 + 1:02d}.720p.HDTV.x264-{group}", SECTIONS[kind]
    if kind == 1:
        return f"Soak.Movie.{seq}.{1990 + seq % 30}.1080p.BluRay.x264-{group}", SECTIONS[kind]
    if kind == 2:
        return f"Soak_Artist_{seq}-Some_Album-WEB-{2000 + seq % 25}-{group}", SECTIONS[kind]
    if kind == 3:
        return f"Soak.App.{seq}.v{seq % 9}.{seq % 7}.Incl.Keygen-{group}", SECTIONS[kind]
    if kind == 4:
        return f"Soak.Author.Book.{seq}.{2000 + seq % 20}.RETAIL.EPUB.eBook-{group}", SECTIONS[kind]
    return f"Soak.Game.{seq}.PROPER-{group}", SECTIONS[kind]


@dataclass(frozen=True, slots=True)
class Sent:
    """One announce that went out: its name, section, wall-clock send time and kind (receivable, at_risk, out)."""

    name: str
    section: str
    at: float
    kind: str


class Ledger:
    """The soak's phase and every announce tick, under one lock (the announcers classify each send with it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "live"
        self.seq = 0
        self.sent: list[Sent] = []
        self.unsent: collections.Counter[str] = collections.Counter()

    def set_phase(self, phase: str) -> float:
        """Switch the phase; returns the wall-clock moment it took effect."""
        with self.lock:
            self.phase = phase
            return time.time()

    def of_kind(self, kind: str) -> list[Sent]:
        """The announces sent as ``kind``."""
        with self.lock:
            return [s for s in self.sent if s.kind == kind]


def _parse(line: str) -> tuple[str, str, list[str]]:
    """An IRC line's sender nick, command and parameters (the trailing one included)."""
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    head, _, trailing = line.partition(" :")
    parts = head.split()
    return prefix.split("!", 1)[0], (parts[0].upper() if parts else ""), parts[1:] + ([trailing] if trailing else [])


def _is_listener(nick: str) -> bool:
    return nick.lstrip("@+%&~").lower().startswith(LISTENER_NICK)


class Announcer(threading.Thread):
    """An announce bot at a steady rate; reconnects whenever the server is back; tracks the listener's presence."""

    def __init__(self, ledger: Ledger, port: int, nick: str, rate: float, offset: float) -> None:
        super().__init__(name=f"announcer-{nick}", daemon=True)
        self.ledger, self.port, self.nick, self.period, self.offset = ledger, port, nick, 1.0 / rate, offset
        self.present = False  # the listener is in the channel, as this connection has been told
        self.connected = False
        self.connects = 0
        self.halt = threading.Event()
        self._bot: IrcBot | None = None

    def run(self) -> None:
        next_tick = time.monotonic() + self.offset
        while not self.halt.is_set():
            if self._bot is None:
                self._connect()
            wait = max(0.0, next_tick - time.monotonic())
            if self._bot is not None:
                try:
                    for line in self._bot.lines(wait):
                        self._track(line)
                except (OSError, ConnectionError):
                    self._drop()
            else:
                time.sleep(min(wait, 0.1))
            if time.monotonic() >= next_tick:
                next_tick += self.period
                self._tick()
        self._drop()

    def _connect(self) -> None:
        bot = IrcBot(self.port, self.nick)
        try:
            bot.connect([CHANNEL], timeout=3.0)
        except (OSError, ConnectionError, AssertionError):
            if bot.sock is not None:
                bot.sock.close()
            return
        self._bot, self.connected, self.present = bot, True, False
        self.connects += 1

    def _drop(self) -> None:
        bot, self._bot = self._bot, None
        self.connected = self.present = False
        if bot is not None and bot.sock is not None:
            bot.sock.close()

    def _track(self, line: str) -> None:
        nick, command, params = _parse(line)
        if command == "353" and any(_is_listener(n) for n in (params[-1].split() if params else [])):
            self.present = True
        elif command == "JOIN" and _is_listener(nick):
            self.present = True
        elif (command == "QUIT" and _is_listener(nick)) or (command == "PART" and _is_listener(nick)):
            self.present = False
        elif command == "KICK" and len(params) >= 2 and _is_listener(params[1]):
            self.present = False

    def _tick(self) -> None:
        ledger = self.ledger
        with ledger.lock:
            phase = ledger.phase
            if phase == "done":
                return
            ledger.seq += 1
            if self._bot is None:
                ledger.unsent["IRC server down"] += 1
                return
            if phase == "dead":
                kind = "out"
            elif not self.present:
                ledger.unsent["listener not in the channel"] += 1
                return
            else:
                kind = "receivable" if phase == "live" else "at_risk"
            name, section = announce(ledger.seq)
            try:
                self._bot.say(CHANNEL, f"[PRE] [{section}] {name}")
            except OSError:
                ledger.unsent["IRC server down"] += 1
                self._drop()
                return
            ledger.sent.append(Sent(name, section, time.time(), kind))


# -- readers --------------------------------------------------------------------------------------------------------
READ_PATHS = [
    "/api/status",
    "/api/releases?q=Soak&limit=20",
    "/api/releases?q=SOAK3&limit=50",
    "/api/gaps",
    "/api/volume",
    "/api/groups",
    "/api/nukes",
]


class Readers(threading.Thread):
    """``count`` concurrent HTTP readers of the listener's read API, each pausing ``pause`` s between requests."""

    def __init__(self, base_url: str, count: int = 50, pause: float = 0.2) -> None:
        super().__init__(name="api-readers", daemon=True)
        self.base_url, self.count, self.pause = base_url, count, pause
        self.statuses: collections.Counter[str] = collections.Counter()
        self.server_errors: list[tuple[str, int, str]] = []
        self.seconds: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        limits = httpx.Limits(max_connections=self.count, max_keepalive_connections=self.count)
        async with httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=60.0) as client:
            await asyncio.gather(*(self._reader(client, i) for i in range(self.count)))

    async def _reader(self, client: httpx.AsyncClient, index: int) -> None:
        turn = index
        await asyncio.sleep(index * self.pause / self.count)  # spread the first requests
        while not self.halt.is_set():
            path = READ_PATHS[turn % len(READ_PATHS)]
            turn += 1
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.TransportError as exc:  # the listener is down (killed, restarting): not an answer
                self.statuses[f"no answer ({type(exc).__name__})"] += 1
            else:
                self.seconds.append(time.perf_counter() - started)
                self.statuses[str(response.status_code)] += 1
                if response.status_code >= 500:
                    self.server_errors.append((path, response.status_code, response.text[:300]))
            await asyncio.sleep(self.pause)

    def summary(self) -> str:
        """Requests, answers by status, and answer latency p50/p99."""
        answered = sorted(self.seconds)
        p50 = statistics.median(answered) * 1000 if answered else float("nan")
        p99 = answered[min(len(answered) - 1, round(0.99 * (len(answered) - 1)))] * 1000 if answered else float("nan")
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{sum(self.statuses.values())} requests by {self.count} readers ({counts}); "
                f"answer p50 {p50:.0f} ms, p99 {p99:.0f} ms")  # fmt: skip


# -- memory ---------------------------------------------------------------------------------------------------------
def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MiB (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
