"""What an ingest shows people: a Rich progress bar (records, files, rows per second) and the closing summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scenewatch.ingest import IngestSummary, IngestTick

if TYPE_CHECKING:  # the archive brings httpx; an ingest of local files has no use for it
    from scenewatch.archive import PullTick


@contextmanager
def ingest_progress(console: Console, *, disable: bool = False) -> Iterator[Callable[[IngestTick], None]]:
    """Yield an ``on_tick`` callback that drives a progress bar over files, showing rows/s."""
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TextColumn("{task.fields[rate]:>9,.0f} rows/s"),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=False,
    )
    task = progress.add_task("ingest", total=None, rows=0, rate=0.0)
    started = False

    def on_tick(tick: IngestTick) -> None:
        nonlocal started
        if not started:  # nothing is drawn until work begins, so an early error prints alone
            progress.start()
            started = True
        progress.update(
            task,
            total=tick.file_count,
            completed=tick.file_index,
            rows=tick.summary.read,
            rate=tick.summary.rows_per_second,
        )

    try:
        yield on_tick
        if started:
            progress.update(task, completed=progress.tasks[0].total or 0)
    finally:
        if started:
            progress.stop()


@contextmanager
def pull_progress(console: Console, *, disable: bool = False) -> Iterator[Callable[[PullTick], None]]:
    """Yield an ``on_tick`` callback for one bar over a pull: files downloaded and ingested, bytes, rows."""
    progress = Progress(
        TextColumn("[bold]pull"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TextColumn("{task.fields[mib]:>9,.1f} MiB"),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=False,
    )
    task = progress.add_task("pull", total=None, mib=0.0, rows=0)
    started = False

    def on_tick(tick: PullTick) -> None:
        nonlocal started
        if not started:
            progress.start()
            started = True
        progress.update(task, total=tick.files, completed=tick.files_done, mib=tick.bytes / 2**20,
                        rows=tick.summary.ingest.read)  # fmt: skip

    try:
        yield on_tick
    finally:
        if started:
            progress.stop()


_BUCKET_LABELS = {"inserted": "inserted", "seen_again": "seen again", "duplicates": "duplicates",
                  "nuke_rows": "nuke rows", "rejected": "rejected"}  # fmt: skip


def summary_lines(summary: IngestSummary, releases_in_store: int) -> list[str]:
    """The closing summary: where every record read went (the figures sum to ``read``), then what was stored."""
    buckets = " + ".join(f"{_BUCKET_LABELS[key]} {count:,}" for key, count in summary.buckets().items())
    files = summary.files - summary.files_skipped - len(summary.failed)
    return [
        f"read {summary.read:,} = {buckets}",
        f"{files} of {summary.files} files, {summary.seconds:.1f} s, {summary.rows_per_second:,.0f} rows/s; "
        f"{summary.nukes:,} nuke events stored; {releases_in_store:,} releases in store",
    ]
