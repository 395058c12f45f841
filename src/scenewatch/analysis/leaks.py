"""Releases that appeared before the retail date of their title ("leaks"), matched from retail dates.

The retail dates are the store's (``scenewatch retail pull`` fetches them from xREL, by date type and country) or a
CSV with columns ``title, year, kind, date`` and optionally ``country`` and ``date_type``. Titles are normalised
on both sides (A-Z lower-cased, every run of other characters than a-z and 0-9 to one space, a leading "the "
dropped: ASCII only, so every engine gives the same key). Movies must match title and year; other kinds match the
title, and the year too when both sides have one. A kind of movie/tv/game/ebook/software/music also restricts the
release category. ``days_before_retail`` = retail date − pre day (positive: out before retail). ``db`` is the
embedded store or an Ibis backend (then :func:`scenewatch.analysis.portable.leak_candidates` finds the releases).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from scenewatch.analysis._common import ascii_lower, ascii_lower_sql, text_column, with_warnings
from scenewatch.analysis.definitions import LEADING_THE, NON_ALNUM
from scenewatch.analysis.volume import COUNTED, on_store
from scenewatch.store import Database


def title_key_sql(column: str) -> str:
    """The SQL of :func:`normalise_title` over ``column``."""
    return (
        f"regexp_replace(trim(regexp_replace({ascii_lower_sql(column)}, '{NON_ALNUM}', ' ', 'g')), '{LEADING_THE}', '')"
    )


_NORMALISE_SQL = title_key_sql("title")
COLUMNS = ["title", "year", "kind", "country", "date_type", "retail_date", "name", "group", "source", "category",
           "pre_at", "days_before_retail", "before_retail"]  # fmt: skip
FOUND_COLUMNS = ["name", "group", "source", "category", "release_year", "pre_at", "key"]
_KIND_CATEGORY = {
    "movie": "movie", "film": "movie", "tv": "tv", "series": "tv", "game": "game", "ebook": "ebook",
    "book": "ebook", "software": "software", "app": "software", "music": "music", "album": "music",
}  # fmt: skip


def normalise_title(title: str) -> str:
    """The title key used for matching (same rule as the SQL)."""
    text = re.sub(NON_ALNUM, " ", ascii_lower(str(title))).strip(" ")
    return re.sub(LEADING_THE, "", text)


def read_retail(path: Path | str) -> pd.DataFrame:
    """Read and validate a retail-dates CSV (title, year, kind, date[, country])."""
    frame = pd.read_csv(path, dtype={"title": str, "kind": str, "country": str})
    missing = {"title", "year", "kind", "date"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame["date"] = pd.to_datetime(frame["date"], errors="raise").dt.date
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    frame["kind"] = frame["kind"].fillna("").str.strip().str.lower()
    frame["key"] = frame["title"].map(normalise_title)
    for column in ("country", "date_type"):
        if column not in frame.columns:
            frame[column] = None
    return frame


def store_retail(db: Database) -> pd.DataFrame:
    """The retail dates in the store (``scenewatch retail pull``), as :func:`read_retail` reads a file."""
    if not on_store(db):
        raise ValueError("retail dates live in the embedded store: give a retail file on an analysis backend")
    from scenewatch.store.retail import stored_retail

    frame = stored_retail(db)
    if frame.empty:
        raise ValueError("the store holds no retail dates: run `scenewatch retail pull` first, or give --retail FILE")
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    return frame


def leaks(db: Database, retail_csv: Path | str | pd.DataFrame | None = None) -> pd.DataFrame:
    """Per matched release: name, group, source, category, retail date (by type and country), pre time and
    days_before_retail. Without ``retail_csv`` the store's retail dates are used."""
    if retail_csv is None:
        retail = store_retail(db)
    else:
        retail = retail_csv if isinstance(retail_csv, pd.DataFrame) else read_retail(retail_csv)
    for column in ("country", "date_type"):
        if column not in retail.columns:
            retail = retail.assign(**{column: None})
    keys = retail_keys(retail)
    if not on_store(db):
        from scenewatch.analysis import portable

        return match_retail(portable.leak_candidates(db, keys), retail)
    sql = f"""
        SELECT name, grp AS "group", source, category, year AS release_year, pre_at, {_NORMALISE_SQL} AS key
        FROM releases WHERE {COUNTED} AND title IS NOT NULL AND list_contains(?, {_NORMALISE_SQL})
    """
    return match_retail(db.query(sql, [keys]) if keys else None, retail)


def retail_keys(retail: pd.DataFrame) -> list[str]:
    """The distinct title keys of a retail frame, sorted."""
    return sorted(set(retail["key"]))


def match_retail(found: pd.DataFrame | None, retail: pd.DataFrame) -> pd.DataFrame:
    """The :func:`leaks` frame from the releases whose title key is a retail key (None: the retail has no titles).

    ``found`` has columns :data:`FOUND_COLUMNS`, from any engine. Rows are ordered by days before retail (most
    first), pre time, name, then the retail file's order: the same order whatever order ``found`` came in.
    """
    if found is None:
        return with_warnings(pd.DataFrame(columns=COLUMNS), ["the retail file has no titles"])
    found = found[FOUND_COLUMNS].copy()
    for column in ("name", "group", "source", "category", "key"):
        found[column] = text_column(found[column])
    found["pre_at"] = pd.to_datetime(found["pre_at"], utc=True).dt.tz_localize(None).astype("datetime64[us]")
    retail = retail.rename(columns={"date": "retail_date"}).assign(_row=range(len(retail)))
    merged = found.merge(retail, on="key", how="inner")
    if merged.empty:
        return with_warnings(pd.DataFrame(columns=COLUMNS), ["no release matched a retail title"])
    both = merged["release_year"].notna() & merged["year"].notna()
    same_year = both & (merged["release_year"].astype("Int64") == merged["year"])
    is_movie = merged["kind"].map(_KIND_CATEGORY).eq("movie")
    keep = (is_movie & same_year) | (~is_movie & (~both | same_year))
    wanted = merged["kind"].map(_KIND_CATEGORY)
    keep &= wanted.isna() | (wanted == merged["category"])
    merged = merged[keep].copy()
    merged["days_before_retail"] = [(r - p.date()).days for r, p in zip(merged["retail_date"], merged["pre_at"],
                                                                         strict=True)]  # fmt: skip
    merged["before_retail"] = merged["days_before_retail"] > 0
    frame = merged.sort_values(["days_before_retail", "pre_at", "name", "_row"], ascending=[False, True, True, True],
                               ignore_index=True)  # fmt: skip
    return with_warnings(frame[COLUMNS], [])


def leak_summary(frame: pd.DataFrame, by: str = "group") -> pd.DataFrame:
    """Per group / source / category / title / date type / country: releases, share_before_retail, median and max
    days before retail."""
    if by not in ("group", "source", "category", "title", "date_type", "country"):
        raise ValueError(f"by must be group, source, category, title, date_type or country, not {by!r}")
    if frame.empty:
        return pd.DataFrame(columns=[by, "releases", "before_retail", "share_before_retail", "median_days_before",
                                     "max_days_before"])  # fmt: skip
    key = frame[by].fillna("(none)")
    out = frame.groupby(key).agg(
        releases=("name", "count"), before_retail=("before_retail", "sum"),
        median_days_before=("days_before_retail", "median"), max_days_before=("days_before_retail", "max"),
    )  # fmt: skip
    out.insert(2, "share_before_retail", out["before_retail"] / out["releases"])
    return out.reset_index(names=by).sort_values(["before_retail", "releases"], ascending=False, ignore_index=True)
