"""Pull remote dumps into the store: list, download with resume, ingest as the files arrive, skip what is done.

``scenewatch ingest https://…`` (dump files, or an index listing them) and ``scenewatch archive pull nzedb`` (the
public nZEDb daily dumps) both run :func:`pull`. A thread downloads (:mod:`scenewatch.sources.download`) while this
thread hands every file that has arrived to the ordinary ingest loop (:func:`scenewatch.ingest.ingest_paths`), so
the store's ingest progress decides what is done: a file whose ingest is complete, and whose length the index still
gives, is neither downloaded nor read again. Interrupted anywhere — mid-download (the ``.part`` resumes) or
mid-ingest (the committed batches stay, the rest resumes) — the same command finishes the job without duplicates.
"""

from __future__ import annotations

import queue
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from scenewatch.ingest import IngestSummary, ingest_paths
from scenewatch.records import Reject
from scenewatch.sources.base import SourceError
from scenewatch.sources.download import Downloader, Fetched, RemoteFile, is_dump_url, remote_for_url
from scenewatch.store import Database

# Files handed to one ingest call at most (the ingest loop coalesces them into large transactions).
_INGEST_BATCH = 64


@dataclass(frozen=True)
class ArchivePreset:
    """A public dump archive: where its index is, where its files are fetched from, which paths are dumps."""

    name: str
    title: str
    index: str
    files: str | None = None
    include: str | None = None
    format: str | None = None
    expected_files: int | None = None
    docs: str = ""


def archive_presets() -> dict[str, ArchivePreset]:
    """The shipped archive presets (``scenewatch.sources/data/archives.toml``)."""
    text = resources.files("scenewatch.sources").joinpath("data/archives.toml").read_text("utf-8")
    return {name: ArchivePreset(name=name, **table) for name, table in tomllib.loads(text).items()}


@dataclass
class PullSummary:
    """What a pull listed, fetched, kept and ingested."""

    listed: int = 0
    fetched: int = 0
    resumed: int = 0
    kept: int = 0  # already downloaded and unchanged
    done: int = 0  # already ingested completely: not downloaded, not read
    bytes: int = 0
    ingest: IngestSummary = field(default_factory=IngestSummary)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class PullTick:
    """Progress: files finished (ingested or already done) of those listed, bytes fetched, rows read."""

    files_done: int
    files: int
    bytes: int
    summary: PullSummary
    current: str = ""


def _file_day(path: str) -> date | None:
    """The day an nZEDb-style file name starts with (``<unix time>_predb_dump``), if it does."""
    stem = Path(path).name.split("_", 1)[0]
    if stem.isdigit() and len(stem) >= 9:
        return datetime.fromtimestamp(int(stem), UTC).date()
    return None


def select(files: list[RemoteFile], since: date | None, until: date | None) -> list[RemoteFile]:
    """The files whose name dates them within ``since``..``until`` (files without a date in the name stay)."""
    out = []
    for remote in files:
        day = _file_day(remote.path)
        if day is not None and ((since and day < since) or (until and day > until)):
            continue
        out.append(remote)
    return out


def list_remote(downloader: Downloader, urls: list[str], *, files_base: str | None = None,
                include: str | None = None) -> list[RemoteFile]:  # fmt: skip
    """The files the URLs name: a dump file's URL is itself; any other URL is an index listing files."""
    out: dict[str, RemoteFile] = {}
    for url in urls:
        if is_dump_url(url):
            remote = remote_for_url(url)
            out[remote.path] = remote
            continue
        for remote in downloader.index(url, files_base=files_base, include=include):
            out[remote.path] = remote
    return list(out.values())


def _already_ingested(db: Database, downloader: Downloader, remote: RemoteFile) -> bool:
    progress = db.progress(str(downloader.local(remote).resolve()))
    if progress is None or not progress.complete:
        return False
    if remote.size is not None and progress.fingerprint.split(":", 1)[0] != str(remote.size):
        return False  # the archive's file changed since it was ingested
    local = downloader.local(remote)
    return not local.exists() or downloader.kept(remote)


def pull(
    db: Database,
    files: list[RemoteFile],
    downloader: Downloader,
    *,
    ingest_options: Mapping[str, Any] | None = None,
    on_tick: Callable[[PullTick], None] | None = None,
    on_reject: Callable[[Reject], None] | None = None,
    force: bool = False,
) -> PullSummary:
    """Download ``files`` (in order) and ingest each as it arrives; return what happened (``force``: read all)."""
    started = time.perf_counter()
    summary = PullSummary(listed=len(files))
    todo = []
    for remote in files:
        if not force and _already_ingested(db, downloader, remote):
            summary.done += 1
        else:
            todo.append(remote)
    finished = summary.done
    arrived: queue.Queue[Fetched | BaseException | None] = queue.Queue(maxsize=2 * _INGEST_BATCH)
    stop = threading.Event()
    byte_count = [0]
    previous_hook = downloader.on_bytes

    def count(n: int) -> None:
        byte_count[0] += n
        if previous_hook is not None:
            previous_hook(n)

    downloader.on_bytes = count

    def fetch_all() -> None:
        try:
            for remote in todo:
                if stop.is_set():
                    return
                arrived.put(downloader.fetch(remote))
        except BaseException as exc:  # handed to the ingesting thread, which raises it after ingesting what came
            arrived.put(exc)
            return
        arrived.put(None)

    def tick(current: str = "") -> None:
        summary.bytes = byte_count[0]
        summary.seconds = time.perf_counter() - started
        if on_tick is not None:
            on_tick(PullTick(finished, len(files), byte_count[0], summary, current))

    tick()
    thread = threading.Thread(target=fetch_all, name="scenewatch-download", daemon=True)
    thread.start()
    failure: BaseException | None = None
    options = dict(ingest_options or {})
    try:
        ended = not todo
        while not ended:
            batch: list[Fetched] = []
            item = arrived.get()
            while True:
                if item is None:
                    ended = True
                    break
                if isinstance(item, BaseException):
                    failure, ended = item, True
                    break
                batch.append(item)
                if len(batch) >= _INGEST_BATCH:
                    break
                try:
                    item = arrived.get_nowait()
                except queue.Empty:
                    break
            if not batch:
                continue
            for got in batch:
                summary.fetched += 0 if got.kept else 1
                summary.kept += 1 if got.kept else 0
                summary.resumed += 1 if got.resumed else 0
            part = ingest_paths(db, [got.local for got in batch], on_reject=on_reject, **options)
            _add(summary.ingest, part)
            finished += len(batch)
            tick(batch[-1].file.path)
    finally:
        stop.set()
        downloader.on_bytes = previous_hook
    tick()
    if failure is not None:
        if isinstance(failure, SourceError | KeyboardInterrupt):
            raise failure
        raise SourceError(f"download failed: {type(failure).__name__}: {failure}; run again to resume") from failure
    return summary


def _add(total: IngestSummary, part: IngestSummary) -> None:
    for name in ("files", "files_skipped", "read", *part.buckets(), "nukes", "sightings"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.seconds += part.seconds
    total.skipped_origins += part.skipped_origins
    total.failed += part.failed
