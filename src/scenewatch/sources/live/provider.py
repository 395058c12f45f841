"""A preset provider as one live source: its API for catch-up, its websocket (if it has one) for latency.

The API poller owns the cursor. It pages back to the newest row stored by an earlier poll — every ``interval`` while
no websocket is connected, every ``verify_interval`` while one is, and at once after every (re)connect — so frames a
websocket lost (a drop mid-frame, minutes of heartbeats only) are recovered from the API. Frames are stored as they
come; the store is idempotent, so a row seen on both channels is one release with one sighting.

State reported to the sink:

- **down** (``source down: …``) only when neither channel works: an API failing while the websocket delivers is an
  error, not an outage. The outage is a gap from the last moment the source was heard.
- **gaps** the catch-up could not close: ``cap: …`` when the provider's page cap came before the cursor,
  ``rate-limited: …`` when a Retry-After longer than ``max_retry_after`` ended a catch-up midway.
- **cursor** after each catch-up, when everything down to the previous cursor has been handed over.

Durations in the preset are real seconds; ``time_scale`` multiplies every wait (tests run a ten-minute outage in
seconds, against a server scaled the same way).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import WebSocketException

from scenewatch.records import Announcement, Gap, NukeAction, NukeEvent
from scenewatch.sources.live.base import Backoff, LiveSource, Sink, log, utcnow
from scenewatch.sources.live.presets import ProviderSpec
from scenewatch.sources.live.provider_api import (
    ApiError,
    CatchUp,
    Forbidden,
    ProviderApi,
    ProviderRows,
    RateLimited,
    dig,
    map_rows,
    parse_cursor,
    row_id,
)

_NUKE_ACTIONS = {a.value for a in NukeAction}
_ROW_ACTIONS = {"insert", "update", "add", "pre", "new"}


class _StaleError(Exception):
    """No websocket frame (not even a heartbeat) for ``stale_after`` seconds."""


class ProviderSource(LiveSource):
    """One provider preset: API poller (+ websocket listener) reporting to one origin, the preset's name."""

    def __init__(self, spec: ProviderSpec, *, time_scale: float = 1.0, client: httpx.AsyncClient | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.origin = spec.name
        self.scale = time_scale
        self._client = client
        self.frame_rows = ProviderRows(spec, spec.frame_fields())
        self.cursor: str | None = None
        self.api: ProviderApi | None = None
        self._wake = asyncio.Event()
        self._api_ok = False
        self._ws_connected = False
        self._down = True  # until the first success: the writer holds the previous run's outage
        self._last_heard: datetime | None = None
        self.catchups = 0
        self.caught_up_rows = 0

    # -- state for `scenewatch sources` ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What a status page shows about this source."""
        api = self.api
        return {
            "preset": self.spec.name,
            "state": "down" if self._down else ("live" if self._ws_connected else "polling"),
            "websocket": self._ws_connected if self.spec.websocket else None,
            "cursor": self.cursor,
            "requests": api.requests if api else 0,
            "rate_limit": self.spec.rate.describe(),
            "held_for_s": round(api.bucket.held_for / self.scale, 1) if api else 0.0,
            "catchups": self.catchups,
            "caught_up_rows": self.caught_up_rows,
        }

    # -- the task ----------------------------------------------------------------------------------------------------
    async def run(self, sink: Sink) -> None:
        """Poll (and listen) until cancelled; never raise for bad input or a failing provider."""
        own = self._client is None
        client = self._client or httpx.AsyncClient(headers={"User-Agent": "scenewatch (metadata only)"})
        self.api = ProviderApi(self.spec, client, scale=self.scale)
        self.cursor = sink.last_cursor(self.origin)[0]
        self._wake = asyncio.Event()
        tasks = [asyncio.create_task(self._poll(sink), name=f"{self.origin}-api")]
        if self.spec.websocket:
            tasks.append(asyncio.create_task(self._listen(sink), name=f"{self.origin}-ws"))
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not self._down:
                self._down = True
                self.stats.connected = False
                sink.down(self.origin, "listener stopped")
            raise
        finally:
            if own:
                await client.aclose()

    def _up(self, sink: Sink) -> None:
        self._last_heard = utcnow()
        if self._down:
            self._down = False
            self.stats.connected = True
            self.stats.connects += 1
            sink.up(self.origin, self._last_heard)

    def _maybe_down(self, sink: Sink, reason: str) -> None:
        """Count a failure; the source is down only when no channel works (the websocket or the last poll)."""
        self.stats.errors += 1
        self.stats.last_error = reason
        if self._down or self._ws_connected or self._api_ok:
            return
        self._down = True
        self.stats.connected = False
        self.stats.disconnects += 1
        sink.down(self.origin, f"source down: {reason}", self._last_heard)

    async def _sleep(self, seconds: float, *, wakeable: bool = False) -> None:
        delay = max(0.0, seconds * self.scale)
        if not wakeable:
            await asyncio.sleep(delay)
            return
        try:
            async with asyncio.timeout(delay):  # not wait_for: on 3.11 it can swallow a cancellation
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    # -- the API poller ---------------------------------------------------------------------------------------------
    async def _poll(self, sink: Sink) -> None:
        assert self.api is not None
        spec = self.spec
        backoff = Backoff(spec.backoff_base, spec.backoff_cap)
        while True:
            try:
                result = await self.api.since(
                    self.cursor, on_page=lambda rows: self._deliver(sink, rows),
                    max_retry_after=spec.max_retry_after, on_hold=self._held,
                )  # fmt: skip
            except RateLimited as exc:  # a long hold before anything was read: wait it out, then start again
                log.warning("%s: %s; holding", self.origin, exc)
                await asyncio.sleep(self.api.bucket.held_for)
                continue
            except Forbidden as exc:
                wait = exc.retry_after if exc.retry_after is not None else spec.forbidden_wait
                self.api.bucket.hold(wait * self.scale)
                self._api_ok = False
                self._maybe_down(sink, f"{exc} (waiting {wait:g}s)")
                await asyncio.sleep(self.api.bucket.held_for)
                continue
            except (httpx.HTTPError, ApiError, ValueError, OSError) as exc:
                self._api_ok = False
                self._maybe_down(sink, f"{type(exc).__name__}: {exc}".rstrip(": "))
                await self._sleep(backoff.next())
                continue
            backoff.reset()
            self._api_ok = True
            self._up(sink)
            self._finish(sink, result)
            await self._sleep(spec.verify_interval if self._ws_connected else spec.interval, wakeable=True)

    def _held(self, seconds: float) -> None:
        self.stats.rate_limited += 1
        log.warning("%s: rate limited; holding %.0fs", self.origin, seconds)

    def _deliver(self, sink: Sink, rows: list[Any]) -> None:
        records = map_rows(self.api.rows if self.api else self.frame_rows, rows, self.stats.bad)
        self._count(records)
        if records:
            sink.emit(self.origin, records)

    def _finish(self, sink: Sink, result: CatchUp) -> None:
        previous, previous_at = self.cursor, sink.last_cursor(self.origin)[1]
        if previous is not None:
            self.catchups += 1
            self.caught_up_rows += len(result.rows)
        if result.stop is not None and previous is not None:
            end = result.oldest or utcnow()
            if previous_at is not None and end > previous_at:
                self.stats.gaps += 1
                sink.gap(Gap(self.origin, previous_at, end, f"{result.stop}: {result.detail}"))
        if result.newest_cursor is not None and _newer(result.newest_cursor, previous):
            self.cursor = result.newest_cursor
            sink.cursor(self.origin, result.newest_cursor, result.newest_at)

    # -- the websocket -----------------------------------------------------------------------------------------------
    async def _listen(self, sink: Sink) -> None:
        spec = self.spec
        assert spec.websocket is not None
        backoff = Backoff(spec.backoff_base, spec.backoff_cap)
        # Only a feed that sends heartbeats can be called stale when silent; others are watched by websocket pings.
        beats = spec.frames is not None and bool(spec.frames.heartbeat)
        stale = max(0.05, spec.stale_after * self.scale) if beats else None
        ping = max(0.05, 20.0 * self.scale)
        while True:
            try:
                # A short close timeout: a feed that never answers our close frame must not hold up a stop.
                async with ws_connect(spec.websocket, open_timeout=10, ping_interval=ping, ping_timeout=ping * 2,
                                      close_timeout=1.0, max_size=1 << 20) as ws:  # fmt: skip
                    self._ws_connected = True
                    self._up(sink)
                    backoff.reset()
                    self._wake.set()  # catch up through the API for whatever came while we were away
                    while True:
                        try:
                            async with asyncio.timeout(stale):  # not wait_for, which can swallow a cancellation
                                message = await ws.recv()
                        except TimeoutError:
                            raise _StaleError(f"no frame for {spec.stale_after:g}s") from None
                        self._frame(message, sink)
                reason = "websocket closed by the server"
            except (OSError, TimeoutError, WebSocketException, _StaleError) as exc:
                reason = f"websocket: {type(exc).__name__}: {exc}".rstrip(": ")
            self._ws_connected = False
            self._wake.set()
            self._maybe_down(sink, reason)
            delay = backoff.next()
            log.warning("%s: %s; reconnecting in %.1fs", self.origin, reason, delay * self.scale)
            await self._sleep(delay)

    def _frame(self, message: str | bytes, sink: Sink) -> None:
        self.stats.lines += 1
        self.stats.last_frame_at = utcnow()
        self._last_heard = self.stats.last_frame_at
        frames = self.spec.frames
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        beats = frames.heartbeat if frames is not None else ()
        if text.strip().strip('"').lower() in beats:
            self.stats.heartbeats += 1
            return
        try:
            frame = json.loads(text)
            if not isinstance(frame, Mapping):
                raise ValueError("frame is not an object")
            record = self._record(frame, beats)
        except (ValueError, TypeError) as exc:
            self.stats.bad(f"{exc}: {text[:200]}")
            return
        if record is None:
            return
        self._count([record])
        sink.emit(self.origin, [record])

    def _record(self, frame: Mapping[str, Any], beats: tuple[str, ...]) -> Announcement | NukeEvent | None:
        frames = self.spec.frames
        action_path = frames.action if frames is not None else "action"
        action = str(dig(frame, action_path) or "").strip().lower() if action_path else "insert"
        if action in beats or (len(frame) == 1 and next(iter(frame)).lower() in beats):
            self.stats.heartbeats += 1
            return None
        row = dig(frame, frames.row if frames is not None else "row")
        if not isinstance(row, Mapping):
            raise ValueError("frame has no row object")
        if action in _ROW_ACTIONS:
            return self.frame_rows.map(row)
        if action == "delete" or action in _NUKE_ACTIONS:
            return self.frame_rows.nuke_event(action, row, utcnow())
        self.stats.ignored += 1
        return None

    def _count(self, records: list[Announcement | NukeEvent]) -> None:
        for record in records:
            if isinstance(record, Announcement):
                self.stats.announcements += 1
                if record.nuke is not None:
                    self.stats.nukes += 1
            else:
                self.stats.nukes += 1


def _newer(candidate: str, previous: str | None) -> bool:
    if previous is None:
        return True
    new_id, new_time = parse_cursor(candidate)
    old_id, old_time = parse_cursor(previous)
    if new_id is not None and old_id is not None:
        return new_id > old_id
    if new_time is not None and old_time is not None:
        return new_time > old_time
    return True


__all__ = ["ProviderSource", "row_id"]
