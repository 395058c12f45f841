"""Release volume per period, optionally split and filtered: the base series of every analysis."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from scenewatch.analysis._common import ALL, COUNTED, Period, Split, fill_periods, on_store
from scenewatch.store import Database, rollup

# Weeks start on Monday (ISO), days are UTC days.
_TRUNC = {"day": "day", "week": "week", "month": "month"}
_SPLIT_COLUMN = {"category": "category", "section": "section", "group": "grp"}


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
        frame = fill_periods(frame, by, split, since, until)
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


def data_span(db: Database) -> tuple[date | None, date | None]:
    """First and last UTC day with a counted release."""
    if not on_store(db):
        from scenewatch.analysis import portable

        return portable.data_span(db)
    row = db.query(f"SELECT min(pre_at) AS a, max(pre_at) AS b FROM releases WHERE {COUNTED}")
    a, b = row["a"].iloc[0], row["b"].iloc[0]
    if pd.isna(a):
        return None, None
    return pd.Timestamp(a).date(), pd.Timestamp(b).date()


def daily_series(db: Database, since: date, until: date, by: str | None = "category") -> pd.DataFrame:
    """Counted releases per day (``until`` inclusive) as a wide frame: index day, one column per key plus ``all``."""
    frame = volume(db, "day", by, since=since, until=until)  # type: ignore[arg-type]  # any backend
    return widen_daily(frame, since, until, by)


def widen_daily(frame: pd.DataFrame, since: date, until: date, by: str | None) -> pd.DataFrame:
    """A daily ``volume`` frame (from any backend) as the wide frame :func:`daily_series` returns."""
    if by is None:
        wide = frame.set_index("period")[["count"]].rename(columns={"count": ALL})
    elif frame.empty:
        wide = pd.DataFrame(columns=[ALL])
    else:
        wide = frame.pivot_table(index="period", columns=by, values="count", aggfunc="sum", fill_value=0)
        wide[ALL] = wide.sum(axis=1)
    days = pd.date_range(since, until, freq="D").date
    wide = wide.reindex(days, fill_value=0)
    wide.index.name = "day"
    wide.columns = [str(c) for c in wide.columns]
    return wide.astype("int64")
