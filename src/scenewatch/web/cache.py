"""A response cache for the read API, invalidated by every write to the store.

Dashboards and scripted clients ask the same questions again and again (this week's volume, the event page's
impact, the latest search); each answer costs a DuckDB query plus JSON encoding under the GIL, and 50 clients
asking at once queue behind each other. The cache keeps the encoded JSON of successful GET answers keyed by
path and query string, tagged with the store's *generation*: a counter ``StoreAccess`` bumps after every write
it performs or publishes (ingest endpoint, event registration, each live flush). An answer computed before a
write is never served after it; a time-to-live bounds anything else (such as uptime bookkeeping).

Concurrent identical requests are computed once ("single flight"): the first computes, the rest wait for it;
or, while a write has made the stored answer stale and the first request after it is computing the new one, they
get the stale answer at once (``X-Cache: stale`` with ``Age``; stale-while-revalidate, RFC 5861), if it is at most
``stale_for`` seconds old. Why: a live feed writes every second, and 50 clients waiting on each recomputation of
a whole-history answer put volume's p99 at 160 ms (bench_web); the stale answer is at most one recomputation old. A
request with ``Cache-Control: no-cache`` never gets a stale answer (a client reading its own write).
Streamed exports (``format=csv|ndjson|parquet``), the live websocket and non-JSON answers pass straight through.
Each answer carries ``X-Cache: hit``, ``stale`` or ``miss``.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scenewatch.web.admission import is_api_read


@dataclass(frozen=True, slots=True)
class _Entry:
    generation: int
    stored_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """ASGI middleware caching GET ``/api/…`` JSON answers per store generation (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, max_entries: int = 1024, max_bytes: int = 64 << 20, max_body: int = 4 << 20,
        ttl: float = 30.0, stale_for: float = 10.0,
    ) -> None:  # fmt: skip
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_body
        self.ttl = ttl
        self.stale_for = stale_for
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._bytes = 0
        self._in_flight: dict[tuple[str, bytes, int], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve from the cache, wait for an identical request in flight, or compute and keep the answer."""
        if not is_api_read(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        generation = _generation(scope)
        while True:
            entry = self._fresh(key, generation)
            if entry is not None:
                await _replay(entry, send)
                return
            flight = self._in_flight.get((*key, generation))
            if flight is None:
                break
            stale = self._stale(key, scope)
            if stale is not None:
                await _replay(stale, send, b"stale")
                return
            await flight.wait()  # then look again: it may have failed or not been cacheable
            if self._fresh(key, generation) is None:
                break  # compute it ourselves rather than wait in a chain
        done = asyncio.Event()
        self._in_flight[(*key, generation)] = done
        try:
            await self._compute(scope, receive, send, key, generation)
        finally:
            del self._in_flight[(*key, generation)]
            done.set()

    def clear(self) -> None:
        """Forget every stored answer."""
        self._entries.clear()
        self._bytes = 0

    def _fresh(self, key: tuple[str, bytes], generation: int) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.stored_at > self.ttl:
            self._drop(key)
            return None
        if entry.generation != generation:
            return None  # kept: it may serve as a stale answer while the fresh one is computed
        self._entries.move_to_end(key)
        return entry

    def _stale(self, key: tuple[str, bytes], scope: Scope) -> _Entry | None:
        """The stored answer of an older generation, if young enough and the client did not ask for a fresh one."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.stored_at > self.stale_for:
            return None
        for name, value in scope.get("headers", []):
            if name == b"cache-control" and b"no-cache" in value.lower():
                return None
        return entry

    async def _compute(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes], generation: int
    ) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal keep, size
            if message["type"] == "http.response.start":
                start.update(message)
                headers = list(message.get("headers", []))
                content_type = dict(headers).get(b"content-type", b"")
                keep = message["status"] == 200 and content_type.startswith(b"application/json")
                message = {**message, "headers": [*headers, (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_body:
                    keep = False
                    chunks.clear()
            await send(message)

        await self.app(scope, receive, capture)
        if keep and start:
            body = b"".join(chunks)
            self._store(key, _Entry(generation, time.monotonic(), start["status"], list(start["headers"]), body))

    def _store(self, key: tuple[str, bytes], entry: _Entry) -> None:
        self._drop(key)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, bytes]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def _generation(scope: Scope) -> int:
    access = getattr(scope["app"].state, "access", None)
    return int(getattr(access, "generation", 0))


async def _replay(entry: _Entry, send: Send, kind: bytes = b"hit") -> None:
    headers = [*entry.headers, (b"x-cache", kind)]
    if kind == b"stale":
        headers.append((b"age", str(int(time.monotonic() - entry.stored_at)).encode()))
    await send({"type": "http.response.start", "status": entry.status, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})
