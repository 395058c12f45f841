"""``releases.nuked``: whether a release is nuked now, kept exact by every write.

The rule: a release is nuked when its latest nuke, modnuke or unnuke is a nuke or modnuke (an unnuke clears it;
delpre/undelpre are history, not nuke state). "Latest" is by ``nuked_at``, an event without a time being older than
any with one; events at the same moment follow :data:`ACTIONS` (nuke, then modnuke, then unnuke), then the event id,
so exactly one event is the latest on every engine. Search (``@nuked``), a release's page and the nuke rates all use
this rule.

Why a column: deciding the rule takes a window over every nuke (~150 ms at 18.6 million releases), and a search
for the newest nuked releases paid that on every page; with the column the page is a pruned top-N scan (~1 ms).
A write stores its nuke events first; the releases it creates get the column from the events already stored (a
nuke seen before its pre, or in the same batch), and stored releases that the new events concern are updated. A
Parquet import and :meth:`Database.refresh_rollups` recompute it for every release.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from scenewatch.store import views

# The events that set a release's nuke state, in the order they follow one another (ties in time: later wins).
ACTIONS = ("nuke", "modnuke", "unnuke")
NUKED = ("nuke", "modnuke")
_ACTIONS_SQL = "(" + ", ".join(f"'{a}'" for a in ACTIONS) + ")"
NUKED_SQL = "(" + ", ".join(f"'{a}'" for a in NUKED) + ")"
_RANK_SQL = "CASE action " + " ".join(f"WHEN '{a}' THEN {i}" for i, a in enumerate(ACTIONS)) + " END"


def latest_nukes_sql(only: str = "") -> str:
    """Each release's latest nuke-type event (the rule above) as a relation of ``nukes``' columns.

    ``only`` is a join restricting the releases, e.g. ``"SEMI JOIN ids ON nukes.release_id = ids.id"``.
    """
    return f"""(
        SELECT nukes.* FROM nukes {only} WHERE action IN {_ACTIONS_SQL}
        QUALIFY row_number() OVER (PARTITION BY release_id ORDER BY nuked_at IS NOT NULL DESC, nuked_at DESC,
                                   {_RANK_SQL} DESC, id DESC) = 1
    )"""


LATEST_NUKES_SQL = latest_nukes_sql()
NUKED_IDS_SQL = f"(SELECT release_id FROM {LATEST_NUKES_SQL} WHERE action IN {NUKED_SQL})"


def with_nuked(batch: str) -> str:
    """A SELECT of the relation ``batch`` (releases about to be created) with the column ``nuked`` added (events are
    written before releases, so a nuke seen before its pre, or in the same batch, is already there)."""
    only = f"SEMI JOIN {batch} ON nukes.release_id = {batch}.id"
    return (
        f"SELECT {batch}.*, {batch}.id IN (SELECT release_id FROM {latest_nukes_sql(only)} "
        f"WHERE action IN {NUKED_SQL}) AS nuked FROM {batch}"
    )


def refresh(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> None:
    """Recompute ``releases.nuked`` for stored releases that new nuke events concern."""
    targets = sorted({int(i) for i in ids})
    if not targets:
        return
    con.register("nuked_ids", pa.table({"id": pa.array(targets, pa.uint64())}))
    try:  # one statement, a hash join: the releases have no index on their id (schema 9)
        latest = latest_nukes_sql("SEMI JOIN nuked_ids ON nukes.release_id = nuked_ids.id")
        con.execute(
            f"UPDATE releases SET nuked = id IN (SELECT release_id FROM {latest} WHERE action IN {NUKED_SQL}) "
            "WHERE id IN (SELECT id FROM nuked_ids)"
        ).fetchall()
    finally:
        views.unregister(con, "nuked_ids")


def recompute_all(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``releases.nuked`` for every release (after an import or hand-written SQL)."""
    con.execute(f"UPDATE releases SET nuked = (id IN {NUKED_IDS_SQL})").fetchall()
