"""Query benchmark: scenewatch's analyses on N releases next to hand-written DuckDB SQL on the same file.

    python benchmarks/bench_queries.py                          # simulate + ingest 1 million rows, then time
    python benchmarks/bench_queries.py --db /tmp/1m.duckdb      # reuse a store (ingested if missing)
    python benchmarks/bench_queries.py --db /tmp/30m.duckdb --from /tmp/1m.duckdb --replicate 31
                                                                # a ~30M store from time-shifted copies of 1M
    python benchmarks/bench_queries.py --db /tmp/1m.duckdb --backends duckdb,chdb,spark

Each query runs once to warm up, then ``--repeat`` times; the median is printed with the target and the
ratio to the baseline (the same result computed by one hand-written SQL statement in DuckDB: our overhead).
With ``--backends``, the store is exported to Parquet and the portable (Ibis) analyses are timed on each
backend: DuckDB over the store, chDB (ClickHouse MergeTree loaded from the export) and Spark local.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

RELEASES_PER_DAY_AT_SCALE_1 = 1_800


def _db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _build(rows: int, db: Path, work: Path) -> None:
    from scenewatch.simulate import SimulationConfig, write

    dump = work / "dump.ndjson"
    if not dump.exists():
        days = max(30, int(rows / RELEASES_PER_DAY_AT_SCALE_1))
        start = date(2019, 1, 1)
        print(f"simulating about {rows:,} rows → {dump}")
        write(SimulationConfig(start=start, end=start + timedelta(days=days), scale=1.0, seed=1), dump)
    print(f"ingesting {dump} → {db}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scenewatch", "ingest", str(dump), "--db", str(db), "-q"], check=True)
    print(f"ingest took {time.perf_counter() - started:,.0f} s")


def _replicate(source: Path, db: Path, copies: int) -> None:
    """A larger store: ``copies`` copies of ``source``, each shifted in time past the previous one.

    Copy 0 is the source as it is; copy k gets names suffixed ``.Rk``, ids hashed from (id, k), times moved
    k × (span + 1 day). Volumes, categories and groups keep the simulated shape; only the time axis grows,
    which is what a 30M simulation at 1,800/day would do too (it spans ~45 years).
    """
    from scenewatch.store import Database

    started = time.perf_counter()
    with Database(db) as target:
        con = target.con
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)").fetchall()
        lo, hi = con.execute("SELECT min(pre_at), max(pre_at) FROM src.releases").fetchall()[0]
        shift_days = (hi - lo).days + 1
        new_id = "CASE WHEN k = 0 THEN {0} ELSE md5_number_lower(CAST({0} AS VARCHAR) || '#' || k) END"
        shift = f"to_days(CAST(k * {shift_days} AS INTEGER))"
        # One copy per statement, in time order: the file stays clustered by time as a real ingest leaves it.
        per_copy = con.execute(
            "SELECT (SELECT count(*) FROM src.releases) + (SELECT count(*) FROM src.sightings)"
            " + (SELECT count(*) FROM src.nukes)"
        ).fetchall()[0][0]
        for k in range(copies):
            target.fit_memory(extra_rows=per_copy)  # the indexes grow by a copy per statement
            copy = f"(SELECT s.*, {k} AS k FROM src.{{0}} s)"
            con.execute(f"""
                INSERT INTO releases BY NAME SELECT s.* EXCLUDE (k) REPLACE (
                    {new_id.format("id")} AS id, CASE WHEN k = 0 THEN name ELSE name || '.R' || k END AS name,
                    pre_at + {shift} AS pre_at, first_seen_at + {shift} AS first_seen_at)
                FROM {copy.format("releases")} s
            """).fetchall()
            con.execute(f"""
                INSERT INTO sightings SELECT s.* EXCLUDE (k) REPLACE ({new_id.format("id")} AS id,
                    {new_id.format("release_id")} AS release_id, seen_at + {shift} AS seen_at)
                FROM {copy.format("sightings")} s
            """).fetchall()
            con.execute(f"""
                INSERT INTO nukes SELECT s.* EXCLUDE (k) REPLACE ({new_id.format("id")} AS id,
                    {new_id.format("release_id")} AS release_id, nuked_at + {shift} AS nuked_at)
                FROM {copy.format("nukes")} s
            """).fetchall()
        con.execute("DETACH src").fetchall()
        target.refresh_rollups()  # the copies went in by hand-written SQL
        con.execute("CHECKPOINT").fetchall()
        print(f"replicated {source} ×{copies} → {db}: {target.count_releases():,} releases "
              f"in {time.perf_counter() - started:,.0f} s")  # fmt: skip


def _time(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _row(label: str, ours: float, base: float | None, target_ms: float | None) -> None:
    ratio = f"{ours / base:>7.1f}x" if base else f"{'':>8}"
    target = f"< {target_ms:,.0f} ms" if target_ms else ""
    verdict = "" if target_ms is None else ("ok" if ours * 1000 < target_ms else "MISSED")
    base_ms = f"{base * 1000:>10,.1f}" if base is not None else f"{'—':>10}"
    print(f"{label:42}{ours * 1000:>10,.1f}{base_ms}{ratio}  {target:>12} {verdict}")


def _header(title: str) -> None:
    print()
    print(f"{title:42}{'ours ms':>10}{'base ms':>10}{'ratio':>8}  {'target':>12}")


def main() -> None:
    """Run the benchmark and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Rows to simulate when building a store.")
    parser.add_argument("--db", type=Path, help="Store to use (built when missing); default: a temporary one.")
    parser.add_argument("--from", dest="source", type=Path, help="Build --db by replicating this store.")
    parser.add_argument("--replicate", type=int, default=30, help="Copies for --from (default 30).")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="", help="Also time the portable analyses: duckdb,chdb,spark.")
    parser.add_argument("--keep", type=Path, help="Work folder to keep (dump, export, chDB data).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scenewatch-bench-q-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = args.db or work / "scenewatch.duckdb"
    if not db_path.exists():
        if args.source:
            _replicate(args.source, db_path, args.replicate)
        else:
            _build(args.rows, db_path, work)

    from scenewatch.analysis.impact import impact
    from scenewatch.analysis.volume import data_span, volume
    from scenewatch.store import Database

    db = Database(db_path, read_only=True)
    con = db.con
    releases = db.count_releases()
    first, last = data_span(db)
    assert first is not None and last is not None, "the store holds no counted releases"
    year = last.year - 1 if last.year > first.year else last.year
    y0, y1 = date(year, 1, 1), date(year, 12, 31)
    w0, w1 = last - timedelta(days=27), last
    event = date(2020, 8, 26) if first + timedelta(days=60) <= date(2020, 8, 26) <= last - timedelta(days=60) else (
        first + (last - first) / 2
    )
    size = _db_size(db_path)
    print(f"{db_path}: {releases:,} releases, {first}..{last}, {size / 2**20:,.0f} MiB on disk "
          f"= {size / 2**20 / (releases / 1e6):,.0f} MiB per million releases")  # fmt: skip

    def sql(text: str, params: list[Any]) -> Callable[[], Any]:
        return lambda: con.execute(text, params).df()

    ts = [f"{y0} 00:00:00", f"{y1 + timedelta(days=1)} 00:00:00"]
    _header(f"scenewatch on DuckDB ({releases / 1e6:,.1f}M releases)")
    ours = _time(lambda: volume(db, "day", "category", since=y0, until=y1), args.repeat)
    base = _time(sql("SELECT CAST(date_trunc('day', pre_at) AS DATE) d, category, count(*) FROM releases "
                     "WHERE scene AND pre_at >= ? AND pre_at < ? GROUP BY ALL", ts), args.repeat)  # fmt: skip
    _row(f"daily volume by category, {year}", ours, base, 50)
    ours = _time(lambda: volume(db, "month", "category"), args.repeat)
    base = _time(sql("SELECT CAST(date_trunc('month', pre_at) AS DATE) m, category, count(*) FROM releases "
                     "WHERE scene AND pre_at IS NOT NULL GROUP BY ALL", []), args.repeat)  # fmt: skip
    _row("monthly roll-up by category, all history", ours, base, 500)

    from scenewatch.analysis import portable
    from scenewatch.store.backends import connect

    ibis_duck = connect(db_path)
    wt = [f"{w0} 00:00:00", f"{w1 + timedelta(days=1)} 00:00:00"]
    ours = _time(lambda: portable.top_groups(ibis_duck, w0, w1, limit=20), args.repeat)
    base = _time(sql("SELECT grp, count(*) n FROM releases WHERE scene AND pre_at >= ? AND pre_at < ? "
                     "AND grp IS NOT NULL GROUP BY grp ORDER BY n DESC, grp LIMIT 20", wt), args.repeat)  # fmt: skip
    _row("top 20 groups, last 4 weeks (Ibis)", ours, base, 50)
    try:
        from scenewatch.web.search_sql import search_page
    except ImportError as exc:  # the web extra is optional
        print(f"{'substring search':42} skipped: {exc}")
    else:
        for word in ("1080p", "xvid"):
            ours = _time(lambda word=word: search_page(db, word), args.repeat)
            base = _time(sql("SELECT id, name, pre_at FROM releases WHERE name ILIKE ? "
                             "ORDER BY coalesce(pre_at, first_seen_at) DESC, id DESC LIMIT 51", [f"%{word}%"]),
                         args.repeat)  # fmt: skip
            _row(f"search page '{word}' (newest 51)", ours, base, 1000)
        base = _time(sql("SELECT count(*) FROM releases WHERE name ILIKE '%xvid%'", []), args.repeat)
        _row("  count every name matching 'xvid' (scan)", base, None, 1000)
    e0, e1 = event - timedelta(weeks=8), event + timedelta(weeks=8) - timedelta(days=1)
    et = [f"{e0} 00:00:00", f"{e1 + timedelta(days=1)} 00:00:00"]
    ours = _time(lambda: impact(db, event), max(1, args.repeat // 2))
    base = _time(sql("SELECT CAST(pre_at AS DATE) d, category, count(*) FROM releases "
                     "WHERE scene AND pre_at >= ? AND pre_at < ? GROUP BY ALL", et), args.repeat)  # fmt: skip
    _row(f"event impact {event} ±8w (fits per category)", ours, base, 5000)
    print("  (impact's baseline is only the SQL of its daily series: the ratio is the cost of the model fits)")

    if args.backends:
        names = [b.strip() for b in args.backends.split(",") if b.strip()]
        _backends(db, db_path, work, names, args.repeat, y0, y1, event)
    db.close()


def _backends(
    db: Any, db_path: Path, work: Path, names: list[str], repeat: int, y0: date, y1: date, event: date
) -> None:
    from scenewatch.analysis import portable
    from scenewatch.analysis.compare import event_windows
    from scenewatch.store.backends import connect, load_clickhouse
    from scenewatch.store.parquet import export_parquet

    export = work / "export"
    started = time.perf_counter()
    result = export_parquet(db, export)
    seconds = time.perf_counter() - started
    print()
    print(f"Parquet export: {seconds:,.1f} s, {result.bytes / 2**20:,.0f} MiB "
          f"({result.bytes / 2**20 / (result.rows['releases'] / 1e6):,.0f} MiB per million releases)")  # fmt: skip
    windows = event_windows(event)
    w0, w1 = y1 - timedelta(days=27), y1
    reference: dict[str, Any] = {}
    for name in names:
        started = time.perf_counter()
        if name == "duckdb":
            con = connect(db_path)
        elif name == "duckdb-parquet":
            con = connect("duckdb://", parquet=export)
        elif name == "chdb":
            con = load_clickhouse(export, f"chdb://{work / 'chdb'}")
        elif name == "spark":
            con = connect("spark://local[2]", parquet=export)
        else:
            raise SystemExit(f"unknown backend {name}")
        setup = time.perf_counter() - started
        _header(f"portable (Ibis) on {name} (setup/load {setup:,.1f} s)")
        runs = {
            f"daily volume by category, {y0.year}": lambda c=con: portable.volume(c, "day", "category", since=y0,
                                                                                 until=y1),
            "monthly roll-up by category, all history": lambda c=con: portable.volume(c, "month", "category"),
            "top 20 groups, 4 weeks": lambda c=con: portable.top_groups(c, w0, w1, limit=20),
            "compare 4 event windows by category": lambda c=con: portable.compare(c, windows, "category"),
        }  # fmt: skip
        targets = [50, 500, 50, None]
        for (label, fn), target in zip(runs.items(), targets, strict=True):
            seconds = _time(fn, repeat if name != "spark" else max(1, repeat // 2))
            reference.setdefault(label, seconds)
            _row(label, seconds, reference[label] if name != names[0] else None, target)
        if name != names[0]:
            print(f"  (ratio: {name} / {names[0]})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
