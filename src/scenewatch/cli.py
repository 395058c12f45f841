"""The scenewatch command line: a thin layer over the Python API (Typer + Rich)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from scenewatch import __version__
from scenewatch.analysis import volume as volume_table
from scenewatch.cli_common import (
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    analysis_source,
    err,
    open_db,
    out,
    parse_day,
)
from scenewatch.output import emit, output_format
from scenewatch.progress import ingest_progress
from scenewatch.records import Reject
from scenewatch.sources import SourceError, parse_mapping
from scenewatch.store import StoreError

app = typer.Typer(
    name="scenewatch",
    help="Scene release intelligence: ingest predb announcements, parse names, measure volumes and events.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"scenewatch {__version__}")
        raise typer.Exit()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Dump files or folders (plain, .gz or .zst).")],
    db: DbOption = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv, ndjson, sql or nzedb [default: detected].")] = None,
    mapping: Annotated[
        str | None, typer.Option("--map", help="Column mapping, e.g. name=release,pre_at=pretime.")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone of naive timestamps [default: per format].")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="TOML file of ingest rules (zones, feeds).")] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Write every rejected line here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Read files again even if already ingested.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=100, help="Records per batch (a transaction holds ~200,000).")
    ] = 50_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Load bulk dumps (CSV, NDJSON, SQL, nZEDb) idempotently; safe to interrupt and run again."""
    from scenewatch.ingest import ingest_paths

    column_map = parse_mapping(mapping)
    shown = 0
    reject_file = rejects.open("w", encoding="utf-8") if rejects else None

    def on_reject(reject: Reject) -> None:
        nonlocal shown
        if reject_file:
            reject_file.write(f"{reject}\n")
        if shown < 10:
            sys.stderr.write(f"rejected {reject}\n")
        shown += 1

    with open_db(db) as database:
        with ingest_progress(err, disable=quiet) as on_tick:
            summary = ingest_paths(
                database, paths, fmt=fmt, mapping=column_map, rules_file=rules, timezone=tz, force=force,
                batch_size=batch_size, on_reject=on_reject, on_tick=on_tick,
            )  # fmt: skip
        total = database.count_releases()
    if reject_file:
        reject_file.close()
    if summary.rejected > shown:
        err.print(f"… {summary.rejected - 10:,} more rejected lines" + (f" (all in {rejects})" if rejects else ""))
    for origin in summary.skipped_origins[:5]:
        err.print(f"skipped {origin}: already ingested (use --force to read it again)", markup=False)
    out.print(
        f"read {summary.read:,}  inserted {summary.inserted:,}  already present {summary.present:,}  "
        f"rejected {summary.rejected:,}  nuke events {summary.nukes:,}  "
        f"({summary.files - summary.files_skipped} of {summary.files} files, "
        f"{summary.seconds:.1f} s, {summary.rows_per_second:,.0f} rows/s; {total:,} releases in store)"
    )


@app.command()
def volume(
    db: DbOption = None,
    by: Annotated[str, typer.Option("--by", help="day, week (Monday-based) or month.")] = "day",
    split: Annotated[str | None, typer.Option("--split", help="category, section or group.")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    group: Annotated[str | None, typer.Option("--group")] = None,
    section: Annotated[str | None, typer.Option("--section")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last UTC day, inclusive.")] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Releases per day, week or month, optionally split and filtered."""
    filters = {"category": category, "group": group, "section": section,
               "since": parse_day(since, "--since"), "until": parse_day(until, "--until")}  # fmt: skip
    with analysis_source(db, parquet) as source:
        frame = volume_table(source, by, split, **filters)  # type: ignore[arg-type]
    emit(out, frame, output_format(as_json, as_csv), title=f"releases per {by}")


@app.command()
def parse(
    names: Annotated[list[str], typer.Argument(help="Release names, or - to read them from stdin.")],
    section: Annotated[str | None, typer.Option("--section", help="Announced section, as a hint.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Parse release names into fields."""
    import orjson

    from scenewatch.names import format_rows, parse_many

    if names == ["-"]:
        names = [line.strip() for line in sys.stdin if line.strip()]
    rows = format_rows(parse_many(names, [section] * len(names)))
    if as_json:
        out.file.write(orjson.dumps(rows).decode() + "\n")
        return
    from rich.table import Table

    for row in rows:
        out.print(f"[bold]{row.pop('name')}[/]", highlight=False, soft_wrap=True)
        table = Table(show_header=False)
        for key, value in row.items():
            table.add_row(key, ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value))
        out.print(table)


@app.command()
def simulate(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="Output file (.ndjson, .csv, optionally .gz).")],
    start: Annotated[str, typer.Option("--start")] = "2019-01-01",
    end: Annotated[str, typer.Option("--end")] = "2021-01-31",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    scale: Annotated[float, typer.Option("--scale", min=0.001, help="1.0 ≈ 1,800 releases a day.")] = 1.0,
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Planted event, e.g. 2020-08-25:raid or 2020-03-10:outage:36h.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="ndjson or csv [default: from OUT].")] = None,
) -> None:
    """Write realistic synthetic announcements with planted events (and a .truth.json beside them)."""
    from scenewatch.simulate import run_cli

    summary = run_cli(
        out_path, parse_day(start, "--start"), parse_day(end, "--end"), seed, scale,
        event if event is not None else ["2020-08-25:raid"], fmt,
    )  # fmt: skip
    out.print(str(summary))


@app.command()
def reparse(
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Re-parse every release, not only stale ones.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Re-parse stored release names after a parser upgrade (only rows parsed by another version)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from scenewatch.reparse import reparse as reparse_store

    with open_db(db) as database:
        progress = Progress(
            "[bold]reparse", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=quiet
        )
        task = progress.add_task("reparse", total=None)
        with progress:
            count = reparse_store(
                database, force=force, on_batch=lambda done, total: progress.update(task, completed=done, total=total)
            )
    out.print(f"re-parsed {count:,} releases" if count else "every release is parsed by the current parser")


@app.command()
def report(
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("scenewatch-report.html"),
    db: DbOption = None,
    event: Annotated[str | None, typer.Option("--event", help="Date of the event to mark (YYYY-MM-DD).")] = None,
) -> None:
    """Write a self-contained HTML report with charts."""
    from scenewatch.report import write_report

    with open_db(db, read_only=True) as database:
        path = write_report(database, out_file, event=parse_day(event, "--event"))
    out.print(f"report written to {path}")


@app.command()
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
    emit(out, pd.DataFrame(frame), output_format(as_json, False), title="store")


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes its files.")] = Path(
        "scenewatch-demo"
    ),
    scale: Annotated[float, typer.Option("--scale", min=0.01, help="Simulated volume (1.0 ≈ 1,800/day).")] = 0.4,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """Simulate two years with a planted raid, ingest it, summarise, and write an HTML report."""
    from scenewatch.demo import run_demo

    run_demo(directory, scale=scale, seed=seed, console=out, progress_console=err)


# Command groups live in their own modules and register themselves, like built-in plugins.
COMMAND_MODULES = (
    "scenewatch.cli_analysis",
    "scenewatch.cli_race",
    "scenewatch.cli_live",
    "scenewatch.cli_web",
    "scenewatch.cli_scale",
)
for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Entry point: run the app and turn expected failures into one clean line."""
    try:
        app()
    except (SourceError, StoreError, UsageError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted: committed batches are kept; run the same command again to resume")
        sys.exit(130)
