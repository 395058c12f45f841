"""Bulk ingest benchmark: simulate N rows, ingest them, and compare with DuckDB's own bulk load.

    python benchmarks/bench_ingest.py                 # 1 million rows
    python benchmarks/bench_ingest.py --rows 30000000 # the 30-million-row target (streams; ~2 GiB RSS cap)
    python benchmarks/bench_ingest.py --real ../shared/data/predb-nzedb/dumps  # real nZEDb dumps (bench_ingest_real)

Prints rows/s, peak RSS and database size for scenewatch's ingest (parsing and storing every field)
next to the baseline, DuckDB loading the same raw file with no parsing, deduplication or checks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

RELEASES_PER_DAY_AT_SCALE_1 = 1_800


def _simulate(rows: int, out: Path) -> int:
    from scenewatch.simulate import SimulationConfig, write

    # Two years at scale 1.0 is about 1.3 million rows; stretch the period to reach the target.
    days = max(30, int(rows / RELEASES_PER_DAY_AT_SCALE_1))
    start = date(2019, 1, 1)
    config = SimulationConfig(start=start, end=start + timedelta(days=days), scale=1.0, seed=1)
    summary = write(config, out)
    if summary.rows <= rows:
        return summary.rows
    # The simulated volume grows over the years, so the period overshoots: keep the first `rows` lines (time order).
    with out.open("rb+") as handle:
        for _ in range(rows):
            handle.readline()
        handle.truncate()
    return rows


def _run(argv: list[str]) -> tuple[float, int]:
    """Run a child process; return its wall time and its own peak RSS in bytes."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{argv[:3]} failed with exit code {child.returncode}")
    return elapsed, usage.ru_maxrss * 1024


def _db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    """Run the benchmark and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the work files in this folder.")
    parser.add_argument("--real", type=Path, help="A folder of real nZEDb dumps: benchmark those instead.")
    parser.add_argument("--copies", type=int, default=4, help="--real: replicas of the slice in the large store.")
    parser.add_argument("--no-million", action="store_true", help="--real: skip 1M new rows into the large store.")
    parser.add_argument("--row-path", action="store_true", help="--real: also time the row path (empty store).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scenewatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.real is not None:
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_ingest_real import main_real

        try:
            main_real(args.real, work, copies=args.copies, million=not args.no_million, row_path=args.row_path)
        finally:
            if not args.keep:
                shutil.rmtree(work)
        return
    dump = work / "dump.ndjson"
    if not dump.exists():
        print(f"simulating about {args.rows:,} rows → {dump}")
        rows = _simulate(args.rows, dump)
    else:
        rows = sum(1 for _ in dump.open("rb"))
    print(f"{rows:,} rows, {dump.stat().st_size / 1e6:,.0f} MB")

    baseline_db = work / "baseline.duckdb"
    baseline_db.unlink(missing_ok=True)
    load = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute(\"CREATE TABLE raw AS SELECT * FROM read_json(?, format='newline_delimited')\", [sys.argv[2]])"
    )
    base_seconds, base_rss = _run([sys.executable, "-c", load, str(baseline_db), str(dump)])

    ours_db = work / "scenewatch.duckdb"
    for stale in work.glob("scenewatch.duckdb*"):
        stale.unlink()
    ours_seconds, ours_rss = _run([sys.executable, "-m", "scenewatch", "ingest", str(dump), "--db", str(ours_db), "-q"])
    size = _db_size(ours_db)
    print()
    print(f"{'':28}{'rows/s':>12}{'seconds':>10}{'peak RSS':>12}{'DB size':>12}")
    print(
        f"{'baseline: DuckDB read_json':28}{rows / base_seconds:>12,.0f}{base_seconds:>10.1f}"
        f"{base_rss / 2**20:>10,.0f}Mi{_db_size(baseline_db) / 2**20:>10,.0f}Mi"
    )
    print(
        f"{'scenewatch ingest':28}{rows / ours_seconds:>12,.0f}{ours_seconds:>10.1f}"
        f"{ours_rss / 2**20:>10,.0f}Mi{size / 2**20:>10,.0f}Mi"
    )
    print()
    print(f"ratio (scenewatch / baseline time): {ours_seconds / base_seconds:.1f}x slower than a raw load")
    print(f"database size per million releases: {size / 2**20 / (rows / 1e6):,.0f} MiB")
    if not args.keep:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
