"""``group_prior``: how many releases each group announced in each section, kept current by every write.

The raw facts behind the parser's group prior (scenewatch.names.GroupPrior): one row per (group, section) with the
releases the store holds. Which sections name one category is the parser's vocabulary (``names/data/sections.tsv``),
applied when the prior is built from these counts (scenewatch.group_prior), so a change of that table needs no
migration. Kept like ``daily_volume`` (scenewatch.store.rollup calls in here): releases a write creates add their
counts; an import, a reparse or hand-written SQL recount everything; a bulk load's end counts the releases its
merges give a first section. A release that gets its first section when seen again in a smaller write is counted
at the next recount.
"""

from __future__ import annotations

import duckdb

TABLE = "group_prior"  # created and first filled by schema migration 8

_COUNT = """
SELECT grp, section, count(*) AS releases FROM {source}
WHERE grp IS NOT NULL AND section IS NOT NULL AND grp <> '' AND section <> ''
GROUP BY ALL
"""


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recount every group's sections from ``releases``."""
    con.execute(f"DELETE FROM {TABLE}").fetchall()
    con.execute(f"INSERT INTO {TABLE} {_COUNT.format(source='releases')}").fetchall()


def add_created(con: duckdb.DuckDBPyConnection, created: str) -> None:
    """Add the releases of the relation ``created`` (rows just inserted into ``releases``)."""
    con.execute(f"""
        INSERT INTO {TABLE} {_COUNT.format(source=created)}
        ON CONFLICT DO UPDATE SET releases = {TABLE}.releases + excluded.releases
    """).fetchall()


def add_first_sections(con: duckdb.DuckDBPyConnection, seen: str) -> None:
    """Count the stored releases that the relation ``seen`` (``id``, ``section``; about to be merged) gives their
    first section."""
    con.execute(f"""
        INSERT INTO {TABLE}
        SELECT releases.grp, seen.section, count(*) FROM releases JOIN {seen} ON releases.id = seen.id
        WHERE releases.section IS NULL AND seen.section IS NOT NULL AND seen.section <> ''
            AND releases.grp IS NOT NULL AND releases.grp <> ''
        GROUP BY ALL
        ON CONFLICT DO UPDATE SET releases = {TABLE}.releases + excluded.releases
    """).fetchall()


def counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """Every ``(group, section, releases)`` row."""
    return [(g, s, int(n)) for g, s, n in con.execute(f"SELECT grp, section, releases FROM {TABLE}").fetchall()]
