"""Language scenes: release volume by language tag and the impact of an event on each, with the same
counterfactual and calibrated 95% intervals as :mod:`scenewatch.analysis.impact` (each scene's series over the whole
history, its placebo dates its own).

A release's language class is its sorted ISO-639-1 codes joined by ``+`` (``de``, ``da+fi+no+sv`` for NORDiC) or
``untagged``. ``by="region"`` groups classes into European regions (:data:`REGIONS`; a class whose codes span several
regions is ``mixed``). "Which scenes were hit hardest" is answered with uncertainty: each class's log ratio
observed/expected is drawn from the normal whose 95% interval is its upper interval bound and the classes are ranked
in every draw, giving a 95% rank interval and the probability of being the hardest hit.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from scenewatch.analysis._common import ALL, on_store, with_warnings
from scenewatch.analysis.calibration import used_days
from scenewatch.analysis.gaps import gap_days
from scenewatch.analysis.impact import _Z, History, event_window, known_events, measure, measure_warnings
from scenewatch.analysis.volume import counted_filter, data_span
from scenewatch.store import Database

UNTAGGED = "untagged"
_IMPACT_COLUMNS = ("expected", "observed", "absolute_change", "relative_change", "ci_low", "ci_high",
                   "cumulative_missing", "p_value", "dispersion", "trend")  # fmt: skip
LangBy = Literal["language", "region"]
REGIONS: dict[str, str] = {
    **dict.fromkeys(("da", "fi", "no", "nb", "nn", "sv", "is", "et", "lv", "lt"), "northern"),
    **dict.fromkeys(("pl", "cs", "sk", "hu", "ro", "bg", "ru", "uk", "be", "hr", "sr", "sl", "bs", "mk", "sq"),
                    "eastern"),
    **dict.fromkeys(("de", "fr", "nl", "en"), "western"),
    **dict.fromkeys(("es", "it", "pt", "el", "ca", "tr"), "southern"),
}  # fmt: skip
CLASS_SQL = (
    f"CASE WHEN len(coalesce(language, [])) = 0 THEN '{UNTAGGED}' "
    "ELSE array_to_string(list_sort(list_distinct(language)), '+') END"
)


def region_of(language_class: str) -> str:
    """The region of a language class (``untagged`` stays; codes in several regions: ``mixed``; unknown: ``other``)."""
    if language_class in (UNTAGGED, ALL):
        return language_class
    regions = {REGIONS.get(code, "other") for code in language_class.split("+")}
    return regions.pop() if len(regions) == 1 else "mixed"


def _key(frame: pd.DataFrame, by: LangBy) -> pd.Series:
    if by == "language":
        return frame["language"]
    if by == "region":
        return frame["language"].map(region_of)
    raise ValueError(f"by must be language or region, not {by!r}")


def language_volume(
    db: Database, period: str = "week", by: LangBy = "language", *, category: str | None = None,
    since: date | None = None, until: date | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Releases per period and language class (or region): period, language|region, count, share (of the period)."""
    if period not in ("day", "week", "month"):
        raise ValueError(f"period must be day, week or month, not {period!r}")
    frame = _class_counts(db, period, category=category, since=since, until=until)
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame[by] = _key(frame, by)
    frame = frame.groupby(["period", by], as_index=False)["count"].sum()
    frame["count"] = frame["count"].astype("int64")
    frame["share"] = frame["count"] / frame.groupby("period")["count"].transform("sum")
    return frame.sort_values(["period", "count"], ascending=[True, False], ignore_index=True)


def _class_counts(
    db: Database, period: str, *, category: str | None, since: date | None, until: date | None
) -> pd.DataFrame:
    """Counted releases per period and language class: ``period``, ``language``, ``count``.

    On an Ibis backend the engine counts per (period, language list) and DuckDB, in process, derives the classes
    of that small table with the same :data:`CLASS_SQL`.
    """
    if on_store(db):
        where, params = counted_filter(category=category, since=since, until=until)
        sql = f"""
            SELECT CAST(date_trunc('{period}', pre_at) AS DATE) AS period, {CLASS_SQL} AS language,
                   count(*) AS count
            FROM releases WHERE {where} GROUP BY ALL
        """
        return db.query(sql, params)
    from scenewatch.analysis import portable

    counts = portable.language_counts(db, period, category=category, since=since, until=until)
    with duckdb.connect() as local:
        local.register("counts", counts)
        return local.execute(
            f"SELECT period, {CLASS_SQL} AS language, sum(n) AS count FROM counts GROUP BY ALL"
        ).df()


def _daily(db: Database, start: date, end: date, by: LangBy, category: str | None) -> pd.DataFrame:
    frame = _class_counts(db, "day", category=category, since=start, until=end).rename(columns={"period": "day"})
    days = pd.date_range(start, end, freq="D").date
    if frame.empty:
        return pd.DataFrame(index=pd.Index(days, name="day"))
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["key"] = _key(frame, by)
    wide = frame.pivot_table(index="day", columns="key", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(days, fill_value=0)
    wide.index.name = "day"
    wide.columns = [str(c) for c in wide.columns]
    return wide.astype("int64")


def language_impact(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    by: LangBy = "language", *, category: str | None = None, min_releases: int = 100, trend: bool | None = None,
    draws: int = 4000, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """Per language class (or region) with at least ``min_releases`` in the pre-event window, plus ``all``:
    releases_before, expected, observed, relative_change with its 95% CI, p_value, and — hardest hit first —
    rank, rank_low/rank_high (95%) and p_hardest (probability of being the hardest hit).
    """
    first, last = data_span(db)
    if first is None or last is None:
        return with_warnings(pd.DataFrame(), ["no language class has enough releases before the event"])
    wide = _daily(db, first, last, by, category)
    hist = History(wide, used_days(pd.DatetimeIndex(pd.to_datetime(wide.index)), gap_days(db, first, last)), first,
                   last, known_events(db), None)  # fmt: skip
    start, _ = event_window(event, before, after, first, last)
    pre = slice(hist.index(start), hist.index(event))
    keep = [c for c in wide.columns if int(wide[c].iloc[pre].sum()) >= min_releases]
    rows, warns = [], []
    if len(wide.columns):
        wide[ALL] = wide.drop(columns=[ALL], errors="ignore").sum(axis=1)
        found, calibrations = measure(hist, event, before, after, trend=trend, keys=[*keep, ALL])
        warns = measure_warnings(db, hist, event, before, after, calibrations)
        for row in found:
            key = str(row["category"])
            rows.append({by: key, "releases_before": int(wide[key].to_numpy()[pre][hist.used[pre]].sum()),
                         **{k: row[k] for k in _IMPACT_COLUMNS}})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return with_warnings(frame, [*warns, "no language class has enough releases before the event"])
    frame = _rank(frame, by, draws, seed)
    frame.insert(0, "event", event)
    return with_warnings(frame, warns)


def _rank(frame: pd.DataFrame, by: str, draws: int, seed: int) -> pd.DataFrame:
    """Add rank (1 = largest drop), its 95% interval and p_hardest from normal draws of each log ratio."""
    scenes = frame[(frame[by] != ALL) & frame["relative_change"].notna()].copy()
    others = frame.drop(scenes.index)
    if scenes.empty:
        return frame
    ratio = np.maximum(scenes["observed"].to_numpy(), 0.5) / scenes["expected"].to_numpy()
    sd = np.log((scenes["ci_high"].to_numpy() + 1.0) / ratio) / _Z
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1e-9)
    rng = np.random.default_rng(seed)
    sample = np.log(ratio)[None, :] + rng.standard_normal((draws, len(scenes))) * sd[None, :]
    ranks = sample.argsort(axis=1).argsort(axis=1) + 1  # 1 = lowest ratio = hardest hit
    scenes["rank"] = (scenes["relative_change"].rank(method="first")).astype("int64")
    scenes["rank_low"] = np.percentile(ranks, 2.5, axis=0, method="lower").astype("int64")
    scenes["rank_high"] = np.percentile(ranks, 97.5, axis=0, method="higher").astype("int64")
    scenes["p_hardest"] = (ranks == 1).mean(axis=0)
    scenes = scenes.sort_values("rank")
    out = pd.concat([scenes, others], ignore_index=True)
    for column in ("rank", "rank_low", "rank_high"):
        out[column] = out[column].astype("Int64")
    return out


def hardest_hit(frame: pd.DataFrame, by: LangBy = "language") -> str | None:
    """The class most likely to be the hardest hit in a :func:`language_impact` frame (None when empty)."""
    scenes = frame[frame[by] != ALL].dropna(subset=["p_hardest"]) if "p_hardest" in frame else frame.iloc[0:0]
    if scenes.empty:
        return None
    return str(scenes.loc[scenes["p_hardest"].idxmax(), by])


