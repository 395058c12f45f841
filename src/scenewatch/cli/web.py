"""`scenewatch serve`: the REST API, dashboard and live feed in one process over one database."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    UsageError,
    err,
    open_db,
)


def read_token(token_file: Path | None) -> str | None:
    """The write token: from ``--token-file`` or SCENEWATCH_TOKEN (never the command line, which ``ps`` shows)."""
    token = os.environ.get("SCENEWATCH_TOKEN") or None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
            mode = token_file.stat().st_mode
        except OSError as exc:
            raise UsageError(f"--token-file {token_file}: {exc.strerror or exc}") from None
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            err.print(f"note: {token_file} is readable by other users (chmod 600 it)", markup=False)
    if token is not None and len(token) < 8:
        raise UsageError("token: use at least 8 characters (SCENEWATCH_TOKEN or --token-file)")
    return token


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0 picks a free one).")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="File holding the bearer token that enables the write endpoints "
                     "\\[default: SCENEWATCH_TOKEN; neither: no writes, the store is opened read-only]."),
    ] = None,
    token: Annotated[str | None, typer.Option("--token", hidden=True)] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Open the database read-only even with a token (writes answer 409).")
    ] = False,
    ingest_root: Annotated[
        list[Path] | None,
        typer.Option("--ingest-root", help="A folder POST /api/ingest may read from (repeatable) \\[default: none: "
                     "uploads only]."),
    ] = None,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", min=1, help="Largest upload or request body, in MiB (larger: 413).")
    ] = 512,
    budget: Annotated[
        float | None,
        typer.Option("--budget", min=0.1, help="Seconds each API read may take before it is cancelled with a 503 "
                     "\\[default: SCENEWATCH_REQUEST_BUDGET, else 30]."),
    ] = None,
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
                     "\\[default: SCENEWATCH_MAX_QUERIES, else 2 per core]."),
    ] = None,
) -> None:
    """Serve the REST API (/docs), the dashboard (/) and the live feed (/api/live) over one database.

    Without a token (SCENEWATCH_TOKEN or --token-file) and without --listen nothing writes, and the store is opened
    read-only: other commands keep reading it. With writes this process owns the file; the read commands (volume,
    gaps, info …) then answer through it, and writes go through its API (POST /api/ingest/upload).
    """
    try:
        from scenewatch.web import create_app
        from scenewatch.web.server import bind, bound_port, local_url, serve_forever
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UsageError(f"the web extra is not installed ({exc.name}): pip install 'scenewatch[web]'") from None
    if token is not None:
        raise UsageError("--token: a token on the command line is visible to every user (ps); put it in "
                         "SCENEWATCH_TOKEN or a file given with --token-file")  # fmt: skip
    secret = read_token(token_file)
    if host not in ("127.0.0.1", "localhost", "::1") and not secret:
        err.print(f"note: listening on {host} without a token: the API is read-only")
    live_wanted = bool(listen or listen_config)
    if live_wanted and read_only:
        raise UsageError("--listen writes what it hears: it cannot run with --read-only")
    roots = [root.resolve() for root in ingest_root or []]
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"--ingest-root {root}: not a folder")
    writes = live_wanted or (bool(secret) and not read_only)
    database = open_db(db, read_only=not writes)
    try:
        sock = bind(host, port)
    except OSError as exc:
        database.close()
        raise UsageError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
    bound = bound_port(sock)
    runner = None
    owner = None
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
        url = local_url(host, bound)
        query_secret = None
        if writes:
            from scenewatch.store.owner import new_secret, publish

            how = f"POST {url}/api/ingest/upload with the bearer token" if secret and not read_only else ""
            query_secret = new_secret()
            owner = publish(database.path, "serve", url, writes=how, secret=query_secret)
        status = (lambda: {"sources": runner.status()}) if runner is not None else None
        application = create_app(database, token=secret if not read_only else None, cors_origins=cors_origin or (),
                                 hub=hub, writer=runner.writer if runner else None, cache=not no_cache,
                                 max_queries=max_queries, budget_seconds=budget, ingest_roots=roots,
                                 max_upload_bytes=max_upload_mb << 20, query_secret=query_secret,
                                 status=status)  # fmt: skip
        shown = f"http://[{host}]:{bound}/" if ":" in host else f"http://{host}:{bound}/"
        mode = "writes enabled with bearer token" if secret and not read_only else "writes disabled"
        if not writes:
            mode += ", store opened read-only"
        err.print(f"serving {database.path} on {shown} (API docs at /docs; {mode})", markup=False, soft_wrap=True)
        err.file.flush()
        serve_forever(application, sock)
    finally:
        sock.close()
        if runner is not None:
            runner.stop()
        database.close()
        if owner is not None:  # after the file is free: a reader that finds no owner can open it itself
            owner.close()


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(serve)
