"""What live sources share: the sink they report to, backoff, counters, and the plain ``Source`` adapter.

A live source is an asyncio task (:meth:`LiveSource.run`) that reports to a :class:`Sink`: records, and
its own state (up / down with a reason, how far it has read). It never touches the store; the live runtime
connects the sink to the single store writer. :meth:`LiveSource.batches` runs the same task in a private
thread and yields :class:`SourceBatch` slices, so a live source is also a plain :class:`Source`.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from scenewatch.records import Announcement, Gap, NukeEvent, Reject
from scenewatch.sources.base import SourceBatch

log = logging.getLogger("scenewatch.live")


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


class Sink(Protocol):
    """Where a live source reports; every method is cheap and safe to call from the event loop."""

    def emit(self, origin: str, records: Sequence[Announcement | NukeEvent]) -> None:
        """Hand over announcements and nuke events."""
        ...

    def up(self, origin: str, at: datetime | None = None) -> None:
        """The source is listening (connected and joined / polling successfully)."""
        ...

    def down(self, origin: str, reason: str, at: datetime | None = None) -> None:
        """The source stopped listening at ``at`` (default now)."""
        ...

    def cursor(self, origin: str, value: str | None, at: datetime | None = None) -> None:
        """Persist how far the source has read, after the records emitted before this call."""
        ...

    def last_cursor(self, origin: str) -> tuple[str | None, datetime | None]:
        """The cursor persisted by this or an earlier run."""
        ...

    def gap(self, gap: Gap) -> None:
        """Record a period the source knows it missed (e.g. a catch-up that could not page back far enough)."""
        ...


@dataclass(slots=True)
class SourceStats:
    """Counters of one live source, for status pages and tests."""

    lines: int = 0
    announcements: int = 0
    nukes: int = 0
    ignored: int = 0
    malformed: int = 0
    connects: int = 0
    disconnects: int = 0
    rate_limited: int = 0
    errors: int = 0
    heartbeats: int = 0
    gaps: int = 0
    connected: bool = False
    last_error: str | None = None
    last_frame_at: datetime | None = None
    recent_malformed: list[str] = field(default_factory=list)

    def bad(self, what: str) -> None:
        """Count (and keep a short sample of) a malformed input; never raise."""
        self.malformed += 1
        self.recent_malformed = [*self.recent_malformed[-19:], what[:300]]


class Backoff:
    """Exponential backoff with full jitter: ``uniform(0, min(cap, base * 2**n))``, reset after success."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        """The next delay (and count the attempt)."""
        ceiling = min(self.cap, self.base * (2**self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        return self.base / 2 + self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        """Start over after a success."""
        self.attempt = 0


class LiveSource:
    """Base of the live sources: an ``origin`` (the source id used for gaps and cursors) and ``run``."""

    origin: str = "live"

    def __init__(self) -> None:
        self.stats = SourceStats()

    async def run(self, sink: Sink) -> None:
        """Listen until cancelled; reconnect on every failure; never raise for bad input."""
        raise NotImplementedError

    def origins(self) -> list[str]:
        """Every source id this source reports state for (several for multi-network configs)."""
        return [self.origin]

    def state(self) -> dict[str, Any]:
        """Source-specific state for status pages (`scenewatch sources`); none by default."""
        return {}

    # -- the plain Source interface --------------------------------------------------------------------------
    def batches(self, skip: int = 0, batch_size: int = 500) -> Iterator[SourceBatch]:
        """Listen in a private thread and yield a batch every second or ``batch_size`` records (never ends).

        ``skip`` is ignored: live sources resume from their own cursor, not from a record count.
        """
        sink = _QueueSink()
        loop = asyncio.new_event_loop()
        task_holder: list[asyncio.Task[None]] = []

        def runner() -> None:
            asyncio.set_event_loop(loop)
            task_holder.append(loop.create_task(self.run(sink)))
            try:
                loop.run_until_complete(task_holder[0])
            except (asyncio.CancelledError, Exception):
                pass

        thread = threading.Thread(target=runner, name=f"live-{self.origin}", daemon=True)
        thread.start()
        done = 0
        try:
            while True:
                batch = SourceBatch()
                deadline = time.monotonic() + 1.0
                while len(batch.announcements) + len(batch.nukes) < batch_size:
                    try:
                        record = sink.items.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        break
                    done += 1
                    if isinstance(record, Announcement):
                        batch.announcements.append(record)
                        if record.nuke is not None:
                            batch.nukes.append(record.nuke)
                    elif isinstance(record, NukeEvent):
                        batch.nukes.append(record)
                    else:
                        batch.rejects.append(record)
                batch.records_done = done
                yield batch
        finally:
            if task_holder:
                loop.call_soon_threadsafe(task_holder[0].cancel)
            thread.join(5)


class _QueueSink:
    def __init__(self) -> None:
        self.items: queue.SimpleQueue[Announcement | NukeEvent | Reject] = queue.SimpleQueue()
        self.cursors: dict[str, tuple[str | None, datetime | None]] = {}

    def emit(self, origin: str, records: Sequence[Announcement | NukeEvent]) -> None:
        for record in records:
            self.items.put(record)

    def up(self, origin: str, at: datetime | None = None) -> None:
        log.info("%s: up", origin)

    def down(self, origin: str, reason: str, at: datetime | None = None) -> None:
        log.info("%s: down (%s)", origin, reason)

    def cursor(self, origin: str, value: str | None, at: datetime | None = None) -> None:
        self.cursors[origin] = (value, at)

    def last_cursor(self, origin: str) -> tuple[str | None, datetime | None]:
        return self.cursors.get(origin, (None, None))

    def gap(self, gap: Gap) -> None:
        log.warning("%s: gap %s - %s (%s)", gap.source, gap.start, gap.end, gap.reason)


async def sleep_or_stop(seconds: float) -> None:
    """Sleep; a separate name so tests can see where sources wait."""
    await asyncio.sleep(max(0.0, seconds))
