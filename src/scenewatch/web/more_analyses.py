"""API routes for concentration, nuke rates and leak windows (the analyses of the same names)."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from scenewatch.analysis import concentration as concentration_analysis
from scenewatch.analysis import leaks as leaks_analysis
from scenewatch.analysis import nukes as nukes_analysis
from scenewatch.web import errors
from scenewatch.web.analyses import guarded, table
from scenewatch.web.errors import RequestProblemError
from scenewatch.web.models import AnalysisTable
from scenewatch.web.params import Day, Reader, check_range

router = APIRouter(prefix="/api", tags=["analyses"], responses=errors.ANALYSIS)
MAX_RETAIL_BYTES = 5 << 20
RETAIL_CSV = (
    "CSV with a header row naming the columns title, year, kind and date (YYYY-MM-DD), and optionally country; "
    "one row per retail release (format `retail-csv`)"
)


@router.get("/concentration", response_model=AnalysisTable)
def get_concentration(
    db: Reader,
    period: Literal["week", "month", "year"] = "month",
    top_k: Annotated[int, Query(ge=1, le=100)] = 5,
    category: Annotated[str | None, Query(max_length=40)] = None,
    since: Day = None,
    until: Day = None,
) -> dict[str, Any]:
    """Top-k share and HHI of releases by group, per category and period."""
    check_range(since, until)
    frame = guarded(
        concentration_analysis.concentration, db, period, top_k=top_k, category=category, since=since, until=until
    )
    return table(frame)


@router.get("/nukes/rates", tags=["nukes"], response_model=AnalysisTable)
def get_nuke_rates(
    db: Reader,
    by: Literal["group", "section", "category"] = "group",
    since: Day = None,
    until: Day = None,
    min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 20,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> dict[str, Any]:
    """Nuke rates and reason classes (dupe, stolen, mislabeled, request, rules, bad, other) per group or section."""
    check_range(since, until)
    frame = guarded(nukes_analysis.nukes, db, by, since=since, until=until, min_releases=min_releases, limit=limit)
    return table(frame)


@router.get("/nukes/reasons", tags=["nukes"], response_model=AnalysisTable)
def get_nuke_reasons(db: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 30) -> dict[str, Any]:
    """The most frequent nuke reasons with their class."""
    return table(nukes_analysis.nuke_reasons(db, limit=limit))


@router.post("/leaks", response_model=AnalysisTable, responses=errors.errors(409, 413, 422, 503))
def post_leaks(
    db: Reader,
    retail_csv: Annotated[
        str, Body(media_type="text/csv", min_length=1, max_length=MAX_RETAIL_BYTES, description=RETAIL_CSV,
                  json_schema_extra={"format": "retail-csv"})
    ],
    by: Literal["release", "group", "source", "category", "title"] = "group",
) -> dict[str, Any]:
    """Releases matched to retail dates: days between pre and retail, share before retail (reads, never writes)."""
    try:
        retail = leaks_analysis.read_retail(io.StringIO(retail_csv))
    except (ValueError, TypeError) as exc:  # pandas' parser and date errors are ValueErrors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RequestProblemError(f"retail CSV: {reason.split('>: ', 1)[-1]}", ["body"]) from None
    frame = leaks_analysis.leaks(db, retail)
    return table(frame if by == "release" else leaks_analysis.leak_summary(frame, by))
