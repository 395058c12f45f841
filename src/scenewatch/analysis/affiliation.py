"""Groups that stopped together: who vanished with a given group, and unsupervised clusters of stops.

Both start from :func:`scenewatch.analysis.dormancy.dormancy` as of a date (default: the day after the last data).
``vanished_with`` lists groups whose last release lies within ``window_days`` of the given group's last release and
scores each by the improbability of its silence since (its dormancy score); sections shared with the group are listed.
``vanished_clusters`` takes every group whose silence scores at least ``min_score`` and links their last-release
times by single linkage (a new cluster starts after a pause of more than ``link_hours`` between consecutive stops).
A cluster's p-value is the Poisson chance of seeing that many significant stops within its span given the
background rate of such stops over the whole period.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from scenewatch.analysis._common import is_missing, with_warnings
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.volume import data_span
from scenewatch.store import Database


def _default_as_of(db: Database, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    _, last = data_span(db)
    if last is None:
        raise ValueError("the store holds no releases")
    return last + timedelta(days=1)


def _sections(value: object) -> set[str]:
    if is_missing(value):
        return set()
    return {str(v) for v in value}  # type: ignore[union-attr]


def vanished_with(
    db: Database, group: str, window_days: float = 3, *, as_of: date | None = None, min_releases: int = 5,
    min_score: float = 2.0,
) -> pd.DataFrame:  # fmt: skip
    """Groups whose last release is within ``window_days`` of GROUP's and whose silence since is improbable."""
    as_of = _default_as_of(db, as_of)
    table = dormancy(db, as_of, min_releases=min_releases)
    target = table[table["group"].str.lower() == group.lower()]
    if target.empty:
        raise ValueError(f"group {group!r} has fewer than {min_releases} releases before {as_of}")
    anchor = target.iloc[0]
    offset = (table["last_pre"] - anchor["last_pre"]).dt.total_seconds() / 3600
    near = table[(offset.abs() <= window_days * 24) & (table["group"] != anchor["group"])].copy()
    near["offset_hours"] = offset[near.index]
    near = near[near["score"] >= min_score]
    mine = _sections(anchor["sections"])
    near["shared_sections"] = [sorted(mine & _sections(s)) for s in near["sections"]]
    near["section_overlap"] = [len(mine & _sections(s)) / max(len(mine | _sections(s)), 1) for s in near["sections"]]
    near.insert(0, "with_group", anchor["group"])
    columns = ["with_group", "group", "last_pre", "offset_hours", "releases", "silence_days", "expected_gap",
               "score", "main_category", "shared_sections", "section_overlap"]  # fmt: skip
    frame = near.sort_values("score", ascending=False, ignore_index=True)[columns]
    frame.attrs["anchor"] = {"group": anchor["group"], "last_pre": anchor["last_pre"], "score": anchor["score"]}
    return with_warnings(frame, [])


def vanished_clusters(
    db: Database, as_of: date | None = None, *, min_score: float = 3.0, link_hours: float = 24.0, min_size: int = 3,
    min_releases: int = 5,
) -> pd.DataFrame:  # fmt: skip
    """Clusters of groups that stopped at about the same time (one row per group, cluster columns repeated)."""
    as_of = _default_as_of(db, as_of)
    table = dormancy(db, as_of, min_releases=min_releases)
    columns = ["cluster", "cluster_start", "cluster_end", "cluster_size", "cluster_score", "cluster_p_value",
               "group", "last_pre", "score", "releases", "main_category"]  # fmt: skip
    if table.empty or "score" not in table.columns:
        return pd.DataFrame(columns=columns)
    stopped = table[table["score"] >= min_score].sort_values("last_pre", ignore_index=True)
    if len(stopped) < min_size:
        return with_warnings(pd.DataFrame(columns=columns), [f"fewer than {min_size} significantly silent groups"])
    times = stopped["last_pre"]
    new = times.diff().dt.total_seconds().fillna(np.inf) > link_hours * 3600
    stopped["cluster_id"] = new.cumsum()
    first, _ = data_span(db)
    period_hours = max((pd.Timestamp(as_of) - pd.Timestamp(first)).total_seconds() / 3600, 1.0)
    background = len(stopped) / period_hours  # significant stops per hour
    rows = []
    for _, members in stopped.groupby("cluster_id"):
        if len(members) < min_size:
            continue
        span = (members["last_pre"].max() - members["last_pre"].min()).total_seconds() / 3600 + link_hours
        p_value = float(stats.poisson.sf(len(members) - 1, background * span))
        rows.append(members.assign(
            cluster_start=members["last_pre"].min(), cluster_end=members["last_pre"].max(),
            cluster_size=len(members), cluster_p_value=p_value,
            cluster_score=-np.log10(max(p_value, 1e-300)),
        ))  # fmt: skip
    if not rows:
        return with_warnings(pd.DataFrame(columns=columns), [])
    frame = pd.concat(rows, ignore_index=True)
    order = frame.groupby("cluster_id")["cluster_score"].first().sort_values(ascending=False).index
    frame["cluster"] = frame["cluster_id"].map({c: i + 1 for i, c in enumerate(order)})
    frame = frame.sort_values(["cluster", "score"], ascending=[True, False], ignore_index=True)
    return with_warnings(frame[columns], [])
