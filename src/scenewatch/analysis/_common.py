"""Shared helpers of the analyses: daily series, spans, warnings attached to result frames."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pandas as pd

from scenewatch.analysis.volume import COUNTED, on_store, volume
from scenewatch.store import Database

ALL = "all"
# Case folding of A-Z only: the engines' lower()/upper() disagree on a few non-ASCII letters (ClickHouse folds
# ASCII only; DuckDB maps the Kelvin sign to "k" and "İ" to "i", Python and Java "İ" to "i" plus a dot), so the
# analyses that compare text across engines fold ASCII the same way everywhere.
ASCII_UPPER = string.ascii_uppercase
ASCII_LOWER = string.ascii_lowercase
_TO_LOWER = str.maketrans(ASCII_UPPER, ASCII_LOWER)
_SPAN = re.compile(r"^\s*(\d+)\s*([dwm]?)\s*$", re.IGNORECASE)


def parse_span(text: str | int | timedelta) -> timedelta:
    """A span such as ``8w``, ``56d``, ``3m`` (30-day months) or a bare number of days."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int):
        return timedelta(days=text)
    m = _SPAN.match(text)
    if not m:
        raise ValueError(f"bad span {text!r} (expected e.g. 8w, 56d, 3m)")
    n, unit = int(m.group(1)), (m.group(2) or "d").lower()
    return timedelta(days=n * {"d": 1, "w": 7, "m": 30}[unit])


def ascii_lower(text: str) -> str:
    """``text`` with A-Z lower-cased and every other character kept (the SQL of :func:`ascii_lower_sql`)."""
    return text.translate(_TO_LOWER)


def ascii_lower_sql(expr: str) -> str:
    """SQL lower-casing A-Z only in ``expr`` (``translate``: the same on DuckDB, ClickHouse and Spark)."""
    return f"translate({expr}, '{ASCII_UPPER}', '{ASCII_LOWER}')"


def ascii_upper_sql(expr: str) -> str:
    """SQL upper-casing a-z only in ``expr``."""
    return f"translate({expr}, '{ASCII_LOWER}', '{ASCII_UPPER}')"


def ts(day: date | datetime) -> datetime:
    """A naive UTC datetime for binding as a SQL parameter."""
    return pd.Timestamp(day).to_pydatetime()


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


def text_column(values: pd.Series) -> pd.Series:
    """A string column as the store's frames hold it, whichever engine filled it: missing values as None/NaN."""
    return values.astype(object).where(values.notna(), None).infer_objects()


def with_warnings(frame: pd.DataFrame, warnings: Iterable[str]) -> pd.DataFrame:
    """Attach warnings to ``frame.attrs['warnings']`` (deduplicated, order kept) and return the frame."""
    seen = list(frame.attrs.get("warnings", []))
    for w in warnings:
        if w not in seen:
            seen.append(w)
    frame.attrs["warnings"] = seen
    return frame


def gap_warnings(db: Database, start: date, end: date) -> list[str]:
    """Warnings for every known or detected feed gap overlapping ``[start, end]`` (days, inclusive)."""
    from scenewatch.analysis.gaps import gaps_between

    found = gaps_between(db, start, end)
    return [
        f"window {start}..{end} touches a feed gap {r.start:%Y-%m-%d %H:%M}–{r.end:%Y-%m-%d %H:%M} UTC "
        f"({r.kind}, ~{r.expected_missing:,.0f} announcements missing)"
        for r in found.itertuples()
    ]


def monday(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())
