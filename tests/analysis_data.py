"""One simulated, ingested store with planted truth, shared by the analysis tests (built once per session)."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from scenewatch.ingest import ingest_paths
from scenewatch.simulate import PlantedEvent, SimulationConfig, write
from scenewatch.simulate.model import Model
from scenewatch.simulate.names import CATEGORIES
from scenewatch.store import Database

RAID = date(2020, 8, 25)
OUTAGE = date(2020, 4, 14)
# simulator category -> parser category (the parser names some categories differently)
CATEGORY_MAP = {"movies": "movie", "games": "game", "apps": "software", "mvid": "musicvideo"}


@dataclass(frozen=True)
class Simulated:
    """Where the shared store is, what was planted, and the model that planted it."""

    db_path: Path
    truth: dict[str, Any]
    config: SimulationConfig

    def open(self) -> Database:
        """Open the store read-only."""
        return Database(self.db_path, read_only=True)


@lru_cache(maxsize=1)
def simulated() -> Simulated:
    """Simulate 2020-03-01..2020-12-31 at scale 0.3 with a raid and a 36 h outage, ingest it, return it."""
    folder = Path(tempfile.mkdtemp(prefix="scenewatch-analysis-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    config = SimulationConfig(
        start=date(2020, 3, 1), end=date(2020, 12, 31), scale=0.3, seed=7,
        events=(PlantedEvent(day=RAID, kind="raid"), PlantedEvent.parse(f"{OUTAGE}:outage:36h")),
    )  # fmt: skip
    summary = write(config, folder / "sim.ndjson.gz")
    with Database(folder / "sim.duckdb") as db:
        ingest_paths(db, [summary.path])
    truth = json.loads(summary.truth_path.read_text())
    return Simulated(folder / "sim.duckdb", truth, config)


@lru_cache(maxsize=1)
def expected_daily() -> tuple[np.ndarray, np.ndarray]:
    """Expected releases per day and simulator category, with the raid and without it (no outages in either)."""
    config = simulated().config
    with_raid = Model(replace(config, events=tuple(e for e in config.events if e.kind == "raid")))
    without = Model(replace(config, events=()))
    days = range(config.n_days)
    return (np.array([with_raid.expected_by_category(i) for i in days]),
            np.array([without.expected_by_category(i) for i in days]))  # fmt: skip


def parser_category(sim_category: str) -> str:
    """The parser's name for a simulator category."""
    return CATEGORY_MAP.get(sim_category, sim_category)


def planted_change(start: date, end: date) -> dict[str, float]:
    """Planted relative change (with raid / without − 1) per parser category and ``all`` over ``start``..``end``."""
    raid, base = expected_daily()
    a, b = (start - simulated().config.start).days, (end - simulated().config.start).days + 1
    out = {parser_category(c): float(raid[a:b, i].sum() / base[a:b, i].sum() - 1) for i, c in enumerate(CATEGORIES)}
    out["all"] = float(raid[a:b].sum() / base[a:b].sum() - 1)
    return out


def planted_recovery(category: str, threshold: float, horizon_days: int = 120) -> date | None:
    """First day whose trailing 7-day planted volume is ``threshold`` of the no-raid volume (None: never)."""
    raid, base = expected_daily()
    if category == "all":
        r, b = raid.sum(axis=1), base.sum(axis=1)
    else:
        i = [parser_category(c) for c in CATEGORIES].index(category)
        r, b = raid[:, i], base[:, i]
    start = simulated().config.start
    e = (RAID - start).days
    for k in range(e + 6, min(e + horizon_days, len(r))):
        if r[k - 6 : k + 1].sum() >= threshold * b[k - 6 : k + 1].sum():
            return start + timedelta(days=k)
    return None


def affiliated_groups() -> set[str]:
    """The groups the raid stopped for good."""
    return set(simulated().truth["raids"][0]["affiliated_groups"])


def group_rates() -> dict[str, float]:
    """Planted base rate per group (releases a day)."""
    return {g["name"]: g["rate_per_day"] for g in simulated().truth["groups"]}
