"""The parse workers: processes that parse and prepare batches while the ingest process reads and writes.

A worker gets a batch of announcements as an Arrow table and sends back the store's rows (``PreparedBatch``); it
holds no store, so any number can run beside the single writer.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pyarrow as pa

from scenewatch.names import parse_columns
from scenewatch.reparse import parser_version
from scenewatch.store import batch as store_batch
from scenewatch.store.batch import PreparedBatch

__all__ = ["PARSER_VERSION", "parse_workers", "parser_pool", "prepare_announcements"]

PARSER_VERSION = parser_version()


def prepare_announcements(table: pa.Table, con: Any = None) -> PreparedBatch:
    """Prepare announcements given as columns for the store, parsing each release's name once.

    This is a parse worker's job (``con`` None: the worker's own in-memory DuckDB); the result crosses back to the
    writing process as Arrow tables.
    """
    if con is not None:
        return store_batch.prepare_parsing(con, table, parse_columns, PARSER_VERSION)
    prepared = store_batch.prepare_parsing(store_batch.worker_connection(), table, parse_columns, PARSER_VERSION)
    _return_free_memory()
    return prepared


def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where there is none (other systems, musl)."""
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()


def _return_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc only): a worker's batch leaves ~15 MB behind."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


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
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start, initargs=(os.getpid(),),
    )  # fmt: skip
    # The pool starts a process only when a task arrives, and a worker takes ~0.6 s to import and set up: start them
    # all now, so that they are ready by the time the first batch has been read.
    for _ in range(workers):
        pool.submit(_warm_up)
    return pool


def _warm_up() -> None:
    """A worker's first task: open its DuckDB and load the parser's tables before the first batch comes."""
    store_batch.worker_connection()
    parse_columns(["Warm.Up.2020.1080p.WEB.h264-GRP"], [None])


def _worker_start(parent: int) -> None:
    """Worker start-up: Arrow on the C heap, and leave when the ingest process is gone."""
    # mimalloc, pyarrow's default, keeps the pages of every batch a worker has held (~45 MB a worker at the peak of
    # a real ingest, issue #21's memory target counts every process); the system heap gives them back.
    pa.set_memory_pool(pa.system_memory_pool())
    _exit_with_parent(parent)


def _exit_with_parent(parent: int) -> None:
    """Leave when the ingest process is gone (a SIGKILLed ingest must not leave an idle orphan)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
