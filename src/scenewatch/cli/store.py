"""The store's commands: ingest dumps, re-parse after a parser upgrade, say what it holds, export it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    JsonFlag,
    UsageError,
    err,
    open_db,
    out,
    serving_reads,
    show,
)
from scenewatch.progress import ingest_progress, summary_lines
from scenewatch.records import Reject
from scenewatch.sources import parse_mapping

# A write running longer than this serves reads of the store to other commands meanwhile (see cli.common).
READS_AFTER_SECONDS = 2.0


def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(help="Dump files or folders (plain, .gz or .zst), or https:// URLs of dump files or of an index "
                       "listing them (downloaded with resume, ingested as they arrive)."),
    ],
    db: DbOption = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, ndjson, sql or nzedb \\[default: detected].")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option("--map", help="Column mapping, e.g. name=release,pre_at=pretime.")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone of naive timestamps \\[default: per format].")
    ] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="TOML file of ingest rules (zones, feeds).")] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Write every rejected line here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Read files again even if already ingested.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=100, help="Records per batch (a transaction holds ~600,000).")
    ] = 50_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    download_dir: Annotated[
        Path | None, typer.Option("--download-dir", help="Where URLs are downloaded to \\[default: beside --db].")
    ] = None,
) -> None:
    """Load bulk dumps (CSV, NDJSON, SQL, nZEDb) idempotently; safe to interrupt and run again.

    While a long ingest runs, the read commands (volume, gaps, info …) answer through it.

    A damaged input (a truncated .gz) is reported and skipped, the rest ingested; exit code 1.
    """
    from scenewatch.ingest import ingest_paths, open_inputs

    urls = [p for p in paths if p.lower().startswith(("http://", "https://"))]
    if urls:
        from scenewatch.cli.archive import pull_command

        pull_command(urls, db=db, download_dir=download_dir, fmt=fmt, quiet=quiet, force=force,
                     ingest={"mapping": parse_mapping(mapping), "rules_file": rules, "timezone": tz,
                             "batch_size": batch_size})  # fmt: skip
        if len(urls) == len(paths):
            return
    local = [Path(p) for p in paths if p not in urls]

    column_map = parse_mapping(mapping)
    # Every input is found and opened first: a missing file fails before a database file is created.
    inputs = open_inputs(local, fmt=fmt, mapping=column_map, rules_file=rules, timezone=tz)
    shown = 0
    reject_file = rejects.open("w", encoding="utf-8") if rejects else None

    def on_reject(reject: Reject) -> None:
        nonlocal shown
        if reject_file:
            reject_file.write(f"{reject}\n")
        if shown < 10:
            sys.stderr.write(f"rejected {reject}\n")
        shown += 1

    with open_db(db) as database, serving_reads(database, "ingest", after=READS_AFTER_SECONDS):
        with ingest_progress(err, disable=quiet) as on_tick:
            summary = ingest_paths(
                database, inputs, force=force, batch_size=batch_size, on_reject=on_reject, on_tick=on_tick
            )
        total = database.count_releases()
    if reject_file:
        reject_file.close()
    if summary.rejected > shown:
        err.print(f"… {summary.rejected - 10:,} more rejected lines" + (f" (all in {rejects})" if rejects else ""))
    for origin in summary.skipped_origins[:5]:
        err.print(f"skipped {origin}: already ingested (use --force to read it again)", markup=False)
    for failure in summary.failed:
        sys.stderr.write(f"error: {failure}\n")
    for line in summary_lines(summary, total):
        out.print(line, markup=False, highlight=False)
    if summary.failed:
        raise typer.Exit(1)


def reparse(
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Re-parse every release, not only stale ones.")] = False,
    prior: Annotated[
        bool, typer.Option("--prior", help="Also re-parse section-less releases of groups the store's prior moves.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Re-parse stored release names after a parser upgrade (only rows parsed by another version).

    Names are parsed with the store's group prior (`scenewatch prior`).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from scenewatch.reparse import reparse as reparse_store

    with open_db(db) as database, serving_reads(database, "reparse", after=READS_AFTER_SECONDS):
        progress = Progress(
            "[bold]reparse", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=quiet
        )
        task = progress.add_task("reparse", total=None)
        with progress:
            count = reparse_store(
                database,
                force=force,
                prior_changed=prior,
                on_batch=lambda done, total: progress.update(task, completed=done, total=total),
            )
    out.print(f"re-parsed {count:,} releases" if count else "every release is parsed by the current parser")


def info(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """What the database holds."""
    import pandas as pd

    with open_db(db, read_only=True) as database:
        frame = database.query(
            """SELECT (SELECT count(*) FROM releases) AS releases,
                      (SELECT count(*) FROM releases WHERE scene AND pre_at IS NOT NULL) AS counted,
                      (SELECT count(*) FROM sightings) AS sightings,
                      (SELECT count(*) FROM nukes) AS nuke_events,
                      (SELECT min(pre_at) FROM releases) AS first_pre,
                      (SELECT max(pre_at) FROM releases) AS last_pre,
                      (SELECT count(*) FROM ingest_progress WHERE complete) AS inputs_ingested"""
        )
        frame.insert(0, "database", database.path)
        frame.insert(1, "schema_version", database.schema_version)
    show(pd.DataFrame(frame), as_json, False, "store")


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



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(ingest)
    app.command()(reparse)
    app.command()(info)
    app.command()(export)
