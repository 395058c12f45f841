"""The dashboard: plain HTML pages whose scripts read the API, and the API docs. Everything a page loads is served
from here: plotly.js from the installed ``plotly`` package, Swagger UI from ``fastapi-offline``, the column
descriptions of ``scenewatch.output`` embedded in each page (no CDN, no request leaves the server)."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from pathlib import Path

import plotly
from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from scenewatch.output import describe

router = APIRouter(include_in_schema=False)

PAGES = {  # path -> (template, title, script)
    "overview": ("overview.html", "Overview", "overview.js"),
    "event": ("event.html", "Event", "event.js"),
    "groups": ("groups.html", "Groups", "groups.js"),
    "group": ("group.html", "Group", "group.js"),
    "search": ("search.html", "Search", "search.js"),
}
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
DOCS_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")  # shipped inside fastapi-offline


@cache
def _template(name: str) -> str:
    return resources.files("scenewatch.web").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def columns_json() -> str:
    """Every line of ``columns.tsv`` as ``{name: {kind, label, description}}`` (``*`` patterns keep their order and
    carry no label), ready to embed in a ``<script type="application/json">``: the pages' one source for how a
    column is formatted and explained."""
    text = resources.files("scenewatch.output").joinpath("columns.tsv").read_text(encoding="utf-8")
    names = [line.split("\t", 1)[0] for line in text.splitlines() if line.strip() and not line.startswith("#")][1:]
    out = {}
    for name in names:
        column = describe(name)
        out[name] = {"kind": column.kind, "label": "" if "*" in name else column.label,
                     "description": column.description}  # fmt: skip
    return json.dumps(out, ensure_ascii=False).replace("<", "\\u003c")


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
        .replace("{{columns}}", columns_json())
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


def docs_asset_path(name: str) -> Path:
    """One of the Swagger UI / ReDoc files shipped inside the installed ``fastapi-offline`` package."""
    return Path(str(resources.files("fastapi_offline").joinpath("static", name)))


@router.get("/vendor/docs/{name}")
def docs_asset(name: str) -> Response:
    """Swagger UI's JavaScript, CSS and icon (no CDN)."""
    if name not in DOCS_ASSETS:
        raise HTTPException(404)
    return FileResponse(docs_asset_path(name), media_type=STATIC_TYPES[Path(name).suffix],
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """The API docs in Swagger UI, from local files."""
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} API",
        swagger_js_url=f"{root}/vendor/docs/swagger-ui-bundle.js", swagger_css_url=f"{root}/vendor/docs/swagger-ui.css",
        swagger_favicon_url=f"{root}/vendor/docs/favicon.png", oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_ui_parameters={"validatorUrl": None},  # the validator badge would ask an outside server
    )  # fmt: skip


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page (self-contained)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc() -> RedirectResponse:
    """ReDoc would fetch its logo from a CDN: the API docs are Swagger UI's, at /docs."""
    return RedirectResponse("/docs", status_code=307)


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
