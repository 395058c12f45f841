"""Loading a dump into an empty store without the releases' primary-key index, then building it once.

Why: an ART index grown one batch at a time by random keys is the largest part of a big ingest's cost. At 30 million
releases it takes ~1.45 GiB of memory (~49 bytes a key) and slows every batch and commit as it grows; built in one
go at the end it takes ~10 s and ~35 bytes a key. While the index is away the writer keeps releases unique itself:
it knows every id it stored (:class:`StoredIds`, 8 bytes an id, behind the Bloom filter), so it inserts new
releases plainly. Work that needs to find stored releases by id waits in two tables, committed with the batches:
``bulk_merges`` (releases seen again, merged at the end by the store's merge rules, in the order they came) and
``bulk_nuked`` (stored releases whose nuke state new events may change). :func:`finish` builds the index (a
unique index, ``releases_id``: adding a primary key to a filled table held another ~800 MB while committing),
applies both and recounts the roll-up; a store left by a crash in between is finished when it is next opened for
writing (``Database.__init__``), so the ingest resumes on a complete store.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa

from scenewatch.store import batch, nuked, rollup, views
from scenewatch.store.known import KnownIds

MERGES = "bulk_merges"
NUKED = "bulk_nuked"
INDEX = "releases_id"
# Memory for building the index: what it takes once built (~33 bytes a key at 28.5M ids) plus an allowance for
# the rest of the end (measured: 28.5M ids, 950 MiB of index, built in 10 s with a 1.2 GB cap).
BUILT_INDEX_BYTES_PER_KEY = 36
BUILD_ALLOWANCE = 256 << 20
# A run of sorted ids is not merged past this size: merging two runs of 30M ids would hold three copies at once.
_LARGEST_RUN = 8_000_000


class StoredIds:
    """Every release id stored during a bulk load: a Bloom filter in front of sorted runs of ids (exact)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._runs: list[np.ndarray] = []
        self._filter = KnownIds(1 << 20)
        stored = con.sql("SELECT id FROM releases").fetchnumpy()["id"]
        if len(stored):
            self.add(np.asarray(stored, dtype=np.uint64))

    def stored(self, ids: np.ndarray) -> np.ndarray:
        """For each id: whether it is stored."""
        found = self._filter.maybe(ids)
        if found.any():
            maybe = ids[found]
            exact = np.zeros(len(maybe), dtype=bool)
            for run in self._runs:
                at = np.minimum(np.searchsorted(run, maybe), len(run) - 1)
                exact |= run[at] == maybe
            found[found] = exact
        return found

    def add(self, ids: np.ndarray) -> None:
        """Note ids just stored (new, distinct)."""
        if not len(ids):
            return
        if self._filter.count + len(ids) > self._filter.capacity:
            grown = KnownIds(2 * (self._filter.count + len(ids)))
            for run in self._runs:
                grown.add(run)
            self._filter = grown
        self._filter.add(ids)
        self._runs.append(np.sort(ids))
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            if len(self._runs[-2]) + len(self._runs[-1]) > _LARGEST_RUN:
                break
            last = self._runs.pop()
            merged = np.concatenate([self._runs.pop(), last])
            merged.sort()
            self._runs.append(merged)


class BulkLoad:
    """The state of a bulk load in progress (see the module docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.ids = StoredIds(con)
        self.sequence = int(con.execute(f"SELECT coalesce(max(seq), 0) FROM {MERGES}").fetchall()[0][0])

    def defer_merge(self, con: duckdb.DuckDBPyConnection, seen_again: pa.Table) -> None:
        """Keep the rows of releases seen again, to merge into the stored ones at the end, in this order."""
        self.sequence += 1
        columns = ", ".join(batch.MERGED_COLUMNS)
        con.register("seen_again", seen_again)
        try:
            con.execute(f"INSERT INTO {MERGES} SELECT id, {columns}, {self.sequence} FROM seen_again").fetchall()
        finally:
            views.unregister(con, "seen_again")

    def defer_nuked(self, con: duckdb.DuckDBPyConnection, ids: np.ndarray) -> None:
        """Keep the ids of stored releases whose nuke state new events may change."""
        if len(ids):
            con.register("nuke_targets", pa.table({"id": pa.array(ids, pa.uint64())}))
            try:
                con.execute(f"INSERT INTO {NUKED} SELECT id FROM nuke_targets").fetchall()
            finally:
                views.unregister(con, "nuke_targets")


def begin(con: duckdb.DuckDBPyConnection) -> BulkLoad | None:
    """Drop the releases' primary key for a bulk load, if the store holds no release (None: it holds some)."""
    if int(con.execute("SELECT count(*) FROM releases").fetchall()[0][0]):
        return None
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'releases'").fetchall()[0][0]
    # The key is inline as the schema created it (a table constraint had it been added by ALTER TABLE); after a
    # bulk load the ids are kept unique by the index finish() built instead, which DROP TABLE drops.
    ddl = re.sub(r",\s*PRIMARY KEY\s*\(\s*id\s*\)", "", re.sub(r"\bid UBIGINT PRIMARY KEY\b", "id UBIGINT", ddl))
    if "PRIMARY KEY" in ddl.upper():
        raise RuntimeError(f"releases: unexpected table definition for a bulk load: {ddl}")
    columns = ", ".join(f"{c} {t}" for c, t in _merged_types(con).items())
    with _transaction(con):
        con.execute("DROP TABLE releases").fetchall()
        con.execute(ddl).fetchall()
        con.execute(f"CREATE TABLE {MERGES} (id UBIGINT NOT NULL, {columns}, seq BIGINT NOT NULL)").fetchall()
        con.execute(f"CREATE TABLE {NUKED} (id UBIGINT NOT NULL)").fetchall()
    return BulkLoad(con)


def in_progress(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a bulk load was begun and not finished (its tables exist)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [MERGES]).fetchall()[0][0])


def build_memory(keys: int) -> int:
    """DuckDB's memory cap while :func:`finish` builds the index of ``keys`` releases."""
    return BUILD_ALLOWANCE + BUILT_INDEX_BYTES_PER_KEY * keys


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Build the releases' unique index, apply the deferred merges and nuke states, recount the roll-up."""
    merged = ", ".join(f"{rule} AS {column}" for column, rule in batch.MERGED_AGGREGATES.items())
    with _transaction(con):
        con.execute(f"CREATE UNIQUE INDEX {INDEX} ON releases (id)").fetchall()
        if con.execute(f"SELECT count(*) FROM {MERGES}").fetchall()[0][0]:
            con.execute(
                f"UPDATE releases SET {batch.merged_assignments('releases', 'seen')} "
                f"FROM (SELECT id, {merged} FROM {MERGES} GROUP BY id) seen "
                f"WHERE releases.id = seen.id AND {batch.merge_changes('releases', 'seen')}"
            ).fetchall()
            rollup.rebuild(con)
        con.execute(
            f"UPDATE releases SET nuked = (id IN {nuked.NUKED_IDS_SQL}) WHERE id IN (SELECT id FROM {NUKED})"
        ).fetchall()
        con.execute(f"DROP TABLE {MERGES}").fetchall()
        con.execute(f"DROP TABLE {NUKED}").fetchall()


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    con.execute("COMMIT").fetchall()


def _merged_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    sql = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'releases'"
    types = dict(con.execute(sql).fetchall())
    return {column: types[column] for column in batch.MERGED_COLUMNS}
