"""Feed outages: runs of hours with improbably few announcements, plus the gaps recorded at ingest.

Method: count announcements (every release with a pre time, all sections) per UTC hour. Each hour's count divided
by that hour's median share of a day gives the daily volume it implies; the expected count of an hour is the rolling
median of those implied volumes over the 97 hours centred on it (robust to outages shorter than two days, and quick to
follow a real market drop such as a raid) times the hour's share. Whole days below 10% of the median of the live days
around them (61-day window) take that median as their level instead, so outages of several days are found too.
An hour is *dead* when it saw at most 10% of its
expectation while at least ``min_expected_hour`` were expected. Runs of at least ``min_hours`` consecutive dead hours
are reported when at least ``min_missing`` announcements were expected in them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from scenewatch.analysis._common import on_store, ts
from scenewatch.missing import is_missing
from scenewatch.store import Database

_COLUMNS = ["start", "end", "hours", "expected", "observed", "expected_missing", "kind", "source", "reason"]
_CACHE: dict[tuple[str, int], pd.DataFrame] = {}


def hourly_expectation(db: Database, *, window_hours: int = 97) -> pd.DataFrame:
    """Announcements per UTC hour with their robust expectation: columns hour, observed, expected."""
    if on_store(db):
        counts = db.query(
            "SELECT date_trunc('hour', pre_at) AS hour, count(*) AS n FROM releases WHERE pre_at IS NOT NULL "
            "GROUP BY 1 ORDER BY 1"
        )
    else:
        from scenewatch.analysis import portable

        counts = portable.hourly_counts(db)
    if counts.empty:
        return pd.DataFrame(columns=["hour", "observed", "expected"])
    hours = pd.date_range(counts["hour"].min(), counts["hour"].max(), freq="h")
    observed = counts.set_index("hour")["n"].reindex(hours, fill_value=0).astype(float)
    frame = pd.DataFrame({"observed": observed.to_numpy(), "day": hours.floor("D"), "hod": hours.hour})
    totals = frame.groupby("day")["observed"].transform("sum")
    share = (frame["observed"] / totals.where(totals > 0)).groupby(frame["hod"]).median().reindex(range(24))
    share = share.fillna(1 / 24)
    share = share / share.sum()
    implied = frame["observed"] / share.to_numpy()[frame["hod"]]  # the daily total this hour suggests
    level = implied.rolling(window_hours, center=True, min_periods=window_hours // 4).median()
    expected = level.to_numpy() * share.to_numpy()[frame["hod"]]
    # outages longer than the rolling window: compare whole days with the median of nearby live days
    totals_by_day = frame.groupby("day")["observed"].sum()
    live = totals_by_day.where(totals_by_day > 0.1 * totals_by_day.rolling(61, center=True, min_periods=7).median())
    reference = live.rolling(61, center=True, min_periods=7).median().reindex(frame["day"]).to_numpy()
    dead_day = (totals_by_day.reindex(frame["day"]).to_numpy() <= 0.1 * reference) & (reference > 0)
    expected = np.where(dead_day, reference * share.to_numpy()[frame["hod"]], expected)
    return pd.DataFrame({"hour": hours, "observed": frame["observed"].to_numpy(), "expected": expected})


def detect_gaps(
    db: Database, *, min_expected_hour: float = 3.0, min_missing: float = 50.0, min_hours: int = 2
) -> pd.DataFrame:
    """Runs of dead hours (≤10% of expectation) with at least ``min_missing`` announcements expected."""
    hourly = hourly_expectation(db)
    if hourly.empty:
        return pd.DataFrame(columns=_COLUMNS)
    obs, exp = hourly["observed"].to_numpy(), hourly["expected"].to_numpy()
    dead = (exp >= min_expected_hour) & (obs <= 0.1 * exp)
    # let a single quiet-but-not-dead night hour (low expectation) bridge two dead hours
    low = (exp < min_expected_hour) & (obs <= 0.1 * np.maximum(exp, 1))
    bridge = np.zeros_like(dead)
    bridge[1:-1] = low[1:-1] & dead[:-2] & dead[2:]
    dead |= bridge
    rows = []
    edges = np.flatnonzero(np.diff(np.r_[0, dead.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        e, o = float(exp[a:b].sum()), float(obs[a:b].sum())
        if e - o >= min_missing and b - a >= min_hours:
            start = hourly["hour"].iloc[a]
            rows.append([start, start + pd.Timedelta(hours=int(b - a)), int(b - a), e, o, e - o,
                         "detected", "all feeds", "announcements far below the expected hourly level"])  # fmt: skip
    return pd.DataFrame(rows, columns=_COLUMNS)


def recorded_gaps(db: Database) -> pd.DataFrame:
    """The gaps recorded in the store's ``gaps`` table (or an export's, on a backend), in the same columns."""
    if on_store(db):
        frame = db.query('SELECT source, start_at AS start, end_at AS "end", reason FROM gaps ORDER BY start_at')
    else:
        from scenewatch.analysis import portable

        frame = portable.recorded_gaps(db)
    frame["hours"] = ((frame["end"] - frame["start"]).dt.total_seconds() / 3600).round(1) if len(frame) else []
    frame["expected"] = np.nan
    frame["observed"] = np.nan
    frame["expected_missing"] = np.nan
    frame["kind"] = "recorded"
    return frame[_COLUMNS]


def gaps(
    db: Database, *, min_expected_hour: float = 3.0, min_missing: float = 50.0, min_hours: int = 2
) -> pd.DataFrame:
    """Detected and recorded feed gaps: start, end (UTC), hours, expected, observed, expected_missing, kind.

    ``db`` is the embedded store or an Ibis backend over an export (hourly counts in the engine, detection here).
    """
    default = (min_expected_hour, min_missing, min_hours) == (3.0, 50.0, 2) and on_store(db)
    key = (str(db.path), db.count_releases()) if default else ("", 0)
    if default and key in _CACHE:
        return _CACHE[key].copy()
    found = detect_gaps(db, min_expected_hour=min_expected_hour, min_missing=min_missing, min_hours=min_hours)
    parts = [f for f in (found,
                         recorded_gaps(db)) if not f.empty]  # fmt: skip
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    frame = frame.sort_values("start", ignore_index=True) if len(frame) else frame
    if default:
        _CACHE[key] = frame.copy()
    return frame


def gaps_between(db: Database, start: date, end: date) -> pd.DataFrame:
    """Gaps overlapping the days ``start``..``end`` (inclusive)."""
    frame = gaps(db)
    if frame.empty:
        return frame
    lo, hi = pd.Timestamp(ts(start)), pd.Timestamp(ts(end + timedelta(days=1)))
    return frame[(frame["end"] > lo) & (frame["start"] < hi)].reset_index(drop=True)


def gap_days(db: Database, start: date, end: date, *, min_hours: float = 2.0) -> set[date]:
    """UTC days in ``start``..``end`` that lose at least ``min_hours`` to a gap (excluded from model fits)."""
    out: set[date] = set()
    for row in gaps_between(db, start, end).itertuples():
        day = pd.Timestamp(row.start).floor("D")
        while day < row.end:
            lost = (min(row.end, day + pd.Timedelta(days=1)) - max(row.start, day)).total_seconds() / 3600
            if lost >= min_hours:
                out.add(day.date())
            day += pd.Timedelta(days=1)
    return out


def live_share(db: Database, start: date, end: date) -> pd.Series:
    """Per UTC day in ``start``..``end`` touched by a gap: the share of that day's usual volume announced outside
    the gap, from the median share of each hour of the week (so a gap over a busy weekday evening costs more than
    one over a quiet Sunday morning)."""
    found = gaps_between(db, start, end)
    if found.empty:
        return pd.Series(dtype=float)
    hourly = hourly_expectation(db)
    stamps = pd.DatetimeIndex(hourly["hour"])
    frame = pd.DataFrame({"n": hourly["observed"].to_numpy(), "day": stamps.floor("D"),
                          "wd": stamps.day_of_week, "h": stamps.hour})  # fmt: skip
    totals = frame.groupby("day")["n"].transform("sum")
    frame["share"] = frame["n"] / totals.where(totals > 0)
    profile = frame.groupby(["wd", "h"])["share"].median().unstack().reindex(index=range(7), columns=range(24))
    profile = profile.fillna(1 / 24)
    profile = profile.div(profile.sum(axis=1), axis=0)
    lost: dict[date, float] = {}
    for row in found.itertuples():
        hour = pd.Timestamp(row.start).floor("h")
        while hour < row.end:
            part = (min(row.end, hour + pd.Timedelta(hours=1)) - max(row.start, hour)).total_seconds() / 3600
            if start <= hour.date() <= end:
                lost[hour.date()] = lost.get(hour.date(), 0.0) + part * profile.iloc[hour.day_of_week, hour.hour]
            hour += pd.Timedelta(hours=1)
    return pd.Series({day: max(0.0, 1.0 - value) for day, value in sorted(lost.items())}, dtype=float)


def gap_warnings(db: Database, start: date, end: date) -> list[str]:
    """Warnings for every known or detected feed gap overlapping ``[start, end]`` (days, inclusive)."""
    found = gaps_between(db, start, end)
    return [
        f"window {start}..{end} touches a feed gap {r.start:%Y-%m-%d %H:%M}–{r.end:%Y-%m-%d %H:%M} UTC "
        f"({r.kind}{_missing_note(r.expected_missing)})"
        for r in found.itertuples()
    ]


def _missing_note(expected_missing: object) -> str:
    """", ~N announcements missing" when the gap was estimated (a recorded gap has no estimate: nothing said)."""
    if is_missing(expected_missing):
        return ""
    return f", ~{expected_missing:,.0f} announcements missing"
