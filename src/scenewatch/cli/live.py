"""`scenewatch listen`: live IRC channels, predb APIs and websocket feeds into the store."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    err,
    open_db,
    out,
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per write.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log connections and errors.")] = False,
) -> None:
    """Listen to live feeds and store announcements as they come (this process owns the database).

    Several sources merge into one store, one sighting per feed. Every outage (source down, listener killed or
    stopped) and every stretch a catch-up could not reach (a provider's page cap, a long rate limit) is recorded as a
    gap with its reason; `scenewatch sources --db DB` shows each source's state meanwhile; Ctrl-C stops cleanly.
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
    try:
        runner = run_live(
            database,
            settings.sources,
            on_batch,
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
