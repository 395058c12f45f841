"""predb JSON APIs as a live source: a poller that pages back to the last row it saw.

Two flavours share one client:

- ``ovh`` (predb.ovh-compatible): ``GET <url>?q=&count=N&page=P`` →
  ``{status, message, data: {rows: [{id, name, team, cat, preAt, size, files, nuke}]}}``, newest first.
- ``predbnet`` (predb.net-style): ``GET <url>?limit=N&page=P`` → ``{status, data: [{id, pretime, release,
  section, status (0-4), reason, group}]}``, newest first.

Rows are mapped with the dump mapper (:class:`~scenewatch.sources.columns.RowMapper`), so the column aliases are
the same as for bulk dumps. The cursor is the highest row id seen (or the newest pre time when rows have no id);
it is persisted by the store writer after the rows before it are committed, so after downtime the poller pages
back until it meets the cursor again.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

from scenewatch.records import Announcement, Gap, NukeAction, NukeEvent
from scenewatch.sources.columns import ColumnMap, RowMapper, parse_time
from scenewatch.sources.live.base import Backoff, LiveSource, Sink, log, utcnow
from scenewatch.sources.rules import IngestRules

_RULES = IngestRules()


class ApiError(Exception):
    """The API answered, but not with rows (error status, malformed JSON, unexpected shape)."""


class RateLimited(Exception):  # noqa: N818 - it is a condition, not a bug
    """HTTP 429: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__(f"rate limited (retry after {retry_after}s)")
        self.retry_after = retry_after


@dataclass
class ApiConfig:
    """Where and how to poll one predb API."""

    url: str
    flavour: str = "auto"  # ovh | predbnet | auto (predbnet when the host says so)
    interval: float = 10.0
    page_size: int = 100
    max_pages: int = 50  # how far back a catch-up may page
    backfill_pages: int = 1  # pages read on the very first run (no cursor yet)
    query: str = ""
    feed: str | None = None
    timeout: float = 15.0
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    max_retry_after: float = 900.0

    def __post_init__(self) -> None:
        if self.flavour == "auto":
            self.flavour = "predbnet" if "predb.net" in (urlsplit(self.url).hostname or "") else "ovh"
        if self.flavour not in ("ovh", "predbnet"):
            raise ValueError(f"unknown API flavour {self.flavour!r} (ovh, predbnet)")
        if self.feed is None:
            self.feed = f"api:{urlsplit(self.url).hostname or 'local'}"

    @property
    def origin(self) -> str:
        """The source id: the URL without its query."""
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def retry_after_seconds(value: str | None) -> float | None:
    """Read a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def row_id(row: Mapping[str, Any]) -> int | None:
    """A row's numeric id, if it has one."""
    value = row.get("id")
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


class ApiClient:
    """Fetch pages of rows from one API and map them onto records."""

    def __init__(self, config: ApiConfig, client: httpx.AsyncClient | None) -> None:
        self.config = config
        self.client = client
        self._mappers: dict[tuple[str, ...], RowMapper] = {}
        self.rejected = 0

    async def page(self, number: int) -> list[dict[str, Any]]:
        """One page of rows, newest first."""
        cfg = self.config
        parts = urlsplit(cfg.url)
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if cfg.flavour == "ovh":
            params.update({"q": cfg.query, "count": cfg.page_size, "page": number})
        else:
            params.update({"limit": cfg.page_size, "page": number})
            if cfg.query:
                params["q"] = cfg.query
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if self.client is None:
            raise ApiError("no HTTP client")
        response = await self.client.get(url, params=params, timeout=cfg.timeout)
        if response.status_code == 429:
            raise RateLimited(retry_after_seconds(response.headers.get("retry-after")))
        if response.status_code >= 400:
            raise ApiError(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ApiError("malformed JSON") from None
        return _rows(body)

    def map_row(self, row: Mapping[str, Any]) -> Announcement | NukeEvent:
        """Map one API row (ValueError when it is not usable)."""
        if not isinstance(row, Mapping):
            raise ValueError("row is not an object")
        data = dict(row)
        data.setdefault("feed", self.config.feed)
        key = tuple(sorted(data))
        mapper = self._mappers.get(key)
        if mapper is None:
            mapper = self._mappers[key] = RowMapper(ColumnMap.resolve(key), _RULES)
        record = mapper.map(data)
        nuke = data.get("nuke")
        if isinstance(record, Announcement) and record.nuke is not None and isinstance(nuke, Mapping):
            at = _safe_time(nuke.get("nukeAt") or nuke.get("nuke_at") or nuke.get("at"))
            if at is not None:
                record = replace(record, nuke=replace(record.nuke, at=at))
        return record

    def map_rows(self, rows: Sequence[Mapping[str, Any]], stats: Any = None) -> list[Announcement | NukeEvent]:
        """Map rows, counting and skipping the unusable ones."""
        records: list[Announcement | NukeEvent] = []
        for row in rows:
            try:
                records.append(self.map_row(row))
            except (ValueError, TypeError) as exc:
                self.rejected += 1
                if stats is not None:
                    stats.bad(f"{self.config.origin}: {exc}: {str(row)[:200]}")
        return records

    async def since(self, cursor: str | None) -> tuple[list[dict[str, Any]], bool]:
        """Rows newer than ``cursor``, oldest first, and whether the pages reached the cursor (or the end)."""
        cfg = self.config
        limit_id, limit_time = parse_cursor(cursor)
        pages = cfg.backfill_pages if cursor is None else cfg.max_pages
        found: dict[Any, dict[str, Any]] = {}
        for number in range(1, pages + 1):
            rows = await self.page(number)
            reached = False
            for row in rows:
                if not isinstance(row, dict):
                    found[id(row)] = row  # mapped later, counted as malformed
                    continue
                ident = row_id(row)
                if limit_id is not None and ident is not None and ident <= limit_id:
                    reached = True
                    continue
                if limit_time is not None and ident is None:
                    moment = _safe_time(row.get("preAt") or row.get("pretime") or row.get("pre_at"))
                    if moment is not None and moment <= limit_time:
                        reached = True
                        continue
                found[ident if ident is not None else (row.get("name"), row.get("release"))] = row
            if reached or len(rows) < cfg.page_size:
                return _oldest_first(found.values()), True
        return _oldest_first(found.values()), cursor is None


def cursor_of(rows: Sequence[Mapping[str, Any]], previous: str | None) -> tuple[str | None, datetime | None]:
    """The cursor after ``rows``: the highest id (``id:N``), else the newest pre time (``t:epoch``)."""
    best_id, _ = parse_cursor(previous)
    best_time: datetime | None = None
    newest_at: datetime | None = None
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        moment = _safe_time(row.get("preAt") or row.get("pretime") or row.get("pre_at"))
        ident = row_id(row)
        if ident is not None and (best_id is None or ident >= best_id):
            best_id, newest_at = ident, moment
        if moment is not None and (best_time is None or moment > best_time):
            best_time = moment
    if best_id is not None:
        return f"id:{best_id}", newest_at or best_time
    if best_time is not None:
        return f"t:{best_time.timestamp():.0f}", best_time
    return previous, None


def parse_cursor(cursor: str | None) -> tuple[int | None, datetime | None]:
    """A cursor as (id, None) for ``id:N`` or (None, time) for ``t:epoch``; (None, None) for anything else."""
    if not cursor:
        return None, None
    kind, _, value = cursor.partition(":")
    try:
        if kind == "id":
            return int(value), None
        if kind == "t":
            return None, datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return None, None


def _safe_time(value: Any) -> datetime | None:
    try:
        return parse_time(value, _RULES)
    except ValueError:
        return None


def _oldest_first(rows: Any) -> list[dict[str, Any]]:
    def key(row: Any) -> tuple[int, float]:
        if not isinstance(row, Mapping):
            return (0, 0.0)
        moment = _safe_time(row.get("preAt") or row.get("pretime") or row.get("pre_at"))
        return (row_id(row) or 0, moment.timestamp() if moment else 0.0)

    return sorted(rows, key=key)


def _rows(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, Mapping):
        raise ApiError("response is not a JSON object")
    status = body.get("status")
    if isinstance(status, str) and status.lower() not in ("success", "ok"):
        raise ApiError(f"API status {status!r}: {str(body.get('message', ''))[:200]}")
    data = body.get("data", body.get("results", body.get("rows")))
    if isinstance(data, Mapping):
        data = data.get("rows", data.get("results"))
    if data is None:
        return []
    if not isinstance(data, list):
        raise ApiError("no row list in the response")
    return data


class HttpApiSource(LiveSource):
    """Poll a predb API every ``interval`` seconds, catching up to the persisted cursor after downtime."""

    def __init__(self, config: ApiConfig, *, client: httpx.AsyncClient | None = None) -> None:
        super().__init__()
        self.config = config
        self.origin = config.origin
        self._client = client
        self.cursor: str | None = None

    async def run(self, sink: Sink) -> None:
        """Poll forever; 429 waits Retry-After, errors back off with jitter and mark the source down."""
        own = self._client is None
        client = self._client or httpx.AsyncClient(headers={"User-Agent": "scenewatch (metadata only)"})
        api = ApiClient(self.config, client)
        backoff = Backoff(self.config.backoff_base, self.config.backoff_cap)
        self.cursor = sink.last_cursor(self.origin)[0]
        last_ok: datetime | None = None
        try:
            while True:
                try:
                    rows, complete = await api.since(self.cursor)
                except RateLimited as exc:
                    self.stats.rate_limited += 1
                    delay = min(exc.retry_after if exc.retry_after is not None else backoff.next(),
                                self.config.max_retry_after)  # fmt: skip
                    log.warning("%s: HTTP 429; waiting %.1fs", self.origin, delay)
                    await asyncio.sleep(delay)
                    continue
                except (httpx.HTTPError, ApiError, ValueError) as exc:
                    self._failed(sink, f"{type(exc).__name__}: {exc}".strip(": "), last_ok)
                    await asyncio.sleep(backoff.next())
                    continue
                backoff.reset()
                now = utcnow()
                if not self.stats.connected:
                    self.stats.connected = True
                    self.stats.connects += 1
                    sink.up(self.origin, now)
                last_ok = now
                self._deliver(api, rows, complete, sink)
                await asyncio.sleep(self.config.interval)
        except asyncio.CancelledError:
            if self.stats.connected:
                self.stats.connected = False
                sink.down(self.origin, "listener stopped")
            raise
        finally:
            if own:
                await client.aclose()

    def _failed(self, sink: Sink, reason: str, last_ok: datetime | None) -> None:
        self.stats.errors += 1
        self.stats.last_error = reason
        log.warning("%s: %s", self.origin, reason)
        if self.stats.connected:
            self.stats.connected = False
            self.stats.disconnects += 1
            sink.down(self.origin, reason, last_ok)

    def _deliver(self, api: ApiClient, rows: list[dict[str, Any]], complete: bool, sink: Sink) -> None:
        previous_at = sink.last_cursor(self.origin)[1]
        records = api.map_rows(rows, self.stats)
        for record in records:
            if isinstance(record, Announcement):
                self.stats.announcements += 1
            else:
                self.stats.nukes += 1
        if records:
            sink.emit(self.origin, records)
        if not complete and rows and previous_at is not None:
            oldest = _safe_time(rows[0].get("preAt") or rows[0].get("pretime")) if isinstance(rows[0], dict) else None
            if oldest is not None and oldest > previous_at:
                sink.gap(Gap(self.origin, previous_at, oldest, f"catch-up stopped after {api.config.max_pages} pages"))
        cursor, at = cursor_of(rows, self.cursor)
        if cursor != self.cursor:
            self.cursor = cursor
            sink.cursor(self.origin, cursor, at)


def nuke_from_frame(action: str, row: Mapping[str, Any], feed: str | None) -> NukeEvent:
    """A websocket nuke-type frame's event (``delete`` is read as a delpre by the feed)."""
    nuke = row.get("nuke") if isinstance(row.get("nuke"), Mapping) else {}
    kind = NukeAction.DELPRE if action == "delete" else NukeAction(action)
    name = row.get("name") or row.get("release")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("empty release name")
    at = _safe_time(nuke.get("nukeAt") or nuke.get("at")) or datetime.fromtimestamp(time.time(), UTC)
    reason = nuke.get("reason") or (row.get("reason") if isinstance(row.get("reason"), str) else None)
    if action == "delete" and not reason:
        reason = "deleted by feed"
    return NukeEvent(name.strip(), kind, reason, nuke.get("net") or nuke.get("network"), at, feed)
