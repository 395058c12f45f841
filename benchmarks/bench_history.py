"""Whole-history analyses at ten years: `discover` and `study` on a time-shifted replication of a real store.

    python benchmarks/bench_history.py --from /tmp/nzedb.duckdb --db /tmp/10y.duckdb        # build once, then time
    python benchmarks/bench_history.py --db /tmp/10y.duckdb --repeat 3

The store is ``--copies`` (default 5) copies of ``--from`` shifted in time one after the other (see
``bench_queries._replicate``; the nZEDb slice ×5 is 10.5 years and 8M releases), and every group is renamed per copy
and calendar year (groups come and go over a decade: the slice's 2,957 groups become about 20,000). Each analysis
runs once to warm up (the feed-gap detection is cached per store, as in a server), then ``--repeat`` times; the
median wall time is printed with the CPU seconds of that run and the ratio to a baseline measured in the same run:
one DuckDB query that reads what discover needs (releases per group and day over the whole history). Target:
both under 60 s on two cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench_queries import _replicate

from scenewatch.store import Database

TARGET_S = 60.0


def _rename_groups(db: Path) -> None:
    """Give every group a name per copy and calendar year (the copy is the ``.Rk`` suffix of the release name)."""
    with Database(db) as store:
        store.con.execute("""
            UPDATE releases SET grp = grp || '_' || coalesce(regexp_extract(name, '\\.R([0-9]+)$', 1), '0')
                                    || '_' || CAST(year(pre_at) AS VARCHAR)
            WHERE grp IS NOT NULL AND pre_at IS NOT NULL
        """).fetchall()
        store.refresh_rollups()
        store.con.execute("CHECKPOINT").fetchall()


def _timed(label: str, work, repeat: int, baseline: float | None) -> float:  # type: ignore[no-untyped-def]
    work()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    median = statistics.median(walls)
    ratio = f"{median / baseline:7.1f}x" if baseline else " " * 8
    verdict = "" if baseline is None else ("ok" if median < TARGET_S else "MISSED")
    target = "" if baseline is None else f"< {TARGET_S:.0f} s {verdict}"
    print(f"{label:34}{median:9.1f} s{statistics.median(cpus):9.1f} s CPU{ratio}  {target}")
    return median


def main() -> None:
    """Build the store if needed and time the analyses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="The ten-year store (built from --from if missing).")
    parser.add_argument("--from", dest="source", type=Path, help="Store to replicate (e.g. the nZEDb slice).")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        if not args.source:
            parser.error("--db does not exist: give --from to build it")
        _replicate(args.source, args.db, args.copies)
        _rename_groups(args.db)
    from scenewatch.analysis.discover import discover
    from scenewatch.analysis.study import study

    with Database(args.db, read_only=True) as db:
        releases = db.scalar("SELECT count(*) FROM releases WHERE scene AND pre_at IS NOT NULL")
        groups = db.scalar("SELECT count(DISTINCT grp) FROM releases WHERE scene AND pre_at IS NOT NULL")
        first, last = db.con.execute("SELECT min(pre_at), max(pre_at) FROM releases WHERE scene").fetchone()
        print(f"{args.db}: {releases:,} counted releases, {groups:,} groups, {first:%Y-%m-%d} … {last:%Y-%m-%d}")
        print(f"\n{'':34}{'wall':>11}{'':>14}{'ratio':>8}  target")
        base = _timed("baseline: releases per group/day", lambda: db.query(
            "SELECT grp, CAST(pre_at AS DATE) AS d, count(*) FROM releases WHERE scene AND pre_at IS NOT NULL "
            "AND grp IS NOT NULL GROUP BY 1, 2"), args.repeat, None)  # fmt: skip
        _timed("discover", lambda: discover(db), args.repeat, base)
        _timed("study (catalogue)", lambda: study(db), args.repeat, base)


if __name__ == "__main__":
    main()
