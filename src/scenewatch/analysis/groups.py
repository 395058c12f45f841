"""Group activity around a date: the groups that were releasing before an event and stopped at it."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import ts, with_warnings
from scenewatch.analysis.dormancy import RELIST_FILTER
from scenewatch.analysis.volume import COUNTED, data_span
from scenewatch.store import Database


def silent_groups(
    db: Database, event: date, *, before_days: int = 28, after_days: int | None = 28, min_releases: int = 10,
    relist_years: int = 2,
) -> pd.DataFrame:  # fmt: skip
    """Groups active before ``event`` (at least ``min_releases`` in the ``before_days`` before it) and silent
    after it: no release in the ``after_days`` from it (None: up to the last day the store holds).

    A release whose name carries a year more than ``relist_years`` before its pre time's year is a re-listing of an
    old title (feeds list such titles late) and counts neither as activity nor as a sign of life. Columns: group,
    releases_before, last_pre, main_category, share_of_window (of all the window's releases before the event).
    Refuses (ValueError) an event with no release in the period before it.
    """
    first, last = data_span(db)
    if first is None or last is None or event <= first:
        raise ValueError(f"no releases before {event} in this store (it holds {first} … {last}): nothing to compare")
    start = max(event - timedelta(days=min(before_days, (event - date.min).days)), first)
    end = last + timedelta(days=1)
    if after_days is not None:
        end = min(event + timedelta(days=after_days), end)
    sql = f"""
        WITH w AS (
            SELECT grp, pre_at, category FROM releases
            WHERE {COUNTED} AND grp IS NOT NULL AND pre_at >= ? AND pre_at < ? AND {RELIST_FILTER}
        ),
        before AS (
            SELECT grp, count(*) AS releases_before, max(pre_at) AS last_pre, mode(category) AS main_category
            FROM w WHERE pre_at < ? GROUP BY grp
        ),
        after AS (SELECT DISTINCT grp FROM w WHERE pre_at >= ?)
        SELECT b.grp AS "group", b.releases_before, b.last_pre, b.main_category,
               b.releases_before / (SELECT count(*) FROM w WHERE pre_at < ?) AS share_of_window
        FROM before b LEFT JOIN after a USING (grp)
        WHERE a.grp IS NULL AND b.releases_before >= ?
        ORDER BY b.releases_before DESC, "group"
    """
    frame = db.query(sql, [ts(start), ts(end), relist_years, ts(event), ts(event), ts(event), min_releases])
    warnings = []
    if end <= event:
        warnings.append(f"the store ends on {last}, before {event}: no day after the event to be silent in")
    return with_warnings(frame, warnings)
