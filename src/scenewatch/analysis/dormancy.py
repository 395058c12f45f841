"""Which groups have gone quiet for longer than their own rhythm makes likely, as of any date.

Only releases before ``as_of`` are read, so the ranking can be backtested. The null model is each group's own
release rhythm (:mod:`scenewatch.analysis.rhythm`): the gaps between its active days, in live days (hours inside a
detected or recorded feed gap are not silence). The score is ``−log10 A(s)``, where ``A(s)`` is the share of the
group's history spent at least as long into a silence as its current one (3 = one moment in a thousand);
``expected_gap`` is its mean gap. A group that releases in bursts with month-long pauses is therefore not "silent"
after nine days, and a feed outage right before ``as_of`` does not make every group look silent.

Re-listings: feeds sometimes list old releases late; a name carrying a year more than ``relist_years`` before the
year of its pre time is treated as a re-listing and ignored (simple; it also ignores genuine releases of old films).
The year is the parsed one or, failing that, the first stand-alone 19xx/20xx in the name.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from scenewatch.analysis._common import is_missing, on_store, ts, with_warnings
from scenewatch.analysis.rhythm import RELIST_FILTER, current_silence, rhythms, silence_chance
from scenewatch.analysis.volume import COUNTED
from scenewatch.store import Database


def group_activity(db: Database, as_of: date, *, min_releases: int = 5, relist_years: int = 2) -> pd.DataFrame:
    """Per group, from releases before ``as_of``: first/last pre, releases, active days, longest gap, sections.

    ``db`` is the store or an Ibis backend (:func:`scenewatch.analysis.portable.group_activity`): same rows.
    """
    if not on_store(db):
        from scenewatch.analysis import portable

        return finish_activity(portable.group_activity(db, as_of, min_releases=min_releases, relist_years=relist_years))
    sql = f"""
        WITH r AS (
            SELECT grp, pre_at, category, section FROM releases
            WHERE {COUNTED} AND grp IS NOT NULL AND pre_at < ? AND {RELIST_FILTER}
        ),
        d AS (SELECT DISTINCT grp, CAST(pre_at AS DATE) AS day FROM r),
        g AS (SELECT grp, max(day - lag) AS longest_gap_days
              FROM (SELECT grp, day, lag(day) OVER (PARTITION BY grp ORDER BY day) AS lag FROM d) GROUP BY grp),
        c AS (SELECT grp, category, count(*) AS n FROM r GROUP BY grp, category),
        m AS (SELECT grp, first(category ORDER BY n DESC, category) AS main_category FROM c GROUP BY grp)
        SELECT r.grp AS "group", min(pre_at) AS first_pre, max(pre_at) AS last_pre, count(*) AS releases,
               count(DISTINCT CAST(pre_at AS DATE)) AS active_days, any_value(m.main_category) AS main_category,
               list(DISTINCT upper(section)) FILTER (WHERE section IS NOT NULL) AS sections,
               any_value(g.longest_gap_days) AS longest_gap_days
        FROM r LEFT JOIN g USING (grp) LEFT JOIN m USING (grp) GROUP BY r.grp HAVING count(*) >= ?
    """
    return finish_activity(db.query(sql, [ts(as_of), relist_years, min_releases]))


def finish_activity(frame: pd.DataFrame) -> pd.DataFrame:
    """One shape for every backend: rows by group, sections sorted, fixed dtypes (the most frequent category wins,
    ties to the alphabetically first, in each backend's query)."""
    frame = frame.sort_values("group", ignore_index=True)
    frame["group"] = frame["group"].astype("str")
    frame["main_category"] = frame["main_category"].astype("str")
    for column in ("first_pre", "last_pre"):
        moments = pd.to_datetime(frame[column])
        if moments.dt.tz is not None:  # ClickHouse answers in UTC with the zone attached
            moments = moments.dt.tz_convert("UTC").dt.tz_localize(None)
        frame[column] = moments.astype("datetime64[us]")
    frame["releases"] = frame["releases"].astype("int64")
    frame["active_days"] = frame["active_days"].astype("int64")
    frame["longest_gap_days"] = frame["longest_gap_days"].astype("float64")
    frame["sections"] = [sorted({str(v) for v in value}) if _has_items(value) else [] for value in frame["sections"]]
    return frame


def _has_items(value: object) -> bool:
    return not is_missing(value) and len(value) > 0  # type: ignore[arg-type]


def dormancy(
    db: Database, as_of: date, *, min_releases: int = 5, relist_years: int = 2, limit: int | None = None,
    within_days: float | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Groups ranked by how improbable their current silence is under their own rhythm: score = −log10 A(s).

    ``within_days`` keeps only groups whose last release is at most that many days before ``as_of`` (recent stops,
    e.g. the days after an event, rather than groups long gone).
    """
    frame = group_activity(db, as_of, min_releases=min_releases, relist_years=relist_years)
    if frame.empty:
        return with_warnings(frame, [f"no group has {min_releases}+ releases before {as_of}"])
    moment = pd.Timestamp(ts(as_of))
    frame["lifespan_days"] = (frame["last_pre"] - frame["first_pre"]).dt.total_seconds() / 86400
    r = rhythms(db, as_of, relist_years=relist_years)
    silence, lost = current_silence(r, as_of)
    chance, tau = silence_chance(r, silence)
    by_group = pd.DataFrame({"silence_days": silence, "feed_gap_days": lost, "expected_gap": tau,
                             "score": -np.log10(chance)}, index=r.groups)  # fmt: skip
    frame = frame.join(by_group, on="group")
    observed_days = np.maximum((moment - frame["first_pre"].dt.floor("D")).dt.days, 1)
    frame["activity"] = np.clip(frame["active_days"] / observed_days, 1e-6, 1.0)
    frame["longest_gap_days"] = frame["longest_gap_days"].fillna(0).astype(float)
    if within_days is not None:
        frame = frame[frame["silence_days"] <= within_days]
    frame = frame.sort_values("score", ascending=False, ignore_index=True, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    columns = ["rank", "group", "first_pre", "last_pre", "releases", "active_days", "lifespan_days", "silence_days",
               "feed_gap_days", "expected_gap", "longest_gap_days", "score", "main_category", "sections",
               "activity"]  # fmt: skip
    frame = frame[columns]
    return frame.head(limit) if limit else frame


def silence_probability(score: float) -> float:
    """The probability a dormancy score stands for."""
    return math.pow(10.0, -score)
