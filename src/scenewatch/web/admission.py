"""Admission control: at most a few API reads run at once; the rest wait their turn in arrival order.

Why: every DuckDB query already uses all cores. Fifty requests running at once on two cores do not finish
sooner; they all finish late, the unlucky ones very late (measured at 18.6M releases, 50 clients, no cache:
search p99 9.9 s at p50 0.9 s). Queued on the event loop (``asyncio.Semaphore`` wakes waiters first-in,
first-out) each admitted request runs at full speed, so the tail follows the median. Waiting happens on the
event loop, never in a worker thread: a thread blocked on admission would starve the thread pool the admitted
requests need.

Cache hits never queue (the cache sits in front of this); streamed exports and the live websocket are not counted.
A request whose time budget (``scenewatch.web.budget``, outside this) ran out while it waited is not run at all.
"""

from __future__ import annotations

import asyncio
import os

from starlette.types import ASGIApp, Receive, Scope, Send

_STREAMED = (b"format=csv", b"format=ndjson", b"format=parquet")
READ_POSTS = frozenset({"/api/leaks"})  # POSTs that only read (a request body too large for a query string)


def default_max_queries() -> int:
    """SCENEWATCH_MAX_QUERIES, else two per core."""
    return max(1, int(os.environ.get("SCENEWATCH_MAX_QUERIES") or 2 * (os.cpu_count() or 1)))


def is_api_read(scope: Scope) -> bool:
    """A GET of the JSON API: not the live websocket, not a streamed export."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    path: str = scope["path"]
    if not path.startswith("/api/") or path.startswith("/api/live"):
        return False
    query: bytes = scope.get("query_string", b"")
    return not any(marker in query for marker in _STREAMED)


def is_read(scope: Scope) -> bool:
    """An API read: a GET of the JSON API or one of the read-only POSTs."""
    if is_api_read(scope):
        return True
    return scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in READ_POSTS


class Admission:
    """ASGI middleware letting ``max_queries`` API reads run at once (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_queries: int | None = None) -> None:
        self.app = app
        self.max_queries = max_queries or default_max_queries()
        self._slots: asyncio.Semaphore | None = None  # made on first use, inside the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request once a slot is free (API reads), or at once (anything else)."""
        if not is_read(scope):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_queries)
        async with self._slots:
            budget = scope.get("scenewatch.budget")
            if budget is not None and budget.expired:
                return  # answered 503 already: do not start the work
            await self.app(scope, receive, send)
