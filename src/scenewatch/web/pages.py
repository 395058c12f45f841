"""The dashboard: plain HTML pages whose scripts read the API; plotly.js is served from the installed package."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from pathlib import Path

import plotly
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)

PAGES = {  # path -> (template, title, script)
    "overview": ("overview.html", "Overview", "overview.js"),
    "event": ("event.html", "Event", "event.js"),
    "groups": ("groups.html", "Groups", "groups.js"),
    "group": ("group.html", "Group", "group.js"),
    "search": ("search.html", "Search", "search.js"),
}
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def _template(name: str) -> str:
    return resources.files("scenewatch.web").joinpath("templates", name).read_text(encoding="utf-8")


def render(page: str, **values: str) -> HTMLResponse:
    """Fill the layout with one page's body; values are HTML-escaped."""
    template, title, script = PAGES[page]
    body = _template(template)
    for key, value in values.items():
        body = body.replace("{{" + key + "}}", html.escape(value))
    out = (
        _template("layout.html")
        .replace("{{title}}", title)
        .replace("{{page}}", page)
        .replace("{{script}}", script)
        .replace("{{body}}", body)
    )
    return HTMLResponse(out, headers={"Cache-Control": "no-cache"})


@router.get("/")
def overview() -> HTMLResponse:
    """The overview page: daily volume by category, events and gaps marked."""
    return render("overview")


@router.get("/event")
def event() -> HTMLResponse:
    """The event page: observed against counterfactual, drop, recovery, vanished groups."""
    return render("event")


@router.get("/groups")
def groups() -> HTMLResponse:
    """The groups page: a sortable table with dormancy scores."""
    return render("groups")


@router.get("/groups/{group}")
def group(group: str) -> HTMLResponse:
    """One group's page: its timeline and sections."""
    return render("group", group=group)


@router.get("/search")
def search() -> HTMLResponse:
    """The search page, with live updates."""
    return render("search")


def plotly_js_path() -> Path:
    """plotly.min.js as shipped inside the installed ``plotly`` Python package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package (no CDN)."""
    path = plotly_js_path()
    if path.is_file():
        return FileResponse(path, media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
    from plotly.offline import get_plotlyjs

    return Response(get_plotlyjs(), media_type="text/javascript; charset=utf-8")


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The dashboard's own CSS and JavaScript."""
    suffix = Path(name).suffix
    if suffix not in STATIC_TYPES or "/" in name or "\\" in name or name.startswith("."):
        raise HTTPException(404)
    target = resources.files("scenewatch.web").joinpath("static", name)
    if not target.is_file():
        raise HTTPException(404)
    return Response(target.read_bytes(), media_type=STATIC_TYPES[suffix], headers={"Cache-Control": "no-cache"})
