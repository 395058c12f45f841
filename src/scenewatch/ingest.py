"""The ingest loop: sources → names → store, one transaction per batch, resumable after a crash.

Small inputs (a folder of daily dumps) are coalesced: one transaction carries the rows of several files
together with each file's progress, so per-transaction costs are paid per 50,000 records, not per file.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
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
from scenewatch.parse_pool import PARSER_VERSION, parse_workers, parser_pool, prepare_announcements
from scenewatch.records import Announcement, NukeEvent, Reject
from scenewatch.sources import DumpSource, InputError, Source, SourceBatch, detect_format, expand_paths, load_rules
from scenewatch.sources.formats import FORMATS
from scenewatch.sources.lines import content_size
from scenewatch.store import Database, Progress, WriteResult
from scenewatch.store import batch as store_batch
from scenewatch.store.batch import PreparedBatch
from scenewatch.store.parquet import import_parquet, is_parquet_export

# Batches are committed together, about this many records a transaction (each still applied on its own, so the store
# is the same): fewer commits, and DuckDB writes appends of a row group (122,880 rows) or more straight to the file
# instead of through its log. 1M rows: 8-15% faster, 1.5 CPU-s less than one transaction a batch. 600,000 rather
# than 200,000 since schema 9: each commit leaves a partly filled row group that the closing checkpoint merged
# (the real slice into an empty store: 1.25-2.2 s of checkpoint at the end against 0.1 s).
_TRANSACTION_RECORDS = 600_000


@dataclass(slots=True)
class IngestSummary:
    """What an ingest read and changed.

    Every record read lands in exactly one of five buckets (:meth:`buckets`), so they sum to ``read``: it created a
    release (``inserted``), added a sighting (another feed or time) to a release already known, stored before or
    earlier in the same input (``seen_again``), repeated a sighting already stored (``duplicates``: same release,
    feed and time, in the input or in the store), was a nuke event of its own (``nuke_rows``), or was ``rejected``.
    ``nukes`` and ``sightings`` say what was stored (a nuke carried by an announcement counts there, not as a row).
    """

    files: int = 0
    files_skipped: int = 0
    read: int = 0
    inserted: int = 0
    seen_again: int = 0
    duplicates: int = 0
    nuke_rows: int = 0
    rejected: int = 0
    nukes: int = 0
    sightings: int = 0
    seconds: float = 0.0
    skipped_origins: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one line for each input that could not be read to its end

    @property
    def present(self) -> int:
        """Announcements of releases already known (seen again or duplicates)."""
        return self.seen_again + self.duplicates

    @property
    def rows_per_second(self) -> float:
        """Records read per second of wall time."""
        return self.read / self.seconds if self.seconds else 0.0

    def buckets(self) -> dict[str, int]:
        """Where every record read went, in the order people read them; the values sum to ``read``."""
        return {
            "inserted": self.inserted, "seen_again": self.seen_again, "duplicates": self.duplicates,
            "nuke_rows": self.nuke_rows, "rejected": self.rejected,
        }  # fmt: skip


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
    return db.write(announcements, parsed, nukes, origin=origin, progress=progress, parser_version=PARSER_VERSION)


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
        # The origins stay here: the worker's sightings say which row each came from (store.batch.with_origins).
        future = (
            self.pool.submit(prepare_announcements, store_batch.without_origins(pending.table()))
            if pending.announced
            else None
        )
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
        prepared = future.result() if future is not None else None
        if prepared is not None:
            prepared = store_batch.with_origins(prepared, pending.table().column("origin"))
        self._write(pending, prepared)

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
        # Each announcement is one sighting: a new one either created its release or was a release seen again.
        summary.inserted += result.releases_inserted
        summary.seen_again += result.sightings_inserted - result.releases_inserted
        summary.duplicates += pending.announced - result.sightings_inserted
        summary.nuke_rows += pending.standalone_nukes
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


@dataclass(frozen=True, slots=True)
class _Read:
    """One step of reading the inputs in turn: a batch, an input's end, or an input that ended early."""

    source: Source
    fingerprint: str
    batch: SourceBatch | None = None
    done: int = 0
    error: InputError | None = None


def _read_all(sources: Iterable[tuple[Source, str, int]], batch_size: int) -> Iterator[_Read]:
    """Every input's batches in turn, each input's end marked; an input that cannot be read to its end is marked so.

    One generator for all inputs, so that the read-ahead thread reads the next small file while this one is written.
    """
    for source, fingerprint, skip in sources:
        last = skip
        try:
            for batch in source.batches(skip=skip, batch_size=batch_size):
                last = batch.records_done
                yield _Read(source, fingerprint, batch)
        except InputError as exc:
            yield _Read(source, fingerprint, done=last, error=exc)
            continue
        yield _Read(source, fingerprint, done=last)


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

    With a pool, up to ``ahead`` batches are parsed and prepared while the main process reads and writes. An input
    that cannot be read to its end (:class:`InputError`: a truncated ``.gz``) keeps what was read of it, is noted in
    ``summary.failed`` and left incomplete (a later run tries it again); the other inputs are ingested as usual.
    """
    writer = _Writer(db, summary, batch_size, on_reject, pool, ahead)
    try:
        for step in read_ahead(_read_all(sources, batch_size)):
            origin = step.source.origin
            if step.batch is not None:
                done = step.batch.records_done
                if writer.add(step.batch, Progress(origin, step.fingerprint, done, complete=False)) and on_write:
                    on_write(origin, done)
                continue
            if step.error is not None:
                kept = f"kept the {step.done:,} records before it, skipped the rest" if step.done else "skipped"
                summary.failed.append(f"{step.error} ({kept})")
            # An empty batch carries the "complete" mark, written with the next transaction.
            progress = Progress(origin, step.fingerprint, step.done, complete=step.error is None)
            writer.add(SourceBatch(records_done=step.done), progress)
            if on_write:
                on_write(origin, step.done)
        writer.flush()
        writer.finish()
    except BaseException:
        # What was written lands (a source failing midway keeps the batches before it, as it always has).
        with contextlib.suppress(Exception):
            db.commit_prepared()
        raise
    db.commit_prepared()


@dataclass(slots=True)
class IngestInputs:
    """The inputs of an ingest, opened before anything is written (see :func:`open_inputs`)."""

    sources: list[DumpSource]
    exports: list[Path]  # `scenewatch export --parquet` folders
    failed: list[str]  # inputs that cannot be read at all (one line each), skipped

    @property
    def count(self) -> int:
        """How many inputs were named (files in folders counted one by one)."""
        return len(self.sources) + len(self.exports) + len(self.failed)


def open_inputs(
    paths: list[Path],
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    rules_file: Path | None = None,
    timezone: str | None = None,
) -> IngestInputs:
    """Find and open every input, so that a bad one fails before a database is opened or anything written.

    A missing path, an unknown ``--format``, a bad rule or time zone raises SourceError. An input that cannot be
    read (binary data, corrupt compression) is noted and skipped, unless no input can be read at all (then its
    error is raised, as for a single bad file).
    """
    exports = [path for path in paths if is_parquet_export(path)]
    files = expand_paths([path for path in paths if path not in exports])
    rules = {}  # the rules of each format, loaded once rather than for each of a folder's files
    sources: list[DumpSource] = []
    failed: list[InputError] = []
    for path in files:
        try:
            path = path.resolve()
            detected = fmt or detect_format(path)
            if detected not in rules and detected in FORMATS:
                rules[detected] = load_rules(detected, rules_file, timezone)
            sources.append(
                DumpSource(path, fmt=detected, mapping=mapping, rules=rules.get(detected))
            )
        except InputError as exc:
            failed.append(exc)
    if failed and not sources and not exports:
        raise failed[0]
    return IngestInputs(sources, exports, [f"{exc} (skipped)" for exc in failed])


def ingest_paths(
    db: Database,
    paths: list[Path] | IngestInputs,
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
    """Ingest files and folders of dumps (or inputs :func:`open_inputs` opened); finished files are skipped unless
    ``force``. Inputs that could not be read are listed in the summary's ``failed``; the others land."""
    started = time.perf_counter()
    if not isinstance(paths, IngestInputs):
        paths = open_inputs(paths, fmt=fmt, mapping=mapping, rules_file=rules_file, timezone=timezone)
    inputs = paths
    sources = inputs.sources
    summary = IngestSummary(files=inputs.count, failed=list(inputs.failed))
    for export in inputs.exports:
        import_parquet(db, export).add_to(summary)
    index_of = {source.origin: i for i, source in enumerate(sources)}
    done_before = {
        origin: Progress(origin, *rest)
        for origin, *rest in db.con.execute(
            "SELECT origin, fingerprint, records_done, complete FROM ingest_progress"
        ).fetchall()
    }  # read here, once: the plan runs in the read-ahead thread, and the connection is the writer's

    def plan() -> Iterable[tuple[Source, str, int]]:
        for source in sources:
            fingerprint = source.fingerprint()
            previous = done_before.get(source.origin)
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
            on_tick(IngestTick(origin, index_of[origin] + 1, len(sources), done, summary))

    # Parsing in a second process pays off only for inputs of several batches (of what the files hold decompressed:
    # 151 real nZEDb dumps, 11 MB of gzip, are 470,000 rows).
    large = sum(content_size(source.path) for source in sources) > 64 * batch_size * 10
    workers = parse_workers() if large else 0
    pool = parser_pool(workers)
    threads = db.scalar("SELECT current_setting('threads')")
    if pool is not None:
        # The workers keep the cores busy: DuckDB's own threads would only add overhead (1.2 CPU-s per 1M rows).
        db.con.execute("SET threads = 1").fetchall()

    def release_cores() -> None:
        if pool is not None:  # both steps may run twice
            pool.shutdown(cancel_futures=True)
            db.con.execute(f"SET threads = {int(threads)}").fetchall()

    try:
        # Two batches a worker: each has the next one queued while the main process writes.
        # A large input into an empty store: the releases' index is built once at the end (store.bulk).
        with db.bulk_memory() if pool is not None else contextlib.nullcontext(), \
                db.bulk_load() if pool is not None else contextlib.nullcontext():  # fmt: skip
            try:
                ingest_sources(
                    db, plan(), summary, batch_size=batch_size, on_reject=on_reject, on_write=on_write, pool=pool,
                    ahead=2 * workers,
                )  # fmt: skip
            finally:
                release_cores()  # the bulk load's end (the index, the merges) then runs on every core
    finally:
        release_cores()
    summary.seconds = time.perf_counter() - started
    if on_tick and sources:  # the last figure shown is the final count
        last = sources[-1].origin
        on_tick(IngestTick(last, len(sources), len(sources), 0, summary))
    return summary
