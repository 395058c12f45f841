"""Compare release counts across named windows (e.g. the week before an event and weeks after it)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import ALL, monday, on_store, ts, with_warnings
from scenewatch.analysis.gaps import gap_warnings
from scenewatch.analysis.volume import COUNTED, data_span
from scenewatch.store import Database

_SPLIT = {"category": "category", "section": "section", "group": "grp"}


def event_windows(event: date, after_weeks: int = 2, later_weeks: int = 19) -> list[tuple[str, date, date]]:
    """Monday–Sunday weeks: the week before the event's week, ``after_weeks`` weeks after it, one ``later_weeks`` on.

    The event's own week is left out (as in the published 2020 figures: Aug 17–23 before, Aug 31–Sep 6 and
    Sep 7–13 after, Dec 28–Jan 3 "four months later" for ``later_weeks=19``).
    """
    week = monday(event)
    windows = [("week_before", week - timedelta(weeks=1), week - timedelta(days=1))]
    for k in range(1, after_weeks + 1):
        start = week + timedelta(weeks=k)
        windows.append((f"week_{k}_after", start, start + timedelta(days=6)))
    if later_weeks:
        start = week + timedelta(weeks=later_weeks)
        windows.append((f"week_{later_weeks}_after", start, start + timedelta(days=6)))
    return windows


def compare(db: Database, windows: list[tuple[str, date, date]], by: str | None = "category") -> pd.DataFrame:
    """Rows (window, start, end, <by>, count, change_vs_first, relative_change); ``all`` rows sum each window."""
    if not windows:
        raise ValueError("no windows to compare")
    if by is not None and by not in _SPLIT:
        raise ValueError(f"by must be one of {', '.join(_SPLIT)}, not {by!r}")
    if on_store(db):
        key = _SPLIT.get(by or "", "'all'")
        parts, params = [], []
        for i, (_, start, end) in enumerate(windows):
            parts.append(f"SELECT {i} AS w, coalesce({key}, '(none)') AS k, count(*) AS n FROM releases "
                         f"WHERE {COUNTED} AND pre_at >= ? AND pre_at < ? GROUP BY 2")  # fmt: skip
            params += [ts(start), ts(end + timedelta(days=1))]
        counts = db.query(" UNION ALL ".join(parts), params)
    else:  # an Ibis backend: the same counts from the portable expression
        from scenewatch.analysis.portable import window_counts

        counts = window_counts(db, windows, by)
    out = shape_windows(counts, windows, by)
    warns = [w for _, a, b in windows for w in gap_warnings(db, a, b)]
    first, last = data_span(db)
    for name, a, b in windows:
        if first is None or last is None or a < first or b > last:
            warns.append(f"window {name} ({a}..{b}) reaches beyond the data ({first}..{last}): its count is partial")
    return with_warnings(out, warns)


def shape_windows(counts: pd.DataFrame, windows: list[tuple[str, date, date]], by: str | None) -> pd.DataFrame:
    """Turn raw counts (columns w = window index, k = key, n = count) into the comparison table of :func:`compare`.

    Shared by every backend, so they all answer with the same rows.
    """
    label = by or "category"
    names = [w[0] for w in windows]
    keys = sorted(set(counts["k"])) if len(counts) else []
    full = pd.MultiIndex.from_product([range(len(windows)), keys], names=["w", "k"]).to_frame(index=False)
    frame = full.merge(counts, on=["w", "k"], how="left").fillna({"n": 0})
    if by is not None:
        totals = frame.groupby("w", as_index=False)["n"].sum().assign(k=ALL)
        frame = pd.concat([frame, totals], ignore_index=True)
    frame["n"] = frame["n"].astype("int64")
    first = frame[frame["w"] == 0].set_index("k")["n"]
    frame["change_vs_first"] = frame["n"] - frame["k"].map(first).fillna(0).astype("int64")
    base = frame["k"].map(first)
    frame["relative_change"] = (frame["n"] / base.where(base > 0) - 1.0).astype(float)
    frame["window"] = [names[i] for i in frame["w"]]
    frame["start"] = [windows[i][1] for i in frame["w"]]
    frame["end"] = [windows[i][2] for i in frame["w"]]
    frame = frame.rename(columns={"k": label, "n": "count"})
    frame["_all"] = frame[label] == ALL
    frame = frame.sort_values(["_all", label, "w"]).reset_index(drop=True)
    return frame[["window", "start", "end", label, "count", "change_vs_first", "relative_change"]]
