"""The API's error answers: one body shape for every status, documented on every operation that can give it.

Every error is ``{"message": "...", "detail": [{"loc": [...], "msg": "...", "type": "..."}]}``; ``message`` is the
one line to show a person (it names the parameter), ``detail`` the machine-readable list.

What each status means here:

- 401: a write without the server's bearer token (or a server started without one).
- 403: a write naming a path outside the server's ingest roots (the same answer whether the path exists or not).
- 404: a named thing does not exist (a release, a group, an event name, an ingest path inside the roots).
- 409: a well-formed request the store cannot answer in its current state (an event outside the data, too few
  releases to analyse, a write to a read-only store, an event name already taken).
- 413: an upload (or a request body) larger than the server accepts.
- 422: the request breaks the documented rules: types, ranges, patterns, and the rules a schema cannot carry
  (``until`` before ``since``, the search syntax of ``q``, an opaque ``cursor``, the retail CSV's columns).
- 503: the request ran out of its time budget and its work was cancelled (``Retry-After`` says when to retry).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from scenewatch.web.budget import BudgetExceededError, budget_message


class ErrorItem(BaseModel):
    """One problem: where (``loc``), what (``msg``) and its kind (``type``)."""

    loc: list[str] = Field(default_factory=list)
    msg: str
    type: str = ""


class ErrorBody(BaseModel):
    """Every error answer."""

    message: str
    detail: list[ErrorItem]


class RequestProblemError(ValueError):
    """A request that breaks a documented rule the schema cannot carry (422), e.g. ``until`` before ``since``."""

    def __init__(self, message: str, loc: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.loc = list(loc)


def _doc(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description, **extra}


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
ERROR_DOCS: dict[int, dict[str, Any]] = {
    401: _doc("No or wrong bearer token, or writes are disabled on this server",
              headers={"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    403: _doc("The path is outside the server's ingest roots"),
    404: _doc("The named release, group, event or path does not exist"),
    409: _doc("The store cannot answer this request in its current state (e.g. the event is outside the data)"),
    413: _doc("The upload or request body is larger than the server accepts"),
    422: _doc("The request breaks a documented rule; `message` names the parameter"),
    503: _doc("The request ran out of its time budget; its work was cancelled", headers=_RETRY_AFTER),
}  # fmt: skip


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting these error statuses."""
    return {code: ERROR_DOCS[code] for code in codes}


READ = errors(422, 503)  # every read: bad parameters, out of time
ANALYSIS = errors(409, 422, 503)  # reads that need data the store may not have
WRITE = errors(401, 409, 413, 422)  # every body is capped (serve --max-upload-mb)


def body(status: int, message: str, loc: Sequence[Any] = (), kind: str = "", headers: dict[str, str] | None = None
         ) -> JSONResponse:  # fmt: skip
    """An error answer of the documented shape."""
    item = {"loc": [str(p) for p in loc], "msg": message, "type": kind}
    return JSONResponse(status_code=status, content={"message": message, "detail": [item]}, headers=headers)


def _allowed(request: Request) -> set[str]:
    """The methods the OpenAPI document lists for the request's path (every route of it, not only the first)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return methods or {"GET"}


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into an :class:`ErrorBody` answer."""
    from scenewatch.web.params import UnauthorizedError
    from scenewatch.web.search import SearchError

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        message = "; ".join(f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errs)
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in errs]  # fmt: skip
        return JSONResponse(status_code=422, content={"message": message, "detail": detail})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = dict(getattr(exc, "headers", None) or {})
        status = exc.status_code
        if status == 400:  # FastAPI's "error parsing the body": a body that is not UTF-8 JSON breaks the rules
            status, message = 422, "body: not readable as the documented content (UTF-8 JSON, form or CSV)"
        elif status == 405:  # one path can have a GET and a POST route: name both, not only the first one tried
            headers["Allow"] = ", ".join(sorted(_allowed(request)))
        return body(status, message, kind="http", headers=headers or None)

    @app.exception_handler(SearchError)
    async def _bad_search(request: Request, exc: SearchError) -> JSONResponse:
        return body(422, f"q: {exc}", ["query", "q"], "search_syntax")

    @app.exception_handler(RequestProblemError)
    async def _problem(request: Request, exc: RequestProblemError) -> JSONResponse:
        return body(422, str(exc), exc.loc, "request")

    @app.exception_handler(ValueError)
    async def _cannot_answer(request: Request, exc: ValueError) -> JSONResponse:
        # Parameters were validated before the analysis ran: what it still refuses, the store cannot answer.
        return body(409, str(exc).splitlines()[0] if str(exc) else "cannot analyse", kind="cannot_analyse")

    @app.exception_handler(ArithmeticError)
    async def _unstable(request: Request, exc: ArithmeticError) -> JSONResponse:
        # e.g. an interval from a fit on one day overflows exp(): there is no estimate to give for these parameters
        return body(409, f"no stable estimate for these parameters ({type(exc).__name__}: {exc}); widen the window",
                    kind="cannot_analyse")  # fmt: skip

    @app.exception_handler(duckdb.ConversionException)
    @app.exception_handler(duckdb.OutOfRangeException)
    @app.exception_handler(duckdb.InvalidInputException)
    async def _bad_input(request: Request, exc: Exception) -> JSONResponse:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return body(422, first, kind="value")

    @app.exception_handler(BudgetExceededError)
    @app.exception_handler(duckdb.InterruptException)
    async def _out_of_time(request: Request, exc: Exception) -> JSONResponse:
        seconds = float(getattr(request.app.state, "budget_seconds", 30.0))
        return body(503, budget_message(seconds), kind="budget_exceeded",
                    headers={"Retry-After": str(max(1, round(seconds)))})  # fmt: skip

    @app.exception_handler(UnauthorizedError)
    async def _unauthorized(request: Request, exc: UnauthorizedError) -> JSONResponse:
        return body(401, exc.message, ["header", "Authorization"], "unauthorized", {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(PermissionError)
    async def _read_only(request: Request, exc: PermissionError) -> JSONResponse:
        return body(409, str(exc), kind="read_only")
