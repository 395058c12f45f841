"""Events nobody reported: weeks in which established groups stopped releasing together more than chance allows.

Method. Every gap of an established group (``min_active_days`` active days and ``min_releases`` releases before
it) is judged against that group's own earlier gaps (:func:`scenewatch.analysis.rhythm.gap_survival`, in live days:
feed gaps are not silence); a gap whose survival is below ``p_stop`` is a *stop* on the group's last active day
before it. Every active day of an established group is a *trial* (a gap could have started there). Chance is the
base rate of stops per trial over the whole history, so a window of ``window_days`` days with ``T`` trials expects
``μ = rate · T`` stops; windows are overdispersed (the scene has busy and quiet weeks), so the count is tested
against a negative binomial with the variance ``φ·μ`` measured on the history's weeks (trimmed of the 5% most
extreme), and the p-value is multiplied by the number of windows scanned (Bonferroni; one window starts on every
day). Windows are taken greedily by p-value; a significant window touching a stronger candidate's windows is
absorbed into it (stops spread over a fortnight around a raid: a weekly group's last release may come days before).

Change points of total and per-category volume (:mod:`scenewatch.analysis.changepoints`) are attached to the candidate
they fall in (± ``window_days``); a downward change point with no candidate, and not in the 26 weeks after one (the
steps of its recovery), becomes one when its calibrated volume change (:mod:`scenewatch.analysis.impact`) is a
significant drop after the same correction for the number of weeks scanned. Each
candidate: its date (the first silent day: the day after the one most stopped groups released on for the last time), the
window its stops span, the groups and their share of volume in the eight weeks before, the calibrated change of all
releases over the eight weeks from the date with its 95% interval (placebo windows overlapping the 26 weeks after any
candidate are left out of its calibration, as those after catalogued events are), ``p_adjusted``, and the catalogued (or
stored) event within ``window_days`` of it.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from scenewatch.analysis._common import ALL, with_warnings
from scenewatch.analysis.calibration import AFTERMATH
from scenewatch.analysis.changepoints import changepoints
from scenewatch.analysis.impact import history, measure
from scenewatch.analysis.rhythm import gap_survival, rhythms
from scenewatch.analysis.volume import data_span, volume
from scenewatch.store import Database

COLUMNS = ["rank", "date", "window_days", "groups", "volume_share", "p_adjusted", "volume_change", "matched_event",
           "stops", "expected_stops", "changepoints", "source"]  # fmt: skip


def stops_and_trials(
    db: Database, end: date, *, min_releases: int = 50, min_active_days: int = 20, p_stop: float = 0.01,
) -> tuple[pd.DataFrame, pd.Series]:  # fmt: skip
    """The stops (group, day, gap, survival…) and the trials per day of established groups up to ``end``."""
    r = rhythms(db, end + timedelta(days=1))
    judged = gap_survival(r, end + timedelta(days=1), min_prior=max(min_active_days - 1, 1))
    counts = r.counts()
    owner = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(len(r.gaps)) - r.offsets[owner]
    established = (position >= min_active_days - 1) & (r.releases_before >= min_releases)
    trial_days = pd.Series(r.gap_day[established].astype("datetime64[s]")).dt.date
    open_ok = (counts >= min_active_days - 1)  # the last active day is a trial too
    trial_days = pd.concat([trial_days, pd.Series(r.last_day[open_ok].astype("datetime64[s]")).dt.date])
    trials = trial_days.value_counts().sort_index()
    if judged.empty:
        return judged, trials
    releases = judged["releases_before"].fillna(min_releases).to_numpy()
    stops = judged[(judged["survival"] <= p_stop) & (releases >= min_releases)].reset_index(drop=True)
    return stops, trials


def _dispersion(stops: np.ndarray, expected: np.ndarray) -> float:
    """Overdispersion φ of weekly stop counts around their expectation (the 5% largest residuals left out)."""
    ok = expected > 0.5
    if ok.sum() < 8:
        return 1.0
    pearson = (stops[ok] - expected[ok]) ** 2 / expected[ok]
    keep = pearson <= np.quantile(pearson, 0.95)
    return max(1.0, float(pearson[keep].mean()))


def tail_probability(count: int, mean: float, phi: float) -> float:
    """P(N ≥ count) for a count with mean ``mean`` and variance ``phi·mean`` (negative binomial; Poisson at φ=1)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if phi <= 1.0 + 1e-9:
        return float(stats.poisson.sf(count - 1, mean))
    size = mean / (phi - 1.0)
    return float(stats.nbinom.sf(count - 1, size, 1.0 / phi))


def _event_names(db: Database) -> list[tuple[date, str]]:
    from scenewatch.events import events

    frame = events(db if isinstance(db, Database) else None)
    return list(zip(frame["day"], frame["name"], strict=True))


def discover(
    db: Database, *, window_days: int = 7, min_releases: int = 50, min_active_days: int = 20, p_stop: float = 0.01,
    alpha: float = 0.05, limit: int | None = 20, with_changepoints: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Candidate events over the whole history, most significant first (columns: :data:`COLUMNS`)."""
    first, last = data_span(db)
    if first is None or last is None:
        raise ValueError("the store holds no counted releases to scan")
    stops, trials = stops_and_trials(db, last, min_releases=min_releases, min_active_days=min_active_days,
                                     p_stop=p_stop)  # fmt: skip
    days = pd.date_range(first, last, freq="D").date
    trial = trials.reindex(days, fill_value=0).to_numpy(dtype=float)
    stop_days = stops["day"].value_counts().reindex(days, fill_value=0).to_numpy(dtype=float)
    rate = stop_days.sum() / max(trial.sum(), 1.0)
    kernel = np.ones(window_days)
    window_stops = np.convolve(stop_days, kernel, mode="valid")
    window_trials = np.convolve(trial, kernel, mode="valid")
    weekly = slice(0, len(window_stops), window_days)
    phi = _dispersion(window_stops[weekly], rate * window_trials[weekly])
    scanned = max(len(window_stops), 1)
    p = np.array([tail_probability(int(s), rate * t, phi) for s, t in zip(window_stops, window_trials, strict=True)])
    order = np.argsort(p, kind="stable")
    taken: list[list[int]] = []  # each candidate: its best window first, then the significant windows it absorbed
    for i in order:
        if p[i] * scanned > alpha:
            break
        touching = [c for c in taken if any(abs(i - j) <= window_days for j in c)]
        if touching:  # the shoulder of a stronger candidate (e.g. weekly groups whose last release came early)
            touching[0].append(int(i))
        else:
            taken.append([int(i)])
    hist = history(db, None)
    known = _event_names(db)
    rows = []
    for windows in taken:
        lo, hi = days[min(windows)], days[max(windows) + window_days - 1]
        members = stops[(stops["day"] >= lo) & (stops["day"] <= hi)]
        stop_dates = sorted(members["day"])
        when = members["day"].value_counts().sort_index().idxmax() + timedelta(days=1)
        best = windows[0]
        rows.append({"date": when, "window_start": stop_dates[0], "window_end": stop_dates[-1],
                     "groups": list(dict.fromkeys(members["group"])), "p_adjusted": min(1.0, float(p[best]) * scanned),
                     "stops": len(members), "expected_stops": float(rate * trial[(days >= lo) & (days <= hi)].sum()),
                     "source": "groups"})  # fmt: skip
    # the candidates' own aftermaths are no placebo either: the volume changes are calibrated without them
    hist.known = sorted({*hist.known, *(row["date"] for row in rows)})
    breaks = changepoints(db) if with_changepoints else pd.DataFrame(columns=["category", "date"])
    weeks = max(len(days) / 7.0, 1.0)
    for row in breaks.itertuples():
        near = [c for c in rows if c["window_start"] - timedelta(days=window_days) <= row.date
                <= c["window_end"] + timedelta(days=window_days)]  # fmt: skip
        label = f"{row.category} {row.direction} {row.relative_change:+.0%} on {row.date}"
        if near:
            near[0].setdefault("changepoints", []).append(label)
            continue
        after = [c for c in rows if c["source"] == "groups" and c["date"] < row.date <= c["date"] + AFTERMATH]
        if row.direction != "down" or after:  # a rise, or a step of a candidate's own recovery, is no new event
            continue
        change = _volume_change(hist, row.date)
        if change is None or math.isnan(change["p_value"]) or change["relative_change"] >= 0:
            continue
        if change["p_value"] * weeks > alpha:
            continue
        rows.append({"date": row.date, "window_start": row.date, "window_end": row.date, "groups": [],
                     "p_adjusted": min(1.0, change["p_value"] * weeks), "stops": 0, "expected_stops": math.nan,
                     "source": "changepoint", "changepoints": [label]})  # fmt: skip
    for row in rows:
        row["window_days"] = (row["window_end"] - row["window_start"]).days + 1
        row.setdefault("changepoints", [])
        row["volume_change"] = _volume_change(hist, row["date"])
        row["volume_share"], row["groups"] = _share(db, row["groups"], row["date"])
        row["matched_event"] = next((name for day, name in known if abs((day - row["date"]).days) <= window_days
                                     or row["window_start"] <= day <= row["window_end"]), None)  # fmt: skip
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "rank"])
    if len(frame):
        frame = frame.sort_values(["p_adjusted", "volume_share"], ascending=[True, False], ignore_index=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame = frame.head(limit) if limit else frame
    frame.attrs.update({"windows_scanned": scanned, "stop_rate": float(rate), "dispersion": phi,
                        "stops": int(stop_days.sum()), "trials": int(trial.sum())})  # fmt: skip
    warns = [] if len(stops) else ["no established group has a gap long enough to judge"]
    return with_warnings(frame, warns)


def _volume_change(hist: object, day: date) -> dict[str, float] | None:
    """The calibrated change of all releases over the eight weeks from ``day`` (None when it cannot be measured)."""
    try:
        found, _ = measure(hist, day, "8w", "8w", keys=[ALL])  # type: ignore[arg-type]
    except ValueError:
        return None
    if not found:
        return None
    row = found[0]
    return {key: float(row[key]) for key in ("relative_change", "ci_low", "ci_high", "p_value")}  # type: ignore[arg-type]


def _share(db: Database, groups: list[str], day: date) -> tuple[float, list[str]]:
    """The groups' share of releases in the eight weeks before ``day``, and the groups biggest first."""
    if not groups:
        return 0.0, []
    since, until = day - timedelta(weeks=8), day - timedelta(days=1)
    counts = volume(db, "month", "group", since=since, until=until, fill=False)  # type: ignore[arg-type]
    per_group = counts.groupby("group")["count"].sum()
    total = float(per_group.sum())
    mine = per_group.reindex(groups, fill_value=0).sort_values(ascending=False, kind="stable")
    return (float(mine.sum()) / total if total else 0.0), [str(g) for g in mine.index]
