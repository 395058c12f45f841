"""The analyses' lowest layer: what counts, periods, spans, ASCII folding, warnings attached to result frames.

It imports no other analysis module, so every analysis (and the portable Ibis layer) can build on it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

import pandas as pd

from scenewatch.missing import is_missing as is_missing  # re-exported: the analyses' one notion of absence
from scenewatch.store import Database, rollup

ALL = "all"
Period = Literal["day", "week", "month"]
Split = Literal["category", "section", "group"]
# What counts as a scene release with a known pre time (one definition, shared with the store's roll-up).
COUNTED = rollup.COUNTED
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


def monday(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def on_store(db: object) -> bool:
    """Whether ``db`` is the embedded store (else an Ibis backend: see :mod:`scenewatch.analysis.portable`).

    The series-level helpers answer for both, so the analyses built on them (impact, recovery, change points,
    dormancy, affiliation) run unchanged on DuckDB, ClickHouse and Spark; only the embedded store knows feed gaps.
    """
    return isinstance(db, Database)


def fill_periods(
    frame: pd.DataFrame, by: Period, split: Split | None, since: date | None, until: date | None
) -> pd.DataFrame:
    """Every period from the first to the last (widened to ``since``/``until``), 0 where nothing was counted.

    Periods stay timestamps until the end: reindexing on them is ~10x faster than merging on date objects.
    """
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[by]
    stamps = pd.to_datetime(frame["period"])
    start, end = stamps.min(), stamps.max()
    if since:
        start = min(start, period_start(pd.Timestamp(since), by))
    if until:
        end = max(end, period_start(pd.Timestamp(until), by))
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


def period_start(moment: pd.Timestamp, by: Period) -> pd.Timestamp:
    """The first moment of the day, week (Monday) or month that holds ``moment``."""
    if by == "week":
        return moment - pd.Timedelta(days=moment.weekday())
    if by == "month":
        return moment.replace(day=1)
    return moment
