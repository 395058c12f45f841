"""The API half of a preset provider: map rows by the preset's field paths, fetch pages, page back to a cursor.

A catch-up reads pages newest first until it meets the cursor (the newest row stored by an earlier poll), the data
ends, or the provider's cap: ``max_pages`` pages, or the HTTP status the provider answers past its last page (predb.net
answers 400 past page 100). A short page is the end only when it is shorter than the largest page the provider has
served: providers that silently cap ``count`` (predb.club serves at most 100 rows whatever is asked) would otherwise
look as if they had run out of rows after the first page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.sources.columns import ColumnMap, RowMapper, parse_time
from scenewatch.sources.live.http_api import parse_cursor, retry_after_seconds
from scenewatch.sources.live.presets import ProviderSpec
from scenewatch.sources.live.ratelimit import TokenBucket, bucket_for
from scenewatch.sources.rules import FeedRule, IngestRules


class ApiError(Exception):
    """The provider answered, but not with rows (error status, malformed JSON, unexpected shape)."""


class RateLimited(Exception):  # noqa: N818 - a condition, not a bug
    """HTTP 429 (or an error body saying so): wait ``retry_after`` seconds (real, unscaled)."""

    def __init__(self, retry_after: float | None, detail: str = "HTTP 429") -> None:
        super().__init__(f"{detail}, retry after {retry_after:g}s" if retry_after is not None else detail)
        self.retry_after = retry_after


class Forbidden(Exception):  # noqa: N818
    """HTTP 403: the provider refuses us; wait long before trying again."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("HTTP 403 forbidden")
        self.retry_after = retry_after


class CapReached(Exception):  # noqa: N818
    """The provider's documented answer past its last reachable page."""


def dig(value: Any, path: str) -> Any:
    """``value["a"]["b"]`` for the path ``a.b`` (None where a step is missing; ``""`` is the value itself)."""
    if not path:
        return value
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


_ROW_TARGETS = ColumnMap({t: t for t in ("name", "pre_at", "section", "group", "size", "files", "nuke", "reason",
                                         "network", "feed")})  # fmt: skip


class ProviderRows:
    """Turn one provider's rows (API rows or websocket frame rows) into records, by the preset's field paths."""

    def __init__(self, spec: ProviderSpec, paths: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        self.paths = dict(paths or spec.fields)
        rules = IngestRules(timezone=spec.timezone, feeds={spec.feed: FeedRule(time_is_pre=spec.time_is_pre,
                                                                               scene=spec.scene)})  # fmt: skip
        self.rules = rules
        self.mapper = RowMapper(_ROW_TARGETS, rules)

    def flat(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row as {target: value}, status codes read as nuke words and the size joined with its unit."""
        out = {target: dig(row, path) for target, path in self.paths.items()}
        unit = out.pop("size_unit", None)
        if unit not in (None, "") and out.get("size") not in (None, ""):
            out["size"] = f"{out['size']} {unit}"
        status = out.pop("status", None)
        if status not in (None, "") and self.spec.status_codes:
            try:
                word = self.spec.status_codes.get(int(status), "")
            except (TypeError, ValueError):
                word = str(status).strip().lower()
            if word and out.get("nuke") in (None, "", 0, False):
                out["nuke"] = word
        elif status not in (None, ""):
            out["nuke"] = out.get("nuke") or status
        out["feed"] = self.spec.feed
        return out

    def map(self, row: Any) -> Announcement | NukeEvent:
        """Map one row (ValueError when it cannot be used)."""
        if not isinstance(row, Mapping):
            raise ValueError("row is not an object")
        record = self.mapper.map(self.flat(row))
        nuke = row.get("nuke") if isinstance(row.get("nuke"), Mapping) else None
        if isinstance(record, Announcement) and record.nuke is not None and nuke is not None:
            at = self.time(nuke.get("nukeAt") or nuke.get("nuke_at") or nuke.get("at"))
            if at is not None:
                record = replace(record, nuke=replace(record.nuke, at=at))
        return record

    def nuke_event(self, action: str, row: Mapping[str, Any], now: datetime) -> Announcement | NukeEvent:
        """A nuke-type websocket frame: the announcement carrying that nuke event (or the bare event)."""
        kind = NukeAction.DELPRE if action == "delete" else NukeAction(action)
        record = self.map(row)
        if isinstance(record, NukeEvent):
            return replace(record, action=kind)
        nuke = row.get("nuke") if isinstance(row.get("nuke"), Mapping) else {}
        at = self.time(nuke.get("nukeAt") or nuke.get("at")) or now
        reason = record.nuke.reason if record.nuke is not None else None
        network = record.nuke.network if record.nuke is not None else None
        if action == "delete" and not reason:
            reason = "deleted by feed"
        event = NukeEvent(record.name, kind, reason, network, at, self.spec.feed)
        return replace(record, nuke=event)

    def time(self, value: Any) -> datetime | None:
        """A row time as aware UTC (None when absent or unreadable)."""
        try:
            return parse_time(value, self.rules)
        except ValueError:
            return None

    def row_time(self, row: Any) -> datetime | None:
        """The time of a raw row (its pre_at path)."""
        return self.time(dig(row, self.paths.get("pre_at", ""))) if isinstance(row, Mapping) else None

    def row_key(self, row: Any) -> Any:
        """What identifies a row within one catch-up (its id, else its name and time)."""
        if not isinstance(row, Mapping):
            return id(row)
        ident = row.get(self.spec.id_field)
        if ident not in (None, ""):
            return ("id", str(ident))
        return ("row", str(dig(row, self.paths["name"])), str(dig(row, self.paths.get("pre_at", ""))))


def row_id(row: Any, field_name: str) -> int | None:
    """A row's numeric id, if it has one."""
    value = row.get(field_name) if isinstance(row, Mapping) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class CatchUp:
    """What one catch-up read: rows newer than the cursor (in the order read) and how it ended."""

    rows: list[Any] = field(default_factory=list)
    pages: int = 0
    complete: bool = False  # met the cursor or the end of the data
    stop: str | None = None  # "cap" or "rate-limited" when it could not page back far enough
    detail: str = ""
    oldest: datetime | None = None
    newest_cursor: str | None = None
    newest_at: datetime | None = None
    retry_after: float | None = None


class ProviderApi:
    """Fetch one provider's pages within its rate limit and page back to a cursor."""

    def __init__(self, spec: ProviderSpec, client: httpx.AsyncClient, *, scale: float = 1.0) -> None:
        self.spec = spec
        self.client = client
        self.scale = scale
        self.rows = ProviderRows(spec)
        self.bucket: TokenBucket = bucket_for(urlsplit(spec.api).netloc or spec.api, "api", spec.rate, scale)
        self.served = 0  # the largest page the provider has answered with
        self.requests = 0
        # Time cursors: rows at exactly the cursor's second that were already handed over (so a poll does not
        # re-send them; rows at that second not seen yet still count as new).
        self._edge_cursor: str | None = None
        self._edge: set[Any] = set()

    def url(self, page: int) -> tuple[str, dict[str, Any]]:
        """The URL and query of one page."""
        spec = self.spec
        params = {str(k): v for k, v in spec.params.items()}
        if spec.paging == "skip":
            skip = (page - spec.first_page) * spec.page_size
            return (spec.api.rstrip("/") + (f"/skip:{skip}" if skip else "")), params
        params[spec.page_param] = page
        if spec.size_param:
            params[spec.size_param] = spec.page_size
        return spec.api, params

    async def page(self, page: int) -> list[Any]:
        """One page of rows, newest first, after waiting for a token of the host's bucket."""
        await self.bucket.acquire()
        url, params = self.url(page)
        self.requests += 1
        response = await self.client.get(url, params=params, timeout=self.spec.timeout)
        status = response.status_code
        if status == 429:
            raise RateLimited(retry_after_seconds(response.headers.get("retry-after")))
        if status == 403:
            raise Forbidden(retry_after_seconds(response.headers.get("retry-after")))
        if self.spec.cap_status is not None and status == self.spec.cap_status and page > self.spec.first_page:
            raise CapReached(f"HTTP {status} past page {page - 1}")
        if status >= 400:
            raise ApiError(f"HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            raise ApiError("malformed JSON") from None
        return self._rows(body)

    def _rows(self, body: Any) -> list[Any]:
        if isinstance(body, Mapping):
            state = body.get("status")
            if isinstance(state, str) and state.lower() not in ("success", "ok"):
                message = str(body.get("message") or "")[:200]
                if "rate limit" in message.lower() or "too many" in message.lower():
                    raise RateLimited(None, f"API status {state!r}: {message}")
                raise ApiError(f"API status {state!r}: {message}")
        rows = dig(body, self.spec.rows)
        if rows is None:
            return []
        if not isinstance(rows, list):
            raise ApiError(f"no row list at {self.spec.rows!r} in the answer")
        return rows

    async def since(
        self,
        cursor: str | None,
        *,
        on_page: Callable[[list[Any]], None] | None = None,
        max_retry_after: float,
        on_hold: Callable[[float], Any] | None = None,
    ) -> CatchUp:
        """Page back until the cursor, the end of the data or the cap; ``on_page`` gets each page's new rows.

        A 429 within ``max_retry_after`` (real seconds) holds the bucket and retries the page; a longer one ends the
        catch-up as ``rate-limited`` once something was read (the next poll starts from the newest row again).
        """
        at_newest: dict[datetime, set[Any]] = {}
        result = await self._since(cursor, on_page, max_retry_after, on_hold, at_newest)
        if self.spec.cursor == "time":
            newest = result.newest_cursor or cursor
            _, newest_time = parse_cursor(newest)
            keys = at_newest.get(newest_time, set()) if newest_time is not None else set()
            if newest == self._edge_cursor:
                keys |= self._edge
            self._edge_cursor, self._edge = newest, keys
        return result

    async def _since(
        self,
        cursor: str | None,
        on_page: Callable[[list[Any]], None] | None,
        max_retry_after: float,
        on_hold: Callable[[float], Any] | None,
        at_newest: dict[datetime, set[Any]],
    ) -> CatchUp:
        spec = self.spec
        limit_id, limit_time = parse_cursor(cursor)
        pages = spec.backfill_pages if cursor is None else spec.max_pages
        result = CatchUp()
        seen: set[Any] = set()
        edge = self._edge if cursor is not None and cursor == self._edge_cursor else set()
        number = spec.first_page
        while number < spec.first_page + pages:
            try:
                rows = await self.page(number)
            except RateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else 60.0
                self.bucket.hold(wait * self.scale)
                if on_hold is not None:
                    on_hold(wait)
                if wait > max_retry_after and result.pages:
                    result.stop, result.detail, result.retry_after = "rate-limited", str(exc), wait
                    return result
                if wait > max_retry_after:
                    raise
                continue
            except CapReached as exc:
                result.stop, result.detail = "cap", f"{spec.name} answers {exc}"
                return result
            result.pages += 1
            fresh, reached = [], False
            for row in rows:
                key = self.rows.row_key(row)
                if _at_or_before(row, self.rows, limit_id, limit_time, spec.id_field) or (
                    limit_time is not None and key in edge and self.rows.row_time(row) == limit_time
                ):
                    reached = True
                    continue
                if key in seen:
                    continue
                seen.add(key)
                fresh.append(row)
                self._advance(result, row)
                moment = self.rows.row_time(row)
                if moment is not None:
                    at_newest.setdefault(moment, set()).add(key)
            result.rows += fresh
            if fresh and on_page is not None:
                on_page(fresh)
            short = len(rows) < self.served
            self.served = max(self.served, len(rows))
            if reached or not rows or short:
                result.complete = True
                return result
            number += 1
        if cursor is None:
            result.complete = True  # a first run reads backfill_pages, by design
        else:
            result.stop = "cap"
            result.detail = f"{spec.name} catch-ups stop at {spec.max_pages} pages of {self.served or spec.page_size}"
        return result

    def _advance(self, result: CatchUp, row: Any) -> None:
        moment = self.rows.row_time(row)
        if moment is not None and (result.oldest is None or moment < result.oldest):
            result.oldest = moment
        if self.spec.cursor == "id":
            ident = row_id(row, self.spec.id_field)
            best, _ = parse_cursor(result.newest_cursor)
            if ident is not None and (best is None or ident > best):
                result.newest_cursor, result.newest_at = f"id:{ident}", moment
        elif moment is not None and (result.newest_at is None or moment > result.newest_at):
            result.newest_cursor, result.newest_at = f"t:{moment.timestamp():.6f}", moment


def _at_or_before(
    row: Any, rows: ProviderRows, limit_id: int | None, limit_time: datetime | None, id_field: str
) -> bool:
    """Whether a row is one an earlier poll already stored (ids: ≤ cursor; times: strictly older than it)."""
    if limit_id is not None:
        ident = row_id(row, id_field)
        return ident is not None and ident <= limit_id
    if limit_time is not None:
        moment = rows.row_time(row)
        return moment is not None and moment < limit_time
    return False


def map_rows(rows: ProviderRows, raw: Sequence[Any], bad: Callable[[str], None]) -> list[Announcement | NukeEvent]:
    """Map rows, reporting (and skipping) the unusable ones."""
    records: list[Announcement | NukeEvent] = []
    for row in raw:
        try:
            records.append(rows.map(row))
        except (ValueError, TypeError) as exc:
            bad(f"{rows.spec.name}: {exc}: {str(row)[:200]}")
    return records
