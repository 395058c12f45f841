"""In-process pub/sub for ``/api/live``: whatever writes to the store calls :meth:`LiveHub.publish`.

``publish`` may be called from any thread (the ingest endpoint's worker thread, the live listener's writer thread);
each websocket subscriber has a bounded queue on its own event loop, and a slow client loses its oldest messages
rather than slowing the writer down.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scenewatch.records import Announcement, NukeEvent

MAX_ITEMS_PER_MESSAGE = 500


@dataclass(eq=False, slots=True)
class Subscriber:
    """One websocket's mailbox."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]]
    dropped: int = 0

    def offer(self, message: dict[str, Any]) -> None:
        """Put a message, dropping the oldest one when the mailbox is full (runs on the subscriber's loop)."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)


@dataclass(slots=True)
class LiveHub:
    """Fan-out of new releases and nukes to websocket subscribers."""

    maxsize: int = 256
    _subscribers: set[Subscriber] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    published: int = 0

    def subscribe(self) -> Subscriber:
        """A new mailbox on the running event loop."""
        sub = Subscriber(asyncio.get_running_loop(), asyncio.Queue(self.maxsize))
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a mailbox."""
        with self._lock:
            self._subscribers.discard(sub)

    @property
    def subscribers(self) -> int:
        """How many websockets listen now."""
        with self._lock:
            return len(self._subscribers)

    def publish(self, batch: Any) -> dict[str, Any] | None:
        """Announce what just landed in the store; thread-safe, never blocks.

        ``batch`` is a ``SourceBatch`` (or anything with ``announcements`` / ``nukes``), a sequence of
        ``Announcement`` / ``NukeEvent``, or a dict ``{"releases": [...], "nukes": [...]}`` of JSON-ready dicts.
        Returns the message sent (None when there was nothing to send).
        """
        message = to_message(batch)
        if not message["releases"] and not message["nukes"]:
            return None
        with self._lock:
            subscribers = list(self._subscribers)
            self.published += 1
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, message)
            except RuntimeError:  # the subscriber's loop has closed
                self.unsubscribe(sub)
        return message


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def to_message(batch: Any) -> dict[str, Any]:
    """Normalise a published batch into ``{"type": "batch", "releases": [...], "nukes": [...], ...}``."""
    if isinstance(batch, dict):
        releases = list(batch.get("releases") or [])
        nukes = list(batch.get("nukes") or [])
    else:
        if hasattr(batch, "announcements"):
            announcements: Sequence[Any] = list(batch.announcements)
            nuke_events: Iterable[Any] = list(getattr(batch, "nukes", []) or [])
        else:
            items = list(batch)
            announcements = [a for a in items if isinstance(a, Announcement)]
            nuke_events = [n for n in items if isinstance(n, NukeEvent)]
        releases = _releases(announcements)
        nukes = [
            {"name": n.name, "action": str(n.action), "reason": n.reason, "network": n.network, "at": _iso(n.at)}
            for n in nuke_events
        ]
    total_releases, total_nukes = len(releases), len(nukes)
    return {
        "type": "batch",
        "releases": releases[-MAX_ITEMS_PER_MESSAGE:],
        "nukes": nukes[-MAX_ITEMS_PER_MESSAGE:],
        "total_releases": total_releases,
        "total_nukes": total_nukes,
    }


def _releases(announcements: Sequence[Announcement]) -> list[dict[str, Any]]:
    if not announcements:
        return []
    tail = list(announcements)[-MAX_ITEMS_PER_MESSAGE:]
    from scenewatch.names import parse_columns

    parsed = parse_columns([a.name for a in tail], [a.section for a in tail])
    out = []
    for i, a in enumerate(tail):
        out.append(
            {
                "name": a.name,
                "pre_at": _iso(a.pre_at),
                "section": a.section,
                "group": a.group or parsed["group"][i],
                "category": parsed["category"][i] or "other",
                "year": parsed["year"][i],
                "size_mb": a.size_mb,
                "feed": a.feed,
            }
        )
    return out
