"""`scenewatch sources`: the live source presets and their limits, and what a running listener's sources are doing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from scenewatch.cli.common import DbOption, JsonFlag, err, out, show


def _age(value: Any) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    seconds = (datetime.now(UTC) - (moment if moment.tzinfo else moment.replace(tzinfo=UTC))).total_seconds()
    return f"{seconds:,.0f} s ago" if seconds < 120 else f"{seconds / 60:,.0f} min ago"


def sources_command(
    db: DbOption = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Listen config whose \\[presets.<name>] overrides to apply.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The live source presets (endpoints, rate limits, caps, what their times mean) and, with --db, the state of
    each source of the listener running on that database (state, last frame, backlog, gaps)."""
    import pandas as pd

    from scenewatch.live.config import load_config
    from scenewatch.live.status import read_status
    from scenewatch.sources.live.presets import find_preset, preset_names

    overrides: dict[str, dict[str, Any]] = {}
    if config is not None:
        overrides = load_config(config, ["predb.net"]).presets
    rows = []
    for name in preset_names():
        spec = find_preset(name, overrides)
        assert spec is not None
        rows.append({
            "preset": name, "title": spec.title, "api": spec.api, "websocket": spec.websocket or "",
            "limits": spec.limits(), "times": "pre times" if spec.time_is_pre else "sightings only",
            "scene": spec.scene, "feed": spec.feed, "docs": spec.docs,
        })  # fmt: skip
    presets = pd.DataFrame(rows)
    running = read_status(db) if db else None
    if db and running is None:
        err.print(f"no listener is running on {db}", markup=False)
    if running is None and as_json:
        show(presets, True, False, "presets")
        return
    if running is None:
        _print_presets(rows, overrides)
        return
    states = pd.DataFrame([
        {
            "source": s.get("origin"), "state": s.get("state"), "connected": bool(s.get("connected")),
            "last_frame": _age(s.get("last_frame_at")), "backlog": int(s.get("backlog") or 0),
            "gaps": int(s.get("gaps_recorded") or 0), "announcements": int(s.get("announcements") or 0),
            "nukes": int(s.get("nukes") or 0), "heartbeats": int(s.get("heartbeats") or 0),
            "rate_limited": int(s.get("rate_limited") or 0), "requests": int(s.get("requests") or 0),
            "errors": int(s.get("errors") or 0), "last_error": s.get("last_error") or "",
        }
        for s in running["sources"]
    ])  # fmt: skip
    if as_json:
        import json

        out.print_json(json.dumps({"presets": rows, "listener": {"pid": running["pid"],
                                   "updated_at": running["updated_at"], "sources": running["sources"]}}))  # fmt: skip
        return
    _print_presets(rows, overrides, brief=True)
    show(states, False, False, f"listener pid {running['pid']} on {db} (updated {_age(running['updated_at'])})")


def _print_presets(rows: list[dict[str, Any]], overrides: dict[str, Any], *, brief: bool = False) -> None:
    """A compact table (readable at 80 columns), then each preset's endpoints, notes and where its shape is from."""
    import pandas as pd

    from scenewatch.sources.live.presets import find_preset

    specs = [find_preset(r["preset"], overrides) for r in rows]
    table = pd.DataFrame([
        {"preset": spec.name, "rate limit": spec.rate.describe(),
         "search": spec.search_rate.describe() if spec.search_rate else "",
         "catch-up": f"{spec.max_pages} pages × {spec.page_size}", "ws": "yes" if spec.websocket else "no",
         "times": ("pre" if spec.time_is_pre else "sighting") + ("" if spec.scene else ", P2P")}
        for spec in specs if spec is not None
    ])  # fmt: skip
    show(table, False, False, "live source presets: scenewatch listen PRESET [PRESET|URL ...]")
    if brief:
        return
    for row in rows:
        spec = find_preset(row["preset"], overrides)
        assert spec is not None
        out.print(f"\n[bold]{row['preset']}[/bold]  {spec.title}", highlight=False)
        out.print(f"  api {spec.api}" + (f"\n  websocket {spec.websocket}" if spec.websocket else ""), markup=False,
                  highlight=False)  # fmt: skip
        if spec.note:
            out.print(f"  {spec.note}", markup=False, highlight=False, soft_wrap=False)
        out.print(f"  shape from: {spec.docs}", markup=False, highlight=False, soft_wrap=False)


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="sources")(sources_command)
