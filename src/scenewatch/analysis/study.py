"""Every catalogued event the data covers, measured the same way: one table for a study of enforcement.

For each event (the catalogue plus events stored in the store, or a chosen list) that has enough data before and after
it: the calibrated impact (:mod:`scenewatch.analysis.impact`) of all releases, of every category and of every language
region (:data:`scenewatch.analysis.languages.REGIONS`), the recovery to ``threshold`` of the counterfactual
(:mod:`scenewatch.analysis.recovery`), and the established groups that stopped in the two weeks before the event by
their own rhythm (the stops of :mod:`scenewatch.analysis.discover`): how many, their share of the eight weeks before,
and which of them vanished (no release for 26 weeks, or none until the end of the data). Events outside the data are
listed with a note and not analysed. One row per event and series (``split`` all/category/language), sorted by day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import ALL, with_warnings
from scenewatch.analysis.discover import stops_and_trials
from scenewatch.analysis.impact import MIN_PRE_DAYS, History, history, measure
from scenewatch.analysis.languages import _daily
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import data_span, volume
from scenewatch.store import Database

COLUMNS = ["event_name", "day", "status", "note", "split", "series", "expected", "observed", "relative_change",
           "ci_low", "ci_high", "p_value", "calibrated", "recovered", "recovery_date", "stopped_groups",
           "stopped_share", "vanished_groups", "groups"]  # fmt: skip
VANISH_WINDOW = timedelta(days=14)
GONE_DAYS = 182.0  # a stop with no release for 26 live weeks (or none until the end of the data) is a vanishing


def _chosen_events(db: Database, names: list[str] | None) -> pd.DataFrame:
    from scenewatch.events import events, resolve_event

    frame = events(db if isinstance(db, Database) else None)[["name", "day"]]
    if not names:
        return frame
    rows = []
    for name in names:
        day = resolve_event(db if isinstance(db, Database) else None, name)
        known = frame[frame["day"] == day]
        rows.append({"name": known["name"].iloc[0] if len(known) else str(day), "day": day})
    return pd.DataFrame(rows).drop_duplicates().sort_values("day", ignore_index=True)


def _status(day: date, first: date, last: date) -> tuple[str, str] | None:
    span = f"the data covers {first} … {last}: listed, not analysed"
    if day < first + timedelta(days=MIN_PRE_DAYS + 2):
        return "before the data", span
    if day > last:
        return "after the data", span
    return None


def _vanished(db: Database, stops: pd.DataFrame, day: date) -> dict[str, object]:
    """Established groups whose improbable silence began in the two weeks before ``day`` (stopped), their share of
    the eight weeks before, and those that never came back (vanished), biggest first."""
    out: dict[str, object] = {"stopped_groups": 0, "stopped_share": 0.0, "vanished_groups": 0, "groups": []}
    if stops.empty:
        return out
    members = stops[(stops["day"] >= day - VANISH_WINDOW) & (stops["day"] < day + timedelta(days=1))]
    stopped = list(dict.fromkeys(members["group"]))
    if not stopped:
        return out
    gone = set(members[members["open"] | (members["gap"] >= GONE_DAYS)]["group"])
    counts = volume(db, "month", "group", since=day - timedelta(weeks=8), until=day - timedelta(days=1), fill=False)
    per_group = counts.groupby("group")["count"].sum()
    mine = per_group.reindex(stopped, fill_value=0).sort_values(ascending=False, kind="stable")
    total = float(per_group.sum())
    return {"stopped_groups": len(stopped), "stopped_share": float(mine.sum()) / total if total else 0.0,
            "vanished_groups": len(gone), "groups": [str(g) for g in mine.index if g in gone]}  # fmt: skip


def study(
    db: Database, names: list[str] | None = None, *, before: str = "8w", after: str = "8w", threshold: float = 0.9,
    languages: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """The study table (columns :data:`COLUMNS`); ``names``: events (names or days) instead of the whole catalogue."""
    first, last = data_span(db)
    if first is None or last is None:
        raise ValueError("the store holds no counted releases to study")
    chosen = _chosen_events(db, names)
    categories = history(db, "category")
    regions = None
    if languages:
        wide = _daily(db, first, last, "region", None)
        if len(wide.columns):
            wide[ALL] = wide.sum(axis=1)
            regions = History(wide, categories.used, first, last, categories.known, None)
    stops, _ = stops_and_trials(db, last)
    rows, warns = [], []
    for event in chosen.itertuples():
        outside = _status(event.day, first, last)
        if outside is not None:
            rows.append({"event_name": event.name, "day": event.day, "status": outside[0], "note": outside[1]})
            continue
        try:
            effects, _ = measure(categories, event.day, before, after)
        except ValueError as exc:
            rows.append({"event_name": event.name, "day": event.day, "status": "not analysed", "note": str(exc)})
            continue
        back = recovery(db, event.day, threshold, before).set_index("category")
        groups = _vanished(db, stops, event.day)
        for row in effects:
            key = str(row["category"])
            rows.append({"event_name": event.name, "day": event.day, "status": "analysed",
                         "split": ALL if key == ALL else "category", "series": key, **_effect(row),
                         **_recovered(back, key),
                         **(groups if key == ALL else {})})  # fmt: skip
        if regions is not None:
            found, _ = measure(regions, event.day, before, after, keys=[k for k in regions.wide.columns if k != ALL])
            rows += [{"event_name": event.name, "day": event.day, "status": "analysed", "split": "language",
                      "series": str(row["category"]), **_effect(row)} for row in found]  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        warns.append("no event to study")
    order = {ALL: 0, "category": 1, "language": 2}
    frame["_order"] = frame["split"].map(order).fillna(-1)
    frame = frame.sort_values(["day", "_order", "expected"], ascending=[True, True, False], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)
    for column in ("stopped_groups", "vanished_groups"):
        frame[column] = frame[column].astype("Int64")
    return with_warnings(frame, warns)


def _effect(row: dict[str, object]) -> dict[str, object]:
    return {key: row[key] for key in ("expected", "observed", "relative_change", "ci_low", "ci_high", "p_value",
                                      "calibrated")}  # fmt: skip


def _recovered(back: pd.DataFrame, key: str) -> dict[str, object]:
    """Recovery of one series from a recovery frame (nothing when it has no row for it, e.g. no drop to recover)."""
    if key not in back.index:
        return {"recovered": None, "recovery_date": None}
    return {"recovered": bool(back.loc[key, "recovered"]), "recovery_date": back.loc[key, "recovery_date"]}
