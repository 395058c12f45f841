"""The web layer: REST API, dashboard and live feed over the store, served by the process that owns the database.

``create_app(db, token=None)`` builds the FastAPI app; ``app.state.access.hub.publish(batch)`` (or :func:`publish`)
is the hook writers call to announce new releases and nukes to websocket subscribers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scenewatch.web.app import create_app
    from scenewatch.web.live import LiveHub
    from scenewatch.web.search import SearchError, SearchQuery, parse_query

__all__ = ["LiveHub", "SearchError", "SearchQuery", "create_app", "parse_query", "publish"]

# Loaded on first use, so that a command that only offers reads of the store it writes (a day's `ingest`
# makes a read cursor with ``scenewatch.web.access``) does not import FastAPI (~0.3 s) before its first line.
_LAZY = {"create_app": "app", "LiveHub": "live", "SearchError": "search", "SearchQuery": "search",
         "parse_query": "search"}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The public names above, imported from their modules when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def publish(app: Any, batch: Any) -> dict[str, Any] | None:
    """Announce a written batch (SourceBatch, records, or ``{"releases": [...], "nukes": [...]}``) on ``app``."""
    return app.state.access.hub.publish(batch)  # type: ignore[no-any-return]
