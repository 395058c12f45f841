"""`scenewatch export --parquet DIR`: the whole store as partitioned Parquet (read back by `scenewatch ingest DIR`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli_common import DbOption, UsageError, err, open_db, out


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to the CLI."""
    app.command()(export)


def export(
    parquet: Annotated[
        Path | None,
        typer.Option("--parquet", help="Folder to write (empty, new, or an earlier export, which is replaced)."),
    ] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the row counts as JSON.")] = False,
) -> None:
    """Export the store as Parquet: releases partitioned by year/month of pre time, plus nukes, sightings,
    events, gaps and a manifest.json. Load it back (idempotently) with `scenewatch ingest DIR`; DuckDB,
    ClickHouse/chDB and Spark read it directly (see docs/scaling.md).
    """
    from scenewatch.store.parquet import export_parquet

    if parquet is None:
        raise UsageError("export: say where, e.g. --parquet ./export (Parquet is the only export format)")
    with open_db(db, read_only=True) as database:
        result = export_parquet(database, parquet)
    if as_json:
        out.print_json(json.dumps({"path": str(result.path), "rows": result.rows, "bytes": result.bytes}))
        return
    counts = "  ".join(f"{table} {rows:,}" for table, rows in result.rows.items())
    err.print(f"exported to {result.path}: {counts} ({result.bytes / 2**20:,.1f} MiB)", markup=False)
