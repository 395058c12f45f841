"""API routes of the race analyses (race, leaderboard, shift, dupes, fixes, language scenes) and the event catalogue.

Same parameters as the functions and their CLI commands; each answers ``{"rows": [...], "warnings": [...], ...}``
like :mod:`scenewatch.web.analyses`. ``event`` takes a day or an event name (catalogue or stored).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from scenewatch.web import errors
from scenewatch.web.analyses import Span, _check_event, table
from scenewatch.web.models import AnalysisTable
from scenewatch.web.params import DAY_PATTERN, Day, Reader, check_range

router = APIRouter(prefix="/api", tags=["race"], responses=errors.errors(404, 409, 422, 503))

# A day of the supported range, or a name (anything with a character other than a digit or a dash).
EVENT_REF_PATTERN = f"(?:{DAY_PATTERN})|[^0-9-]"
EventRef = Annotated[str, Query(min_length=1, max_length=100, pattern=EVENT_REF_PATTERN,
                                description="Event day (YYYY-MM-DD, 1990-01-01 … 2100-12-31) or event name "
                                "(catalogue or stored; an unknown name is a 404)",
                                openapi_examples={"day": {"value": "2020-08-25"},
                                                  "name": {"value": "sparks"}})]  # fmt: skip
Category = Annotated[str | None, Query(max_length=40, description="One category, e.g. movie, tv")]
Limit = Annotated[int, Query(ge=1, le=10_000)]
Within = Annotated[float, Query(gt=0, le=24 * 365, description="Hours after the first that still count as racing")]


def _event(db: Any, value: str) -> date:
    """The day an ``event`` parameter names (404 for an unknown name), checked to lie inside the data (409)."""
    from scenewatch.events import resolve_event

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)  # the pattern admitted only real days of the supported range
    else:
        try:
            day = resolve_event(db, value)
        except ValueError as exc:
            raise HTTPException(404, f"event: {exc}".replace("event: --event: ", "event: ")) from None
    _check_event(db, day)
    return day


def _trim(frame: Any, limit: int) -> Any:
    out = frame.head(limit).reset_index(drop=True)
    out.attrs = frame.attrs
    return out


@router.get("/race", response_model=AnalysisTable)
def get_race(
    db: Reader, category: Category = None, since: Day = None, until: Day = None, within_hours: Within = 24.0,
    group: Annotated[str | None, Query(max_length=60)] = None, limit: Limit = 500,
) -> dict[str, Any]:  # fmt: skip
    """Races per work and format class: winner, runner-up and gap (newest first)."""
    from scenewatch.analysis.race import race

    check_range(since, until)
    frame = race(db, category, since, until, within_hours=within_hours, group=group)
    frame = frame.sort_values("winner_at", ascending=False, ignore_index=True)
    return table(_trim(frame, limit))


@router.get("/race/leaderboard", response_model=AnalysisTable)
def get_race_leaderboard(
    db: Reader, period: Literal["week", "month", "quarter", "year"] = "month", category: Category = None,
    since: Day = None, until: Day = None, within_hours: Within = 24.0, limit: Limit = 2000,
) -> dict[str, Any]:  # fmt: skip
    """Per period, category and group: firsts, races, wins, win rate, median lead, share of firsts."""
    from scenewatch.analysis.race import race_leaderboard

    check_range(since, until)
    return table(_trim(race_leaderboard(db, period, category, since, until, within_hours=within_hours), limit))


@router.get("/race/shift", response_model=AnalysisTable)
def get_race_shift(
    db: Reader, event: EventRef, before: Span = "8w", after: Span = "8w", top: Annotated[int, Query(ge=1, le=50)] = 5,
    within_hours: Within = 24.0,
) -> dict[str, Any]:  # fmt: skip
    """Who took over first releases after the event in the categories that vanished groups used to win."""
    from scenewatch.analysis.race import race_shift

    return table(race_shift(db, _event(db, event), before, after, top=top, within_hours=within_hours))


@router.get("/dupes", response_model=AnalysisTable)
def get_dupes(
    db: Reader, by: Literal["group", "section", "category"] = "group", category: Category = None, since: Day = None,
    until: Day = None, min_releases: Annotated[int, Query(ge=1, le=10**9)] = 20, limit: Limit = 500,
) -> dict[str, Any]:  # fmt: skip
    """Dupe rate per group/section/category and how often dupes were nuked."""
    from scenewatch.analysis.dupes import dupes

    check_range(since, until)
    return table(dupes(db, by, category=category, since=since, until=until, min_releases=min_releases, limit=limit))


@router.get("/dupes/releases", response_model=AnalysisTable)
def get_dupe_releases(
    db: Reader, category: Category = None, group: Annotated[str | None, Query(max_length=60)] = None,
    since: Day = None, until: Day = None, limit: Limit = 100,
) -> dict[str, Any]:  # fmt: skip
    """The dupes themselves, newest first, with the first release and nuke state."""
    from scenewatch.analysis.dupes import dupe_releases

    check_range(since, until)
    return table(dupe_releases(db, category=category, group=group, since=since, until=until, limit=limit))


@router.get("/fixes", response_model=AnalysisTable)
def get_fixes(
    db: Reader, by: Literal["fixer", "pair"] = "fixer", category: Category = None, since: Day = None,
    until: Day = None, min_fixes: Annotated[int, Query(ge=1, le=10**9)] = 1, limit: Limit = 500,
) -> dict[str, Any]:  # fmt: skip
    """PROPER/REPACK releases: who fixes whose releases and how fast (median hours)."""
    from scenewatch.analysis.fixes import fixes

    check_range(since, until)
    return table(fixes(db, by, category=category, since=since, until=until, min_fixes=min_fixes, limit=limit))


@router.get("/languages", response_model=AnalysisTable)
def get_languages(
    db: Reader, period: Literal["day", "week", "month"] = "month", by: Literal["language", "region"] = "language",
    category: Category = None, since: Day = None, until: Day = None,
) -> dict[str, Any]:  # fmt: skip
    """Releases per period and language class (or region)."""
    from scenewatch.analysis.languages import language_volume

    check_range(since, until)
    return table(language_volume(db, period, by, category=category, since=since, until=until))


@router.get("/languages/impact", response_model=AnalysisTable)
def get_language_impact(
    db: Reader, event: EventRef, before: Span = "8w", after: Span = "8w",
    by: Literal["language", "region"] = "language", category: Category = None,
    min_releases: Annotated[int, Query(ge=1, le=10**9)] = 100, trend: bool | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Per language scene: observed vs counterfactual with 95% CI, rank interval and P(hardest hit)."""
    from scenewatch.analysis.languages import language_impact

    day = _event(db, event)
    return table(language_impact(db, day, before, after, by, category=category, min_releases=min_releases,
                                 trend=trend))  # fmt: skip


@router.get("/events/catalogue", tags=["events"], response_model=AnalysisTable)
def get_event_catalogue(db: Reader) -> dict[str, Any]:
    """The shipped catalogue of enforcement events plus the stored ones (``origin``), by day."""
    from scenewatch.events import events

    return table(events(db))
