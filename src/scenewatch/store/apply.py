"""Applying a prepared batch to the store, inside the caller's transaction.

Nuke events first (releases created afterwards get their nuke state from them), then the releases: new ones are
inserted, stored ones merged (``batch.MERGED_COLUMNS``), ``daily_volume`` and ``releases.nuked`` kept exact;
then the sightings. With a :class:`~scenewatch.store.known.KnownIds` the releases it proves new are inserted
plainly; the others are looked up by id first (store.lookup), the new ones inserted plainly too and the stored ones
merged: the rows the merge changes are updated. The releases have no primary key (schema 9): this is what keeps
their ids unique. Nor have the sightings (that index cost ~36 bytes of memory a sighting): a sighting's release is
always stored with it, so the sightings of releases created by this batch are new, and only the others are looked
up among the stored sightings of the same seen_at range (a sighting's id covers its seen_at, and the store is
mostly in time order, so the scan skips most of it).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.store import batch, lookup, nuked, rollup, views
from scenewatch.store.bulk import BulkLoad
from scenewatch.store.known import KnownIds


def apply(
    con: duckdb.DuckDBPyConnection,
    prepared: batch.PreparedBatch | None,
    nukes: pa.Table | None,
    known: KnownIds | None,
    bulk: BulkLoad | None = None,
) -> None:
    """Write the batch's nukes, releases and sightings (the caller holds the transaction).

    During a bulk load (store.bulk) the releases have no primary key: ``bulk`` knows which are stored, and merges
    and nuke-state updates of stored releases wait for its end.
    """
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
            views.unregister(con, "incoming_nukes")
    created = np.zeros(0, dtype=np.uint64)
    if prepared is not None and prepared.announcements:
        releases, sightings = prepared.releases, prepared.sightings
        if known is not None:
            fresh = ~known.maybe(releases.column("id").to_numpy())
        else:
            fresh = np.zeros(releases.num_rows, dtype=bool)
        created = _releases(con, releases, fresh, bulk)
        if len(created) == releases.num_rows:  # every release is new, so every sighting is
            new_sightings = np.ones(sightings.num_rows, dtype=bool)
        else:
            new_sightings = np.isin(sightings.column("release_id").to_numpy(), created)
        _sightings(con, sightings, new_sightings)
        if known is not None:
            known.add(created)
        if bulk is not None:
            bulk.ids.add(created)
    # Releases stored before that got nuke events.
    stored_targets = np.setdiff1d(np.fromiter(nuke_targets, np.uint64, len(nuke_targets)), created)
    if bulk is not None:
        bulk.defer_nuked(con, stored_targets)
    else:
        nuked.refresh(con, stored_targets.tolist())


def _insert(con: duckdb.DuckDBPyConnection, sql: str, table: pa.Table, name: str) -> None:
    con.register(name, table)
    try:
        con.execute(sql).fetchall()
    finally:
        # A failed statement aborts the transaction: the caller must see its error, not the one unregistering would
        # then raise.
        views.unregister(con, name)


def _releases(
    con: duckdb.DuckDBPyConnection, releases: pa.Table, fresh: np.ndarray, bulk: BulkLoad | None = None
) -> np.ndarray:
    """Insert the new releases and merge the ones already stored; keep ``daily_volume`` exact.

    New and stored releases are told apart first (the ids the bitmap could not clear are looked up by a join,
    store.lookup), because the roll-up adds the new ones as they are and compares the stored ones' rows before and
    after the merge. Return the ids created.
    """
    ids = releases.column("id").to_numpy()
    if bulk is not None:
        fresh = ~bulk.ids.stored(ids)
    elif not fresh.all():
        fresh = fresh | ~np.isin(ids, lookup.stored_ids(con, ids[~fresh]))
    if fresh.any():
        table = releases if fresh.all() else releases.filter(fresh)
        _insert(con, f"INSERT INTO releases BY NAME {nuked.with_nuked('fresh')}", table, "fresh")
    created = ids[fresh]
    con.register("batch_releases", releases)
    try:
        present = False
        if len(created) == releases.num_rows:  # the common case in a bulk ingest: every release is new
            rollup.add_created(con, "batch_releases")
        else:
            con.register("created_ids", pa.table({"id": pa.array(created, pa.uint64())}))
            try:
                rollup.add_created(con, "(SELECT * FROM batch_releases SEMI JOIN created_ids USING (id))")
            finally:
                views.unregister(con, "created_ids")
            present = bool((~fresh).any())
        if present and bulk is not None:
            bulk.defer_merge(con, releases.filter(~fresh))
        elif present:
            _merge(con, releases.filter(~fresh))
    finally:
        views.unregister(con, "batch_releases")
    return created


# Each changed release's roll-up row before the merge and after it, read with the rows the merge changes: finding
# them again after the update scanned the whole table once more than ~2,000 had changed (5.2 of the 27 s of 987k
# new rows into an 8M store, and it grows with the store).
_ROLLUP_BEFORE_AFTER = (
    rollup.row_of("releases")
    + ", "
    + rollup.row_of(
        "releases",
        {c: batch.MERGED_COLUMNS[c].format(old="releases", new="merged") for c in ("pre_at", "section", "scene")},
    )
)


def _merge(con: duckdb.DuckDBPyConnection, merged: pa.Table) -> None:
    """Merge releases seen again into the stored ones (batch.MERGED_COLUMNS), updating only rows the merge changes.

    Why not ``INSERT … ON CONFLICT DO UPDATE``: it needs a primary key (schema 9 has none), and at 30 million
    releases with one it took 300-400 ms for 200 rows (DuckDB fetched and rewrote every conflicting row). Here two
    hash joins find the changed rows (with their roll-up rows) and update them; most releases seen again change
    nothing.
    """
    con.register("merged", merged)
    try:
        changes = batch.merge_changes("releases", "merged")
        rows = con.execute(
            f"SELECT releases.id, {_ROLLUP_BEFORE_AFTER} FROM releases JOIN merged ON releases.id = merged.id "
            f"WHERE {changes}"
        ).fetchall()
        if not rows:
            return
        con.execute(
            f"UPDATE releases SET {batch.merged_assignments('releases', 'merged')} FROM merged "
            f"WHERE releases.id = merged.id AND {changes}"
        ).fetchall()
        rollup.apply(con, rollup.moves(row[1:] for row in rows))
    finally:
        views.unregister(con, "merged")


def _sightings(con: duckdb.DuckDBPyConnection, sightings: pa.Table, new: np.ndarray) -> None:
    """Insert the sightings of releases just created plainly, the others unless a stored sighting has their id."""
    if new.any():
        plain = sightings if new.all() else sightings.filter(new)
        _insert(con, "INSERT INTO sightings SELECT * FROM fresh", plain, "fresh")
    if not new.all():
        rest = sightings.filter(~new) if new.any() else sightings
        _insert(con, _INSERT_UNSEEN.format(stored=_stored_sightings_like(rest)), rest, "maybe")


_INSERT_UNSEEN = "INSERT INTO sightings SELECT * FROM maybe ANTI JOIN ({stored}) stored USING (id)"


def _stored_sightings_like(rest: pa.Table) -> str:
    """The ids of stored sightings with a seen_at in the range of ``rest``'s: the only ones its ids can match."""
    seen = rest.column("seen_at")
    parts = []
    bounds = pc.min_max(seen)
    if bounds["min"].is_valid:
        low, high = (bounds[end].as_py().isoformat(sep=" ") for end in ("min", "max"))
        # Literals, not parameters: DuckDB skips row groups by their min/max only for constant bounds.
        parts.append(f"SELECT id FROM sightings WHERE seen_at BETWEEN TIMESTAMP '{low}' AND TIMESTAMP '{high}'")
    if seen.null_count:
        parts.append("SELECT id FROM sightings WHERE seen_at IS NULL")
    return " UNION ALL ".join(parts)
