"""`scenewatch listen`: live IRC channels, predb APIs and websocket feeds into the store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from scenewatch.cli.common import (
    DbOption,
    err,
    open_db,
    out,
    serving_reads,
)


def listen(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="Presets (predb.net, predb.club, xrel, xrel-p2p, srrdb: see `scenewatch sources`) and/or "
                       "irc://HOST[:PORT]/#chan[,#chan2], ircs://…, http(s)://… (predb.ovh-style API), ws(s)://…"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML file of networks, APIs, feeds, line formats and preset overrides."),
    ] = None,
    db: DbOption = None,
    flush_seconds: Annotated[
        float | None, typer.Option("--flush-seconds", min=0.05, help="Longest buffering before a write \\[1.0].")
    ] = None,
    flush_events: Annotated[
        int | None, typer.Option("--flush-events", min=1, help="Buffered events that force a write \\[500].")
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Loopback port where other commands' reads are answered "
                          "while this runs (0 picks a free one; it is written to DB.owner).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per write.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log connections and errors.")] = False,
) -> None:
    """Listen to live feeds and store announcements as they come (this process owns the database).

    Several sources merge into one store, one sighting per feed. Every outage (source down, listener killed or
    stopped) and every stretch a catch-up could not reach (a provider's page cap, a long rate limit) is recorded as a
    gap with its reason; `scenewatch sources --db DB` shows each source's state meanwhile; Ctrl-C stops cleanly.
    Meanwhile the read commands (volume, gaps, info …) answer through this process, and its read API (the same as
    `scenewatch serve`'s, without writes) listens on 127.0.0.1 (--port).
    """
    from scenewatch.live import load_config, run_live
    from scenewatch.store.writer import FlushInfo

    settings = load_config(config, list(urls or []))
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    def on_batch(info: FlushInfo) -> None:
        if quiet:
            return
        line = f"{info.at:%H:%M:%S} stored {len(info.announcements)} announcements ({info.inserted} new)"
        if info.nukes:
            line += f", {len(info.nukes)} nuke events"
        for gap in info.gaps:
            line += f"; gap {gap.source} {gap.start:%H:%M:%S}-{gap.end:%H:%M:%S} ({gap.reason})"
        out.print(line, highlight=False)
        out.file.flush()

    database = open_db(db)
    for source in settings.sources:
        err.print(f"listening to {source.origin}", highlight=False)

    @contextmanager
    def reads(runner: Any) -> Iterator[None]:
        with serving_reads(database, "listen", writer=runner.writer, status=lambda: {"sources": runner.status()},
                           port=port) as service:  # fmt: skip
            if service.url:
                err.print(f"answering reads at {service.url}/ (API docs at /docs)", markup=False, highlight=False)
                err.file.flush()
            yield

    try:
        runner = run_live(
            database,
            settings.sources,
            on_batch,
            serving=reads,
            flush_events=flush_events or settings.flush_events,
            flush_seconds=flush_seconds or settings.flush_seconds,
        )
    finally:
        database.close()
    for status in runner.status():
        err.print(
            f"{status['origin']}: {status['announcements']} announcements, {status['nukes']} nukes, "
            f"{status['malformed']} malformed, {status['connects']} connects, {status['disconnects']} disconnects",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(listen)
