"""Fixes: PROPER / REPACK / RERIP / REAL releases, whose release they fix, and how fast.

The fixed release of a revision is the first non-revision release of the same work + format class pre'd before it
(see :mod:`scenewatch.analysis.works`; at the same second, the first by name); a fix "of another group" is one whose
fixed release is by a different group. Revisions with no earlier release in the window are counted as ``unmatched``
(attrs).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from scenewatch.analysis.volume import counted_filter
from scenewatch.analysis.window_copy import sql_source
from scenewatch.analysis.works import keyed_sql
from scenewatch.store import Database

FixView = Literal["fixer", "pair"]


def _sql(where: str) -> str:
    return f"""
        WITH k AS ({keyed_sql(where)}),
        firsts AS (
            SELECT work, fmt, arg_min(grp, (pre_at, name)) AS fixed_grp, min(pre_at) AS fixed_at,
                   arg_min(name, (pre_at, name)) AS fixed_name
            FROM k WHERE NOT revision GROUP BY work, fmt
        ),
        f AS (
            SELECT k.name, k.grp, k.pre_at, k.work, k.fmt, k.category, k.flags, firsts.fixed_grp, firsts.fixed_at,
                   firsts.fixed_name,
                   firsts.fixed_grp IS NOT NULL AND lower(firsts.fixed_grp) <> lower(k.grp) AS other,
                   epoch(k.pre_at - firsts.fixed_at) / 3600.0 AS hours,
                   CASE WHEN list_contains(k.flags, 'PROPER') THEN 'PROPER'
                        WHEN list_contains(k.flags, 'REPACK') THEN 'REPACK'
                        WHEN list_contains(k.flags, 'RERIP') THEN 'RERIP' ELSE 'REAL' END AS kind
            FROM k LEFT JOIN firsts ON firsts.work = k.work AND firsts.fmt = k.fmt AND firsts.fixed_at <= k.pre_at
            WHERE k.revision
        )
    """


def fixes(
    db: Database, by: FixView = "fixer", *, category: str | None = None, since: date | None = None,
    until: date | None = None, min_fixes: int = 1, limit: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Who fixes whose releases.

    ``by="fixer"``: per fixing group: fixes, of_others, of_own, propers, repacks, median_hours_others (from the
    fixed release to the fix), median_hours_own, top_fixed (the other group it fixed most; ties by name).
    ``by="pair"``: per fixer and fixed group: fixes, median_hours, propers, repacks. Most fixes of others first.
    attrs: ``revisions``, ``unmatched`` (revisions with no earlier release of the work in the window).
    """
    if by not in ("fixer", "pair"):
        raise ValueError(f"by must be fixer or pair, not {by!r}")
    where, params = counted_filter(category=category, since=since, until=until)
    base = _sql(where)
    if by == "fixer":
        sql = base + """,
            tops AS (
                SELECT grp, arg_min(fixed_grp, (-n, fixed_grp)) AS top_fixed FROM (
                    SELECT grp, fixed_grp, count(*) AS n FROM f WHERE other AND fixed_grp IS NOT NULL GROUP BY ALL
                ) GROUP BY grp
            )
            SELECT f.grp AS fixer, count(*) AS fixes, count(*) FILTER (WHERE other) AS of_others,
                   count(*) FILTER (WHERE NOT other) AS of_own,
                   count(*) FILTER (WHERE kind = 'PROPER') AS propers,
                   count(*) FILTER (WHERE kind = 'REPACK') AS repacks,
                   median(hours) FILTER (WHERE other) AS median_hours_others,
                   median(hours) FILTER (WHERE NOT other) AS median_hours_own, any_value(tops.top_fixed) AS top_fixed
            FROM f LEFT JOIN tops ON tops.grp = f.grp WHERE f.fixed_grp IS NOT NULL
            GROUP BY f.grp HAVING count(*) >= ? ORDER BY of_others DESC, fixes DESC, fixer
        """
        int_columns = ("fixes", "of_others", "of_own", "propers", "repacks")
    else:
        sql = base + """
            SELECT grp AS fixer, fixed_grp AS fixed, count(*) AS fixes, median(hours) AS median_hours,
                   count(*) FILTER (WHERE kind = 'PROPER') AS propers,
                   count(*) FILTER (WHERE kind = 'REPACK') AS repacks
            FROM f WHERE fixed_grp IS NOT NULL AND other
            GROUP BY ALL HAVING count(*) >= ? ORDER BY fixes DESC, fixer, fixed
        """
        int_columns = ("fixes", "propers", "repacks")
    with sql_source(db, category=category, since=since, until=until) as source:
        counted = "SELECT count(*) AS n, count(*) FILTER (WHERE fixed_grp IS NULL) AS u FROM f"
        counts = source.query(base + counted, params)
        frame = source.query(sql, [*params, int(min_fixes)])
    for column in int_columns:
        frame[column] = frame[column].astype("int64")
    if limit:
        frame = frame.head(limit).reset_index(drop=True)
    frame.attrs["revisions"] = int(counts["n"].iloc[0])
    frame.attrs["unmatched"] = int(counts["u"].iloc[0])
    return frame


def fix_releases(
    db: Database, *, category: str | None = None, group: str | None = None, since: date | None = None,
    until: date | None = None, limit: int | None = 100,
) -> pd.DataFrame:  # fmt: skip
    """The revisions themselves, newest first: name, group, kind, pre_at, fixed_group, fixed_name, hours, other."""
    where, params = counted_filter(category=category, since=since, until=until)
    extra = ""
    if group:
        extra = " AND lower(grp) = lower(?)"
        params.append(group)
    sql = _sql(where) + f"""
        SELECT name, grp AS "group", kind, pre_at, fixed_grp AS fixed_group, fixed_name, hours, other
        FROM f WHERE TRUE {extra} ORDER BY pre_at DESC, name {"LIMIT " + str(int(limit)) if limit else ""}
    """
    with sql_source(db, category=category, since=since, until=until) as source:
        return source.query(sql, params)
