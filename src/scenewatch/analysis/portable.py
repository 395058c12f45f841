"""The analyses' queries as Ibis expressions: the same counts on DuckDB, ClickHouse/chDB and Spark.

Each function takes an Ibis backend from :func:`scenewatch.store.backends.connect` (or any backend with a
``releases`` table of the store's columns, and ``nukes`` for the nuke analyses) and returns the rows the store's SQL
returns in the analysis modules (:mod:`~scenewatch.analysis.volume`, :mod:`~scenewatch.analysis.dormancy`,
:mod:`~scenewatch.analysis.nukes`, :mod:`~scenewatch.analysis.leaks` …). Those modules call here when they are
given a backend, and finish the small result in pandas with the very same code as on the store; so this module
builds only on the analyses' lowest layer (``_common``, ``definitions``) and imports no analysis.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.common.exceptions import TableNotFound

from scenewatch.analysis import definitions
from scenewatch.analysis._common import ASCII_LOWER, ASCII_UPPER, Period, Split, fill_periods, is_missing

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
        frame = fill_periods(frame, by, split, since, until)
    return frame.reset_index(drop=True)


def group_counts(
    con: Any, period: str, *, category: str | None = None, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """Counted releases with a group per (``p`` period, ``c`` category, ``grp``): ``n``; for concentration."""
    t = counted(con.table("releases"), category=category, since=since, until=until)
    t = t.filter(t.grp.notnull())
    keys = {"p": t.pre_at.truncate(_UNIT[period]).cast("date"), "c": t.category.fill_null(NONE), "grp": t.grp}
    frame = t.group_by(**keys).aggregate(n=t.count()).execute()
    return pd.DataFrame({
        "p": pd.to_datetime(frame["p"]).dt.date, "c": frame["c"].astype(object), "grp": frame["grp"].astype(object),
        "n": frame["n"].astype("int64"),
    })  # fmt: skip


def language_counts(
    con: Any, period: str, *, category: str | None = None, since: date | None = None, until: date | None = None
) -> pa.Table:
    """Counted releases per (``period``, ``language`` list): ``n``; the language classes are derived from it."""
    t = counted(con.table("releases"), category=category, since=since, until=until)
    keys = {"period": t.pre_at.truncate(_UNIT[period]).cast("date"), "language": t.language}
    frame = t.group_by(**keys).aggregate(n=t.count()).execute()
    languages = [None if is_missing(v) else [str(code) for code in v] for v in frame["language"]]
    return pa.table({
        "period": pa.array(pd.to_datetime(frame["period"]).dt.date, pa.date32()),
        "language": pa.array(languages, pa.list_(pa.string())), "n": pa.array(frame["n"], pa.int64()),
    })  # fmt: skip


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


def _group_releases_before(con: Any, as_of: date, relist_years: int) -> ir.Table:
    """Counted releases with a group before ``as_of``, re-listings left out, with their UTC ``day``."""
    t = counted(con.table("releases"))
    t = t.filter(t.grp.notnull(), t.pre_at < ibis.literal(_day_start(as_of), type="timestamp"))
    # The extract is four digits or empty, so the cast cannot fail on any backend.
    from_name = t.name.re_extract(definitions.YEAR_PATTERN, 1).nullif("").cast("int64")
    name_year = ibis.coalesce(t.year.cast("int64"), from_name)
    t = t.filter(name_year.isnull() | (name_year >= t.pre_at.year().cast("int64") - relist_years))
    return t.mutate(day=t.pre_at.cast("date"))


def group_activity(con: Any, as_of: date, *, min_releases: int = 5, relist_years: int = 2) -> pd.DataFrame:
    """Per group before ``as_of`` on any backend: the raw rows :func:`scenewatch.analysis.dormancy.group_activity`
    finishes."""
    t = _group_releases_before(con, as_of, relist_years)
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
    return frame


def group_days(con: Any, as_of: date, *, relist_years: int = 2) -> pd.DataFrame:
    """Per group and UTC day before ``as_of`` on any backend: releases and the last pre time (re-listings left out),
    the rows :func:`scenewatch.analysis.rhythm.active_days` reads from the store."""
    t = _group_releases_before(con, as_of, relist_years)
    frame = t.group_by(["grp", "day"]).aggregate(releases=t.count(), last_at=t.pre_at.max()).execute()
    return pd.DataFrame({"group": frame["grp"].astype(object), "day": pd.to_datetime(frame["day"]),
                         "releases": frame["releases"].astype("int64"), "last_at": _naive_utc(frame["last_at"])})


def _nukes_table(con: Any) -> ir.Table | None:
    """The backend's ``nukes`` table, or None: an export of a store without nukes has none (nothing was nuked)."""
    return _optional_table(con, "nukes")


def _optional_table(con: Any, name: str) -> ir.Table | None:
    try:
        return con.table(name)
    except TableNotFound:
        return None


def _naive_utc(values: pd.Series) -> pd.Series:
    """Timestamps as the store returns them (naive UTC, microseconds), whichever engine produced them."""
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.astype("datetime64[us]")


def hourly_counts(con: Any) -> pd.DataFrame:
    """Releases with a pre time per UTC hour (``hour``, ``n``), for :func:`scenewatch.analysis.gaps.detect_gaps`."""
    t = con.table("releases")
    t = t.filter(t.pre_at.notnull())
    frame = t.group_by(hour=t.pre_at.truncate("h")).aggregate(n=t.count()).order_by("hour").execute()
    return pd.DataFrame({"hour": _naive_utc(frame["hour"]), "n": frame["n"].astype("int64")})


def recorded_gaps(con: Any) -> pd.DataFrame:
    """The ``gaps`` table of an export (``source``, ``start``, ``end``, ``reason``); empty when it has none."""
    t = _optional_table(con, "gaps")
    if t is None:
        return pd.DataFrame({"source": [], "start": [], "end": [], "reason": []})
    frame = t.order_by("start_at").execute()
    return pd.DataFrame({
        "source": frame["source"].astype(object), "start": _naive_utc(frame["start_at"]),
        "end": _naive_utc(frame["end_at"]), "reason": frame["reason"].astype(object),
    })  # fmt: skip


def latest_nukes(nukes: ir.Table) -> ir.Table:
    """Each release's latest nuke, modnuke or unnuke (ties: see :mod:`scenewatch.analysis.nukes`): one row each."""
    t = nukes.filter(nukes.action.isin(definitions.ACTIONS))
    rank = ibis.cases(*((t.action == action, i) for i, action in enumerate(definitions.ACTIONS)))
    # Timeless events are the oldest; explicit, because engines sort NULLs differently.
    order = [ibis.desc(t.nuked_at.notnull()), ibis.desc(t.nuked_at), ibis.desc(rank), ibis.desc(t.id)]
    latest = t.mutate(latest_rank=ibis.row_number().over(ibis.window(group_by=t.release_id, order_by=order)))
    return latest.filter(latest.latest_rank == 0).select("release_id", "action", "reason")


def reason_class(reason: ir.StringValue) -> ir.StringValue:
    """The class of a nuke reason (:data:`scenewatch.analysis.nukes.REASON_CLASSES`, first match) as an expression."""
    text = reason.fill_null("").translate(ASCII_UPPER, ASCII_LOWER)
    return ibis.cases(*((text.re_search(pattern), name) for name, pattern in definitions.REASON_CLASSES), else_="other")


def nukes(con: Any, by: str = "group", *, since: date | None = None, until: date | None = None) -> pd.DataFrame:
    """Releases and nuked releases (by reason class) per group/section/category on any backend: the raw rows
    :func:`scenewatch.analysis.nukes.nukes` finishes."""
    if by not in definitions.NUKE_SPLITS:
        raise ValueError(f"by must be one of {', '.join(definitions.NUKE_SPLITS)}, not {by!r}")
    r = counted(con.table("releases"), since=since, until=until)
    key = {"group": r.grp, "section": r.section.translate(ASCII_LOWER, ASCII_UPPER), "category": r.category}[by]
    r = r.select("id", k=key.fill_null(NONE))
    totals = r.group_by("k").aggregate(releases=r.count())
    frames = [totals.execute().assign(nuked=0, **{"class": None})]
    events = _nukes_table(con)
    if events is not None:
        last = latest_nukes(events)
        last = last.filter(last.action.isin(definitions.NUKED)).select("release_id", cls=reason_class(last.reason))
        # An inner join: ClickHouse fills the missing side of an outer join with 0/'' unless join_use_nulls is set.
        joined = r.join(last, r.id == last.release_id)
        counts = joined.group_by(["k", "cls"]).aggregate(nuked=joined.count()).execute()
        frames.append(counts.rename(columns={"cls": "class"}).assign(releases=0))
    raw = pd.concat([f[["k", "releases", "nuked", "class"]] for f in frames], ignore_index=True)
    raw = raw.rename(columns={"k": "key"})
    return raw


def nuke_reasons(con: Any, *, limit: int = 30) -> pd.DataFrame:
    """The most frequent nuke reasons on any backend: the raw rows :func:`scenewatch.analysis.nukes.nuke_reasons`
    finishes."""
    t = _nukes_table(con)
    if t is None:
        return pd.DataFrame({"reason": pd.Series(dtype=object), "releases": 0, "nukes": 0})
    t = t.filter(t.action.isin(definitions.NUKED))
    counts = t.group_by("reason").aggregate(releases=t.release_id.nunique(), nukes=t.count())
    frame = counts.order_by([ibis.desc("releases"), ibis.desc("nukes"), "reason"]).limit(limit).execute()
    return frame[["reason", "releases", "nukes"]]


def title_key(title: ir.StringValue) -> ir.StringValue:
    """The leaks title key (:func:`scenewatch.analysis.leaks.normalise_title`) as an expression."""
    text = title.translate(ASCII_UPPER, ASCII_LOWER).re_replace(definitions.NON_ALNUM, " ")
    # Not .strip(): Ibis writes its whitespace set for Spark as ' \t\n\r\v\f', which Spark reads as including
    # the letters v and f ("cliff" lost its "ff"). After the line above, the only spaces are single ones.
    return text.re_replace("^ | $", "").re_replace(definitions.LEADING_THE, "")


_KEYS_PER_QUERY = 2000  # keeps each query's IN list well under ClickHouse's 256 KiB max_query_size


def leak_candidates(con: Any, keys: list[str]) -> pd.DataFrame | None:
    """Counted releases whose title key is one of ``keys`` on any backend (the rows
    :func:`scenewatch.analysis.leaks.match_retail` matches); None without keys."""
    if not keys:
        return None
    t = counted(con.table("releases"))
    t = t.filter(t.title.notnull()).mutate(key=title_key(t.title))
    found = t.select("name", "source", "category", "pre_at", "key", group=t.grp, release_year=t.year)
    parts = [
        found.filter(found.key.isin(keys[i : i + _KEYS_PER_QUERY])).execute()
        for i in range(0, len(keys), _KEYS_PER_QUERY)
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
