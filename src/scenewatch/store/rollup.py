"""``daily_volume``: counted releases per UTC day, category and section, kept exact by every write.

Why: volume over the whole history is the first question of every dashboard, and at 18.6 million releases
aggregating ``releases`` takes 100–290 ms on two cores. The roll-up has one row per (day, category, section) —
364,000 rows for 40 years of simulated history — and answers the same questions several times faster.

How it stays exact, inside the write's own transaction:

* releases the write *creates* add their counts (a delta: no scan of ``releases``);
* releases the write *updates* (seen again: an earlier pre time, a first section, a scene flag) may leave one row
  and join another: their rows are read by primary key before and after the update, and the difference applied;
* a reparse moves the releases whose category changed; an import or hand-written SQL recounts everything.

A missing category or section is stored as ``''`` (key columns cannot be NULL); readers turn it back into NULL.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import duckdb
import pyarrow as pa

from scenewatch.store import group_prior, lookup, views

TABLE = "daily_volume"  # created and first filled by schema migration 4
# What counts as a scene release with a known pre time: the rule of every volume (scenewatch.analysis.volume).
COUNTED = "scene AND pre_at IS NOT NULL"

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


def counted(con: duckdb.DuckDBPyConnection, ids: list[int]) -> Counter[tuple[Any, str, str]]:
    """How many of these releases each roll-up row counts now (call before and after changing them)."""
    if not ids:
        return Counter()
    columns = "SELECT CAST(pre_at AS DATE), coalesce(category, ''), coalesce(section, '') FROM releases"
    if len(ids) <= 4 * lookup.PER_STATEMENT:  # through the primary-key index (store.lookup)
        found: Counter[tuple[Any, str, str]] = Counter()
        for listed in lookup.id_lists(ids):
            found.update(con.execute(f"{columns} WHERE id IN ({listed}) AND {COUNTED}").fetchall())
        return found
    con.register("rollup_ids", pa.table({"id": pa.array(ids, pa.uint64())}))
    try:
        return Counter(con.execute(f"{columns} SEMI JOIN rollup_ids USING (id) WHERE {COUNTED}").fetchall())
    finally:
        views.unregister(con, "rollup_ids")


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
