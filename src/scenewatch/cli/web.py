"""`scenewatch serve`: the REST API, dashboard and live feed in one process that owns the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    UsageError,
    err,
    open_db,
)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0 picks a free one).")] = 8000,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="SCENEWATCH_TOKEN", help="Bearer token for write endpoints \\[default: off]."),
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Open the database read-only (no writes).")] = False,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow this browser origin (CORS is off by default).")
    ] = None,
    listen: Annotated[
        list[str] | None,
        typer.Option("--listen", help="Also follow this live feed (irc://, http(s)://, ws(s)://) in this process."),
    ] = None,
    listen_config: Annotated[
        Path | None, typer.Option("--listen-config", help="TOML file of live feeds to follow in this process.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Compute every answer afresh (answers are cached until the next write).")
    ] = False,
    max_queries: Annotated[
        int | None,
        typer.Option("--max-queries", min=1, help="Uncached API reads run at once; the rest queue in arrival order "
                     "[default: SCENEWATCH_MAX_QUERIES, else 2 per core]."),
    ] = None,
) -> None:
    """Serve the REST API (/docs), the dashboard (/) and the live feed (/api/live) over one database.

    This process owns the database file: it opens it once (read-write unless --read-only); no other
    process can write to it meanwhile, so run ingest and the live listener through this server.
    """
    try:
        import uvicorn

        from scenewatch.web import create_app
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UsageError(f"the web extra is not installed ({exc.name}): pip install 'scenewatch[web]'") from None
    if token is not None and len(token) < 8:
        raise UsageError("--token: use at least 8 characters")
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        err.print(f"note: listening on {host} without --token: the API is read-only")
    live_wanted = bool(listen or listen_config)
    if live_wanted and read_only:
        raise UsageError("--listen writes what it hears: it cannot run with --read-only")
    database = open_db(db, read_only=read_only)
    runner = None
    try:
        hub = None
        if live_wanted:
            # One process owns the file: the listener's writer thread does every write, the API reads cursors.
            from scenewatch.live import LiveRunner, load_config
            from scenewatch.web.live import LiveHub

            settings = load_config(listen_config, list(listen or []))
            hub = LiveHub()
            runner = LiveRunner(
                database, settings.sources, on_batch=hub.publish,
                flush_events=settings.flush_events, flush_seconds=settings.flush_seconds,
            )  # fmt: skip
            for source in settings.sources:
                err.print(f"listening to {source.origin}", highlight=False)
            runner.start()
        application = create_app(database, token=token or os.environ.get("SCENEWATCH_TOKEN"),
                                 cors_origins=cors_origin or (), hub=hub,
                                 writer=runner.writer if runner else None, cache=not no_cache,
                                 max_queries=max_queries)  # fmt: skip
        err.print(f"serving {database.path} on http://{host}:{port}/ (API docs at /docs; writes "
                  f"{'enabled with bearer token' if token else 'disabled'})")  # fmt: skip
        uvicorn.run(application, host=host, port=port, log_level="warning", ws="websockets-sansio")
    finally:
        if runner is not None:
            runner.stop()
        database.close()



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(serve)
