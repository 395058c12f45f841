"""The real-format half of bench_ingest: nZEDb dumps into an empty store, a day's dump and 1M new rows into a large one.

Every figure comes from a child process (``scenewatch ingest`` as a user runs it): wall seconds, CPU-seconds of the
whole process tree (the parse workers included), the peak of the tree's summed RSS (sampled) and of its largest
process. The baseline is DuckDB's own ``read_csv`` of the same files into a table, in the same run.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

_COLUMNS = ", ".join(
    f"'{name}': 'VARCHAR'"
    for name in ("title", "nfo", "size", "files", "filename", "nuked", "nukereason", "category", "predate", "source",
                 "requestid", "groupname")
)  # fmt: skip
# DuckDB reads nZEDb's double-tab separated, single-quoted fields itself (no unescaping checks, no line numbers).
RAW_READ = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
    "c.execute(\"CREATE TABLE raw AS SELECT * FROM read_csv(?, delim='\\t\\t', quote='''', escape='\\\\', "
    f"nullstr='\\\\N', header=false, strict_mode=false, columns={{{_COLUMNS}}})\", [sys.argv[2:]])"
)
# Each replica of the store is the real slice moved this many days further back, its names tagged, so its
# releases are new ones (same shapes, sizes and feeds; ids from the tagged names, as an ingest would make them).
_SHIFT_DAYS = 770


@dataclass(frozen=True, slots=True)
class Run:
    """What one child process cost."""

    wall: float
    cpu: float
    tree_rss: int  # peak of the summed RSS of the process and its children (the parse workers), sampled every 50 ms
    max_rss: int  # peak RSS of the largest single process, sampled alike


def run(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a child process to its end, sampling its tree's memory; CPU and the largest RSS from its rusage."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    proc = psutil.Process(child.pid)
    tree_peak = single_peak = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        try:
            sizes = [p.memory_info().rss for p in [proc, *proc.children(recursive=True)]]
            tree_peak, single_peak = max(tree_peak, sum(sizes)), max(single_peak, *sizes)
        except psutil.Error:  # a process ended while being sampled
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: an input was damaged (reported, the rest ingested)
        raise SystemExit(f"{' '.join(argv[:4])} ... failed with exit code {code}")
    # The rusage of a reaped child includes the children it reaped (the parse workers). Its ru_maxrss is not
    # used: Linux keeps it across exec, so a child of a large benchmark process would report the parent's.
    return Run(elapsed, usage.ru_utime + usage.ru_stime, tree_peak, single_peak)


def ingest(paths: list[Path], db: Path, columnar: bool = True) -> Run:
    """``scenewatch ingest PATHS --db DB -q`` in a child process (exit 1, some input damaged, counts as done)."""
    env = {**os.environ, "SCENEWATCH_COLUMNAR": "1" if columnar else "0"}
    return run([sys.executable, "-m", "scenewatch", "ingest", *map(str, paths), "--db", str(db), "-q"], env)


def raw_read(paths: list[Path], db: Path) -> Run:
    """DuckDB's read_csv of the same files into a table of strings, in a child process."""
    remove(db)
    return run([sys.executable, "-c", RAW_READ, str(db), *map(str, paths)])


def counts(db: Path) -> tuple[int, int]:
    """Releases and sightings in a store."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(con.execute(  # type: ignore[return-value]
            "SELECT (SELECT count(*) FROM releases), (SELECT count(*) FROM sightings)").fetchall()[0])  # fmt: skip
    finally:
        con.close()


def replicate(db: Path | str, copies: int) -> None:
    """Grow a store by ``copies`` time-shifted, renamed replicas of its releases and sightings (``_SHIFT_DAYS``)."""
    from scenewatch.store import Database

    with Database(db) as store:
        con = store.con
        query = "SELECT column_name FROM duckdb_columns() WHERE table_name = 'releases' ORDER BY column_index"
        columns = [c for (c,) in con.execute(query).fetchall()]
        con.execute("CREATE TEMP TABLE base_releases AS SELECT * FROM releases").fetchall()
        con.execute("CREATE TEMP TABLE base_sightings AS SELECT s.*, r.name FROM sightings s "
                    "JOIN releases r ON r.id = s.release_id").fetchall()  # fmt: skip
        for k in range(1, copies + 1):
            tag, shift = f"'.r{k}'", f"INTERVAL {k * _SHIFT_DAYS} DAY"
            key = f"lower(name || {tag})"
            moved = {"id": f"md5_number_lower({key})", "name": f"name || {tag}", "pre_at": f"pre_at - {shift}",
                     "first_seen_at": f"first_seen_at - {shift}"}  # fmt: skip
            select = ", ".join(moved.get(c, c) for c in columns)
            con.execute(f"INSERT INTO releases SELECT {select} FROM base_releases").fetchall()
            con.execute(f"""
                INSERT INTO sightings
                SELECT md5_number_lower(concat_ws(chr(31), {key}, coalesce(feed, ''),
                           coalesce(CAST(epoch_us(seen_at - {shift}) AS VARCHAR), ''))),
                       md5_number_lower({key}), feed, seen_at - {shift}, time_trusted, section, origin || {tag}
                FROM base_sightings
            """).fetchall()
        con.execute("DROP TABLE base_releases; DROP TABLE base_sightings").fetchall()
        store.refresh_rollups()


def shifted_copy(sources: list[Path], folder: Path, tag: str, days: int) -> int:
    """Write the dumps again with every title tagged and every time moved ``days`` on; return the rows written."""
    folder.mkdir(parents=True, exist_ok=True)
    from datetime import datetime, timedelta

    rows = 0
    shift = timedelta(days=days)
    for source in sources:
        out = []
        with gzip.open(source, "rb") as stream:
            for line in stream:
                fields = line.split(b"\t\t")
                if len(fields) == 12 and fields[0][-1:] == b"'":
                    fields[0] = fields[0][:-1] + tag.encode() + b"'"
                    stamp = fields[8]
                    if len(stamp) == 21:
                        moved = datetime.fromisoformat(stamp[1:-1].decode()) + shift
                        fields[8] = b"'" + moved.isoformat(" ").encode() + b"'"
                rows += 1
                out.append(b"\t\t".join(fields))
        (folder / source.name).write_bytes(gzip.compress(b"".join(out), compresslevel=6))
    return rows


def remove(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):
        path.unlink()


def _table_rows(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
    finally:
        con.close()


def _copy(source: Path, target: Path) -> Path:
    import shutil

    remove(target)
    shutil.copyfile(source, target)
    return target


def _line(label: str, rows: int, result: Run, base: Run | None = None) -> str:
    ratio = f"{result.wall / base.wall:>8.1f}x" if base is not None else f"{'':>9}"
    return (
        f"{label:34}{rows / result.wall:>11,.0f}{result.wall:>9.2f}{result.cpu:>9.1f}"
        f"{result.cpu / rows * 1e6:>10.1f}{result.tree_rss / 2**20:>9,.0f}Mi{result.max_rss / 2**20:>8,.0f}Mi{ratio}"
    )


HEADER = (f"{'':34}{'rows/s':>11}{'wall s':>9}{'CPU s':>9}{'CPU s/M':>10}{'tree RSS':>11}{'max RSS':>10}"
          f"{'vs raw':>9}")  # fmt: skip


def main_real(dumps: Path, work: Path, *, copies: int, million: bool, row_path: bool) -> None:
    """The real-format benchmark (see the module's docstring); prints as it goes."""
    files = sorted(dumps.glob("*_predb_dump.csv.gz"))
    if len(files) < 2:
        raise SystemExit(f"{dumps}: no nZEDb dumps (*_predb_dump.csv.gz) found")
    bulk, day = files[:-1], files[-1:]
    print(f"real nZEDb dumps: {len(bulk)} files for the bulk ingest, the last one ({day[0].name}) as the day's dump")
    raw = raw_read(bulk, work / "raw.duckdb")
    rows = _table_rows(work / "raw.duckdb")
    empty = work / "empty.duckdb"
    remove(empty)
    ours = ingest(bulk, empty)
    print()
    print(HEADER)
    print(_line("baseline: DuckDB read_csv", rows, raw))
    print(_line("scenewatch ingest, empty store", rows, ours, raw))
    if row_path:
        remove(work / "row.duckdb")
        print(_line("  the same, row path only", rows, ingest(bulk, work / "row.duckdb", columnar=False), raw))
        remove(work / "row.duckdb")
    releases, sightings = counts(empty)
    print(f"  → {releases:,} releases, {sightings:,} sightings")

    day_raw = raw_read(day, work / "raw.duckdb")
    day_rows = _table_rows(work / "raw.duckdb")
    remove(work / "raw.duckdb")
    print()
    print(f"a day's dump: {day_rows:,} rows")
    print(HEADER)
    print(_line("baseline: DuckDB read_csv", day_rows, day_raw))
    target = _copy(empty, work / "day.duckdb")
    print("  the first write after a bulk load, then the next day (the first once paid a one-time DuckDB checkpoint")
    print("  of the freshly loaded store, 1-2 s at 1.6M and 8-9 s at 30M; gone with 600,000-record transactions)")
    warm = shifted_copy(day, work / "warm-up", ".w1", 1)  # another day of new releases, written first
    warm_files = sorted((work / "warm-up").iterdir())
    first = ingest(warm_files, target)
    print(_line(f"into {releases / 1e6:.1f}M releases: first write", warm, first, day_raw))
    print(_line("  the next day", day_rows, ingest(day, target), day_raw))
    started = time.perf_counter()
    large = _copy(empty, work / "large.duckdb")
    # In a child process: it grows large, and this process's children should not inherit its size.
    here = str(Path(__file__).parent)
    code = (
        f"import sys; sys.path.insert(0, {here!r}); import bench_ingest_real as b; b.replicate(sys.argv[1], {copies})"
    )
    subprocess.run([sys.executable, "-c", code, str(large)], check=True)
    big_releases, big_sightings = counts(large)
    size = sum(p.stat().st_size for p in work.glob("large.duckdb*"))
    print(
        f"large store: the slice and {copies} time-shifted, renamed replicas: {big_releases:,} releases, "
        f"{big_sightings:,} sightings, {size / 2**30:.1f} GiB (built in {time.perf_counter() - started:.0f} s)"
    )
    target = _copy(large, work / "day.duckdb")
    print(_line(f"into {big_releases / 1e6:.1f}M releases: first write", warm, ingest(warm_files, target), day_raw))
    print(_line("  the next day", day_rows, ingest(day, target), day_raw))
    if not million:
        remove(work / "day.duckdb")
        return
    new = work / "new-rows"
    count = 0
    chosen = []
    for source in bulk:  # about a million rows: the first dumps, titles tagged, moved 800 days on
        chosen.append(source)
        count += 3_200
        if count >= 1_000_000:
            break
    written = shifted_copy(chosen, new, ".n1", 800)
    new_files = sorted(new.iterdir())
    new_raw = raw_read(new_files, work / "raw.duckdb")
    remove(work / "raw.duckdb")
    print()
    print(f"{written:,} new rows ({len(new_files)} dumps, titles tagged, times moved 800 days on)")
    print(HEADER)
    print(_line("baseline: DuckDB read_csv", written, new_raw))
    print("  into the large store the two days above went into")
    print(_line(f"into {big_releases / 1e6:.1f}M releases", written, ingest(new_files, target), new_raw))
    remove(work / "day.duckdb")
