"""A window of releases copied out of an Ibis backend into DuckDB in process, so that SQL written for the store runs
on it unchanged: race, dupes and fixes keep one definition (the work keys and format classes of
:mod:`scenewatch.analysis.works`, the rules of race/dupes/fixes) on DuckDB, ClickHouse and Spark.

Why rows and not a count table, as concentration and languages do: a work key normalises every title (Unicode NFKD
folding, DuckDB's ``strip_accents``), which Spark SQL has no function for and ClickHouse spells differently, so the
key cannot be computed in the engine without writing the normalisation again per dialect; and every keyed release
counts (firsts, dupe rates, unmatched revisions), so nothing can be summed before the key exists.

What crosses, then, is bounded by the window: the engine applies the filters (counted, category, ``since``/``until``,
a group and, for the work-key analyses, a title) and sends one row per release with only the 20 columns the SQL reads
— about 170 bytes a release as Arrow (a four-month window of ~17,000 releases is under 3 MB) — plus, for dupes, the
nuke events of those releases. A window of more than :data:`MAX_ROWS` releases is refused with a hint to narrow it,
rather than pulled into memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from scenewatch.analysis.volume import on_store

# About 500 MB of Arrow at ~170 bytes a release: years of today's predbs (~650,000 releases a year), about five days
# of a 10-billion-release history (~210 million a year).
MAX_ROWS = 3_000_000
# The store's types (store/schema.py) for the columns the race, dupes and fixes SQL reads. Engines hand back their
# own forms (ClickHouse: UTC-zoned times, non-null list items; Spark: unsigned ids as decimal(20, 0)); each column is
# cast to the store's, so DuckDB sees the same values and types as in the store and returns the same frames.
RELEASE_COLUMNS: dict[str, pa.DataType] = {
    "id": pa.uint64(), "name": pa.string(), "pre_at": pa.timestamp("us"), "scene": pa.bool_(), "grp": pa.string(),
    "category": pa.string(), "section": pa.string(), "title": pa.string(), "year": pa.int16(),
    "season": pa.int16(), "episode": pa.int16(), "air_date": pa.date32(), "platform": pa.string(),
    "version": pa.string(), "resolution": pa.string(), "source": pa.string(), "video_codec": pa.string(),
    "audio_codec": pa.string(), "language": pa.list_(pa.string()), "flags": pa.list_(pa.string()),
}  # fmt: skip
NUKE_COLUMNS: dict[str, pa.DataType] = {
    "id": pa.uint64(), "release_id": pa.uint64(), "action": pa.string(), "reason": pa.string(),
    "nuked_at": pa.timestamp("us"),
}  # fmt: skip


class LocalCopy:
    """DuckDB in process over tables copied from a backend, queried the way :meth:`Database.query` queries the store."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        """Wrap a connection that already holds the copied tables."""
        self.con = con

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return a DataFrame (as :meth:`Database.query` does)."""
        return self.con.execute(sql, params or []).df()


@contextmanager
def sql_source(
    db: Any, *, category: str | None = None, since: date | None = None, until: date | None = None,
    titled: bool = True, nukes: bool = False, max_rows: int = MAX_ROWS,
) -> Iterator[Any]:  # fmt: skip
    """What the store's SQL runs on: ``db`` itself when it is the store; for an Ibis backend, DuckDB in process with
    ``releases`` (the window's counted releases with a group; with a title when ``titled``) and, when ``nukes``, the
    ``nukes`` of those releases. The filters are the ones the SQL applies again, so the copy only has to hold them."""
    if on_store(db):
        yield db
        return
    window = _window(db, category=category, since=since, until=until, titled=titled)
    releases = _arrow(db, window.limit(max_rows + 1))
    if releases.num_rows > max_rows:
        raise ValueError(
            f"more than {max_rows:,} releases in the window: race, dupes and fixes copy a window's releases out of the "
            "backend; narrow it with --since/--until or --category"
        )
    with duckdb.connect() as local:
        local.execute("SET TimeZone = 'UTC'")
        local.execute("SET enable_progress_bar = false")  # a 3M-row window may pass 2 s: no bar on stdout
        local.register("releases", _conform(releases, RELEASE_COLUMNS))
        if nukes:
            local.register("nukes", _conform(_window_nukes(db, window), NUKE_COLUMNS))
        yield LocalCopy(local)


def _window(db: Any, *, category: str | None, since: date | None, until: date | None, titled: bool) -> Any:
    """The Ibis expression of the window's releases, with the columns of :data:`RELEASE_COLUMNS`."""
    from scenewatch.analysis import portable

    t = portable.counted(db.table("releases"), category=category, since=since, until=until)
    t = t.filter(t.grp.notnull(), t.title.notnull()) if titled else t.filter(t.grp.notnull())
    return t.select(*RELEASE_COLUMNS)


def _window_nukes(db: Any, window: Any) -> pa.Table:
    """The nuke events of the window's releases (none when the backend has no ``nukes`` table)."""
    from scenewatch.analysis import portable

    events = portable._nukes_table(db)
    if events is None:
        return pa.table({c: pa.array([], t) for c, t in NUKE_COLUMNS.items()})
    return _arrow(db, events.filter(events.release_id.isin(window.id)).select(*NUKE_COLUMNS))


def _arrow(db: Any, expr: Any) -> pa.Table:
    """The rows of ``expr`` as Arrow. Spark (PySpark 4) collects them as Arrow batches: Ibis goes through pandas there,
    row by row (a 16-week window of 59,000 releases: 4.4 s that way, 1.6 s this way; 512,000 releases: 22 s, 2-3 s)."""
    if getattr(db, "name", None) == "pyspark":
        frame = db.raw_sql(db.compile(expr))
        if hasattr(frame, "toArrow"):  # PySpark >= 4.0
            return frame.toArrow()
    return expr.to_pyarrow()


def _conform(table: pa.Table, columns: dict[str, pa.DataType]) -> pa.Table:
    """``table`` with the store's column types (a zoned time is UTC already: casting drops only the zone)."""
    return pa.table({name: table.column(name).cast(kind) for name, kind in columns.items()})
