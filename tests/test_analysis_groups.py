"""Dormancy and affiliation on the shared simulation: the planted affiliated set is recovered."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from analysis_data import RAID, affiliated_groups, simulated

from scenewatch.analysis import silent_groups
from scenewatch.analysis.affiliation import vanished_clusters, vanished_with
from scenewatch.analysis.dormancy import dormancy
from scenewatch.store import Database

LATER = date(2020, 12, 1)  # after every planted pause has ended


@pytest.fixture(scope="module")
def db() -> Database:
    """The shared simulated store, read-only."""
    database = simulated().open()
    yield database
    database.close()


def _precision_recall(found: set[str], planted: set[str]) -> tuple[float, float]:
    hits = len(found & planted)
    return hits / max(len(found), 1), hits / len(planted)


def test_dormancy_day_after_ranks_vanished_groups_first(db: Database) -> None:
    frame = dormancy(db, RAID + timedelta(days=1))
    paused = {p["group"] for p in simulated().truth["raids"][0]["paused_groups"]}
    top = frame.head(30)
    assert top["group"].isin(affiliated_groups() | paused).mean() >= 0.85
    # a day on, a pause and a vanishing look alike: the top 15 are all planted stops, most of them vanishings
    assert top.head(15)["group"].isin(affiliated_groups() | paused).mean() >= 0.9
    assert top.head(15)["group"].isin(affiliated_groups()).sum() >= 5
    assert (frame["last_pre"] < pd.Timestamp(RAID + timedelta(days=1))).all()  # nothing after as_of is read


def test_dormancy_is_backtestable(db: Database) -> None:
    before = dormancy(db, RAID - timedelta(days=30))
    assert before["score"].max() < 8  # no mass silence a month before the raid
    later = dormancy(db, LATER).head(25)
    assert later["group"].isin(affiliated_groups()).mean() >= 0.9


def test_vanished_with_sparks(db: Database) -> None:
    frame = vanished_with(db, "sparks", as_of=LATER)
    precision, recall = _precision_recall(set(frame["group"]) | {"SPARKS"}, affiliated_groups())
    assert precision >= 0.95 and recall >= 0.9
    assert frame["offset_hours"].abs().max() <= 72


def test_vanished_clusters_recover_planted_set(db: Database) -> None:
    frame = vanished_clusters(db, LATER)
    first = frame[frame["cluster"] == 1]
    precision, recall = _precision_recall(set(first["group"]), affiliated_groups())
    assert precision >= 0.95 and recall >= 0.9
    assert first["cluster_p_value"].iloc[0] < 1e-6
    assert abs((first["cluster_end"].iloc[0].date() - RAID).days) <= 1


def test_unknown_group_is_a_clear_error(db: Database) -> None:
    with pytest.raises(ValueError, match="fewer than"):
        vanished_with(db, "NO-SUCH-GROUP", as_of=LATER)


def test_silent_groups_still_works(db: Database) -> None:
    frame = silent_groups(db, RAID)
    assert set(frame["group"]) <= affiliated_groups() | {
        p["group"] for p in simulated().truth["raids"][0]["paused_groups"]
    }
    assert "SPARKS" in set(frame["group"])
