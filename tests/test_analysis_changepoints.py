"""Change points on the shared simulation: the raid is the dominant break."""

from __future__ import annotations

from datetime import date

import pytest
from analysis_data import RAID, simulated

from scenewatch.analysis.changepoints import changepoints, detect, robust_sigma
from scenewatch.store import Database


@pytest.fixture(scope="module")
def db() -> Database:
    """The shared simulated store, read-only."""
    database = simulated().open()
    yield database
    database.close()


def test_raid_is_the_dominant_break(db: Database) -> None:
    frame = changepoints(db)
    top = frame[frame["rank"] == 1].set_index("category")
    assert abs((top.loc["all", "date"] - RAID).days) <= 1
    assert top.loc["all", "direction"] == "down"
    assert top.loc["all", "relative_change"] < -0.5
    for category in ("tv", "music", "game", "ebook", "movie"):
        assert abs((top.loc[category, "date"] - RAID).days) <= 2, category


def test_outage_is_not_a_break(db: Database) -> None:
    frame = changepoints(db, category="all", until=date(2020, 7, 31))
    assert frame.empty or frame["strength"].max() < 10
    assert any("gap" in w for w in frame.attrs["warnings"])


def test_flat_series_has_no_break() -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    days = pd.date_range("2020-01-01", periods=200, freq="D").date
    series = pd.Series(rng.poisson(100, 200), index=days)
    assert detect(series).empty
    assert robust_sigma(np.log1p(series.to_numpy(float))) > 0
