"""A large ingest: stored releases told apart in memory, and the work that must find them by id done once, at the end.

Why: the releases have no index on their id (schema 9), so finding stored releases is a join that scans the id
column (~0.1 s at 30 million). A large ingest would pay that for every batch that announces a release again.
Instead the writer knows every stored id (:class:`StoredIds`: a Bloom filter in front of sorted runs, 8 bytes an
id, read from the store at the start: ~1 s at 30 million), inserts new releases plainly and keeps what needs stored
releases found by id in two tables, committed with the batches: ``bulk_merges`` (releases seen again, merged at the
end by the store's merge rules, in the order they came) and ``bulk_nuked`` (stored releases whose nuke state new
events may change). :func:`finish` applies both with one join each and moves the roll-up's counts; a store left by
a crash in between is finished when it is next opened for writing (``Database.__init__``), so the ingest resumes
on a complete store. (Until schema 9 this also held the releases' primary-key index back until the end.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa

from scenewatch.store import batch, group_prior, nuked, rollup, views
from scenewatch.store.known import KnownIds

MERGES = "bulk_merges"
NUKED = "bulk_nuked"
# A run of sorted ids is not merged past this size: merging two runs of 30M ids would hold three copies at once.
_LARGEST_RUN = 8_000_000


class StoredIds:
    """Every release id stored during a bulk load: a Bloom filter in front of sorted runs of ids (exact)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._runs: list[np.ndarray] = []
        self._filter = KnownIds(1 << 20)
        # Read in chunks into one array, sorted in place: fetching all at once held three copies of the ids at the
        # start of a large ingest (the main process peaked at 1.9 GiB with 30.5M stored, against ~1.1 GiB after).
        count = int(con.execute("SELECT count(*) FROM releases").fetchall()[0][0])
        stored = np.empty(count, dtype=np.uint64)
        filled = 0
        for chunk in con.sql("SELECT id FROM releases").to_arrow_reader(1 << 20):
            part = chunk.column(0).to_numpy()
            stored[filled : filled + len(part)] = part
            filled += len(part)
        if filled:
            stored = stored[:filled]
            stored.sort()
            self._add_sorted(stored)

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
        if len(ids):
            self._add_sorted(np.sort(ids))

    def _add_sorted(self, ids: np.ndarray) -> None:
        if self._filter.count + len(ids) > self._filter.capacity:
            grown = KnownIds(2 * (self._filter.count + len(ids)))
            for run in self._runs:
                grown.add(run)
            self._filter = grown
        self._filter.add(ids)
        self._runs.append(ids)
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


def begin(con: duckdb.DuckDBPyConnection) -> BulkLoad:
    """Start a bulk load: the tables that keep what waits for its end."""
    columns = ", ".join(f"{c} {t}" for c, t in _merged_types(con).items())
    with _transaction(con):
        con.execute(f"CREATE TABLE {MERGES} (id UBIGINT NOT NULL, {columns}, seq BIGINT NOT NULL)").fetchall()
        con.execute(f"CREATE TABLE {NUKED} (id UBIGINT NOT NULL)").fetchall()
    return BulkLoad(con)


def in_progress(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a bulk load was begun and not finished (its tables exist)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [MERGES]).fetchall()[0][0])


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the deferred merges (moving the roll-up's counts) and nuke states, then drop the bulk load's tables."""
    merged = ", ".join(f"{rule} AS {column}" for column, rule in batch.MERGED_AGGREGATES.items())
    seen = f"(SELECT id, {merged} FROM {MERGES} GROUP BY id) seen"
    changes = batch.merge_changes("releases", "seen")
    with _transaction(con):
        if con.execute(f"SELECT count(*) FROM {MERGES}").fetchall()[0][0]:
            keyed = ("pre_at", "section", "scene")
            after = {c: batch.MERGED_COLUMNS[c].format(old="releases", new="seen") for c in keyed}
            before_after = f"{rollup.row_of('releases')}, {rollup.row_of('releases', after)}"
            moves = con.execute(  # grouped: a large load may change hundreds of thousands of releases
                f"SELECT {before_after}, count(*) FROM releases JOIN {seen} ON releases.id = seen.id "
                f"WHERE {changes} GROUP BY ALL"
            ).fetchall()
            group_prior.add_first_sections(con, seen)  # before the update: it reads the sections stored now
            con.execute(
                f"UPDATE releases SET {batch.merged_assignments('releases', 'seen')} FROM {seen} "
                f"WHERE releases.id = seen.id AND {changes}"
            ).fetchall()
            rollup.apply(con, rollup.moves(moves))
        if con.execute(f"SELECT count(*) FROM {NUKED}").fetchall()[0][0]:
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
