"""What the routes share: the store reader they depend on, typed query parameters, the write-token check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scenewatch.store import Database
from scenewatch.web.access import StoreAccess

Text = Annotated[str | None, Query(max_length=200)]
Day = Annotated[date | None, Query(description="UTC day, YYYY-MM-DD")]


def access(request: Request) -> StoreAccess:
    """The server's handle on its store (a FastAPI dependency)."""
    return request.app.state.access  # type: ignore[no-any-return]


def _read(request: Request) -> Iterator[Database]:
    """Dependency: a read view (own cursor) for this request."""
    with access(request).reader() as view:
        yield view


Reader = Annotated[Database, Depends(_read)]


def check_range(since: date | None, until: date | None) -> None:
    """Refuse (422) a day outside 1970-01-01 … 2200-12-31 or a window that ends before it starts."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not date(1970, 1, 1) <= day <= date(2200, 12, 31):
            raise HTTPException(422, f"{name}: {day} is outside 1970-01-01 … 2200-12-31")
    if since and until and until < since:
        raise HTTPException(422, "until: must not be before since")


_bearer = HTTPBearer(auto_error=False, description="The token given to `scenewatch serve --token`.")


class UnauthorizedError(Exception):
    """A write without the right bearer token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Dependency of every write endpoint: the bearer token configured at start, or 401."""
    expected: str | None = request.app.state.token
    if not expected:
        raise UnauthorizedError("writes are disabled: start the server with --token or SCENEWATCH_TOKEN")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("missing bearer token (Authorization: Bearer <token>)")
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise UnauthorizedError("wrong bearer token")
