"""``daily_volume``: counted releases per UTC day, category and section, kept exact by every write.

Why: volume over the whole history is the first question of every dashboard, and at 18.6 million releases
aggregating ``releases`` takes 100–290 ms on two cores. The roll-up has one row per (day, category, section) —
364,000 rows for 40 years of simulated history — and answers the same questions several times faster.

How it stays exact, inside the write's own transaction:

* releases the write *creates* add their counts (a delta: no scan of ``releases``);
* releases the write *updates* (seen again: an earlier pre time, a first section, a scene flag) may leave one row
  and join another: the merge reads each changed release's row before and after (:func:`row_of`) with the rows it
  changes, and the difference is applied (:func:`moves`);
* a reparse moves the releases whose category changed; an import or hand-written SQL recounts everything.

A missing category or section is stored as ``''`` (key columns cannot be NULL); readers turn it back into NULL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from scenewatch.store import group_prior, views

TABLE = "daily_volume"  # created and first filled by schema migration 4
# What counts as a scene release with a known pre time: the rule of every volume (scenewatch.analysis.volume).
_COUNTED_RULE = "({scene}) AND ({pre_at}) IS NOT NULL"
COUNTED = _COUNTED_RULE.format(scene="scene", pre_at="pre_at")
_KEYED = ("pre_at", "category", "section", "scene")  # the columns a release's roll-up row depends on

_COUNT = f"""
SELECT CAST(pre_at AS DATE) AS day, coalesce(category, '') AS category, coalesce(section, '') AS section,
       count(*) AS releases
FROM {{source}} WHERE {COUNTED} {{where}}
GROUP BY ALL
"""


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recount every day from ``releases`` (after an import or hand-written SQL)."""
    con.execute(f"DELETE FROM {TABLE}").fetchall()
    con.execute(f"INSERT INTO {TABLE} {_COUNT.format(source='releases', where='')} ORDER BY day").fetchall()
    group_prior.rebuild(con)  # the other per-release count kept with every write


def add_created(con: duckdb.DuckDBPyConnection, created: str) -> None:
    """Add the releases of the relation ``created`` (rows just inserted into ``releases``) to their days."""
    con.execute(f"""
        INSERT INTO {TABLE} {_COUNT.format(source=created, where='')}
        ON CONFLICT DO UPDATE SET releases = {TABLE}.releases + excluded.releases
    """).fetchall()
    group_prior.add_created(con, created)


def row_of(table: str, values: Mapping[str, str] | None = None) -> str:
    """SQL for a release's roll-up row and whether it counts there: ``day, category, section, counts``.

    ``values``: SQL expressions in place of ``table``'s own columns (e.g. the values a merge is about to store).
    """
    v = {column: f"{table}.{column}" for column in _KEYED} | dict(values or {})
    counts = _COUNTED_RULE.format(scene=v["scene"], pre_at=v["pre_at"])
    return (
        f"CAST({v['pre_at']} AS DATE), coalesce({v['category']}, ''), coalesce({v['section']}, ''), "
        f"coalesce({counts}, false)"
    )


def moves(rows: Iterable[Sequence[Any]]) -> Counter[tuple[Any, str, str]]:
    """The roll-up delta of releases changed in place: each row is two :func:`row_of` tuples, before then after,
    optionally followed by how many releases made that move (one if not)."""
    delta: Counter[tuple[Any, str, str]] = Counter()
    for row in rows:
        day, category, section, counts, new_day, new_category, new_section, new_counts = row[:8]
        releases = int(row[8]) if len(row) > 8 else 1
        if counts:
            delta[(day, category, section)] -= releases
        if new_counts:
            delta[(new_day, new_category, new_section)] += releases
    return delta


def apply(con: duckdb.DuckDBPyConnection, delta: Counter[tuple[Any, str, str]]) -> None:
    """Add ``delta`` (after minus before, per roll-up row; negative where releases left) to ``daily_volume``."""
    changes = [(key, n) for key, n in delta.items() if n]
    if not changes:
        return
    table = pa.table({
        "day": pa.array([key[0] for key, _ in changes], pa.date32()),
        "category": pa.array([key[1] for key, _ in changes], pa.string()),
        "section": pa.array([key[2] for key, _ in changes], pa.string()),
        "releases": pa.array([n for _, n in changes], pa.int64()),
    })  # fmt: skip
    con.register("rollup_delta", table)
    try:
        con.execute(f"""
            INSERT INTO {TABLE} SELECT * FROM rollup_delta
            ON CONFLICT DO UPDATE SET releases = {TABLE}.releases + excluded.releases
        """).fetchall()
        con.execute(f"DELETE FROM {TABLE} WHERE releases = 0").fetchall()
    finally:
        views.unregister(con, "rollup_delta")
