"""The ingest loop: sources → names → store, one transaction per batch, resumable after a crash.

Small inputs (a folder of daily dumps) are coalesced: one transaction carries the rows of several files
together with each file's progress, so per-transaction costs are paid per 50,000 records, not per file.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from scenewatch.names import parse_columns
from scenewatch.records import Announcement, NukeEvent, Reject
from scenewatch.reparse import parser_version
from scenewatch.sources import DumpSource, Source, SourceBatch, expand_paths
from scenewatch.store import Database, Progress, WriteResult
from scenewatch.store.parquet import import_parquet, is_parquet_export

_PARSER_VERSION = parser_version()


@dataclass(slots=True)
class IngestSummary:
    """What an ingest read and changed."""

    files: int = 0
    files_skipped: int = 0
    read: int = 0
    inserted: int = 0
    present: int = 0
    rejected: int = 0
    nukes: int = 0
    sightings: int = 0
    seconds: float = 0.0
    skipped_origins: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        """Records read per second of wall time."""
        return self.read / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class IngestTick:
    """Progress reported after each committed batch."""

    origin: str
    file_index: int
    file_count: int
    records_done: int
    summary: IngestSummary


def write_batch(
    db: Database,
    announcements: list[Announcement],
    nukes: list[NukeEvent],
    *,
    origin: str | list[str | None] | None,
    progress: Progress | list[Progress] | None = None,
    parsed: dict[str, Any] | None = None,
) -> WriteResult:
    """Parse the announcements' names (unless ``parsed`` is given) and write everything in one transaction."""
    if parsed is None and announcements:
        parsed = parse_columns([a.name for a in announcements], [a.section for a in announcements])
    return db.write(announcements, parsed, nukes, origin=origin, progress=progress, parser_version=_PARSER_VERSION)


def _parse_to_arrow(names: list[str], sections: list[str | None]) -> pa.Table:
    """Worker-side parse: columns as an Arrow table (cheap to send back between processes)."""
    from scenewatch.store.database import PARSED_COLUMNS

    columns = parse_columns(names, sections)
    return pa.table({key: pa.array(columns[key], kind) for key, kind in PARSED_COLUMNS.items()})


def parser_pool() -> ProcessPoolExecutor | None:
    """A one-process pool that parses names while the main process reads and writes (None on one core).

    ``SCENEWATCH_PARSE_WORKERS=0`` turns it off.
    """
    workers = int(os.environ.get("SCENEWATCH_PARSE_WORKERS", "1" if (os.cpu_count() or 1) > 1 else "0"))
    if workers <= 0:
        return None
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent, initargs=(os.getpid(),),
    )  # fmt: skip


def _exit_with_parent(parent: int) -> None:
    """Worker start-up: leave when the ingest process is gone (a SIGKILLed ingest must not leave an idle orphan)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@dataclass(slots=True)
class _Pending:
    """Batches waiting to be written together."""

    announcements: list[Announcement] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)
    nukes: list[NukeEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    progress: dict[str, Progress] = field(default_factory=dict)
    records: int = 0
    standalone_nukes: int = 0

    def add(self, batch: SourceBatch, origin: str, progress: Progress) -> None:
        self.announcements.extend(batch.announcements)
        self.origins.extend([origin] * len(batch.announcements))
        self.nukes.extend(batch.nukes)
        self.rejects.extend(batch.rejects)
        self.progress[origin] = progress
        self.records += len(batch.announcements) + len(batch.rejects) + len(batch.nukes)
        self.standalone_nukes += len(batch.nukes) - sum(1 for a in batch.announcements if a.nuke is not None)


class _Writer:
    """Accumulates source batches and writes them in transactions of about ``batch_size`` records.

    With a parser pool, batch k is parsed in the worker while the main process reads batch k+1 and
    writes batch k-1; writes stay in input order, so committed progress is always a prefix.
    """

    def __init__(
        self,
        db: Database,
        summary: IngestSummary,
        batch_size: int,
        on_reject: Callable[[Reject], None] | None,
        pool: ProcessPoolExecutor | None = None,
    ) -> None:
        self.db = db
        self.summary = summary
        self.batch_size = batch_size
        self.on_reject = on_reject
        self.pending = _Pending()
        self.pool = pool
        self.in_flight: tuple[_Pending, Future[pa.Table]] | None = None

    def add(self, batch: SourceBatch, progress: Progress) -> bool:
        """Queue a batch; write when enough has gathered. Return whether a write happened."""
        self.pending.add(batch, progress.origin, progress)
        if self.pending.records >= self.batch_size:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Send everything queued to be parsed and written (in order, one transaction per flush)."""
        pending, self.pending = self.pending, _Pending()
        if not pending.progress:
            return
        if self.pool is None or not pending.announcements:
            self._write(pending, None)
            return
        future = self.pool.submit(
            _parse_to_arrow, [a.name for a in pending.announcements], [a.section for a in pending.announcements]
        )
        self.finish()
        self.in_flight = (pending, future)

    def finish(self) -> None:
        """Write the batch still being parsed, if any."""
        if self.in_flight is not None:
            pending, future = self.in_flight
            self.in_flight = None
            table = future.result()
            self._write(pending, {name: table.column(name).combine_chunks() for name in table.column_names})

    def _write(self, pending: _Pending, parsed: dict[str, Any] | None) -> None:
        result = write_batch(
            self.db, pending.announcements, pending.nukes,
            origin=pending.origins, progress=list(pending.progress.values()), parsed=parsed,
        )  # fmt: skip
        summary = self.summary
        summary.read += len(pending.announcements) + len(pending.rejects) + pending.standalone_nukes
        summary.inserted += result.releases_inserted
        summary.present += result.releases_present
        summary.nukes += result.nukes_inserted
        summary.sightings += result.sightings_inserted
        summary.rejected += len(pending.rejects)
        if self.on_reject:
            for reject in pending.rejects:
                self.on_reject(reject)


def ingest_sources(
    db: Database,
    sources: Iterable[tuple[Source, str, int]],
    summary: IngestSummary,
    *,
    batch_size: int = 50_000,
    on_reject: Callable[[Reject], None] | None = None,
    on_write: Callable[[str, int], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> None:
    """Stream sources (each with its content fingerprint and records to skip) into the store."""
    writer = _Writer(db, summary, batch_size, on_reject, pool)
    for source, fingerprint, skip in sources:
        last = skip
        for batch in source.batches(skip=skip, batch_size=batch_size):
            last = batch.records_done
            if writer.add(batch, Progress(source.origin, fingerprint, last, complete=False)) and on_write:
                on_write(source.origin, last)
        # An empty batch carries the "complete" mark, written with the next transaction.
        writer.add(SourceBatch(records_done=last), Progress(source.origin, fingerprint, last, complete=True))
        if on_write:
            on_write(source.origin, last)
    writer.flush()
    writer.finish()


def ingest_paths(
    db: Database,
    paths: list[Path],
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    rules_file: Path | None = None,
    timezone: str | None = None,
    force: bool = False,
    batch_size: int = 50_000,
    on_reject: Callable[[Reject], None] | None = None,
    on_tick: Callable[[IngestTick], None] | None = None,
) -> IngestSummary:
    """Ingest files and folders of dumps; finished files are skipped unless ``force``."""
    started = time.perf_counter()
    exports = [path for path in paths if is_parquet_export(path)]  # `scenewatch export --parquet` folders
    files = expand_paths([path for path in paths if path not in exports])
    # Open every input first: an unknown format or bad rule fails before anything is written.
    sources = [
        DumpSource(path.resolve(), fmt=fmt, mapping=mapping, rules_file=rules_file, timezone=timezone) for path in files
    ]
    summary = IngestSummary(files=len(files) + len(exports))
    for export in exports:
        import_parquet(db, export).add_to(summary)
    index_of = {source.origin: i for i, source in enumerate(sources)}

    def plan() -> Iterable[tuple[Source, str, int]]:
        for source in sources:
            fingerprint = source.fingerprint()
            previous = db.progress(source.origin)
            skip = 0
            if previous is not None and previous.fingerprint == fingerprint and not force:
                if previous.complete:
                    summary.files_skipped += 1
                    summary.skipped_origins.append(source.origin)
                    continue
                skip = previous.records_done
            yield source, fingerprint, skip

    def on_write(origin: str, done: int) -> None:
        if on_tick:
            summary.seconds = time.perf_counter() - started
            on_tick(IngestTick(origin, index_of[origin] + 1, len(files), done, summary))

    # Parsing in a second process pays off only for inputs of several batches.
    large = sum(p.stat().st_size for p in files) > 64 * batch_size * 10
    pool = parser_pool() if large else None
    try:
        ingest_sources(db, plan(), summary, batch_size=batch_size, on_reject=on_reject, on_write=on_write, pool=pool)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary.seconds = time.perf_counter() - started
    return summary
