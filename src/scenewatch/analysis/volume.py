"""Release volume per period, optionally split and filtered: the base series of every analysis."""

from __future__ import annotations

from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from scenewatch.store import Database, rollup

Period = Literal["day", "week", "month"]
Split = Literal["category", "section", "group"]

# Weeks start on Monday (ISO), days are UTC days.
_TRUNC = {"day": "day", "week": "week", "month": "month"}
_SPLIT_COLUMN = {"category": "category", "section": "section", "group": "grp"}
# What counts as a scene release with a known pre time (one definition, shared with the store's roll-up).
COUNTED = rollup.COUNTED


def on_store(db: object) -> bool:
    """Whether ``db`` is the embedded store (else an Ibis backend: see :mod:`scenewatch.analysis.portable`).

    The series-level helpers answer for both, so the analyses built on them (impact, recovery, change points,
    dormancy, affiliation) run unchanged on DuckDB, ClickHouse and Spark; only the embedded store knows feed gaps.
    """
    return isinstance(db, Database)


def counted_filter(
    *,
    category: str | None = None,
    group: str | None = None,
    section: str | None = None,
    since: date | None = None,
    until: date | None = None,
    rollup_rows: bool = False,
) -> tuple[str, list[object]]:
    """SQL WHERE text and parameters for the common filters (``until`` is inclusive).

    ``rollup_rows``: for ``daily_volume`` rather than ``releases`` (already counted; days instead of times; no group).
    """
    if rollup_rows:
        return _rollup_filter(category=category, section=section, since=since, until=until)
    clauses, params = [COUNTED], []
    if category:
        clauses.append("category = ?")
        params.append(category)
    if group:
        clauses.append("lower(grp) = lower(?)")
        params.append(group)
    if section:
        clauses.append("upper(section) = upper(?)")
        params.append(section)
    if since:
        clauses.append("pre_at >= ?")
        params.append(pd.Timestamp(since).to_pydatetime())
    if until:
        clauses.append("pre_at < ?")
        params.append((pd.Timestamp(until) + pd.Timedelta(days=1)).to_pydatetime())
    return " AND ".join(clauses), params


def volume(
    db: Database,
    by: Period = "day",
    split: Split | None = None,
    *,
    category: str | None = None,
    group: str | None = None,
    section: str | None = None,
    since: date | None = None,
    until: date | None = None,
    fill: bool = True,
) -> pd.DataFrame:
    """Releases per period: columns ``period`` (date), [split key], ``count``; empty periods as 0.

    ``db`` is the embedded store or an Ibis backend (then :func:`scenewatch.analysis.portable.volume` answers).
    """
    if not on_store(db):
        from scenewatch.analysis import portable

        return portable.volume(db, by, split, category=category, group=group, section=section, since=since,
                               until=until, fill=fill)  # fmt: skip
    if by not in _TRUNC:
        raise ValueError(f"by must be one of {', '.join(_TRUNC)}, not {by!r}")
    if split is not None and split not in _SPLIT_COLUMN:
        raise ValueError(f"split must be one of {', '.join(_SPLIT_COLUMN)}, not {split!r}")
    group_by = ", 2" if split else ""
    frame = None
    if not group and split != "group":
        frame = _from_rollup(db, by, split, group_by, category=category, section=section, since=since, until=until)
    if frame is None:
        where, params = counted_filter(category=category, group=group, section=section, since=since, until=until)
        key = f", coalesce({_SPLIT_COLUMN[split]}, '(none)') AS {split}" if split else ""
        sql = f"""
            SELECT CAST(date_trunc('{_TRUNC[by]}', pre_at) AS DATE) AS period{key}, count(*) AS count
            FROM releases WHERE {where}
            GROUP BY 1{group_by} ORDER BY 1{group_by}
        """
        frame = db.query(sql, params)
    frame["count"] = frame["count"].astype("int64")
    if fill and not frame.empty:
        frame = _fill_periods(frame, by, split, since, until)
    else:
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame.reset_index(drop=True)


def _rollup_filter(
    *, category: str | None, section: str | None, since: date | None, until: date | None
) -> tuple[str, list[object]]:
    clauses, params = ["true"], []
    for clause, value in (("category = ?", category), ("upper(section) = upper(?)", section),
                          ("day >= ?", since), ("day <= ?", until)):  # fmt: skip
        if value:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def _from_rollup(
    db: Database, by: Period, split: Split | None, group_by: str, *, category: str | None, section: str | None,
    since: date | None, until: date | None,
) -> pd.DataFrame | None:  # fmt: skip
    """The same answer from ``daily_volume`` (no group filter or split); None on a store that predates it."""
    where, params = counted_filter(category=category, section=section, since=since, until=until, rollup_rows=True)
    key = f", coalesce(nullif({split}, ''), '(none)') AS {split}" if split else ""
    sql = f"""
        SELECT CAST(date_trunc('{_TRUNC[by]}', day) AS DATE) AS period{key}, CAST(sum(releases) AS BIGINT) AS count
        FROM {rollup.TABLE} WHERE {where}
        GROUP BY 1{group_by} ORDER BY 1{group_by}
    """
    try:
        return db.query(sql, params)
    except duckdb.CatalogException:  # opened read-only at schema version 3 or older
        return None


def _fill_periods(
    frame: pd.DataFrame, by: Period, split: Split | None, since: date | None, until: date | None
) -> pd.DataFrame:
    """Every period from the first to the last (widened to ``since``/``until``), 0 where nothing was counted.

    Periods stay timestamps until the end: reindexing on them is ~10x faster than merging on date objects.
    """
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[by]
    stamps = pd.to_datetime(frame["period"])
    start, end = stamps.min(), stamps.max()
    if since:
        start = min(start, _period_start(pd.Timestamp(since), by))
    if until:
        end = max(end, _period_start(pd.Timestamp(until), by))
    periods = pd.date_range(start, end, freq=freq, name="period")
    counts = frame.assign(period=stamps)
    if split is None:
        out = counts.set_index("period")["count"].reindex(periods, fill_value=0).reset_index()
    else:
        keys = sorted(frame[split].unique())
        index = pd.MultiIndex.from_product([periods, keys], names=["period", split])
        out = counts.set_index(["period", split])["count"].reindex(index, fill_value=0).reset_index()
    out["period"] = out["period"].dt.date
    out["count"] = out["count"].astype("int64")
    return out


def _period_start(moment: pd.Timestamp, by: Period) -> pd.Timestamp:
    if by == "week":
        return moment - pd.Timedelta(days=moment.weekday())
    if by == "month":
        return moment.replace(day=1)
    return moment
