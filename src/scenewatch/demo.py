"""The demo: two simulated years with a planted raid, ingested, summarised and reported."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from scenewatch.analysis import silent_groups
from scenewatch.ingest import ingest_paths
from scenewatch.output import OutputFormat, emit
from scenewatch.progress import ingest_progress, summary_lines
from scenewatch.report import write_report
from scenewatch.report.html import event_window_table
from scenewatch.store import Database

DEMO_EVENT = date(2020, 8, 25)


def run_demo(
    directory: Path, *, scale: float = 0.4, seed: int = 42, console: Console, progress_console: Console
) -> Path:
    """Run the whole demo in ``directory`` (replacing an earlier demo there); return the report path."""
    from scenewatch.simulate import run_cli

    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    dump = directory / "simulated.ndjson.gz"
    db_path = directory / "demo.duckdb"
    for stale in (db_path, Path(f"{db_path}.wal")):
        stale.unlink(missing_ok=True)

    console.print(f"[bold]1. simulate[/] 2019-01-01 … 2021-01-31, scale {scale}, raid planted on {DEMO_EVENT}")
    summary = run_cli(dump, date(2019, 1, 1), date(2021, 1, 31), seed, scale, [f"{DEMO_EVENT}:raid"], None)
    console.print(f"   {summary.rows:,} announcements → {dump} ({summary.seconds:.1f} s)")

    console.print("[bold]2. ingest[/] into the embedded database " + str(db_path))
    with Database(db_path) as db:
        with ingest_progress(progress_console) as on_tick:
            result = ingest_paths(db, [dump], on_tick=on_tick)
        for line in summary_lines(result, db.count_releases()):
            console.print(f"   {line}", markup=False, highlight=False)

        console.print(f"[bold]3. releases per category per week around {DEMO_EVENT}[/]")
        window = event_window_table(db, DEMO_EVENT, weeks=3)
        # weeks as short column heads (Monday of each), categories as rows: the table fits 80 columns
        window.columns = ["category", *(f"{date.fromisoformat(c):%b %d}" for c in window.columns[1:])]
        emit(console, window, OutputFormat.TABLE, title="releases in the week of (Monday)")

        silent = silent_groups(db, DEMO_EVENT)
        console.print(f"[bold]4. groups that went silent after {DEMO_EVENT}[/] ({len(silent)} groups)")
        shown = silent.head(12)[["group", "releases_before", "last_pre", "main_category"]]
        emit(console, shown, OutputFormat.TABLE)

        report = write_report(db, directory / "report.html", event=DEMO_EVENT, title="scenewatch demo report")
    console.print(f"[bold]5. report[/] written to {report.resolve()}")
    console.print(f"done in {time.perf_counter() - started:.0f} s; explore with: scenewatch volume --db {db_path}")
    return report


def weeks_around(event: date, weeks: int) -> tuple[date, date]:
    """Monday of the week ``weeks`` before the event's week, and the Sunday ``weeks`` after it."""
    monday = event - timedelta(days=event.weekday())
    return monday - timedelta(weeks=weeks), monday + timedelta(weeks=weeks, days=-1)
