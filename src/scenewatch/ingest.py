"""The ingest loop: sources → names → store, one transaction per batch, resumable after a crash.

Small inputs (a folder of daily dumps) are coalesced: one transaction carries the rows of several files
together with each file's progress, so per-transaction costs are paid per 50,000 records, not per file.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from scenewatch.columnar import ANNOUNCEMENT_SCHEMA, announcement_table, nuke_table
from scenewatch.names import parse_columns
from scenewatch.records import Announcement, NukeEvent, Reject
from scenewatch.reparse import parser_version
from scenewatch.sources import DumpSource, Source, SourceBatch, expand_paths
from scenewatch.store import Database, Progress, WriteResult
from scenewatch.store import batch as store_batch
from scenewatch.store.batch import PreparedBatch
from scenewatch.store.parquet import import_parquet, is_parquet_export

_PARSER_VERSION = parser_version()
# Batches are committed together, about this many records a transaction (each still applied on its own, so the store
# is the same): fewer commits, and DuckDB writes appends of a row group (122,880 rows) or more straight to the file
# instead of through its log. 1M rows: 8-15% faster, 1.5 CPU-s less than one transaction a batch.
_TRANSACTION_RECORDS = 200_000


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


def prepare_announcements(table: pa.Table, con: Any = None) -> PreparedBatch:
    """Parse the names of announcements given as columns and prepare them for the store.

    This is a parse worker's job (``con`` None: the worker's own in-memory DuckDB); the result crosses back to the
    writing process as Arrow tables.
    """
    names = table.column("name").to_pylist()
    parsed = parse_columns(names, table.column("section").to_pylist())
    staging = store_batch.with_parsed(table, parsed, _PARSER_VERSION, names)
    return store_batch.prepare(con if con is not None else store_batch.worker_connection(), staging)


def parse_workers() -> int:
    """How many processes parse names while the main process reads and writes (0: parse in the main process).

    One per core, up to four (past that the single writer is the bottleneck); ``SCENEWATCH_PARSE_WORKERS`` overrides.
    """
    cores = os.cpu_count() or 1
    default = min(cores, 4) if cores > 1 else 0
    return max(0, int(os.environ.get("SCENEWATCH_PARSE_WORKERS", default)))


def parser_pool(workers: int | None = None) -> ProcessPoolExecutor | None:
    """A pool of processes that parse names while the main process reads and writes (None: no workers)."""
    workers = parse_workers() if workers is None else workers
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

    tables: list[pa.Table] = field(default_factory=list)
    nukes: list[NukeEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    progress: dict[str, Progress] = field(default_factory=dict)
    announced: int = 0
    records: int = 0
    standalone_nukes: int = 0

    def add(self, batch: SourceBatch, origin: str, progress: Progress) -> None:
        announced = batch.announced()
        if batch.table is not None:
            self.tables.append(batch.table)
        elif announced:
            self.tables.append(announcement_table(batch.announcements, origin))
        self.announced += announced
        self.nukes.extend(batch.nukes)
        self.rejects.extend(batch.rejects)
        self.progress[origin] = progress
        self.records += announced + len(batch.rejects) + len(batch.nukes)
        self.standalone_nukes += batch.standalone_nukes()

    def table(self) -> pa.Table:
        """Every announcement queued, as one table in input order."""
        if len(self.tables) == 1:
            return self.tables[0]
        return pa.concat_tables(self.tables) if self.tables else ANNOUNCEMENT_SCHEMA.empty_table()


class _Writer:
    """Accumulates source batches and writes them in transactions of about ``batch_size`` records.

    With a parser pool, the workers parse and prepare the next batches while the main process reads further and
    writes the oldest one; writes stay in input order, so committed progress is always a prefix.
    """

    def __init__(
        self,
        db: Database,
        summary: IngestSummary,
        batch_size: int,
        on_reject: Callable[[Reject], None] | None,
        pool: ProcessPoolExecutor | None = None,
        ahead: int = 2,
    ) -> None:
        self.db = db
        self.summary = summary
        self.batch_size = batch_size
        self.on_reject = on_reject
        self.pending = _Pending()
        self.pool = pool
        self.ahead = ahead
        self.in_flight: collections.deque[tuple[_Pending, Future[PreparedBatch] | None]] = collections.deque()
        self.uncommitted = 0  # records written since the last commit

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
        if self.pool is None:
            prepared = prepare_announcements(pending.table(), self.db.con) if pending.announced else None
            self._write(pending, prepared)
            return
        future = self.pool.submit(prepare_announcements, pending.table()) if pending.announced else None
        self.in_flight.append((pending, future))
        # Write whatever is ready; wait for the oldest only when far enough ahead.
        while self.in_flight:
            head = self.in_flight[0][1]
            if len(self.in_flight) <= self.ahead and head is not None and not head.done():
                break
            self._write_head()

    def finish(self) -> None:
        """Write the batches still being parsed, in order."""
        while self.in_flight:
            self._write_head()

    def _write_head(self) -> None:
        pending, future = self.in_flight.popleft()
        self._write(pending, future.result() if future is not None else None)

    def _write(self, pending: _Pending, prepared: PreparedBatch | None) -> None:
        if prepared is not None:
            prepared = dataclasses.replace(prepared, table=pending.table())  # for a publishing Database (web)
        self.uncommitted += pending.records
        commit = self.uncommitted >= _TRANSACTION_RECORDS
        if commit:
            self.uncommitted = 0
        result = self.db.write_prepared(
            prepared, nuke_table(pending.nukes), list(pending.progress.values()), commit=commit
        )
        summary = self.summary
        summary.read += pending.announced + len(pending.rejects) + pending.standalone_nukes
        summary.inserted += result.releases_inserted
        summary.present += result.releases_present
        summary.nukes += result.nukes_inserted
        summary.sightings += result.sightings_inserted
        summary.rejected += len(pending.rejects)
        if self.on_reject:
            for reject in pending.rejects:
                self.on_reject(reject)


def read_ahead(batches: Iterator[SourceBatch], depth: int = 2) -> Iterator[SourceBatch]:
    """The same batches, read up to ``depth`` ahead in a thread.

    Why: the JSON reader, Arrow and DuckDB release the GIL, so the next batch is read while this one is written;
    without it the main process reads and writes in turn and is the bottleneck of a bulk ingest.
    """
    queue_: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                queue_.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for batch in batches:
                if not put(("batch", batch)):
                    break
            else:
                put(("end", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))
        finally:
            close = getattr(batches, "close", None)  # a generator stopped early closes its file here
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="scenewatch-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue_.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def ingest_sources(
    db: Database,
    sources: Iterable[tuple[Source, str, int]],
    summary: IngestSummary,
    *,
    batch_size: int = 50_000,
    on_reject: Callable[[Reject], None] | None = None,
    on_write: Callable[[str, int], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
    ahead: int = 2,
) -> None:
    """Stream sources (each with its content fingerprint and records to skip) into the store.

    With a pool, up to ``ahead`` batches are parsed and prepared while the main process reads and writes.
    """
    writer = _Writer(db, summary, batch_size, on_reject, pool, ahead)
    try:
        for source, fingerprint, skip in sources:
            last = skip
            for batch in read_ahead(source.batches(skip=skip, batch_size=batch_size)):
                last = batch.records_done
                if writer.add(batch, Progress(source.origin, fingerprint, last, complete=False)) and on_write:
                    on_write(source.origin, last)
            # An empty batch carries the "complete" mark, written with the next transaction.
            writer.add(SourceBatch(records_done=last), Progress(source.origin, fingerprint, last, complete=True))
            if on_write:
                on_write(source.origin, last)
        writer.flush()
        writer.finish()
    except BaseException:
        # What was written lands (a source failing midway keeps the batches before it, as it always has).
        with contextlib.suppress(Exception):
            db.commit_prepared()
        raise
    db.commit_prepared()


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
    workers = parse_workers() if large else 0
    pool = parser_pool(workers)
    threads = db.scalar("SELECT current_setting('threads')")
    if pool is not None:
        # The workers keep the cores busy: DuckDB's own threads would only add overhead (1.2 CPU-s per 1M rows).
        db.con.execute("SET threads = 1").fetchall()
    try:
        # Two batches a worker: each has the next one queued while the main process writes.
        # A large input into an empty store: the releases' index is built once at the end (store.bulk).
        with db.bulk_memory() if pool is not None else contextlib.nullcontext(), \
                db.bulk_load() if pool is not None else contextlib.nullcontext():  # fmt: skip
            ingest_sources(
                db, plan(), summary, batch_size=batch_size, on_reject=on_reject, on_write=on_write, pool=pool,
                ahead=2 * workers,
            )  # fmt: skip
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
            db.con.execute(f"SET threads = {int(threads)}").fetchall()
    summary.seconds = time.perf_counter() - started
    return summary
