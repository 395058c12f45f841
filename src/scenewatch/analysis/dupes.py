"""Dupes: later releases of a work in a format class that already had one, per group/section/category, and how
often they were nuked.

Every non-revision, non-INTERNAL release with a work key is ranked within its work + format class by pre time; all
but the first are dupes (whoever released them). A release counts as nuked by the store's one rule
(:mod:`scenewatch.store.nuked`: its latest nuke, modnuke or unnuke is a nuke or modnuke, ties broken the same way on
every engine); ``nuke_reason`` is that nuke's reason and ``nuked_for_dupe`` further needs "dupe" in it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from scenewatch.analysis.volume import counted_filter
from scenewatch.analysis.window_copy import sql_source
from scenewatch.analysis.works import keyed_sql
from scenewatch.store import Database
from scenewatch.store.nuked import NUKED_SQL, latest_nukes_sql

DupeKey = Literal["group", "section", "category"]
_KEY = {"group": "grp", "section": "section", "category": "category"}


def _sql(where: str) -> str:
    return f"""
        WITH k AS ({keyed_sql(where)}),
        nk AS (
            SELECT release_id, reason FROM {latest_nukes_sql("SEMI JOIN k ON nukes.release_id = k.id")}
            WHERE action IN {NUKED_SQL}
        ),
        d AS (
            SELECT k.*, row_number() OVER w > 1 AS dupe, first_value(grp) OVER w AS first_grp,
                   first_value(name) OVER w AS first_name, first_value(pre_at) OVER w AS first_at,
                   nk.release_id IS NOT NULL AS nuked, nk.reason AS nuke_reason
            FROM k LEFT JOIN nk ON nk.release_id = k.id
            WHERE NOT k.revision AND NOT k.internal
            WINDOW w AS (PARTITION BY work, fmt ORDER BY pre_at, id)
        )
    """


def dupes(
    db: Database, by: DupeKey = "group", *, category: str | None = None, since: date | None = None,
    until: date | None = None, min_releases: int = 20, limit: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per group (or section, category): releases, dupes, dupe_rate, dupes_nuked, dupe_nuke_rate, nuked_for_dupe,
    first_nuke_rate (nuke rate of the non-dupes, for comparison); most dupes first.

    attrs: ``dupe_rate``, ``dupe_nuke_rate``, ``first_nuke_rate`` over everything counted.
    """
    if by not in _KEY:
        raise ValueError(f"by must be one of {', '.join(_KEY)}, not {by!r}")
    where, params = counted_filter(category=category, since=since, until=until)
    sql = _sql(where) + f"""
        SELECT coalesce({_KEY[by]}, '(none)') AS "{by}", count(*) AS releases, count(*) FILTER (WHERE dupe) AS dupes,
               count(*) FILTER (WHERE dupe AND nuked) AS dupes_nuked,
               count(*) FILTER (WHERE dupe AND nuked AND lower(nuke_reason) LIKE '%dupe%') AS nuked_for_dupe,
               count(*) FILTER (WHERE NOT dupe AND nuked) AS firsts_nuked
        FROM d GROUP BY 1
    """
    with sql_source(db, category=category, since=since, until=until, nukes=True) as source:
        frame = source.query(sql, params)
    for column in ("releases", "dupes", "dupes_nuked", "nuked_for_dupe", "firsts_nuked"):
        frame[column] = frame[column].astype("int64")
    totals = frame[["releases", "dupes", "dupes_nuked", "firsts_nuked"]].sum()
    frame.attrs["dupe_rate"] = float(totals["dupes"] / totals["releases"]) if totals["releases"] else float("nan")
    frame.attrs["dupe_nuke_rate"] = float(totals["dupes_nuked"] / totals["dupes"]) if totals["dupes"] else float("nan")
    firsts = totals["releases"] - totals["dupes"]
    frame.attrs["first_nuke_rate"] = float(totals["firsts_nuked"] / firsts) if firsts else float("nan")
    frame = frame[frame["releases"] >= min_releases].copy()
    frame["dupe_rate"] = frame["dupes"] / frame["releases"]
    frame["dupe_nuke_rate"] = frame["dupes_nuked"] / frame["dupes"].where(frame["dupes"] > 0)
    first = frame["releases"] - frame["dupes"]
    frame["first_nuke_rate"] = frame["firsts_nuked"] / first.where(first > 0)
    frame = frame.drop(columns="firsts_nuked").sort_values(["dupes", by], ascending=[False, True])
    frame = frame[[by, "releases", "dupes", "dupe_rate", "dupes_nuked", "dupe_nuke_rate", "nuked_for_dupe",
                   "first_nuke_rate"]]  # fmt: skip
    return frame.head(limit).reset_index(drop=True) if limit else frame.reset_index(drop=True)


def dupe_releases(
    db: Database, *, category: str | None = None, group: str | None = None, since: date | None = None,
    until: date | None = None, limit: int | None = 100,
) -> pd.DataFrame:  # fmt: skip
    """The dupes themselves, newest first: name, group, pre_at, work, format, first_group, first_name,
    hours_after (the first release), nuked, nuke_reason."""
    where, params = counted_filter(category=category, since=since, until=until)
    extra = ""
    if group:
        extra = " AND lower(grp) = lower(?)"
        params.append(group)
    sql = _sql(where) + f"""
        SELECT name, grp AS "group", pre_at, work, fmt AS format, first_grp AS first_group, first_name,
               epoch(pre_at - first_at) / 3600.0 AS hours_after, nuked, nuke_reason
        FROM d WHERE dupe {extra} ORDER BY pre_at DESC, name {"LIMIT " + str(int(limit)) if limit else ""}
    """
    with sql_source(db, category=category, since=since, until=until, nukes=True) as source:
        return source.query(sql, params)
