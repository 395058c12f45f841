"""Applying a prepared batch to the store, inside the caller's transaction.

Nuke events first (releases created afterwards get their nuke state from them), then the releases: new ones are
inserted, stored ones merged (``batch.MERGE_RELEASES``), ``daily_volume`` and ``releases.nuked`` kept exact;
then the sightings. With a :class:`~scenewatch.store.known.KnownIds` the releases it proves new, and their
sightings, are inserted without ON CONFLICT (a sighting's release is always stored with it, so a new release has
only new sightings); everything else takes the ON CONFLICT way.
"""

from __future__ import annotations

import contextlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.store import batch, nuked, rollup
from scenewatch.store.known import KnownIds


def apply(
    con: duckdb.DuckDBPyConnection, prepared: batch.PreparedBatch | None, nukes: pa.Table | None, known: KnownIds | None
) -> None:
    """Write the batch's nukes, releases and sightings (the caller holds the transaction)."""
    nuke_targets: set[int] = set()
    if nukes is not None and nukes.num_rows:
        con.register("incoming_nukes", nukes)
        try:
            con.execute(batch.INSERT_NUKES).fetchall()
            nuke_targets = {
                int(row[0])
                for row in con.execute("SELECT DISTINCT md5_number_lower(key_name) FROM incoming_nukes").fetchall()
            }
        finally:
            con.unregister("incoming_nukes")
    created = np.zeros(0, dtype=np.uint64)
    if prepared is not None and prepared.announcements:
        releases, sightings = prepared.releases, prepared.sightings
        if known is not None:
            fresh = ~known.maybe(releases.column("id").to_numpy())
            fresh_sightings = ~known.maybe(sightings.column("release_id").to_numpy())  # their releases' verdict
        else:
            fresh = np.zeros(releases.num_rows, dtype=bool)
            fresh_sightings = np.zeros(sightings.num_rows, dtype=bool)
        created = _releases(con, releases, fresh)
        _sightings(con, sightings, fresh_sightings)
        if known is not None:
            known.add(created)
    # Releases stored before that got nuke events.
    nuked.refresh(con, np.setdiff1d(np.fromiter(nuke_targets, np.uint64, len(nuke_targets)), created).tolist())


def _insert(con: duckdb.DuckDBPyConnection, sql: str, table: pa.Table, name: str) -> dict[str, np.ndarray]:
    con.register(name, table)
    try:
        result = con.execute(sql).fetchnumpy()
    except BaseException:
        # The failed statement aborted the transaction, and unregistering would then raise instead: the caller
        # must see the first error (a ConstraintException is the signal to write again without the bitmap).
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)
    return result


def _releases(con: duckdb.DuckDBPyConnection, releases: pa.Table, fresh: np.ndarray) -> np.ndarray:
    """Insert the new releases and merge the ones already stored; keep ``daily_volume`` exact.

    New and stored releases are told apart first (ON CONFLICT DO NOTHING RETURNING id), because the roll-up adds
    the new ones as they are and compares the stored ones' rows before and after the merge. Return the ids created.
    """
    created = np.zeros(0, dtype=np.uint64)
    if fresh.any():
        table = releases if fresh.all() else releases.filter(fresh)
        _insert(con, f"INSERT INTO releases BY NAME {nuked.with_nuked('fresh')}", table, "fresh")
        created = table.column("id").to_numpy()
    if not fresh.all():
        returned = _insert(
            con,
            f"INSERT INTO releases BY NAME {nuked.with_nuked('maybe')} ON CONFLICT DO NOTHING RETURNING id",
            releases.filter(~fresh) if fresh.any() else releases,
            "maybe",
        )["id"]
        created = np.concatenate([created, np.asarray(returned, dtype=np.uint64)])
    con.register("batch_releases", releases)
    try:
        present: list[int] = []
        if len(created) == releases.num_rows:  # the common case in a bulk ingest: every release is new
            rollup.add_created(con, "batch_releases")
        else:
            con.register("created_ids", pa.table({"id": pa.array(created, pa.uint64())}))
            try:
                rollup.add_created(con, "(SELECT * FROM batch_releases SEMI JOIN created_ids USING (id))")
                present = [int(row[0]) for row in con.execute(
                    "SELECT id FROM batch_releases ANTI JOIN created_ids USING (id)"
                ).fetchall()]  # fmt: skip
            finally:
                con.unregister("created_ids")
        if present:
            before = rollup.counted(con, present)
            # Picked out here: a semi join would convert every column of the whole batch for a few rows.
            merged = releases.filter(pc.is_in(releases.column("id"), pa.array(present, pa.uint64())))
            _insert(con, "INSERT INTO releases BY NAME SELECT * FROM merged " + batch.MERGE_RELEASES, merged, "merged")
            after = rollup.counted(con, present)
            after.subtract(before)
            rollup.apply(con, after)
    finally:
        con.unregister("batch_releases")
    return created


def _sightings(con: duckdb.DuckDBPyConnection, sightings: pa.Table, fresh: np.ndarray) -> None:
    """Insert the batch's sightings: those of releases just proven new plainly, the others unless already stored."""
    if fresh.any():
        table = sightings if fresh.all() else sightings.filter(fresh)
        _insert(con, "INSERT INTO sightings SELECT * FROM fresh", table, "fresh")
    if not fresh.all():
        rest = sightings.filter(~fresh) if fresh.any() else sightings
        _insert(con, "INSERT INTO sightings SELECT * FROM maybe ON CONFLICT DO NOTHING", rest, "maybe")
