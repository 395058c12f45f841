"""The app factory: ``create_app(db, token=None)`` gives the FastAPI app serving the API and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from scenewatch import __version__
from scenewatch.store import Database
from scenewatch.web.access import StoreAccess
from scenewatch.web.admission import Admission
from scenewatch.web.cache import ResponseCache
from scenewatch.web.live import LiveHub
from scenewatch.web.params import UnauthorizedError
from scenewatch.web.search import SearchError


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def create_app(
    db: Database,
    token: str | None = None,
    *,
    hub: LiveHub | None = None,
    writer: Any = None,
    cors_origins: Sequence[str] = (),
    cache: bool = True,
    max_queries: int | None = None,
) -> FastAPI:
    """The API and dashboard over ``db``, which this process owns (opened read-write once, or read-only).

    ``token`` enables the write endpoints (bearer auth); without it they answer 401. ``hub.publish(batch)`` is the
    hook through which anything that writes (ingest endpoint, live listener) announces new releases and nukes.
    With a running ``StoreWriter`` (``writer``), writes are submitted to its thread and its flushes are published.
    CORS is off unless ``cors_origins`` are given. Read answers are cached until the next write (``cache=False``
    turns that off; see ``scenewatch.web.cache``). At most ``max_queries`` uncached API reads run at once, the
    rest queue in arrival order (default: SCENEWATCH_MAX_QUERIES, else two per core; ``scenewatch.web.admission``).
    """
    from scenewatch.web import analyses, api, more_analyses, pages, race_routes

    app = FastAPI(
        title="scenewatch",
        version=__version__,
        description=(
            "Scene release intelligence over the scenewatch store: search, analyses, live feed. Metadata only. "
            "Read-only unless the server was started with a token; write endpoints need `Authorization: Bearer`."
        ),
    )
    app.state.access = StoreAccess(db, hub, writer)
    app.state.token = token or None
    # The last added runs first: a cached answer is served without waiting for an admission slot.
    app.add_middleware(Admission, max_queries=max_queries)
    if cache:
        app.add_middleware(ResponseCache)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = "; ".join(f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors)
        return JSONResponse(status_code=422, content={"message": message, "detail": _plain_errors(errors)})

    @app.exception_handler(SearchError)
    async def _bad_search(request: Request, exc: SearchError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"message": f"q: {exc}", "detail": [{"loc": ["query", "q"],
                            "msg": str(exc), "type": "search_syntax"}]})  # fmt: skip

    @app.exception_handler(ValueError)
    async def _bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"message": str(exc), "detail": [{"msg": str(exc)}]})

    @app.exception_handler(duckdb.ConversionException)
    @app.exception_handler(duckdb.OutOfRangeException)
    @app.exception_handler(duckdb.InvalidInputException)
    async def _bad_input(request: Request, exc: Exception) -> JSONResponse:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JSONResponse(status_code=422, content={"message": first, "detail": [{"msg": first}]})

    @app.exception_handler(UnauthorizedError)
    async def _unauthorized(request: Request, exc: UnauthorizedError) -> JSONResponse:
        return JSONResponse(status_code=401, content={"message": exc.message, "detail": exc.message},
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    @app.exception_handler(PermissionError)
    async def _read_only(request: Request, exc: PermissionError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"message": str(exc), "detail": str(exc)})

    app.include_router(api.router)
    app.include_router(analyses.router)
    app.include_router(more_analyses.router)
    app.include_router(race_routes.router)
    app.include_router(pages.router)
    return app


def _plain_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        item = {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        out.append(item)
    return out
