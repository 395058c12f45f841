"""scenewatch: scene release intelligence (metadata only).

The public Python API mirrors the command line: open a ``Database``, ``ingest_paths`` into it,
and ask the analyses for tables.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scenewatch._version import __version__
from scenewatch.records import Announcement, Event, Gap, NukeAction, NukeEvent, Reject, Sighting

if TYPE_CHECKING:
    from scenewatch.analysis import silent_groups, volume
    from scenewatch.ingest import IngestSummary, ingest_paths
    from scenewatch.store import Database

# Imported on first use: a process that needs one stage (a parse worker) does not pay for pandas and the analyses.
_LAZY = {
    "silent_groups": "scenewatch.analysis",
    "volume": "scenewatch.analysis",
    "IngestSummary": "scenewatch.ingest",
    "ingest_paths": "scenewatch.ingest",
    "Database": "scenewatch.store",
}


def __getattr__(name: str) -> Any:
    """The API's heavier names, imported when first asked for."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scenewatch' has no attribute {name!r}")

__all__ = [
    "Announcement",
    "Database",
    "Event",
    "Gap",
    "IngestSummary",
    "NukeAction",
    "NukeEvent",
    "Reject",
    "Sighting",
    "__version__",
    "ingest_paths",
    "silent_groups",
    "volume",
]
