"""Nuke rates and reason classes per group or section.

A release counts as nuked by the rule of :mod:`scenewatch.store.nuked` (its latest nuke, modnuke or unnuke is a nuke
or modnuke; timeless events are the oldest; same-moment ties by action, then event id), the same rule search and a
release's page use. Reasons are sorted into classes by the first matching pattern of :data:`REASON_CLASSES` (a data
table: add a line to add a class); the classification runs in SQL with the patterns bound as parameters.
``db`` is the embedded store or an Ibis backend (then :mod:`scenewatch.analysis.portable` answers).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from scenewatch.analysis._common import ascii_lower, ascii_lower_sql, ascii_upper_sql, text_column, with_warnings
from scenewatch.analysis.definitions import NUKE_SPLITS, REASON_CLASSES
from scenewatch.analysis.gaps import gap_warnings
from scenewatch.analysis.volume import counted_filter, on_store
from scenewatch.store import Database
from scenewatch.store.nuked import LATEST_NUKES_SQL, NUKED_SQL

CLASSES = [name for name, _ in REASON_CLASSES] + ["other"]
SPLITS = NUKE_SPLITS
_SPLIT = {"group": "grp", "section": ascii_upper_sql("section"), "category": "category"}


def classify_reason(reason: str | None) -> str:
    """The class of one nuke reason (same table as the SQL)."""
    text = ascii_lower(reason) if isinstance(reason, str) else ""  # None, or NaN from a string column
    for name, pattern in REASON_CLASSES:
        if re.search(pattern, text):
            return name
    return "other"


def nukes(
    db: Database, by: str = "group", *, since: date | None = None, until: date | None = None, min_releases: int = 20,
    limit: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per group (or section/category): releases, nuked, nuke_rate, top_reason_class, count per reason class."""
    if by not in SPLITS:
        raise ValueError(f"by must be one of {', '.join(SPLITS)}, not {by!r}")
    if not on_store(db):
        from scenewatch.analysis import portable

        raw = portable.nukes(db, by, since=since, until=until)
        return finish_nukes(raw, by, min_releases=min_releases, limit=limit)
    where, params = counted_filter(since=since, until=until)
    case = " ".join("WHEN regexp_matches(text, ?) THEN ?" for _ in REASON_CLASSES)
    case_params = [v for name, pattern in REASON_CLASSES for v in (pattern, name)]
    sql = f"""
        WITH r AS (SELECT id, coalesce({_SPLIT[by]}, '(none)') AS k FROM releases WHERE {where}),
        last AS (SELECT release_id, action, {ascii_lower_sql("coalesce(reason, '')")} AS text FROM {LATEST_NUKES_SQL}),
        nuked AS (
            SELECT release_id, CASE {case} ELSE 'other' END AS class FROM last WHERE action IN {NUKED_SQL}
        )
        SELECT r.k AS key, count(*) AS releases, count(nuked.release_id) AS nuked, nuked.class AS class
        FROM r LEFT JOIN nuked ON nuked.release_id = r.id GROUP BY r.k, nuked.class
    """
    raw = db.query(sql, [*params, *case_params])  # the WHERE of `r` comes before the CASE
    frame = finish_nukes(raw, by, min_releases=min_releases, limit=limit)
    warns = gap_warnings(db, since, until) if since and until else []
    return with_warnings(frame, warns)


def finish_nukes(raw: pd.DataFrame, by: str, *, min_releases: int, limit: int | None) -> pd.DataFrame:
    """The :func:`nukes` frame from rows ``key, releases, nuked, class`` (class empty: releases not nuked)."""
    label = by
    if raw.empty:
        return pd.DataFrame(columns=[label, "releases", "nuked", "nuke_rate", "top_reason_class", *CLASSES])
    raw = raw.astype({"releases": "int64", "nuked": "int64"})
    raw["key"] = raw["key"].astype("str")
    releases = raw.groupby("key")["releases"].sum()
    counts = raw.dropna(subset=["class"]).pivot_table(index="key", columns="class", values="nuked", aggfunc="sum")
    frame = pd.DataFrame({"releases": releases}).join(counts.reindex(columns=CLASSES)).fillna(0)
    frame[CLASSES] = frame[CLASSES].astype("int64")
    frame["nuked"] = frame[CLASSES].sum(axis=1)
    frame["nuke_rate"] = frame["nuked"] / frame["releases"]
    frame["top_reason_class"] = frame[CLASSES].idxmax(axis=1).where(frame["nuked"] > 0)
    frame = frame[frame["releases"] >= min_releases].reset_index(names=label)
    frame = frame.sort_values(["nuke_rate", "releases"], ascending=False, ignore_index=True)
    frame = frame[[label, "releases", "nuked", "nuke_rate", "top_reason_class", *CLASSES]]
    return frame.head(limit) if limit else frame


def nuke_reasons(db: Database, *, limit: int = 30) -> pd.DataFrame:
    """The most frequent nuke reasons with their class: ``releases`` nuked for it, and ``nukes`` as announced.

    ``releases`` is the measure to read: the same nuke echoed by two channels (or seen by two feeds a few seconds
    apart) is two rows in ``nukes`` but one release.
    """
    if not on_store(db):
        from scenewatch.analysis import portable

        return finish_reasons(portable.nuke_reasons(db, limit=limit))
    frame = db.query(
        "SELECT reason, count(DISTINCT release_id) AS releases, count(*) AS nukes FROM nukes "
        f"WHERE action IN {NUKED_SQL} GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        [limit],
    )
    return finish_reasons(frame)


def finish_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ``reason, releases, nukes`` with counts as int64 and each reason's ``class`` added."""
    frame = frame.astype({"releases": "int64", "nukes": "int64"})
    frame["reason"] = text_column(frame["reason"])
    frame["class"] = [classify_reason(r) for r in frame["reason"]]
    return frame
