"""Where a bulk ingest's CPU goes, stage by stage, on real nZEDb dumps: read, parse, prepare, write, the end.

    python benchmarks/bench_ingest_stages.py ../shared/data/predb-nzedb/dumps [--files N]

The ingest runs as ``scenewatch ingest`` runs a large input (a bulk load, read ahead in a thread), but in one
process (no parse workers) and with DuckDB on one thread, so that every stage's CPU time is the CPU of the thread
running it (``time.thread_time``). Prints CPU-s per million rows for each stage, their sum beside the process's
CPU, and DuckDB's own read of the same files, measured in the same run, as the baseline.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_ingest_real import _table_rows, raw_read

from scenewatch import ingest as ingest_module
from scenewatch import parse_pool
from scenewatch.store import Database

SPENT: collections.Counter[str] = collections.Counter()


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, its calls' CPU time in the calling thread added to ``stage``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[stage] += time.thread_time() - started

    return timed


def _timed_generator(stage: str, function: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """``function``'s items, the CPU time spent producing each in the consuming thread added to ``stage``."""

    def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
        items = function(*args, **kwargs)
        while True:
            started = time.thread_time()
            try:
                item = next(items)
            except StopIteration:
                SPENT[stage] += time.thread_time() - started
                return
            SPENT[stage] += time.thread_time() - started
            yield item

    return timed


def profile(files: list[Path], db_path: Path) -> tuple[int, float, float]:
    """Ingest ``files`` into a new store with the stages timed; return (records read, wall s, process CPU s)."""
    ingest_module._read_all = _timed_generator("read", ingest_module._read_all)
    parse_pool.parse_columns = _timed("parse", parse_pool.parse_columns)
    ingest_module.prepare_announcements = _timed("prepare", ingest_module.prepare_announcements)
    Database.write_prepared = _timed("write", Database.write_prepared)  # type: ignore[method-assign]
    Database._finish_bulk_load = _timed("end of the bulk load", Database._finish_bulk_load)  # type: ignore[method-assign]
    wall, cpu = time.perf_counter(), time.process_time()
    db = Database(db_path)
    db.con.execute("SET threads = 1").fetchall()
    inputs = ingest_module.open_inputs(files)
    summary = ingest_module.IngestSummary(files=inputs.count)
    plan = ((source, source.fingerprint(), 0) for source in inputs.sources)  # fingerprints in the reading thread
    with db.bulk_memory(), db.bulk_load():
        ingest_module.ingest_sources(db, plan, summary)
    started = time.thread_time()
    db.close()
    SPENT["closing checkpoint"] += time.thread_time() - started
    return summary.read, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Run the stage profile and the baseline, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, help="a folder of nZEDb dumps (*_predb_dump.csv.gz)")
    parser.add_argument("--files", type=int, default=0, help="only the first N dumps (0: all)")
    args = parser.parse_args()
    files = sorted(args.dumps.glob("*_predb_dump.csv.gz"))
    if not files:
        raise SystemExit(f"{args.dumps}: no nZEDb dumps (*_predb_dump.csv.gz) found")
    files = files[: args.files] if args.files else files
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as work:
        raw = raw_read(files, Path(work) / "raw.duckdb")
        raw_rows = _table_rows(Path(work) / "raw.duckdb")
        rows, wall, cpu = profile(files, Path(work) / "store.duckdb")
    parse = SPENT["parse"]
    SPENT["prepare"] -= parse  # prepare's own time, the parse inside it apart
    per_million = 1e6 / rows
    print(f"{len(files)} real nZEDb dumps, {rows:,} records; one process, DuckDB on one thread")
    print(f"{'stage':<26}{'CPU s':>8}{'CPU s/M':>10}{'share':>8}")
    order = ["read", "parse", "prepare", "write", "end of the bulk load", "closing checkpoint"]
    for stage in order:
        print(f"{stage:<26}{SPENT[stage]:>8.1f}{SPENT[stage] * per_million:>10.2f}{SPENT[stage] / cpu:>8.0%}")
    measured = sum(SPENT[stage] for stage in order)
    other = cpu - measured
    print(f"{'other (glue, DuckDB)':<26}{other:>8.1f}{other * per_million:>10.2f}{other / cpu:>8.0%}")
    print(f"{'process, all threads':<26}{cpu:>8.1f}{cpu * per_million:>10.2f}   wall {wall:.1f} s")
    print(
        f"{'baseline: DuckDB read_csv':<26}{raw.cpu:>8.1f}{raw.cpu * 1e6 / raw_rows:>10.2f}   wall {raw.wall:.1f} s "
        f"({raw_rows:,} rows): the ingest costs {cpu / rows / (raw.cpu / raw_rows):.1f}x its CPU a row"
    )


if __name__ == "__main__":
    sys.exit(main())
