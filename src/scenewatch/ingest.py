"""The ingest loop: sources → names → store, one transaction per batch, resumable after a crash."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scenewatch.names import parse_columns
from scenewatch.records import Reject
from scenewatch.sources import DumpSource, Source, SourceBatch, expand_paths
from scenewatch.store import Database, Progress, WriteResult


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


def write_batch(db: Database, batch: SourceBatch, origin: str, progress: Progress | None) -> WriteResult:
    """Parse the batch's names and write it, with the source's progress, in one transaction."""
    names = [a.name for a in batch.announcements]
    sections = [a.section for a in batch.announcements]
    parsed = parse_columns(names, sections) if names else None
    return db.write(batch.announcements, parsed, batch.nukes, origin=origin, progress=progress)


def ingest_source(
    db: Database,
    source: Source,
    summary: IngestSummary,
    *,
    fingerprint: str,
    skip: int = 0,
    batch_size: int = 50_000,
    on_reject: Callable[[Reject], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Stream one source into the store, committing its position with every batch."""
    last = skip
    for batch in source.batches(skip=skip, batch_size=batch_size):
        progress = Progress(source.origin, fingerprint, batch.records_done, complete=False)
        result = write_batch(db, batch, source.origin, progress)
        summary.read += len(batch.announcements) + len(batch.rejects) + _standalone_nukes(batch)
        summary.inserted += result.releases_inserted
        summary.present += result.releases_present
        summary.nukes += result.nukes_inserted
        summary.sightings += result.sightings_inserted
        summary.rejected += len(batch.rejects)
        if on_reject:
            for reject in batch.rejects:
                on_reject(reject)
        if on_batch:
            on_batch(batch.records_done)
        last = batch.records_done
    db.write([], None, (), progress=Progress(source.origin, fingerprint, last, complete=True))


def _standalone_nukes(batch: SourceBatch) -> int:
    return len(batch.nukes) - sum(1 for a in batch.announcements if a.nuke is not None)


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
    files = expand_paths(paths)
    # Open every input first: an unknown format or bad rule fails before anything is written.
    sources = [
        DumpSource(path.resolve(), fmt=fmt, mapping=mapping, rules_file=rules_file, timezone=timezone)
        for path in files
    ]
    summary = IngestSummary(files=len(files))
    for index, source in enumerate(sources):
        fingerprint = source.fingerprint()
        previous = db.progress(source.origin)
        skip = 0
        if previous is not None and previous.fingerprint == fingerprint and not force:
            if previous.complete:
                summary.files_skipped += 1
                summary.skipped_origins.append(source.origin)
                continue
            skip = previous.records_done

        def tick(done: int, origin: str = source.origin, i: int = index) -> None:
            if on_tick:
                summary.seconds = time.perf_counter() - started
                on_tick(IngestTick(origin, i, len(files), done, summary))

        ingest_source(
            db, source, summary, fingerprint=fingerprint, skip=skip, batch_size=batch_size,
            on_reject=on_reject, on_batch=tick,
        )  # fmt: skip
    summary.seconds = time.perf_counter() - started
    return summary
