"""Each group's own release rhythm: the null model of silence behind dormancy, vanished clusters and discover.

A group's history is its active days (days with at least one counted release before ``as_of``, re-listings left
out) and the gaps between consecutive active days, measured in *live* days: hours inside a feed gap (detected or
recorded, :mod:`scenewatch.analysis.gaps`) are not time in which a group could be seen, so they are taken out of
every gap and of the current silence. The rhythm is the empirical distribution of those gaps, plus one exponential
pseudo-gap with the group's mean gap ``τ`` (so a silence longer than any seen before has a small but not zero
chance). Two questions are asked of it:

* **silence probability** (dormancy, clusters): at a random moment of the group's life, how likely is it to have
  been silent for at least ``s`` live days? For a renewal process that is the backward-recurrence ("age") tail
  ``A(s) = (Σ (g − s)⁺ + τ·e^(−s/τ)) / (Σ g + τ)``: the share of the group's history spent at least ``s`` days into
  a silence. A group that releases in bursts with month-long pauses spends much of its life nine days into a pause,
  so nine days of silence is ordinary for it; a daily group has almost never been silent for three days.
  ``τ = (Σ g + s) / (n + 1)`` counts the current silence as evidence too, which keeps young groups from looking
  regular.
* **gap survival** (discover): how unusual is a gap that starts on a given active day, against the gaps the group
  had *before* it? ``S = (#{earlier gaps ≥ g} + e^(−g/τ)) / (earlier gaps + 1)``, a conformal-style rank with the
  same pseudo-gap; the gap still open at the end of the data counts with its length so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from scenewatch.analysis._common import COUNTED, on_store, ts
from scenewatch.analysis.definitions import YEAR_PATTERN
from scenewatch.analysis.gaps import gaps
from scenewatch.store import Database

NAME_YEAR = f"coalesce(year, TRY_CAST(nullif(regexp_extract(name, '{YEAR_PATTERN}', 1), '') AS INTEGER))"
RELIST_FILTER = f"({NAME_YEAR} IS NULL OR {NAME_YEAR} >= year(pre_at) - ?)"
RELIST_YEARS = 2  # a name's year more than this before its pre time's year: a late re-listing of an old title


def not_relisted_sql(years: int = RELIST_YEARS) -> str:
    """RELIST_FILTER with its years written in (for a query whose placeholders are all taken)."""
    return RELIST_FILTER.replace("?", str(int(years)))


_DAY = np.timedelta64(1, "D")


@dataclass(slots=True)
class Rhythms:
    """Gaps between active days of every group with releases before ``as_of`` (groups sorted by name)."""

    groups: np.ndarray  # (G,) names
    offsets: np.ndarray  # (G + 1,) slice of each group's gaps in ``gaps``/``gap_day``
    gaps: np.ndarray  # live days between consecutive active days, in time order within a group
    gap_day: np.ndarray  # datetime64[D] of the active day each gap starts from
    releases_before: np.ndarray  # releases of the group before the gap's start day (inclusive)
    first_day: np.ndarray  # (G,) datetime64[D]
    last_day: np.ndarray  # (G,) datetime64[D]
    last_at: np.ndarray  # (G,) datetime64[us] of the last release
    feed_gaps: pd.DataFrame  # start, end of the gaps taken out of the live time
    as_of: date

    def counts(self) -> np.ndarray:
        """Gaps per group."""
        return np.diff(self.offsets)


def active_days(db: Database, as_of: date, *, relist_years: int = 2) -> pd.DataFrame:
    """Per group and UTC day before ``as_of``: releases and the last pre time (re-listings left out)."""
    if not on_store(db):
        from scenewatch.analysis import portable

        frame = portable.group_days(db, as_of, relist_years=relist_years)
    else:
        frame = db.query(f"""
            SELECT grp AS "group", CAST(pre_at AS DATE) AS day, count(*) AS releases, max(pre_at) AS last_at
            FROM releases WHERE {COUNTED} AND grp IS NOT NULL AND pre_at < ? AND {RELIST_FILTER}
            GROUP BY 1, 2
        """, [ts(as_of), relist_years])  # fmt: skip
    frame["group"] = frame["group"].astype("str")
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[s]")
    last = pd.to_datetime(frame["last_at"])
    if last.dt.tz is not None:
        last = last.dt.tz_convert("UTC").dt.tz_localize(None)
    frame["last_at"] = last.astype("datetime64[us]")
    frame["releases"] = frame["releases"].astype("int64")
    return frame.sort_values(["group", "day"], ignore_index=True)


def feed_gaps_before(db: Database, as_of: date) -> pd.DataFrame:
    """Detected and recorded feed gaps starting before ``as_of`` (start, end)."""
    found = gaps(db)
    if found.empty:
        return pd.DataFrame({"start": pd.Series(dtype="datetime64[us]"), "end": pd.Series(dtype="datetime64[us]")})
    found = found[pd.to_datetime(found["start"]) < pd.Timestamp(ts(as_of))]
    return pd.DataFrame({"start": pd.to_datetime(found["start"]).astype("datetime64[us]"),
                         "end": pd.to_datetime(found["end"]).astype("datetime64[us]")}).reset_index(drop=True)


def gap_hours_between(starts: np.ndarray, ends: np.ndarray, feed: pd.DataFrame) -> np.ndarray:
    """Hours of ``feed`` gaps inside each interval ``[starts[i], ends[i])`` (datetime64 arrays)."""
    out = np.zeros(len(starts))
    for row in feed.itertuples():
        a, b = np.datetime64(row.start, "us"), np.datetime64(row.end, "us")
        lo = np.maximum(starts.astype("datetime64[us]"), a)
        hi = np.minimum(ends.astype("datetime64[us]"), b)
        out += np.maximum((hi - lo) / np.timedelta64(1, "h"), 0.0)
    return out


def _live_clock(first: np.datetime64, last: np.datetime64, feed: pd.DataFrame) -> np.ndarray:
    """Live days elapsed at the start of each day from ``first`` to ``last`` + 1 (one value per day boundary)."""
    n = int((last - first) / _DAY) + 2
    starts = first + np.arange(n - 1) * _DAY
    lost = gap_hours_between(starts, starts + _DAY, feed) / 24.0
    return np.concatenate([[0.0], np.cumsum(1.0 - np.clip(lost, 0.0, 1.0))])


def rhythms(db: Database, as_of: date, *, relist_years: int = 2, days: pd.DataFrame | None = None) -> Rhythms:
    """Every group's gaps in live days before ``as_of`` (``days``: :func:`active_days` already read)."""
    frame = active_days(db, as_of, relist_years=relist_years) if days is None else days
    feed = feed_gaps_before(db, as_of)
    if frame.empty:
        empty = np.array([], dtype="datetime64[D]")
        return Rhythms(np.array([], dtype=object), np.zeros(1, dtype=np.int64), np.zeros(0), empty,
                       np.zeros(0, dtype=np.int64), empty, empty, np.array([], dtype="datetime64[us]"), feed,
                       as_of)  # fmt: skip
    day = frame["day"].to_numpy().astype("datetime64[D]")
    origin = day.min()
    clock = _live_clock(origin, day.max(), feed)
    live = clock[((day - origin) / _DAY).astype(np.int64)]
    group = frame["group"].to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    bounds = np.r_[starts, len(frame)]
    same = np.r_[group[1:] == group[:-1], False]  # row i has a successor in its group
    gap = (np.r_[live[1:], 0.0] - live)[same]
    cumulative = np.cumsum(frame["releases"].to_numpy())
    group_start = np.repeat(np.r_[0, cumulative[bounds[1:-1] - 1]], np.diff(bounds))
    before = (cumulative - group_start)[same]
    counts = np.diff(bounds) - 1
    offsets = np.r_[0, np.cumsum(counts)]
    last_rows = bounds[1:] - 1
    return Rhythms(group[starts], offsets, gap, day[same], before, day[starts], day[last_rows],
                   frame["last_at"].to_numpy()[last_rows], feed, as_of)  # fmt: skip


def current_silence(r: Rhythms, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Per group: live days of silence from its last release to ``as_of``, and the feed-gap days left out."""
    moment = np.datetime64(pd.Timestamp(ts(as_of)), "us")
    raw = (moment - r.last_at.astype("datetime64[us]")) / np.timedelta64(1, "D")
    lost = gap_hours_between(r.last_at, np.full(len(r.last_at), moment), r.feed_gaps) / 24.0
    return np.maximum(raw - lost, 0.0), lost


def silence_chance(r: Rhythms, silence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the chance ``A(s)`` of having been silent ``silence`` live days at a random moment, and ``τ``."""
    counts = r.counts()
    owner = np.repeat(np.arange(len(counts)), counts)
    total = np.bincount(owner, weights=r.gaps, minlength=len(counts))
    tail = np.bincount(owner, weights=np.maximum(r.gaps - silence[owner], 0.0), minlength=len(counts))
    tau = np.maximum((total + silence) / (counts + 1), 1e-6)
    pseudo = tau * np.exp(-silence / tau)
    return np.clip((tail + pseudo) / (total + tau), 1e-300, 1.0), tau


def gap_survival(r: Rhythms, end: date, *, min_gap: float = 3.0, min_prior: int = 10) -> pd.DataFrame:
    """Every gap of at least ``min_gap`` live days with ``min_prior`` earlier gaps, including the one still open at
    ``end``: group, day (the last active day before it), gap (live days), open (still running), prior (earlier
    gaps), releases_before, survival ``S`` against the group's earlier gaps."""
    rows = []
    end_day = np.datetime64(end, "D")
    counts = r.counts()
    open_gap = np.zeros(len(counts))
    if len(counts):
        live_open = (end_day - r.last_day) / _DAY
        lost = gap_hours_between(r.last_day.astype("datetime64[us]"), np.full(len(counts), end_day), r.feed_gaps)
        open_gap = np.maximum(live_open - lost / 24.0, 0.0)
    for g in range(len(counts)):
        mine = r.gaps[r.offsets[g] : r.offsets[g + 1]]
        values = np.r_[mine, open_gap[g]]
        if len(values) <= min_prior:
            continue
        candidates = np.flatnonzero(values >= min_gap)
        candidates = candidates[candidates >= min_prior]
        if not len(candidates):
            continue
        cumulative = np.cumsum(values)
        for i in candidates:
            prior = values[:i]
            x = values[i]
            tau = (cumulative[i - 1] + x) / (i + 1)
            survival = (np.count_nonzero(prior >= x) + np.exp(-x / tau)) / (i + 1)
            is_open = i == len(mine)
            day = r.last_day[g] if is_open else r.gap_day[r.offsets[g] + i]
            before = int(r.releases_before[r.offsets[g] + i]) if not is_open else None
            rows.append((r.groups[g], day, float(x), is_open, int(i), before, float(survival)))
    frame = pd.DataFrame(rows, columns=["group", "day", "gap", "open", "prior", "releases_before", "survival"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def day_after(day: date) -> date:
    """The day after ``day`` (the ``as_of`` that includes it)."""
    return day + timedelta(days=1)
