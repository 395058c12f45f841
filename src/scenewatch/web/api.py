"""The REST API: search, one release, the analyses, events, gaps, writes and the live feed."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, WebSocket
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from starlette.websockets import WebSocketDisconnect

from scenewatch import analysis
from scenewatch.analysis.rhythm import not_relisted_sql
from scenewatch.analysis.volume import COUNTED
from scenewatch.output import rows
from scenewatch.store import Database, release_key
from scenewatch.web import errors
from scenewatch.web.access import fetch
from scenewatch.web.exports import MEDIA_TYPES, stream_query
from scenewatch.web.models import (
    EventRow,
    GapRow,
    GroupDetail,
    GroupRow,
    IngestSummary,
    NukeRow,
    ReleaseDetail,
    ReleasePage,
    StoredEvent,
    VolumeRow,
)
from scenewatch.web.params import (
    ONE_DAY,
    Day,
    Reader,
    RequiredDay,
    Text,
    access,
    check_range,
    clip_window,
    require_token,
)
from scenewatch.web.search import SearchError, parse_query
from scenewatch.web.search_sql import COLUMNS, Sort, encode_cursor, export_where, search_page

router = APIRouter(prefix="/api")

# -- search --------------------------------------------------------------------------------------------------------
ExportFormat = Literal["json", "csv", "ndjson", "parquet"]
MAX_PAGE = 1000
_EXPORTS = {
    200: {
        "description": "A JSON page (format=json), or a streamed export of every match",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/releases", tags=["releases"], response_model=ReleasePage, responses={**_EXPORTS, **errors.READ})
def search_releases(
    request: Request,
    q: Annotated[str, Query(max_length=1000, pattern=r"^[^\x00]*$", description="Search text, e.g. `foo -bar "
                            "@group SPARKS @nuked` (see docs/web.md for the syntax; a broken query is a 422 naming "
                            "the problem)")] = "",
    sort: Sort = "newest",
    limit: Annotated[int | None, Query(ge=1, le=10**9, description=f"Rows (JSON pages: at most {MAX_PAGE}, "
                                       "default 50, more gives a full page and a next_cursor; exports: all)")] = None,
    cursor: Annotated[str | None, Query(max_length=300, pattern=r"^[A-Za-z0-9_-]+$", description="The "
                                        "next_cursor of the previous page of the same sort, unchanged")] = None,
    format: Annotated[ExportFormat, Query(description="json page, or a streamed csv/ndjson/parquet export")] = "json",
) -> Any:  # fmt: skip
    """Search releases; JSON pages with an opaque cursor on (time, id), or a streamed export of every match."""
    if format == "json":
        page = min(limit or 50, MAX_PAGE)
        with access(request).reader() as view:
            items = search_page(view, q, sort, cursor, page + 1)
        more = len(items) > page
        items = items[:page]
        next_cursor = encode_cursor(sort, items[-1]["_key"], items[-1]["id"]) if more else None
        for item in items:
            del item["_key"]
        return {"items": items, "next_cursor": next_cursor, "query": q}
    where, params, key, direction = export_where(q, sort, cursor)
    listed = "array_to_string({0}, ' ')" if format == "csv" else "{0}"
    columns = COLUMNS.format(language=listed.format("language"), flags=listed.format("flags"))
    sql = f"SELECT {columns} FROM releases WHERE {where} ORDER BY {key} {direction}, releases.id {direction}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    store = access(request)
    view = store.open_reader()
    suffix = {"csv": "csv", "ndjson": "ndjson", "parquet": "parquet"}[format]
    return StreamingResponse(
        stream_query(view.con, sql, params, format, lambda: store.close_reader(view)),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="releases.{suffix}"'},
    )


@router.get("/releases/{name}", tags=["releases"], response_model=ReleaseDetail, responses=errors.errors(404, 422, 503))
def get_release(name: Annotated[str, PathParam(max_length=500)], db: Reader) -> dict[str, Any]:
    """One release by name (case-insensitive): parsed fields, nuke history and sightings."""
    key = release_key(name)
    columns = COLUMNS.format(language="language", flags="flags")
    found = fetch(db, f"SELECT {columns}, parser_version FROM releases WHERE id = CAST(? AS UBIGINT)", [str(key)])
    if not found:
        raise HTTPException(404, f"no release named {name!r}")
    nukes = fetch(
        db,
        """SELECT action, reason, network, nuked_at, feed FROM nukes WHERE release_id = CAST(? AS UBIGINT)
           ORDER BY nuked_at NULLS FIRST, id""",
        [str(key)],
    )  # oldest first; an event without a time counts as the oldest (the nuke rule)
    sightings = fetch(
        db,
        """SELECT feed, seen_at, time_trusted, section, origin FROM sightings WHERE release_id = CAST(? AS UBIGINT)
           ORDER BY seen_at NULLS LAST""",
        [str(key)],
    )
    return {**found[0], "nukes": nukes, "sightings": sightings}


# -- analyses ------------------------------------------------------------------------------------------------------
@router.get("/volume", tags=["analyses"], response_model=list[VolumeRow], responses=errors.READ)
def get_volume(
    db: Reader,
    by: Literal["day", "week", "month"] = "day",
    split: Literal["category", "section", "group"] | None = None,
    category: Text = None,
    group: Text = None,
    section: Text = None,
    since: Day = None,
    until: Day = None,
) -> list[dict[str, Any]]:
    """Releases per day, week (Monday-based) or month, optionally split and filtered — as `scenewatch volume`.

    The window is clipped to the data's span: periods before the first or after the last release are not listed.
    """
    check_range(since, until)
    since, until, any_data = clip_window(db, since, until)
    if not any_data:
        return []
    frame = analysis.volume(db, by, split, category=category, group=group, section=section, since=since, until=until)
    return rows(frame)


@router.get("/silent-groups", tags=["analyses"], response_model=list[dict[str, Any]], responses=errors.ANALYSIS)
def get_silent_groups(
    db: Reader,
    event: Annotated[RequiredDay, Query(description="Event day, YYYY-MM-DD (1990-01-01 … 2100-12-31)")],
    before_days: Annotated[int, Query(ge=1, le=3650)] = 28,
    after_days: Annotated[
        int | None, Query(ge=1, le=3650, description="Days of silence after the event (omit: to the last day held)")
    ] = None,
    min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 10,
) -> list[dict[str, Any]]:
    """Groups active before the event and silent after it (by default, as the CLI's --silent-after: to the end)."""
    frame = analysis.silent_groups(
        db, event, before_days=before_days, after_days=after_days, min_releases=min_releases
    )
    return rows(frame)


_GROUP_SORTS = {
    "releases": "releases DESC",
    "group": "lower(\"group\") ASC",
    "first_pre": "first_pre ASC",
    "last_pre": "last_pre DESC",
    "dormancy": "dormancy DESC NULLS LAST",
}


def _group_summary_sql(extra_where: str) -> str:
    return f"""
    WITH g AS (
        -- the last pre and the silence since leave out late re-listings of old titles (as every group analysis
        -- does): a 2012 film listed in December 2020 is no sign that SPARKS still released then
        SELECT grp, count(*) AS releases, min(pre_at) AS first_pre,
               coalesce(max(pre_at) FILTER (WHERE {not_relisted_sql()}), max(pre_at)) AS last_pre,
               max(pre_at) AS last_listed, mode(category) AS main_category, count(DISTINCT section) AS sections
        FROM releases WHERE {COUNTED} AND grp IS NOT NULL {extra_where} GROUP BY grp
    ), horizon AS (SELECT max(pre_at) AS end_at FROM releases WHERE {COUNTED})
    SELECT grp AS "group", releases, first_pre, last_pre, last_listed, main_category, sections,
           round(date_diff('second', last_pre, end_at) / 86400.0, 2) AS days_silent,
           CASE WHEN releases > 1 THEN round((date_diff('second', last_pre, end_at) / 86400.0)
                / greatest(date_diff('second', first_pre, last_pre) / 86400.0 / (releases - 1), 1.0 / 24), 2)
           END AS dormancy
    FROM g, horizon"""


@router.get("/groups", tags=["groups"], response_model=list[GroupRow], responses=errors.READ)
def get_groups(
    db: Reader,
    since: Day = None,
    until: Day = None,
    min_releases: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    sort: Literal["releases", "group", "first_pre", "last_pre", "dormancy"] = "releases",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 500,
    with_dormancy: Annotated[bool, Query(description="Add dormancy_score and vanished_cluster (analysis)")] = True,
) -> list[dict[str, Any]]:
    """Groups with releases, first/last pre, dormancy (days silent ÷ mean gap) and, when the analyses exist,
    the dormancy score (−log10 P(silence this long)) and the vanished cluster the group belongs to (affiliation)."""
    check_range(since, until)
    extra, params = "", []
    if since:
        extra += " AND pre_at >= ?"
        params.append(datetime.combine(since, datetime.min.time()))
    if until:
        extra += " AND pre_at < ?"
        params.append(datetime.combine(until, datetime.min.time()) + ONE_DAY)
    sql = f"SELECT * FROM ({_group_summary_sql(extra)}) WHERE releases >= ? ORDER BY {_GROUP_SORTS[sort]} LIMIT ?"
    found = fetch(db, sql, [*params, min_releases, limit])
    if with_dormancy and found:
        from scenewatch.web.analyses import dormancy_scores

        scores = dormancy_scores(db, min_releases)
        for row in found:
            row.update(scores.get(row["group"], {}))
    return found


@router.get("/groups/{group}", tags=["groups"], response_model=GroupDetail, responses=errors.errors(404, 422, 503))
def get_group(group: Annotated[str, PathParam(max_length=200)], db: Reader) -> dict[str, Any]:
    """One group: summary, weekly timeline, sections, categories and latest releases."""
    summary = fetch(db, _group_summary_sql("AND lower(grp) = lower(?)"), [group])
    if not summary:
        raise HTTPException(404, f"no releases by group {group!r}")
    timeline = analysis.volume(db, "week", None, group=group)
    sections = fetch(
        db,
        f"""SELECT section, count(*) AS releases, min(pre_at) AS first_pre, max(pre_at) AS last_pre FROM releases
            WHERE {COUNTED} AND lower(grp) = lower(?) GROUP BY section ORDER BY releases DESC""",
        [group],
    )
    categories = fetch(
        db,
        f"""SELECT category, count(*) AS releases FROM releases WHERE {COUNTED} AND lower(grp) = lower(?)
            GROUP BY category ORDER BY releases DESC""",
        [group],
    )
    latest = fetch(
        db,
        f"""SELECT name, pre_at, section, category FROM releases WHERE {COUNTED} AND lower(grp) = lower(?)
            ORDER BY pre_at DESC LIMIT 25""",
        [group],
    )
    nukes = db.scalar(
        """SELECT count(*) FROM nukes n JOIN releases r ON r.id = n.release_id
           WHERE lower(r.grp) = lower(?) AND n.action = 'nuke'""",
        [group],
    )
    return {
        **summary[0],
        "nukes": int(nukes or 0),
        "timeline": rows(timeline),
        "by_section": sections,
        "by_category": categories,
        "latest": latest,
    }


@router.get("/nukes", tags=["nukes"], response_model=list[NukeRow], responses=errors.READ)
def get_nukes(
    db: Reader,
    action: Literal["nuke", "unnuke", "modnuke", "delpre", "undelpre"] | None = None,
    group: Text = None,
    reason: Annotated[str | None, Query(max_length=200, description="Words the reason contains")] = None,
    since: Day = None,
    until: Day = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> list[dict[str, Any]]:
    """Nuke-type events, newest first, filtered."""
    check_range(since, until)
    clauses, params = ["TRUE"], []
    if action:
        clauses.append("n.action = ?")
        params.append(action)
    if group:
        clauses.append("lower(r.grp) = lower(?)")
        params.append(group)
    if reason:
        clauses.append("n.reason ILIKE ? ESCAPE '\\'")
        params.append("%" + reason.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if since:
        clauses.append("n.nuked_at >= ?")
        params.append(datetime.combine(since, datetime.min.time()))
    if until:
        clauses.append("n.nuked_at < ?")
        params.append(datetime.combine(until, datetime.min.time()) + ONE_DAY)
    sql = f"""SELECT n.name, n.action, n.reason, n.network, n.nuked_at, r.grp AS "group", r.category
              FROM nukes n LEFT JOIN releases r ON r.id = n.release_id
              WHERE {" AND ".join(clauses)} ORDER BY n.nuked_at DESC NULLS LAST LIMIT ?"""
    return fetch(db, sql, [*params, limit])


@router.get("/gaps", tags=["gaps"], response_model=list[GapRow], responses=errors.READ)
def get_gaps(
    db: Reader,
    kind: Literal["all", "recorded", "detected"] = "all",
    source: Text = None,
    min_expected_hour: Annotated[float, Query(gt=0, le=1e6)] = 3.0,
    min_missing: Annotated[float, Query(ge=0, le=1e9)] = 50.0,
    min_hours: Annotated[int, Query(ge=1, le=24 * 365)] = 2,
) -> list[dict[str, Any]]:
    """Periods when a source was not listening: recorded in the store and/or detected from hourly volumes."""
    try:
        from scenewatch.analysis import gaps as gap_analysis
    except ImportError:  # older checkout: recorded gaps only
        gap_analysis = None
    if gap_analysis is None:
        sql = "SELECT source, start_at AS start, end_at AS \"end\", reason, 'recorded' AS kind FROM gaps"
        found = fetch(db, sql + " ORDER BY start_at")
    else:
        import pandas as pd

        parts = []
        if kind in ("all", "recorded"):
            parts.append(gap_analysis.recorded_gaps(db))
        if kind in ("all", "detected"):
            parts.append(gap_analysis.detect_gaps(db, min_expected_hour=min_expected_hour, min_missing=min_missing,
                                                  min_hours=min_hours))  # fmt: skip
        frames = [p for p in parts if not p.empty]
        frame = pd.concat(frames, ignore_index=True) if frames else parts[0]
        from scenewatch.web.analyses import table

        found = table(frame.sort_values("start") if len(frame) else frame)["rows"]
    if source:
        found = [g for g in found if g.get("source") == source]
    return found


@router.get("/events", tags=["events"], response_model=list[EventRow], responses=errors.READ)
def get_events(db: Reader) -> list[dict[str, Any]]:
    """Every event scenewatch knows, by day: the shipped catalogue and the ones registered in this store
    (``origin``: catalogue or database; a registered event replaces a catalogue one of the same name).
    ``in_data`` says whether the store holds releases on both sides of the event's day (only those can be analysed);
    ``days_before``/``days_after`` how many days of data lie before and from the day (so a page can tell whether an
    analysis window fits)."""
    from scenewatch.analysis.volume import data_span
    from scenewatch.events import events

    frame = events(db)
    first, last = data_span(db)
    frame["in_data"] = [bool(first and last and first < day <= last) for day in frame["day"]]
    inside = frame["in_data"].tolist()
    frame["days_before"] = [(day - first).days if ok else None for day, ok in zip(frame["day"], inside, strict=True)]
    frame["days_after"] = [(last - day).days + 1 if ok else None for day, ok in zip(frame["day"], inside, strict=True)]
    return rows(frame)


# -- writes --------------------------------------------------------------------------------------------------------
class EventIn(BaseModel):
    """A real-world event to measure against."""

    name: str = Field(min_length=1, max_length=200, pattern=r"\S", examples=["SPARKS raid"])
    day: RequiredDay = Field(examples=["2020-08-25"])
    description: str = Field("", max_length=5000)
    sources: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=50)

    @field_validator("name")
    @classmethod
    def _no_blank(cls, value: str) -> str:
        if not value.strip() or "\x00" in value:
            raise ValueError("name must have visible characters")
        return value.strip()


IngestFormat = Literal["auto", "csv", "ndjson", "sql", "nzedb"]


class IngestPath(BaseModel):
    """A dump file or folder inside one of the server's ingest roots (``serve --ingest-root``)."""

    path: str = Field(min_length=1, max_length=4096, description="Absolute, or relative to the first ingest root")
    format: IngestFormat | None = None
    force: bool = False


@router.post("/events", tags=["events"], status_code=201, response_model=StoredEvent,
             dependencies=[Depends(require_token)], responses=errors.WRITE)  # fmt: skip
def post_event(event: EventIn, request: Request) -> dict[str, Any]:
    """Register an event (bearer token required); 409 if one of that name exists."""

    def work(db: Database) -> None:
        exists = db.scalar("SELECT count(*) FROM events WHERE lower(name) = lower(?)", [event.name])
        if exists:
            raise HTTPException(409, f"an event named {event.name!r} exists")
        db.con.execute("INSERT INTO events VALUES (?, ?, ?, ?)", [event.name, event.day, event.description,
                                                                   event.sources])  # fmt: skip

    access(request).write(work)
    return event.model_dump(mode="json")


def _ingest(request: Request, path: Path, fmt: str | None, force: bool) -> dict[str, Any]:
    from scenewatch.ingest import ingest_paths
    from scenewatch.sources import SourceError

    def work(db: Database) -> Any:
        return ingest_paths(db, [path], fmt=None if fmt in (None, "auto") else fmt, force=force)

    try:
        summary = access(request).write(work)
    except SourceError as exc:
        raise HTTPException(422, f"cannot ingest: {exc}") from None
    # The buckets sum to "read"; "nukes" and "sightings" are what was stored, "failed" the inputs not read to the end.
    return {
        "files": summary.files, "files_skipped": summary.files_skipped, "read": summary.read, **summary.buckets(),
        "nukes": summary.nukes, "sightings": summary.sightings, "failed": summary.failed,
        "seconds": round(summary.seconds, 3),
    }  # fmt: skip


def confined(roots: list[Path], text: str) -> Path:
    """``text`` as a path inside one of ``roots`` (symlinks and ``..`` resolved), else 403; 404 if it is not there.

    The 403 is the same whether the path exists or not, so the endpoint tells nothing about the rest of the disk.
    """
    outside = HTTPException(403, "path: outside the server's ingest roots (serve --ingest-root)")
    if not roots or "\x00" in text:
        raise outside
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    try:
        resolved = candidate.resolve(strict=False)
    except (OSError, RuntimeError):  # a symlink loop
        raise outside from None
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise outside
    if not resolved.exists():
        raise HTTPException(404, f"path: {text!r} does not exist inside the ingest roots")
    return resolved


@router.post("/ingest", tags=["ingest"], response_model=IngestSummary, dependencies=[Depends(require_token)],
             responses=errors.errors(401, 403, 404, 409, 413, 422))  # fmt: skip
def post_ingest(body: IngestPath, request: Request) -> dict[str, Any]:
    """Ingest a dump file or folder inside the server's ingest roots (bearer token required).

    Without ``serve --ingest-root`` every path is refused (403): upload the file instead.
    """
    path = confined(request.app.state.ingest_roots, body.path)
    return _ingest(request, path, body.format, body.force)


@router.post("/ingest/upload", tags=["ingest"], response_model=IngestSummary, dependencies=[Depends(require_token)],
             responses=errors.errors(401, 409, 413, 422))  # fmt: skip
def post_ingest_upload(
    request: Request,
    file: Annotated[UploadFile, File(description="A dump (plain, .gz or .zst), at most the server's upload limit")],
    format: Annotated[IngestFormat, Form()] = "auto",
) -> dict[str, Any]:
    """Ingest an uploaded dump file (bearer token required; 413 beyond the server's upload limit)."""
    name = PurePath(file.filename or "upload").name
    suffixes = "".join(s for s in PurePath(name).suffixes if s.isascii() and len(s) <= 8 and s[1:].isalnum())
    with tempfile.TemporaryDirectory(prefix="scenewatch-upload-") as folder:
        target = Path(folder) / f"upload{suffixes or '.ndjson'}"
        with target.open("wb") as fh:
            shutil.copyfileobj(file.file, fh, length=1 << 20)
        return _ingest(request, target, format, True)


# -- live ----------------------------------------------------------------------------------------------------------
@router.websocket("/live")
async def live(websocket: WebSocket) -> None:
    """New releases and nukes as they land: JSON messages ``{"type": "batch", "releases": [...], "nukes": [...]}``.

    ``?q=`` takes the search syntax; releases not matching it are left out.
    """
    try:
        query = parse_query(websocket.query_params.get("q", ""))
    except SearchError as exc:
        await websocket.accept()
        await websocket.send_json({"type": "error", "message": f"q: {exc}"})
        await websocket.close(code=1008)
        return
    hub = websocket.app.state.access.hub
    await websocket.accept()
    sub = hub.subscribe()
    await websocket.send_json({"type": "hello", "query": websocket.query_params.get("q", "")})
    receiver = asyncio.create_task(_drain_client(websocket))
    try:
        while not receiver.done():
            getter = asyncio.create_task(sub.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            message = getter.result()
            releases = [r for r in message["releases"] if query.matches(r)]
            nukes = message["nukes"] if query.is_empty() else [n for n in message["nukes"] if query.matches(n)]
            if releases or nukes:
                await websocket.send_json({**message, "releases": releases, "nukes": nukes})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sub)
        receiver.cancel()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _drain_client(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
