"""`scenewatch retail`: retail dates of stored titles, looked up on xREL and kept in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scenewatch.cli.common import DbOption, JsonFlag, UsageError, err, open_db, out, show

retail_app = typer.Typer(help="Retail dates from xREL, kept in the store for `scenewatch leaks`.", no_args_is_help=True)


@retail_app.command("pull")
def pull_command(
    db: DbOption = None,
    kinds: Annotated[str, typer.Option("--kinds", help="Release categories to look up.")] = "movie,tv,game",
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Titles to look up in this run, most released first (0: all).")
    ] = 200,
    config: Annotated[
        Path | None, typer.Option("--config", help="Listen config whose \\[presets.xrel] overrides apply.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per title.")] = False,
) -> None:
    """Look up stored movie, TV and game titles on xREL (search, then ext_info) and store their retail dates by
    type and country, with xREL's ids and the fetch time. Rate-limited (900 calls / h, 2 searches / 5 s); resumable:
    a title looked up (found or not) is never asked again."""
    from scenewatch.live.config import load_config
    from scenewatch.retail import pull_retail
    from scenewatch.sources.live.presets import find_preset
    from scenewatch.sources.xrel_retail import XrelRetail
    from scenewatch.store.retail import retail_counts

    overrides: dict[str, Any] = {}
    scale = 1.0
    if config is not None:
        settings = load_config(config, ["xrel"])
        overrides, scale = settings.presets, settings.time_scale
    spec = find_preset("xrel", overrides)
    assert spec is not None
    wanted = [k.strip() for k in kinds.split(",") if k.strip()]
    if not wanted:
        raise UsageError("--kinds: name at least one category (movie, tv, game)")
    client = XrelRetail(spec, time_scale=scale)

    def on_title(summary: Any, title: str) -> None:
        if not quiet:
            err.print(f"{summary.looked_up:>5,}  {title}  ({summary.found:,} found, {summary.dates:,} dates)",
                      markup=False, highlight=False)  # fmt: skip

    with open_db(db) as database:
        summary = pull_retail(database, client, kinds=wanted, limit=limit or None, on_title=on_title)
        counts = retail_counts(database)
    out.print(
        f"looked up {summary.looked_up:,} titles on xREL ({summary.requests:,} requests, {summary.seconds:.1f} s): "
        f"{summary.found:,} found, {summary.dates:,} retail dates; {summary.remaining:,} titles left. "
        f"The store holds {counts['dates']:,} retail dates of {counts['found']:,} titles.",
        highlight=False,
    )


@retail_app.command("list")
def list_command(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """The retail dates in the store."""
    from scenewatch.store.retail import stored_retail

    with open_db(db, read_only=True) as database:
        frame = stored_retail(database).drop(columns=["key"])
    show(frame, as_json, False, "retail dates")


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.add_typer(retail_app, name="retail")
