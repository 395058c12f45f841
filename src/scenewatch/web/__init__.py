"""The web layer: REST API, dashboard and live feed over the store, served by the process that owns the database.

``create_app(db, token=None)`` builds the FastAPI app; ``app.state.access.hub.publish(batch)`` (or :func:`publish`)
is the hook writers call to announce new releases and nukes to websocket subscribers.
"""

from __future__ import annotations

from typing import Any

from scenewatch.web.app import create_app
from scenewatch.web.live import LiveHub
from scenewatch.web.search import SearchError, SearchQuery, parse_query

__all__ = ["LiveHub", "SearchError", "SearchQuery", "create_app", "parse_query", "publish"]


def publish(app: Any, batch: Any) -> dict[str, Any] | None:
    """Announce a written batch (SourceBatch, records, or ``{"releases": [...], "nukes": [...]}``) on ``app``."""
    return app.state.access.hub.publish(batch)  # type: ignore[no-any-return]
