"""A time budget for every API read: answered within it, or a 503 with ``Retry-After`` and the work cancelled.

Why: one anonymous GET could start work that never ends (a change-point search over eight thousand years held a
core and 1.3 GB for minutes). Bounded parameters and windows clipped to the data keep normal work short; the budget
is the backstop for whatever is still too slow on a large store.

How the work is cancelled: each request's budget lives in a context variable, which Starlette carries into the
worker thread that runs the route. The request's DuckDB cursors register with it (``StoreAccess.reader``); when
time is up the middleware answers 503 at once, interrupts those cursors (``con.interrupt()``: the running query
stops) and marks the budget spent, so every later query of that request fails at once
(:meth:`Budget.check`, called before each one). The worker thread then unwinds within a query's length;
what it would still send is dropped. The admission slot it holds is released only then, so no more expensive
work runs at once than admission allows.

Budgeted: GETs under ``/api/`` and the read-only ``POST /api/leaks``. Not budgeted: the live websocket, streamed
exports (``format=csv|ndjson|parquet``: constant memory, as long as the data takes), and the writes (token only).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import threading
import time
import weakref
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scenewatch.web.admission import is_read

DEFAULT_SECONDS = 30.0


class BudgetExceededError(Exception):
    """The request used up its time budget; its work stops here."""


class Budget:
    """One request's deadline and the cursors working for it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.spent = False
        self._cursors: set[Any] = set()
        self._lock = threading.Lock()

    @property
    def expired(self) -> bool:
        """Whether the work must stop (cancelled, or past its deadline)."""
        return self.spent or time.monotonic() > self.deadline

    def check(self) -> None:
        """Raise :class:`BudgetExceededError` once the budget is spent (called before every query)."""
        if self.expired:
            raise BudgetExceededError(f"the request took longer than its {self.seconds:g} s budget")

    def attach(self, cursor: Any) -> None:
        """A cursor working for this request (interrupted when the budget is spent)."""
        with self._lock:
            if self.spent:
                cursor.interrupt()
            self._cursors.add(cursor)

    def detach(self, cursor: Any) -> None:
        """The cursor is done."""
        with self._lock:
            self._cursors.discard(cursor)

    def cancel(self) -> None:
        """Spend the budget: interrupt the running queries; later ones fail at once."""
        with self._lock:
            self.spent = True
            cursors = list(self._cursors)
        for cursor in cursors:
            with contextlib.suppress(Exception):
                cursor.interrupt()


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("scenewatch_budget", default=None)
_LIVE: weakref.WeakSet[Budget] = weakref.WeakSet()


def current_budget() -> Budget | None:
    """The budget of the request this code runs for, if any."""
    return _CURRENT.get()


def cancel_all() -> int:
    """Spend every live budget (at shutdown): running reads stop within a query's length. Returns how many."""
    budgets = list(_LIVE)
    for budget in budgets:
        budget.cancel()
    return len(budgets)


def default_seconds() -> float:
    """SCENEWATCH_REQUEST_BUDGET (seconds), else 30."""
    return float(os.environ.get("SCENEWATCH_REQUEST_BUDGET") or DEFAULT_SECONDS)


def budget_message(seconds: float) -> str:
    """What a 503 says."""
    return (
        f"this request took longer than the server's {seconds:g} s budget per request and its work was cancelled; "
        "narrow it (a shorter since/until window, fewer placebos) or try again later"
    )


class RequestBudget:
    """ASGI middleware giving each API read ``seconds`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, seconds: float | None = None) -> None:
        self.app = app
        self.seconds = seconds or default_seconds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request under a budget; answer 503 when it runs out."""
        if not is_read(scope):
            await self.app(scope, receive, send)
            return
        budget = Budget(self.seconds)
        _LIVE.add(budget)
        scope["scenewatch.budget"] = budget  # admission looks: work whose budget ran out while queued never starts
        started = False
        dropped = False

        async def relay(message: Message) -> None:
            nonlocal started
            if dropped:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        token = _CURRENT.set(budget)
        try:
            work = asyncio.ensure_future(self.app(scope, receive, relay))  # the task copies the context: the budget
        finally:
            _CURRENT.reset(token)
        done, _ = await asyncio.wait({work}, timeout=self.seconds)
        if work in done:
            work.result()
            return
        budget.cancel()
        if started:  # the answer is already on its way: let it finish
            await work
            return
        dropped = True
        work.add_done_callback(_forget)
        await _unavailable(send, self.seconds)


def _forget(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the late failure of cancelled work is expected


async def _unavailable(send: Send, seconds: float) -> None:
    import orjson

    message = budget_message(seconds)
    body = orjson.dumps({"message": message, "detail": [{"loc": [], "msg": message, "type": "budget_exceeded"}]})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"retry-after", str(max(1, round(seconds))).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
