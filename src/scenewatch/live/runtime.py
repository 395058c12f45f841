"""The listener runtime: live sources on one asyncio loop thread, one store writer thread, start()/stop().

``LiveRunner`` is what ``scenewatch listen`` runs and what a web server can start in its lifespan::

    runner = LiveRunner(db, sources, on_batch=callback)
    runner.start()            # returns at once; sources connect in the background
    con = runner.cursor()     # a read cursor for another thread of the same process
    runner.stop()             # sources report down, the buffer is flushed, a clean stop is recorded

The process that runs a LiveRunner owns the database: nothing else may write to it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import datetime
from typing import Any

import duckdb

from scenewatch.names import parse_columns
from scenewatch.records import Announcement, Gap, NukeEvent
from scenewatch.sources.live.base import LiveSource
from scenewatch.store.database import Database, WriteResult
from scenewatch.store.writer import FlushInfo, StoreWriter

log = logging.getLogger("scenewatch.live")


def parsing_write(
    db: Database, announcements: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str
) -> WriteResult:
    """The ingest path: parse names, then the idempotent ``Database.write`` (one transaction)."""
    parsed = (
        parse_columns([a.name for a in announcements], [a.section for a in announcements]) if announcements else None
    )
    return db.write(announcements, parsed, nukes, origin=origin)


class WriterSink:
    """The Sink of live sources, backed by the store writer's queue."""

    def __init__(self, writer: StoreWriter) -> None:
        self.writer = writer
        self.emitted: collections.Counter[str] = collections.Counter()  # records handed to the writer, per origin

    def emit(self, origin: str, records: Sequence[Announcement | NukeEvent]) -> None:
        self.emitted[origin] += len(records)
        self.writer.put_many(origin, records)

    def up(self, origin: str, at: datetime | None = None) -> None:
        log.info("%s: listening", origin)
        self.writer.source_up(origin, at)

    def down(self, origin: str, reason: str, at: datetime | None = None) -> None:
        log.info("%s: down (%s)", origin, reason)
        self.writer.source_down(origin, reason, at)

    def cursor(self, origin: str, value: str | None, at: datetime | None = None) -> None:
        self.writer.set_cursor(origin, value, at)

    def last_cursor(self, origin: str) -> tuple[str | None, datetime | None]:
        return self.writer.last_cursor(origin)

    def gap(self, gap: Gap) -> None:
        self.writer.add_gap(gap)


class LiveRunner:
    """Run live sources into one database; thread-safe ``start``/``stop``; usable as a context manager."""

    def __init__(
        self,
        db: Database,
        sources: Sequence[LiveSource],
        *,
        on_batch: Callable[[FlushInfo], None] | None = None,
        flush_events: int = 500,
        flush_seconds: float = 1.0,
        parse_names: bool = True,
    ) -> None:
        self.db = db
        self.sources = list(sources)
        origins = [s.origin for s in self.sources]
        if len(set(origins)) != len(origins):
            raise ValueError("two live sources share one origin: " + ", ".join(origins))
        # Per origin: records committed and gaps recorded, for status() (a record carries its nuke: count records).
        self.committed: collections.Counter[str] = collections.Counter()
        self.gaps: collections.Counter[str] = collections.Counter()
        write = parsing_write if parse_names else _plain

        def counting_write(db: Database, anns: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str):  # type: ignore[no-untyped-def]
            result = write(db, anns, nukes, origin)
            carried = sum(1 for a in anns if a.nuke is not None)  # the writer lists those nukes a second time
            self.committed[origin] += len(anns) + len(nukes) - carried
            return result

        def counting_batch(info: FlushInfo) -> None:
            for gap in info.gaps:
                self.gaps[gap.source] += 1
            if on_batch is not None:
                on_batch(info)

        self.writer = StoreWriter(
            db,
            flush_events=flush_events,
            flush_seconds=flush_seconds,
            write=counting_write,
            on_batch=counting_batch,
        )
        self.sink = WriterSink(self.writer)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._started = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Record outages left by the last run, start the writer, then the sources' event loop."""
        if self._thread is not None:
            return
        self.writer.start([o for s in self.sources for o in s.origins()])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="scenewatch-live", daemon=True)
        self._thread.start()
        self._started.wait(10)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the sources (each reports down), flush what is buffered, record a clean stop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._cancel_all(), loop)
        try:
            future.result(timeout)
        except Exception:
            log.exception("stopping live sources")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = self._loop = None
        self.writer.stop(timeout)

    def __enter__(self) -> LiveRunner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for other threads ---------------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A read cursor on the live database for the calling thread."""
        return self.writer.cursor()

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything queued so far, now."""
        return self.writer.flush(timeout)

    def status(self) -> list[dict[str, Any]]:
        """One dict per source: counters (connected, lines, announcements, malformed, ...), its own state, the
        records not yet committed (``backlog``) and the gaps recorded in this run."""
        out = []
        for source in self.sources:
            entry = {"origin": source.origin, "kind": type(source).__name__, **asdict(source.stats)}
            entry.update(source.state())
            entry["backlog"] = max(0, self.sink.emitted[source.origin] - self.committed[source.origin])
            entry["gaps_recorded"] = sum(self.gaps[o] for o in source.origins())
            entry.setdefault("state", "live" if source.stats.connected else "down")
            out.append(entry)
        return out

    # -- the loop thread -----------------------------------------------------------------------------------------
    def _run_loop(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        self._tasks = [loop.create_task(self._supervise(s), name=s.origin) for s in self.sources]
        loop.call_soon(self._started.set)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _supervise(self, source: LiveSource) -> None:
        while True:
            try:
                await source.run(self.sink)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a source bug must not end the listener; restart it
                log.exception("%s: source crashed; restarting in 5s", source.origin)
                if source.stats.connected:
                    source.stats.connected = False
                    self.sink.down(source.origin, f"source crashed: {type(exc).__name__}: {exc}")
                await asyncio.sleep(5)

    async def _cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _plain(db: Database, announcements: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str) -> WriteResult:
    return db.write(announcements, None, nukes, origin=origin)


def run_live(
    db: Database,
    sources: Sequence[LiveSource],
    on_batch: Callable[[FlushInfo], None] | None = None,
    *,
    stop: threading.Event | None = None,
    serving: Callable[[LiveRunner], AbstractContextManager[Any]] | None = None,
    **options: Any,
) -> LiveRunner:
    """Run until ``stop`` is set, SIGINT or SIGTERM; then stop cleanly. Returns the stopped runner.

    ``serving(runner)``, if given, is entered once the runner runs and left before it stops (``scenewatch listen``
    serves reads of the store to other commands meanwhile).
    """
    from scenewatch.live.status import StatusFile, status_path

    runner = LiveRunner(db, sources, on_batch=on_batch, **options)
    status = StatusFile(status_path(db.path), runner.status) if db.path != ":memory:" else None
    stop = stop or threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    runner.start()
    if status is not None:
        status.start()
    try:
        with serving(runner) if serving is not None else contextlib.nullcontext():
            while not stop.wait(0.5):
                pass
    finally:
        runner.stop()
        if status is not None:
            status.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return runner
