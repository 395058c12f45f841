"""API routes over the analysis functions: the same parameters as the functions (and their CLI commands).

Each answers ``{"rows": [...], "warnings": [...], ...}``: the table, the analysis's warnings (e.g. a feed gap inside
the window) and any other attributes it reports (e.g. ``correlation``, ``anchor``). Analyses whose module is not
installed in this checkout are left out of the API (see :data:`AVAILABLE`).
"""

from __future__ import annotations

import importlib
import math
import os
from datetime import date, datetime
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Path, Query

from scenewatch.missing import is_missing
from scenewatch.output import rows
from scenewatch.web import errors
from scenewatch.web.errors import RequestProblemError
from scenewatch.web.models import AnalysisTable
from scenewatch.web.params import (
    Day,
    Reader,
    RequiredDay,
    check_range,
    clip_spans,
    clip_window,
    data_span,
    day_query,
    window_days,
)

router = APIRouter(prefix="/api", tags=["analyses"], responses=errors.ANALYSIS)

Span = Annotated[str, Query(pattern=r"^\s*\d{1,4}\s*[dwmDWM]?\s*$",
                            description="e.g. 8w, 56d, 3m (30-day months); clipped to the data's span")]  # fmt: skip
Event = Annotated[RequiredDay, Query(description="Event day, YYYY-MM-DD (1990-01-01 … 2100-12-31), inside the data")]
# The longest window (days, after clipping to the data) each change-point search takes: binary segmentation grows
# about linearly with the window, PELT with minimum segments of a week about quadratically.
MAX_WINDOW_DAYS = {
    "binseg": int(os.environ.get("SCENEWATCH_MAX_BINSEG_DAYS") or 20 * 366),
    "pelt": int(os.environ.get("SCENEWATCH_MAX_PELT_DAYS") or 3 * 366),
}
AsOf = day_query("Judge silence at this day [default: the day after the data]")
By = Literal["category", "section", "group", "none"]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(f"scenewatch.analysis.{name}")
    except ImportError:
        return None


_compare = _module("compare")
_impact = _module("impact")
_recovery = _module("recovery")
_changepoints = _module("changepoints")
_gaps = _module("gaps")
_dormancy = _module("dormancy")
_affiliation = _module("affiliation")
_study = _module("study")
_discover = _module("discover")
AVAILABLE = {
    name: module is not None
    for name, module in [("compare", _compare), ("impact", _impact), ("recovery", _recovery),
                         ("changepoints", _changepoints), ("gaps", _gaps), ("dormancy", _dormancy),
                         ("affiliation", _affiliation), ("study", _study), ("discover", _discover)]
}  # fmt: skip


def plain(value: Any) -> Any:
    """JSON-ready: NaN → None, numpy → Python, timestamps → ISO text, recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def table(frame: pd.DataFrame) -> dict[str, Any]:
    """A result table with its warnings and other attributes."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    body = [{k: plain(v) for k, v in row.items()} for row in rows(frame)]
    attrs = {k: plain(v) for k, v in frame.attrs.items() if k != "warnings"}
    return {"rows": body, "warnings": [str(w) for w in frame.attrs.get("warnings", [])], **attrs}


def guarded(work: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
    """Run an analysis; a lookup failure on an empty intermediate table means "nothing to analyse" (422), not 500."""
    try:
        return work(*args, **kwargs)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"no data to analyse for these parameters ({type(exc).__name__}: {exc})") from None


def _check_event(db: Any, event: date) -> None:
    """An event must fall inside the data (the analyses fit on days before it and compare days after it); else 409."""
    first, last = data_span(db)
    if first is None:
        raise ValueError("the store has no counted releases yet")
    if not first < event <= last:
        raise ValueError(f"event: {event} is outside the data ({first} … {last}); pick a day after the first")


def _by(by: By) -> str | None:
    return None if by == "none" else by


if _compare is not None:

    @router.get("/compare", response_model=AnalysisTable)
    def get_compare(
        db: Reader,
        event: Event,
        after_weeks: Annotated[int, Query(ge=0, le=52)] = 2,
        later_weeks: Annotated[int, Query(ge=0, le=260)] = 19,
        by: By = "category",
    ) -> dict[str, Any]:
        """Releases in the week before the event's week vs weeks after it (Monday–Sunday weeks)."""
        _check_event(db, event)
        windows = _compare.event_windows(event, after_weeks, later_weeks)
        return table(_compare.compare(db, windows, _by(by)))


if _impact is not None:

    @router.get("/impact", response_model=AnalysisTable)
    def get_impact(
        db: Reader, event: Event, before: Span = "8w", after: Span = "8w", by: By = "category",
        trend: bool | None = None,
    ) -> dict[str, Any]:
        """Observed vs counterfactual (quasi-Poisson on weekday; level only where placebo dates calibrate it, with a
        linear trend where they cannot; ``trend`` forces one) per category, with 95% intervals calibrated on placebo
        dates (``calibration`` says on which); an event with too little data before it is refused (422)."""
        _check_event(db, event)
        before, after = clip_spans(db, event, before, after)
        return table(_impact.impact(db, event, before, after, _by(by), trend=trend))

    @router.get("/impact/counterfactual", response_model=AnalysisTable)
    def get_counterfactual(
        db: Reader, event: Event, before: Span = "8w", after: Span = "8w", by: By = "category",
        trend: bool | None = None,
    ) -> dict[str, Any]:
        """Per day and category: observed, expected and its 95% prediction band (the model ``/impact`` uses)."""
        _check_event(db, event)
        before, after = clip_spans(db, event, before, after)
        return table(_impact.counterfactual(db, event, before, after, _by(by), trend=trend))

    @router.get("/impact/placebo", response_model=AnalysisTable)
    def get_placebo(
        db: Reader,
        event: Event,
        before: Span = "8w",
        after: Span = "8w",
        by: By = "none",
        n: Annotated[int, Query(ge=1, le=52)] = 8,
        spacing_days: Annotated[int, Query(ge=1, le=365)] = 7,
        alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
        trend: bool | None = None,
    ) -> dict[str, Any]:
        """The same impact on earlier placebo dates: how often would it find an effect where none was?"""
        _check_event(db, event)
        before, after = clip_spans(db, event, before, after)
        return table(_impact.placebo(db, event, before, after, _by(by), n=n, spacing_days=spacing_days, alpha=alpha,
                                     trend=trend))  # fmt: skip

    @router.get("/impact/treatment-intensity", response_model=AnalysisTable)
    def get_treatment_intensity(
        db: Reader,
        event: Event,
        before: Span = "8w",
        after: Span = "8w",
        min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 5,
    ) -> dict[str, Any]:
        """Per category: share of pre-event releases by groups that vanished, next to the category's drop."""
        _check_event(db, event)
        before, after = clip_spans(db, event, before, after)
        return table(_impact.treatment_intensity(db, event, before, after, min_releases=min_releases))


if _recovery is not None:

    @router.get("/recovery", response_model=AnalysisTable)
    def get_recovery(
        db: Reader,
        event: Event,
        threshold: Annotated[float, Query(gt=0, le=2)] = 0.9,
        before: Span = "8w",
        horizon: Span = "26w",
        by: By = "category",
        trend: bool = False,
        sustain: Annotated[int, Query(ge=1, le=90)] = 3,
        relapse_days: Annotated[int, Query(ge=1, le=365)] = 14,
    ) -> dict[str, Any]:
        """Per category: first date the 7-day volume is back at ``threshold`` of the counterfactual for good."""
        _check_event(db, event)
        before, horizon = clip_spans(db, event, before, horizon)
        return table(_recovery.recovery(db, event, threshold, before, horizon, _by(by), trend=trend, sustain=sustain,
                                        relapse_days=relapse_days))  # fmt: skip


if _changepoints is not None:

    @router.get("/changepoints", response_model=AnalysisTable)
    def get_changepoints(
        db: Reader,
        category: Annotated[str | None, Query(max_length=200)] = None,
        since: Day = None,
        until: Day = None,
        beta: Annotated[float, Query(gt=0, le=100)] = 3.0,
        min_size: Annotated[int, Query(ge=2, le=365)] = 7,
        include_all: bool = True,
        algorithm: Literal["binseg", "pelt"] = "binseg",
    ) -> dict[str, Any]:
        """Break points in the daily series per category (and for all releases).

        The window is clipped to the data's span; after that, binary segmentation takes at most
        SCENEWATCH_MAX_BINSEG_DAYS days (default 20 years) and PELT SCENEWATCH_MAX_PELT_DAYS (3 years); a wider
        window is a 422.
        """
        check_range(since, until)
        since, until, any_data = clip_window(db, since, until)
        if not any_data or since is None or until is None:
            return {"rows": [], "warnings": ["no counted releases in this window"]}
        days, most = window_days(since, until), MAX_WINDOW_DAYS[algorithm]
        if days > most:
            raise RequestProblemError(
                f"since/until: the window holds {days:,} days of data; algorithm={algorithm} searches at most "
                f"{most:,} (narrow it, or use binseg)", ["query", "until"]
            )
        frame = _changepoints.changepoints(db, category=category, since=since, until=until, beta=beta,
                                           min_size=min_size, include_all=include_all, algorithm=algorithm)  # fmt: skip
        return table(frame)


if _dormancy is not None:

    @router.get("/dormancy", tags=["groups"], response_model=AnalysisTable)
    def get_dormancy(
        db: Reader,
        as_of: AsOf = None,
        min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 5,
        relist_years: Annotated[int, Query(ge=0, le=100)] = 2,
        limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    ) -> dict[str, Any]:
        """Groups ranked by how improbable their current silence is (score = −log10 P(silence this long))."""
        return table(guarded(_dormancy.dormancy, db, as_of or _day_after_data(db), min_releases=min_releases,
                                        relist_years=relist_years, limit=limit))  # fmt: skip


if _affiliation is not None:

    @router.get("/groups/{group}/vanished-with", tags=["groups"], response_model=AnalysisTable)
    def get_vanished_with(
        db: Reader,
        group: Annotated[str, Path(max_length=200)],
        window_days: Annotated[float, Query(gt=0, le=365)] = 3,
        as_of: Day = None,
        min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 5,
        min_score: Annotated[float, Query(ge=0, le=1000)] = 2.0,
    ) -> dict[str, Any]:
        """Groups whose last release is within ``window_days`` of GROUP's and whose silence since is improbable."""
        return table(guarded(_affiliation.vanished_with, db, group, window_days, as_of=as_of, min_releases=min_releases,
                                                min_score=min_score))  # fmt: skip

    @router.get("/vanished-clusters", tags=["groups"], response_model=AnalysisTable)
    def get_vanished_clusters(
        db: Reader,
        as_of: Day = None,
        min_score: Annotated[float, Query(ge=0, le=1000)] = 3.0,
        link_hours: Annotated[float, Query(gt=0, le=24 * 365)] = 24.0,
        min_size: Annotated[int, Query(ge=2, le=10_000)] = 3,
        min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 5,
    ) -> dict[str, Any]:
        """Clusters of groups that stopped at about the same time (one row per group)."""
        return table(guarded(_affiliation.vanished_clusters, db, as_of, min_score=min_score, link_hours=link_hours,
                                                    min_size=min_size, min_releases=min_releases))  # fmt: skip



if _study is not None:

    @router.get("/study", tags=["events"], response_model=AnalysisTable)
    def get_study(
        db: Reader,
        event: Annotated[list[str] | None, Query(description="Events (name or day) [default: all]")]
        = None,
        before: Span = "8w",
        after: Span = "8w",
        threshold: Annotated[float, Query(gt=0, le=2)] = 0.9,
        languages: bool = True,
    ) -> dict[str, Any]:
        """Every catalogued event inside the data: calibrated impact per category and language region, recovery,
        groups that stopped and vanished (events outside the data are listed, not analysed)."""
        if event is not None and (len(event) > 50 or any(len(e) > 200 for e in event)):
            raise RequestProblemError("event: at most 50 events of at most 200 characters each", ["query", "event"])
        return table(_study.study(db, event, before=before, after=after, threshold=threshold, languages=languages))


if _discover is not None:

    @router.get("/discover", tags=["events"], response_model=AnalysisTable)
    def get_discover(
        db: Reader,
        window_days: Annotated[int, Query(ge=1, le=60)] = 7,
        min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 50,
        min_active_days: Annotated[int, Query(ge=2, le=10_000)] = 20,
        p_stop: Annotated[float, Query(gt=0, lt=1)] = 0.01,
        alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
        limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    ) -> dict[str, Any]:
        """Candidate events over the whole history: weeks in which established groups stopped together beyond
        their own rhythms (feed gaps excluded), plus volume change points; most significant first."""
        return table(_discover.discover(db, window_days=window_days, min_releases=min_releases,
                                        min_active_days=min_active_days, p_stop=p_stop, alpha=alpha,
                                        limit=limit))  # fmt: skip


def _day_after_data(db: Any) -> date:
    from datetime import timedelta

    last = db.scalar("SELECT max(pre_at) FROM releases WHERE scene AND pre_at IS NOT NULL")
    return (pd.Timestamp(last).date() + timedelta(days=1)) if last is not None else date.today()


def dormancy_scores(db: Any, min_releases: int) -> dict[str, dict[str, Any]]:
    """Per group: dormancy score and vanished-cluster id, when those analyses exist (for ``/api/groups``)."""
    out: dict[str, dict[str, Any]] = {}
    if _dormancy is None:
        return out
    as_of = _day_after_data(db)
    frame = guarded(_dormancy.dormancy, db, as_of, min_releases=max(min_releases, 2))
    if frame.empty or "score" not in frame.columns:
        return out
    for row in frame[["group", "score", "expected_gap"]].itertuples(index=False):
        out[row.group] = {"dormancy_score": plain(round(float(row.score), 3)),
                          "expected_gap_days": plain(round(float(row.expected_gap), 2))}  # fmt: skip
    if _affiliation is not None and not frame.empty:
        clusters = guarded(_affiliation.vanished_clusters, db, as_of, min_releases=max(min_releases, 2))
        for row in clusters[["group", "cluster", "cluster_start"]].itertuples(index=False):
            out.setdefault(row.group, {})["vanished_cluster"] = int(row.cluster)
    return out
