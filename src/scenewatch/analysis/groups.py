"""Group activity around a date."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis.volume import COUNTED
from scenewatch.store import Database


def silent_groups(
    db: Database, event: date, *, before_days: int = 28, after_days: int = 28, min_releases: int = 10
) -> pd.DataFrame:
    """Groups active before ``event`` (at least ``min_releases`` in the window) and silent after it.

    Columns: group, releases_before, last_pre, main_category, share_of_window (of all releases before).
    """
    start = event - timedelta(days=before_days)
    end = event + timedelta(days=after_days)
    sql = f"""
        WITH w AS (
            SELECT grp, pre_at, category FROM releases
            WHERE {COUNTED} AND grp IS NOT NULL AND pre_at >= ? AND pre_at < ?
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
        ORDER BY b.releases_before DESC
    """
    moments = [pd.Timestamp(d).to_pydatetime() for d in (start, end, event, event, event)]
    return db.query(sql, [*moments, min_releases])
