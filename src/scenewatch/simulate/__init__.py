"""Synthetic scene announcements with planted events (raids, feed outages) and their truth.

``write(SimulationConfig(...), "out.ndjson.gz")`` streams a deterministic dump in the canonical
format and writes ``out.ndjson.gz.truth.json`` with everything that was planted.
"""

from scenewatch.simulate.config import DEFAULT_RAID_GROUPS, PlantedEvent, SimulationConfig
from scenewatch.simulate.generate import SimRow, simulate
from scenewatch.simulate.writer import SimulationSummary, run_cli, truth, write

__all__ = [
    "DEFAULT_RAID_GROUPS",
    "PlantedEvent",
    "SimRow",
    "SimulationConfig",
    "SimulationSummary",
    "run_cli",
    "simulate",
    "truth",
    "write",
]
