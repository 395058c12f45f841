"""scenewatch: scene release intelligence (metadata only).

The public Python API mirrors the command line: open a ``Database``, ``ingest_paths`` into it,
and ask the analyses for tables.
"""

from scenewatch._version import __version__
from scenewatch.analysis import silent_groups, volume
from scenewatch.ingest import IngestSummary, ingest_paths
from scenewatch.records import Announcement, Event, Gap, NukeAction, NukeEvent, Reject, Sighting
from scenewatch.store import Database

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
