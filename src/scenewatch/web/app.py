"""The app factory: ``create_app(db, token=None)`` gives the FastAPI app serving the API and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from scenewatch import __version__
from scenewatch.store import Database
from scenewatch.web import errors
from scenewatch.web.access import StoreAccess
from scenewatch.web.admission import Admission
from scenewatch.web.budget import RequestBudget, default_seconds
from scenewatch.web.cache import ResponseCache
from scenewatch.web.limits import BodyLimit
from scenewatch.web.live import LiveHub

DEFAULT_MAX_UPLOAD_BYTES = 512 << 20


def create_app(
    db: Database,
    token: str | None = None,
    *,
    hub: LiveHub | None = None,
    writer: Any = None,
    cors_origins: Sequence[str] = (),
    cache: bool = True,
    max_queries: int | None = None,
    budget_seconds: float | None = None,
    ingest_roots: Sequence[str | Path] = (),
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    query_secret: str | None = None,
    status: Any = None,
) -> FastAPI:
    """The API and dashboard over ``db``, which this process owns (opened read-write once, or read-only).

    ``token`` enables the write endpoints (bearer auth); without it they answer 401. ``POST /api/ingest`` reads only
    inside ``ingest_roots`` (none: uploads only), uploads are limited to ``max_upload_bytes``. ``hub.publish(batch)``
    is the hook through which anything that writes (ingest endpoint, live listener) announces new releases and nukes.
    With a running ``StoreWriter`` (``writer``), writes are submitted to its thread and its flushes are published.
    CORS is off unless ``cors_origins`` are given. Read answers are cached until the next write (``cache=False``
    turns that off; see ``scenewatch.web.cache``). At most ``max_queries`` uncached API reads run at once, the
    rest queue in arrival order (default: SCENEWATCH_MAX_QUERIES, else two per core; ``scenewatch.web.admission``),
    and each has ``budget_seconds`` (default SCENEWATCH_REQUEST_BUDGET, else 30; ``scenewatch.web.budget``).
    ``query_secret`` opens the owner's query endpoint to other scenewatch commands (``scenewatch.web.queries``);
    ``status()``, if given, adds its dict to ``GET /api/status`` (e.g. a live listener's sources).
    """
    from scenewatch.web import analyses, api, more_analyses, pages, queries, race_routes

    app = FastAPI(
        title="scenewatch",
        version=__version__,
        docs_url=None,  # /docs and /redoc are served by the dashboard router from local files (no CDN)
        redoc_url=None,
        description=(
            "Scene release intelligence over the scenewatch store: search, analyses, live feed. Metadata only. "
            "Read-only unless the server was started with a token; write endpoints need `Authorization: Bearer`.\n\n"
            "Days are `YYYY-MM-DD` from 1990-01-01 to 2100-12-31; analyses clip their windows to the data. "
            "Every error answers `{message, detail}`: 401 no or wrong token, 403 path outside the ingest roots, "
            "404 no such release/group/event, 409 the store cannot answer this (e.g. an event outside the data), "
            "413 upload too large, 422 a broken rule (named in `message`; also `until` before `since`, the search "
            "syntax of `q`, an opaque `cursor`), 503 the request ran out of its time budget (`Retry-After`)."
        ),
    )
    app.state.access = StoreAccess(db, hub, writer)
    app.state.token = token or None
    app.state.budget_seconds = budget_seconds or default_seconds()
    app.state.ingest_roots = [Path(root).resolve() for root in ingest_roots]
    app.state.max_upload_bytes = max_upload_bytes
    app.state.query_secret = query_secret
    app.state.status = status
    # The last added runs first: the budget covers the whole request, a cached answer is served without waiting
    # for an admission slot.
    app.add_middleware(Admission, max_queries=max_queries)
    if cache:
        app.add_middleware(ResponseCache)
    app.add_middleware(RequestBudget, seconds=app.state.budget_seconds)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip
    errors.install(app)
    app.include_router(api.router)
    app.include_router(analyses.router)
    app.include_router(more_analyses.router)
    app.include_router(race_routes.router)
    app.include_router(queries.router)
    app.include_router(pages.router)
    return app
