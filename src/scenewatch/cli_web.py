"""`scenewatch serve`: the REST API, dashboard and live feed in one process that owns the database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from scenewatch.cli_common import DbOption, UsageError, err, open_db


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the CLI."""
    app.command()(serve)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0 picks a free one).")] = 8000,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="SCENEWATCH_TOKEN", help="Bearer token for write endpoints [default: off]."),
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Open the database read-only (no writes).")] = False,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow this browser origin (CORS is off by default).")
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
    database = open_db(db, read_only=read_only)
    try:
        application = create_app(database, token=token or os.environ.get("SCENEWATCH_TOKEN"),
                                 cors_origins=cors_origin or ())  # fmt: skip
        err.print(f"serving {database.path} on http://{host}:{port}/ (API docs at /docs; writes "
                  f"{'enabled with bearer token' if token else 'disabled'})")  # fmt: skip
        uvicorn.run(application, host=host, port=port, log_level="warning", ws="websockets-sansio")
    finally:
        database.close()
