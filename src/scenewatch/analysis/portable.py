"""Volume, window counts, top groups and event impact as Ibis expressions: the same analysis on DuckDB,
ClickHouse/chDB and Spark.

Each function takes an Ibis backend from :func:`scenewatch.store.backends.connect` (or any backend with a
``releases`` table of the store's columns) and returns the same frame as its DuckDB-only twin in
:mod:`scenewatch.analysis.volume` / :mod:`scenewatch.analysis.compare` / :mod:`scenewatch.analysis.impact`
(without their gap warnings and gap-day exclusion, which need the store's ``gaps`` logic). Only the aggregation
runs in the backend; the small result (a daily series) is finished in pandas, and impact's model fits are the
very same functions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from scenewatch.analysis import affiliation as _affiliation
from scenewatch.analysis import changepoints as _changepoints
from scenewatch.analysis import compare as _compare
from scenewatch.analysis import dormancy as _dormancy
from scenewatch.analysis import impact as _impact
from scenewatch.analysis import recovery as _recovery
from scenewatch.analysis.volume import Period, Split, _fill_periods

ALL = "all"
NONE = "(none)"
_UNIT = {"day": "D", "week": "W", "month": "M"}
_SPLIT_COLUMN = {"category": "category", "section": "section", "group": "grp"}


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def counted(
    releases: ir.Table,
    *,
    category: str | None = None,
    group: str | None = None,
    section: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> ir.Table:
    """Releases that count (scene, known pre time) under the common filters (``until`` inclusive)."""
    t = releases
    preds = [t.scene, t.pre_at.notnull()]
    if category:
        preds.append(t.category == category)
    if group:
        preds.append(t.grp.lower() == group.lower())
    if section:
        preds.append(t.section.upper() == section.upper())
    if since:
        preds.append(t.pre_at >= ibis.literal(_day_start(since), type="timestamp"))
    if until:
        preds.append(t.pre_at < ibis.literal(_day_start(until + timedelta(days=1)), type="timestamp"))
    return t.filter(*preds)


def volume_expr(releases: ir.Table, by: Period = "day", split: Split | None = None, **filters: Any) -> ir.Table:
    """The volume aggregation as an Ibis expression: ``period`` (date), [split key], ``count``."""
    if by not in _UNIT:
        raise ValueError(f"by must be one of {', '.join(_UNIT)}, not {by!r}")
    if split is not None and split not in _SPLIT_COLUMN:
        raise ValueError(f"split must be one of {', '.join(_SPLIT_COLUMN)}, not {split!r}")
    t = counted(releases, **filters)
    keys: dict[str, ir.Value] = {"period": t.pre_at.truncate(_UNIT[by]).cast("date")}
    if split:
        keys[split] = t[_SPLIT_COLUMN[split]].fill_null(NONE)
    return t.group_by(**keys).aggregate(count=t.count())


def volume(
    con: Any,
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
    """Releases per period on any backend; same frame as :func:`scenewatch.analysis.volume.volume`."""
    expr = volume_expr(
        con.table("releases"), by, split, category=category, group=group, section=section, since=since, until=until
    )
    frame = expr.execute()
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["count"] = frame["count"].astype("int64")
    columns = ["period", split, "count"] if split else ["period", "count"]
    frame = frame[columns].sort_values(columns[:-1]).reset_index(drop=True)
    if split:
        frame[split] = frame[split].astype("str")
    if fill and not frame.empty:
        frame = _fill_periods(frame, by, split, since, until)
    return frame.reset_index(drop=True)


def window_counts(con: Any, windows: list[tuple[str, date, date]], by: str | None = "category") -> pd.DataFrame:
    """Counted releases per window and key: columns ``w`` (window index), ``k``, ``n`` (windows inclusive)."""
    if by is not None and by not in _SPLIT_COLUMN:
        raise ValueError(f"by must be one of {', '.join(_SPLIT_COLUMN)}, not {by!r}")
    releases = con.table("releases")
    parts = []
    for i, (_, start, end) in enumerate(windows):
        t = counted(releases, since=start, until=end)
        key = t[_SPLIT_COLUMN[by]].fill_null(NONE) if by else ibis.literal(ALL)
        parts.append(t.group_by(k=key).aggregate(n=t.count()).mutate(w=ibis.literal(i, type="int64")))
    frame = ibis.union(*parts).execute() if len(parts) > 1 else parts[0].execute()
    frame = frame[["w", "k", "n"]].astype({"w": "int64", "n": "int64"})
    frame["k"] = frame["k"].astype("str")
    return frame.sort_values(["w", "k"]).reset_index(drop=True)


def top_groups(
    con: Any,
    since: date,
    until: date,
    *,
    limit: int = 10,
    category: str | None = None,
    section: str | None = None,
) -> pd.DataFrame:
    """The most active groups in ``[since, until]``: columns ``group``, ``count``, ``share`` (of the window)."""
    t = counted(con.table("releases"), category=category, section=section, since=since, until=until)
    # One query: counts per group (NULL group included) with the window's total alongside.
    counts = t.group_by(group=t.grp).aggregate(count=t.count())
    counts = counts.mutate(total=counts["count"].sum().over(ibis.window()))
    named = counts.filter(counts.group.notnull())
    frame = named.order_by([ibis.desc("count"), "group"]).limit(limit).execute()
    frame = frame.astype({"count": "int64"})
    frame["group"] = frame["group"].astype("str")
    frame["share"] = (frame["count"] / frame["total"]).astype(float)
    return frame[["group", "count", "share"]].reset_index(drop=True)


def data_span(con: Any) -> tuple[date | None, date | None]:
    """First and last UTC day with a counted release, on any backend."""
    t = counted(con.table("releases"))
    row = t.aggregate(first=t.pre_at.min(), last=t.pre_at.max()).execute()
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    if pd.isna(first):
        return None, None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def group_activity(con: Any, as_of: date, *, min_releases: int = 5, relist_years: int = 2) -> pd.DataFrame:
    """Per group before ``as_of`` on any backend: the frame of :func:`scenewatch.analysis.dormancy.group_activity`."""
    from scenewatch.analysis.dormancy import finish_activity

    t = counted(con.table("releases"))
    t = t.filter(t.grp.notnull(), t.pre_at < ibis.literal(_day_start(as_of), type="timestamp"))
    # The extract is four digits or empty, so the cast cannot fail on any backend.
    from_name = t.name.re_extract(_dormancy.YEAR_PATTERN, 1).nullif("").cast("int64")
    name_year = ibis.coalesce(t.year.cast("int64"), from_name)
    t = t.filter(name_year.isnull() | (name_year >= t.pre_at.year().cast("int64") - relist_years))
    t = t.mutate(day=t.pre_at.cast("date"))
    days = t.select("grp", "day").distinct()
    previous = days.day.lag().over(ibis.window(group_by=days.grp, order_by=days.day))
    gaps = days.mutate(gap=days.day.delta(previous, unit="day"))
    longest = gaps.group_by("grp").aggregate(longest_gap_days=gaps.gap.max())
    counts = t.group_by(["grp", "category"]).aggregate(n=t.count())
    rank = ibis.row_number().over(ibis.window(group_by=counts.grp, order_by=[ibis.desc(counts.n), counts.category]))
    main = counts.mutate(rank=rank).filter(lambda c: c.rank == 0).select("grp", main_category="category")
    stats = t.group_by("grp").aggregate(
        first_pre=t.pre_at.min(), last_pre=t.pre_at.max(), releases=t.count(), active_days=t.day.nunique(),
        sections=t.section.upper().collect(distinct=True),
    )  # fmt: skip
    stats = stats.filter(stats.releases >= min_releases)
    joined = stats.left_join(longest, "grp").left_join(main, "grp")
    frame = joined.select(
        group=joined.grp, first_pre=joined.first_pre, last_pre=joined.last_pre, releases=joined.releases,
        active_days=joined.active_days, main_category=joined.main_category, sections=joined.sections,
        longest_gap_days=joined.longest_gap_days,
    ).execute()  # fmt: skip
    return finish_activity(frame)


# Built on the helpers of ``analysis._common``, which fetch daily series from any backend: the same code, not a copy.
compare = _compare.compare
impact = _impact.impact
counterfactual = _impact.counterfactual
recovery = _recovery.recovery
changepoints = _changepoints.changepoints
dormancy = _dormancy.dormancy
vanished_with = _affiliation.vanished_with
vanished_clusters = _affiliation.vanished_clusters
