"""A predb.ovh-style websocket feed as a live source, caught up through the HTTP API after a disconnect.

Frames are ``{"action": "insert|update|delete|nuke|unnuke|modnuke|delpre|undelpre", "row": {...}}`` with the
same rows as the API. After every (re)connect the source pages the API back to the last row it had seen; while
that catch-up runs the cursor is not advanced, so a crash during it cannot skip rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import WebSocketException

from scenewatch.records import Announcement, Gap, NukeAction, NukeEvent
from scenewatch.sources.live.base import Backoff, LiveSource, Sink, log, utcnow
from scenewatch.sources.live.http_api import (
    ApiClient,
    ApiConfig,
    ApiError,
    RateLimited,
    cursor_of,
    nuke_from_frame,
    row_id,
)

_NUKE_ACTIONS = {a.value for a in NukeAction}
_ROW_ACTIONS = {"insert", "update", "add", "pre"}


def default_catchup_url(ws_url: str) -> str:
    """The API beside a websocket: ``wss://host/api/v1/ws`` → ``https://host/api/v1/``."""
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    path = parts.path[:-2] if parts.path.endswith("/ws") else parts.path.rstrip("/") + "/"
    return urlunsplit((scheme, parts.netloc, path or "/", "", ""))


@dataclass
class WebsocketConfig:
    """One websocket feed and the API used to catch up."""

    url: str
    catchup: ApiConfig | None = None
    feed: str | None = None
    open_timeout: float = 10.0
    ping_interval: float = 20.0
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    catchup_attempts: int = 5
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.feed is None:
            self.feed = f"ws:{urlsplit(self.url).hostname or 'local'}"
        if self.catchup is None:
            self.catchup = ApiConfig(default_catchup_url(self.url), feed=self.feed)
        elif self.catchup.feed != self.feed:
            self.catchup = replace(self.catchup, feed=self.feed)


class WebsocketSource(LiveSource):
    """Listen to a websocket feed; reconnect with backoff; catch up through the API after each reconnect."""

    def __init__(self, config: WebsocketConfig, *, client: httpx.AsyncClient | None = None) -> None:
        super().__init__()
        self.config = config
        parts = urlsplit(config.url)
        self.origin = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self._client = client
        assert config.catchup is not None
        self._rows = ApiClient(config.catchup, client)  # maps frame rows; fetching uses the run's own client
        self._max_id: int | None = None
        self._max_at: datetime | None = None
        self._catching_up = False
        self.catchups = 0
        self.caught_up_rows = 0

    async def run(self, sink: Sink) -> None:
        """Connect, catch up, read frames; on failure mark down, back off with jitter, reconnect."""
        own = self._client is None
        client = self._client or httpx.AsyncClient(headers={"User-Agent": "scenewatch (metadata only)"})
        assert self.config.catchup is not None
        api = ApiClient(self.config.catchup, client)
        backoff = Backoff(self.config.backoff_base, self.config.backoff_cap)
        cursor, cursor_at = sink.last_cursor(self.origin)
        if cursor and cursor.startswith("id:"):
            self._max_id, self._max_at = int(cursor[3:]), cursor_at
        catchup: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    async with ws_connect(
                        self.config.url,
                        open_timeout=self.config.open_timeout,
                        ping_interval=self.config.ping_interval,
                        ping_timeout=self.config.ping_interval,
                        max_size=1 << 20,
                    ) as ws:
                        self.stats.connected = True
                        self.stats.connects += 1
                        sink.up(self.origin)
                        backoff.reset()
                        if self._max_id is not None:
                            catchup = asyncio.create_task(self._catch_up(api, sink, utcnow()))
                        async for message in ws:
                            self._frame(message, sink)
                    reason = "server closed the websocket"
                except (OSError, TimeoutError, WebSocketException) as exc:
                    reason = f"{type(exc).__name__}: {exc}".strip(": ")
                if catchup is not None and not catchup.done():
                    catchup.cancel()
                self.stats.errors += 1
                self.stats.last_error = reason
                if self.stats.connected:
                    self.stats.connected = False
                    self.stats.disconnects += 1
                    sink.down(self.origin, reason)
                delay = backoff.next()
                log.warning("%s: %s; reconnecting in %.1fs", self.origin, reason, delay)
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            if catchup is not None:
                catchup.cancel()
            if self.stats.connected:
                self.stats.connected = False
                sink.down(self.origin, "listener stopped")
            raise
        finally:
            if own:
                await client.aclose()

    async def _catch_up(self, api: ApiClient, sink: Sink, connected_at: datetime) -> None:
        self._catching_up = True
        self.catchups += 1
        start_cursor = f"id:{self._max_id}" if self._max_id is not None else None
        since_at = self._max_at
        backoff = Backoff(self.config.backoff_base, self.config.backoff_cap)
        try:
            for attempt in range(self.config.catchup_attempts):
                try:
                    rows, complete = await api.since(start_cursor)
                except RateLimited as exc:
                    await asyncio.sleep(min(exc.retry_after or backoff.next(), api.config.max_retry_after))
                    continue
                except (httpx.HTTPError, ApiError, ValueError) as exc:
                    log.warning("%s: catch-up attempt %d failed: %s", self.origin, attempt + 1, exc)
                    await asyncio.sleep(backoff.next())
                    continue
                records = api.map_rows(rows, self.stats)
                if records:
                    sink.emit(self.origin, records)
                self.caught_up_rows += len(records)
                cursor, at = cursor_of(rows, start_cursor)
                self._advance(cursor, at)
                if not complete and since_at is not None:
                    sink.gap(Gap(self.origin, since_at, connected_at, "catch-up could not page back far enough"))
                log.info("%s: caught up %d rows", self.origin, len(records))
                return
            if since_at is not None:
                sink.gap(Gap(self.origin, since_at, connected_at, "catch-up through the API failed"))
        finally:
            self._catching_up = False
            if self._max_id is not None:
                sink.cursor(self.origin, f"id:{self._max_id}", self._max_at)

    def _advance(self, cursor: str | None, at: datetime | None) -> None:
        if cursor and cursor.startswith("id:"):
            ident = int(cursor[3:])
            if self._max_id is None or ident > self._max_id:
                self._max_id, self._max_at = ident, at

    def _frame(self, message: str | bytes, sink: Sink) -> None:
        self.stats.lines += 1
        try:
            frame = json.loads(message)
            if not isinstance(frame, Mapping):
                raise ValueError("frame is not an object")
            action = str(frame.get("action", "")).lower()
            row = frame.get("row")
            if not isinstance(row, Mapping):
                raise ValueError("frame has no row object")
            record = self._record(action, row)
        except (ValueError, TypeError) as exc:
            self.stats.bad(f"{exc}: {str(message)[:200]}")
            return
        if record is None:
            self.stats.ignored += 1
            return
        if isinstance(record, Announcement):
            self.stats.announcements += 1
            if record.nuke is not None:
                self.stats.nukes += 1
        else:
            self.stats.nukes += 1
        sink.emit(self.origin, [record])
        ident = row_id(row)
        if ident is not None and (self._max_id is None or ident > self._max_id):
            self._max_id = ident
            self._max_at = record.pre_at if isinstance(record, Announcement) else record.at
            if not self._catching_up:
                sink.cursor(self.origin, f"id:{ident}", self._max_at)

    def _record(self, action: str, row: Mapping[str, Any]) -> Announcement | NukeEvent | None:
        mapper = self._rows
        if action in _ROW_ACTIONS:
            return mapper.map_row(row)
        if action == "delete" or action in _NUKE_ACTIONS:
            event = nuke_from_frame(action, row, self.config.feed)
            try:
                announcement = mapper.map_row(row)
            except ValueError:
                return event
            if isinstance(announcement, Announcement):
                if announcement.nuke is not None and announcement.nuke.action == event.action:
                    return announcement
                return replace(announcement, nuke=event)
            return event
        return None
