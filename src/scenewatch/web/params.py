"""What the routes share: the store reader they depend on, typed query parameters, the write-token check.

Days are strict ``YYYY-MM-DD`` from :data:`FIRST_DAY` to :data:`LAST_DAY` (the OpenAPI schema says so with a
pattern that admits exactly the real days of that range); anything else is a 422 naming the parameter. Analyses
clip their windows to the data's span (:func:`clip_window`, :func:`clip_spans`), so a request's work grows with the
data, never with the dates it names.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from scenewatch.store import Database
from scenewatch.web.access import StoreAccess

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)
# Exactly the real days from 1990-01-01 to 2100-12-31 (leap days of 1992 … 2096; 2100 is not a leap year).
DAY_PATTERN = (
    r"^(?:(?:199\d|20\d\d|2100)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))|(?:199[26]|20(?:[02468][048]|[13579][26]))-02-29)$"
)
_DAY = re.compile(DAY_PATTERN)
DAY_RULE = f"UTC day, YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"


def _strict_day(value: Any) -> Any:
    if isinstance(value, str) and not _DAY.match(value):
        raise PydanticCustomError("day", f"expected a day YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, not \"{{value}}\"",
                                  {"value": value[:40]})  # fmt: skip
    return value


_DAY_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})
Text = Annotated[str | None, Query(max_length=200)]
Day = Annotated[date | None, BeforeValidator(_strict_day), _DAY_SCHEMA, Query(description=DAY_RULE)]
RequiredDay = Annotated[date, BeforeValidator(_strict_day), _DAY_SCHEMA]


def day_query(description: str) -> Any:
    """An optional day query parameter with its own description (the same rules as :data:`Day`)."""
    return Annotated[date | None, BeforeValidator(_strict_day), _DAY_SCHEMA,
                     Query(description=f"{description} ({DAY_RULE})")]  # fmt: skip


def access(request: Request) -> StoreAccess:
    """The server's handle on its store (a FastAPI dependency)."""
    return request.app.state.access  # type: ignore[no-any-return]


def _read(request: Request) -> Iterator[Database]:
    """Dependency: a read view (own cursor) for this request."""
    with access(request).reader() as view:
        yield view


Reader = Annotated[Database, Depends(_read)]


def check_range(since: date | None, until: date | None) -> None:
    """Refuse (422) a day outside FIRST_DAY … LAST_DAY or a window that ends before it starts."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise HTTPException(422, f"{name}: {day} is outside {FIRST_DAY} … {LAST_DAY}")
    if since and until and until < since:
        raise HTTPException(422, "until: must not be before since")


def data_span(db: Database) -> tuple[date | None, date | None]:
    """First and last UTC day with a counted release (None, None for an empty store)."""
    from scenewatch.analysis.volume import data_span as counted_span

    return counted_span(db)


def clip_window(db: Database, since: date | None, until: date | None) -> tuple[date | None, date | None, bool]:
    """``since``/``until`` clipped to the data's span, and whether the clipped window still holds data."""
    first, last = data_span(db)
    if first is None or last is None:
        return since, until, False
    start = max(since, first) if since else first
    end = min(until, last) if until else last
    return start, end, start <= end


def span_days(text: str) -> int:
    """The days of a span such as ``8w``, ``56d`` or ``3m`` (30-day months; the analyses' reading)."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwmDWM]?)\s*", text)
    if not match:
        raise HTTPException(422, f"{text!r} is not a span such as 8w, 56d or 3m")
    return int(match.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30}[match.group(2).lower()]


def clip_spans(db: Database, event: date, before: str, after: str) -> tuple[str, str]:
    """``before``/``after`` an event clipped to the data's span (as day spans), so no window outgrows the data."""
    first, last = data_span(db)
    if first is None or last is None:
        return before, after
    most_before = max(1, (event - first).days)
    most_after = max(1, (last - event).days + 1)
    return f"{min(span_days(before), most_before)}d", f"{min(span_days(after), most_after)}d"


def window_days(since: date, until: date) -> int:
    """Days from ``since`` to ``until``, both included."""
    return (until - since).days + 1


_bearer = HTTPBearer(auto_error=False, description="The token the server was started with (SCENEWATCH_TOKEN).")


class UnauthorizedError(Exception):
    """A write without the right bearer token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Dependency of every write endpoint: the bearer token configured at start (compared in constant time), or 401."""
    expected: str | None = request.app.state.token
    if not expected:
        raise UnauthorizedError("writes are disabled: start the server with SCENEWATCH_TOKEN or --token-file")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("missing bearer token (Authorization: Bearer <token>)")
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise UnauthorizedError("wrong bearer token")


ONE_DAY = timedelta(days=1)
