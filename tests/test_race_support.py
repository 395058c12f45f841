"""Shared planted-truth store of the race, dupes, fixes and language tests (no tests of its own).

A simulation of 2020-06..11 with the SPARKS raid, 150 planted races (with planted PROPERs and dupe nukes) and
three language scenes with their own raid responses (GERMAN x0.15, FRENCH x0.6, DUTCH x1.6), ingested once.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from scenewatch.ingest import ingest_paths
from scenewatch.simulate import PlantedEvent, SimulationConfig, write
from scenewatch.store import Database

RAID = date(2020, 8, 25)
RESPONSES = (("GERMAN", 0.15), ("FRENCH", 0.6), ("DUTCH", 1.6))


def race_config(**kw: Any) -> SimulationConfig:
    """The planted-race simulation config (overridable)."""
    base: dict[str, Any] = dict(start=date(2020, 6, 1), end=date(2020, 11, 30), seed=5, scale=0.2, n_groups=150,
                                events=(PlantedEvent(day=RAID, kind="raid"),), races=150,
                                language_responses=RESPONSES)  # fmt: skip
    base.update(kw)
    return SimulationConfig(**base)


@dataclass(frozen=True)
class Planted:
    """The ingested store and its truth."""

    db_path: Path
    truth: dict[str, Any]

    def open(self) -> Database:
        """The store, read-only."""
        return Database(self.db_path, read_only=True)

    def copy(self, folder: Path) -> Path:
        """A private copy of the store file (for a process that opens it read-write)."""
        target = folder / "race-copy.duckdb"
        shutil.copy(self.db_path, target)
        return target


@lru_cache(maxsize=1)
def planted() -> Planted:
    """Simulate, ingest and return the planted store (once per test process)."""
    folder = Path(tempfile.mkdtemp(prefix="scenewatch-race-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    summary = write(race_config(), folder / "sim.ndjson.gz")
    with Database(folder / "race.duckdb") as db:
        ingest_paths(db, [summary.path])
    return Planted(folder / "race.duckdb", json.loads(summary.truth_path.read_text()))
