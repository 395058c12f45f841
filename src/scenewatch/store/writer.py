"""The single writer of a live store: one thread owns the write connection and flushes batches.

DuckDB allows one writing process per file, and one connection must not be used from two threads at once.
A :class:`StoreWriter` therefore owns ``db.con``: producers (live sources on an event loop, tests, a web
server) hand it events through a queue. An event that finds the writer idle is written at once (with whatever
arrived together with it); under load, writes are at least ``coalesce_seconds`` apart and each takes everything
that arrived meanwhile, so batches grow with the rate instead of the latency. No event waits more than
``flush_seconds``, and ``flush_events`` waiting events are written without waiting. Other threads of the same
process read through :meth:`StoreWriter.cursor` (a DuckDB cursor: its own connection to the same database).

Crash safety: every flush also advances a per-source heartbeat (``live_state.heartbeat_at``) to the moment the
buffer was taken, so "everything received before the heartbeat is committed". A source that goes down keeps
``down_since``; when it comes back the outage becomes a :class:`Gap`. On start, a source whose previous run did
not end cleanly is marked down since its last heartbeat, so a SIGKILL (and the unflushed buffer it lost) shows up
as a gap as soon as the source is listening again.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import duckdb

from scenewatch.records import Announcement, Gap, NukeEvent
from scenewatch.store.database import Database, WriteResult

log = logging.getLogger(__name__)
T = TypeVar("T")

WriteFn = Callable[[Database, Sequence[Announcement], Sequence[NukeEvent], str], WriteResult]


def _now() -> datetime:
    return datetime.now(UTC)


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def plain_write(
    db: Database, announcements: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str
) -> WriteResult:
    """Write without parsing names (the live runtime passes a parsing writer instead)."""
    return db.write(announcements, None, nukes, origin=origin)


@dataclass(frozen=True, slots=True)
class FlushInfo:
    """What one flush committed; passed to ``on_batch`` (it has ``announcements`` and ``nukes`` like a SourceBatch,
    so a web server's live hub can publish it as is)."""

    announcements: list[Announcement]
    nukes: list[NukeEvent]
    inserted: int
    gaps: list[Gap]
    seconds: float
    at: datetime


@dataclass(slots=True)
class _Buffer:
    events: dict[str, tuple[list[Announcement], list[NukeEvent]]] = field(default_factory=dict)
    ops: list[tuple[Any, ...]] = field(default_factory=list)
    count: int = 0
    first: float | None = None
    waiters: list[threading.Event] = field(default_factory=list)


class StoreWriter:
    """Own the write connection of ``db`` in one thread; take events from a queue; flush on size or time."""

    def __init__(
        self,
        db: Database,
        *,
        flush_events: int = 500,
        flush_seconds: float = 1.0,
        coalesce_seconds: float = 0.05,
        heartbeat_seconds: float = 1.0,
        max_batch: int | None = None,
        write: WriteFn = plain_write,
        on_batch: Callable[[FlushInfo], None] | None = None,
    ) -> None:
        if db.read_only:
            raise ValueError("StoreWriter needs a database opened for writing")
        self.db = db
        self.flush_events = flush_events
        self.flush_seconds = flush_seconds
        self.coalesce_seconds = min(coalesce_seconds, flush_seconds)
        self.heartbeat_seconds = heartbeat_seconds
        # Under a backlog one write may take what is already queued, up to this many events (fewer, larger writes).
        self.max_batch = max_batch or flush_events * 10
        self._write = write
        self.on_batch = on_batch
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._lock = threading.Lock()  # held while the writer uses db.con
        self._thread: threading.Thread | None = None
        self._sources: set[str] = set()
        self._open_sessions: dict[str, datetime] = {}
        self._cursors: dict[str, tuple[str | None, datetime | None]] = {}
        self.flushes = 0
        self.events_written = 0
        self.write_errors = 0

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self, sources: Sequence[str] = ()) -> None:
        """Register the sources (recording any outage left by the previous run) and start the thread."""
        with self._lock:
            self._register(sources, _now())
        self._thread = threading.Thread(target=self._run, name="scenewatch-store-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Flush what is buffered, mark a clean stop and end the thread."""
        if self._thread is None:
            return
        self._queue.put(("stop",))
        self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        """Whether the writer thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- producers (any thread) ------------------------------------------------------------------------------------
    def put(self, origin: str, record: Announcement | NukeEvent) -> None:
        """Queue one announcement or nuke event of ``origin``."""
        self._queue.put(("ev", origin, record, time.monotonic()))

    def put_many(self, origin: str, records: Sequence[Announcement | NukeEvent]) -> None:
        """Queue several records of one origin at once (one queue operation)."""
        if records:
            self._queue.put(("evs", origin, list(records), time.monotonic()))

    def source_up(self, source: str, at: datetime | None = None) -> None:
        """The source is listening from ``at``; closes any open outage as a Gap."""
        self._queue.put(("op", "up", source, at or _now()))

    def source_down(self, source: str, reason: str, at: datetime | None = None) -> None:
        """The source stopped listening at ``at`` (kept until it is up again)."""
        self._queue.put(("op", "down", source, at or _now(), reason))

    def set_cursor(self, source: str, value: str | None, at: datetime | None = None) -> None:
        """Persist how far the source has read; committed after every event queued before it."""
        self._cursors[source] = (value, at)
        self._queue.put(("op", "cursor", source, value, at))

    def add_gap(self, gap: Gap) -> None:
        """Queue an explicit gap."""
        self._queue.put(("op", "gap", gap))

    def flush(self, timeout: float = 30.0) -> bool:
        """Ask for a flush now and wait until it is committed (False on timeout)."""
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def submit(self, work: Callable[[Database], T], timeout: float | None = 60.0) -> T:
        """Run ``work(db)`` in the writer thread, after what is buffered, and return its result.

        This is how another part of the same process (a web server's ingest endpoint) writes while the writer runs.
        """
        future: Future[T] = Future()
        self._queue.put(("call", work, future))
        return future.result(timeout)

    # -- readers (any thread) -------------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A read cursor on the same database, safe to use from the calling thread (close it when done)."""
        with self._lock:
            con = self.db.con.cursor()
        con.execute("SET TimeZone = 'UTC'")
        return con

    def last_cursor(self, source: str) -> tuple[str | None, datetime | None]:
        """The latest cursor of a source: queued in this run, else as persisted."""
        if source in self._cursors:
            return self._cursors[source]
        con = self.cursor()
        try:
            rows = con.execute("SELECT cursor, cursor_at FROM live_state WHERE source = ?", [source]).fetchall()
        finally:
            con.close()
        return (rows[0][0], _aware(rows[0][1])) if rows else (None, None)

    # -- the writer thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        buf = _Buffer()
        last_beat = time.monotonic()  # when the last write ended (a heartbeat is one too)
        stopping = False
        pending: collections.deque[tuple[Any, ...]] = collections.deque()
        while not stopping:
            now = time.monotonic()
            deadline = self._due(buf, last_beat) if buf.first is not None else last_beat + self.heartbeat_seconds
            try:
                item = pending.popleft() if pending else self._queue.get(timeout=max(0.0, deadline - now))
            except queue.Empty:
                item = None
            if item is not None:
                kind = item[0]
                if kind == "ev":
                    self._add(buf, item[1], [item[2]], item[3])
                elif kind == "evs":
                    self._add(buf, item[1], item[2], item[3])
                elif kind == "op":
                    buf.ops.append(item[1:])
                    if buf.first is None:
                        buf.first = time.monotonic()
                elif kind == "flush":
                    buf.waiters.append(item[1])
                    buf = self._flush(buf)
                    last_beat = time.monotonic()
                    continue
                elif kind == "call":
                    buf = self._flush(buf)
                    last_beat = time.monotonic()
                    self._call(item[1], item[2])
                    continue
                elif kind == "stop":
                    stopping = True
            now = time.monotonic()
            due = buf.first is not None and now >= self._due(buf, last_beat)
            if (due or buf.count >= self.flush_events) and not stopping:
                self._drain(buf, pending)  # write what is already queued in the same batch
            if stopping or buf.count >= self.flush_events or due or now - last_beat >= self.heartbeat_seconds:
                buf = self._flush(buf, final=stopping)
                last_beat = time.monotonic()

    def _due(self, buf: _Buffer, last_write: float) -> float:
        """When the buffer must be written: at once after an idle spell, else ``coalesce_seconds`` after the last
        write, and never later than ``flush_seconds`` after its first event."""
        assert buf.first is not None
        return min(buf.first + self.flush_seconds, max(buf.first, last_write + self.coalesce_seconds))

    def _drain(self, buf: _Buffer, pending: collections.deque[tuple[Any, ...]]) -> None:
        """Add records that are already waiting, up to ``max_batch``; control items wait in ``pending``."""
        while buf.count < self.max_batch and not pending:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item[0] == "ev":
                self._add(buf, item[1], [item[2]], item[3])
            elif item[0] == "evs":
                self._add(buf, item[1], item[2], item[3])
            elif item[0] == "op":
                buf.ops.append(item[1:])
            else:
                pending.append(item)

    def _call(self, work: Callable[[Database], Any], future: Future[Any]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            with self._lock:
                result = work(self.db)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)

    def _add(self, buf: _Buffer, origin: str, records: Sequence[Announcement | NukeEvent], received: float) -> None:
        anns, nukes = buf.events.setdefault(origin, ([], []))
        for record in records:
            if isinstance(record, Announcement):
                anns.append(record)
                if record.nuke is not None:
                    nukes.append(record.nuke)
            else:
                nukes.append(record)
        buf.count += len(records)
        if buf.first is None:
            buf.first = received

    def _flush(self, buf: _Buffer, *, final: bool = False) -> _Buffer:
        started = time.perf_counter()
        beat = _now()  # every event received before this moment is in ``buf``
        inserted = 0
        written_anns: list[Announcement] = []
        written_nukes: list[NukeEvent] = []
        gaps: list[Gap] = []
        with self._lock:
            for origin, (anns, nukes) in buf.events.items():
                try:
                    result = self._write(self.db, anns, nukes, origin)
                    inserted += result.releases_inserted
                    written_anns += anns
                    written_nukes += nukes
                except Exception as exc:  # a failed write must become a visible gap, not a silent drop
                    self.write_errors += 1
                    log.exception("store write failed for %s (%d events)", origin, len(anns) + len(nukes))
                    waited = time.monotonic() - buf.first if buf.first is not None else 0.0
                    start = beat - timedelta(seconds=waited)
                    gaps.append(Gap(origin, start, _now(), f"store write failed: {str(exc).splitlines()[0][:200]}"))
            try:
                gaps += self._apply(buf.ops, gaps, beat, final)
            except Exception:
                self.write_errors += 1
                log.exception("live state update failed")
        self.flushes += 1  # before the waiters wake: a reader that sees it knows the flush is committed
        self.events_written += len(written_anns) + len(written_nukes)
        for waiter in buf.waiters:
            waiter.set()
        if self.on_batch is not None and (written_anns or written_nukes or gaps):
            try:
                self.on_batch(
                    FlushInfo(written_anns, written_nukes, inserted, gaps, time.perf_counter() - started, beat)
                )
            except Exception:
                log.exception("on_batch callback failed")
        return _Buffer()

    # -- state (called with the lock held, in the writer thread or before it starts) ----------------------------------
    def _register(self, sources: Sequence[str], now: datetime) -> None:
        con = self.db.con
        for source in sources:
            self._sources.add(source)
            rows = con.execute(
                "SELECT heartbeat_at, down_since, down_reason, clean_stop FROM live_state WHERE source = ?", [source]
            ).fetchall()
            if not rows:
                con.execute(
                    "INSERT INTO live_state (source, heartbeat_at, clean_stop, updated_at) VALUES (?, ?, false, ?)",
                    [source, _naive(now), _naive(now)],
                )
                continue
            heartbeat, down_since, down_reason, clean = rows[0]
            if down_since is not None and (heartbeat is None or down_since <= heartbeat):
                start, reason = down_since, down_reason or "down"
            elif heartbeat is not None:
                start = heartbeat
                reason = "listener stopped" if clean else "listener killed or crashed (unflushed events lost)"
            else:
                start, reason = _naive(now), "listener starting"
            con.execute(
                "UPDATE live_state SET down_since = ?, down_reason = ?, up_since = NULL, clean_stop = false, "
                "updated_at = ? WHERE source = ?",
                [start, reason, _naive(now), source],
            )

    def _apply(self, ops: list[tuple[Any, ...]], failed: list[Gap], beat: datetime, final: bool) -> list[Gap]:
        con = self.db.con
        gaps: list[Gap] = list(failed)
        last_cursor = {op[1]: i for i, op in enumerate(ops) if op[0] == "cursor"}
        ops = [op for i, op in enumerate(ops) if op[0] != "cursor" or last_cursor[op[1]] == i]  # one UPDATE each
        con.execute("BEGIN TRANSACTION")
        try:
            for op in ops:
                kind = op[0]
                if kind == "up":
                    _, source, at = op
                    self._ensure(source)
                    row = con.execute(
                        "SELECT down_since, down_reason, up_since FROM live_state WHERE source = ?", [source]
                    ).fetchall()[0]
                    if row[2] is not None and source in self._open_sessions:
                        continue
                    if row[0] is not None:
                        end = max(_naive(at), row[0])
                        gaps.append(Gap(source, _aware(row[0]), _aware(end), row[1] or "down"))
                    con.execute(
                        "UPDATE live_state SET down_since = NULL, down_reason = NULL, up_since = ?, updated_at = ? "
                        "WHERE source = ?",
                        [_naive(at), _naive(beat), source],
                    )
                    con.execute("INSERT OR IGNORE INTO live_uptime VALUES (?, ?, ?)", [source, _naive(at), _naive(at)])
                    self._open_sessions[source] = at
                elif kind == "down":
                    _, source, at, reason = op
                    self._ensure(source)
                    started = self._open_sessions.pop(source, None)
                    if started is not None:
                        con.execute(
                            "UPDATE live_uptime SET end_at = greatest(end_at, ?) WHERE source = ? AND start_at = ?",
                            [_naive(at), source, _naive(started)],
                        )
                    con.execute(
                        "UPDATE live_state SET down_since = coalesce(down_since, ?), "
                        "down_reason = coalesce(down_reason, ?), up_since = NULL, updated_at = ? WHERE source = ?",
                        [_naive(at), reason, _naive(beat), source],
                    )
                elif kind == "cursor":
                    _, source, value, at = op
                    self._ensure(source)
                    con.execute(
                        "UPDATE live_state SET cursor = ?, cursor_at = coalesce(?, cursor_at), updated_at = ? "
                        "WHERE source = ?",
                        [value, _naive(at), _naive(beat), source],
                    )
                elif kind == "gap":
                    gaps.append(op[1])
            for gap in gaps:
                con.execute(
                    "INSERT INTO gaps VALUES (?, ?, ?, ?)",
                    [gap.source, _naive(gap.start), _naive(gap.end), gap.reason],
                )
            if self._sources:
                listed = sorted(self._sources)
                con.execute(
                    "UPDATE live_state SET heartbeat_at = ?, clean_stop = ? WHERE list_contains(?, source)",
                    [_naive(beat), final, listed],
                )
            for source, started in self._open_sessions.items():
                con.execute(
                    "UPDATE live_uptime SET end_at = greatest(end_at, ?) WHERE source = ? AND start_at = ?",
                    [_naive(beat), source, _naive(started)],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return gaps

    def _ensure(self, source: str) -> None:
        if source in self._sources:
            return
        self._register([source], _now())
