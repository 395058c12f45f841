"""The real nZEDb slice (2019-01 … 2021-01): one command ingests 754 daily files with the shipped rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from real_data import RealStore

from scenewatch.analysis import volume
from scenewatch.ingest import ingest_paths
from scenewatch.store import Database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_db(real_store: RealStore) -> Iterator[Database]:
    """The whole slice (the session's real store), read-only."""
    db = Database(real_store.path, read_only=True)
    yield db
    db.close()


def test_daily_counts_around_the_raid(real_db: Database) -> None:
    daily = volume(real_db, "day", since=date(2020, 8, 17), until=date(2020, 8, 30))
    counts = dict(zip(daily["period"], daily["count"], strict=True))
    # The data's README: about 2,000 on 2020-08-19 and under 200 on 2020-08-26 (published: 1,944 and 168).
    assert 1_900 <= counts[date(2020, 8, 19)] <= 2_100
    assert counts[date(2020, 8, 26)] < 200


def test_weekly_counts_match_published_shape(real_db: Database) -> None:
    weekly = volume(real_db, "week", since=date(2020, 8, 17), until=date(2020, 9, 13))
    counts = list(weekly["count"])
    before, raid_week, after1, after2 = counts
    # Published: 12,776 the week before, 3,680 and 4,463 the two weeks after.
    assert abs(before - 12_776) / 12_776 < 0.05
    assert abs(after1 - 3_680) / 3_680 < 0.05
    assert abs(after2 - 4_463) / 4_463 < 0.05
    assert after1 < raid_week < before


def test_feed_rules_applied(real_db: Database) -> None:
    # Releases known only from srrDB have no trusted pre time; xrelp2p releases are not scene.
    srrdb_only = real_db.scalar(
        """SELECT count(*) FROM releases r WHERE pre_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.release_id = r.id AND s.feed <> 'srrdb')"""
    )
    assert srrdb_only > 0
    assert real_db.scalar("SELECT count(*) FROM releases WHERE NOT scene") > 0
    assert real_db.scalar(
        "SELECT count(*) FROM releases r JOIN sightings s ON s.release_id = r.id AND s.feed = 'xrelp2p' WHERE r.scene"
    ) < real_db.scalar("SELECT count(*) FROM sightings WHERE feed = 'xrelp2p'")
    # m2v.ru times are shifted 8 hours later: a release seen by m2v.ru and the real-time IRC feed agrees closely.
    gap = real_db.scalar(
        """SELECT median(abs(epoch(a.seen_at) - epoch(b.seen_at))) FROM sightings a JOIN sightings b
           ON a.release_id = b.release_id AND a.feed = 'm2v.ru' AND b.feed = '#pre@corrupt'"""
    )
    assert gap < 15 * 60


def test_duplicates_across_days_feeds_and_case_stored_once(real_db: Database) -> None:
    assert real_db.scalar("SELECT count(*) - count(DISTINCT lower(name)) FROM releases") == 0
    assert real_db.scalar("SELECT count(*) FROM sightings") > real_db.count_releases()
    # "#pre@corrupt" appends the bot's time to 3,664 of its names; cut off, 3,367 of them join a clean release
    assert real_db.scalar(r"SELECT count(*) FROM releases WHERE regexp_matches(name, ' \[\d\d:\d\d:\d\d\]$')") == 0
    timed = real_db.scalar(
        """SELECT count(*) FROM releases r WHERE name = 'Afrozone-Five_Moons-WEB-2020-KLIN'
           AND (SELECT count(DISTINCT feed) FROM sightings s WHERE s.release_id = r.id) = 3"""
    )
    assert timed == 1


def test_second_run_skips_every_file(real_store: RealStore, nzedb_dumps: Path, tmp_path: Path) -> None:
    with Database(real_store.copy(tmp_path)) as db:
        before = db.count_releases()
        summary = ingest_paths(db, [nzedb_dumps])
        assert summary.files_skipped == 754 and summary.inserted == 0
        assert db.count_releases() == before


# ---- events over the whole history (issue #20, #16.3/#16.4) ---------------------------------------------------


def _placebo_days(db: Database) -> list[date]:
    """Days with a full 8+8-week window more than 8 weeks from catalogued events and gaps (as in
    benchmarks/bench_calibration.py)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_calibration import placebo_days

    return placebo_days(db)


def test_placebo_false_positive_rate_is_calibrated(real_db: Database) -> None:
    from scenewatch.analysis.impact import false_positive_rate

    days = _placebo_days(real_db)
    assert len(days) >= 400
    calibrated = false_positive_rate(real_db, days)
    model = false_positive_rate(real_db, days, model_only=True)
    assert calibrated.attrs["false_positive_rate"] <= 0.07  # nominal 5%
    assert model.attrs["false_positive_rate"] > 0.2  # what the intervals said before calibration
    late = calibrated[pd.to_datetime(calibrated["day"]) >= pd.Timestamp("2020-01-01")]
    assert len(late) >= 100 and late["significant"].mean() <= 0.07  # the dates not used to choose the method


def test_sparks_impact_is_significant_with_its_calibration(real_db: Database) -> None:
    from scenewatch.analysis.impact import impact

    frame = impact(real_db, date(2020, 8, 25), by=None).set_index("category")
    row = frame.loc["all"]
    assert -0.55 < row["relative_change"] < -0.40 and row["ci_high"] < -0.15 and row["p_value"] < 0.01
    assert "placebo dates" in frame.attrs["calibration"]


def test_impact_is_level_only_where_placebo_dates_calibrate_it(real_db: Database) -> None:
    """Two years of history calibrate every series, so the default counterfactual has no trend, and the report's
    daily counterfactual is the same model as the impact's."""
    from scenewatch.analysis.impact import counterfactual, impact

    event = date(2020, 8, 25)
    frame = impact(real_db, event).set_index("category")
    assert frame["calibrated"].all() and not frame["trend"].any()
    assert "level only" in frame.attrs["calibration"]
    daily = counterfactual(real_db, event)
    after = daily[(daily["period"] == "after") & ~daily["gap_day"]].groupby("category")["expected"].sum()
    for category in ("all", "tv", "game"):
        assert after[category] == pytest.approx(frame.loc[category, "expected"], rel=1e-9), category
    trended = impact(real_db, event, trend=True).set_index("category")
    assert trended.loc["all", "expected"] != pytest.approx(frame.loc["all", "expected"], rel=1e-3)
    assert "weekday + trend" in trended.attrs["calibration"]


def test_last_years_placebo_error_does_not_predict_this_years(real_store: RealStore) -> None:
    """Why the counterfactual has no year-on-year term (docs/analyses.md): on the real slice, subtracting the error
    of the window 52 weeks earlier makes the 2020 no-event windows worse for all releases and most categories."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_seasonal import year_on_year

    table = year_on_year(real_store.path, []).set_index("series")
    assert len(table) >= 10 and (table["pairs"] >= 100).all()
    assert table.loc["all", "rmse_diff"] > table.loc["all", "rmse_shipped"]
    assert abs(table.loc["all", "r"]) < 0.3
    assert (table["rmse_diff"] > table["rmse_shipped"]).sum() >= len(table) - 2


def test_impact_without_a_before_period_is_refused(real_db: Database) -> None:
    from scenewatch.analysis.impact import impact

    with pytest.raises(ValueError, match="usable day"):
        impact(real_db, date(2019, 1, 2))


def test_recovery_is_not_claimed_far_below_the_threshold(real_db: Database) -> None:
    from scenewatch.analysis.recovery import recovery

    frame = recovery(real_db, date(2020, 8, 25)).set_index("category")
    assert not frame.loc["audiobook", "recovered"]  # a one-week burst, then a fifth of the counterfactual
    assert (frame.loc[frame["recovered"], "last_ratio"] >= 0.9).all()


def test_discover_ranks_the_sparks_raid_first(real_db: Database) -> None:
    from scenewatch.analysis.discover import discover

    frame = discover(real_db)
    top = frame.iloc[0]
    assert top["matched_event"] == "SPARKS raid" and abs((top["date"] - date(2020, 8, 25)).days) <= 2
    assert top["p_adjusted"] < 1e-10 and top["volume_change"]["relative_change"] < -0.3
    assert {"SPARKS", "GECKOS", "DRONES", "ROVERS", "SPRiNTER"} & set(top["groups"])


def test_bursty_rovers_is_not_silent_after_nine_days(real_db: Database) -> None:
    from scenewatch.analysis.dormancy import dormancy

    rovers = dormancy(real_db, date(2020, 8, 25)).set_index("group").loc["ROVERS"]  # last release 08-15
    assert 9 <= rovers["silence_days"] < 10 and rovers["score"] < 1
    assert dormancy(real_db, date(2021, 2, 1)).set_index("group").loc["ROVERS", "score"] > 5


def test_study_table_and_endpoints(real_db: Database) -> None:
    from fastapi.testclient import TestClient

    from scenewatch.analysis.study import study
    from scenewatch.web import create_app

    frame = study(real_db, languages=False)
    sparks = frame[(frame["event_name"] == "SPARKS raid") & (frame["series"] == "all")].iloc[0]
    assert sparks["status"] == "analysed" and sparks["ci_high"] < 0 and sparks["vanished_groups"] > 50
    assert (frame.loc[frame["day"] < date(2018, 12, 1), "status"] == "before the data").all()
    client = TestClient(create_app(real_db, budget_seconds=600))
    found = client.get("/api/discover", params={"limit": 3}).json()
    assert found["rows"][0]["matched_event"] == "SPARKS raid"
    studied = client.get("/api/study", params={"event": "sparks", "languages": "false"}).json()
    assert {r["event_name"] for r in studied["rows"]} == {"SPARKS raid"}
    refused = client.get("/api/impact", params={"event": "2019-01-02"})
    assert refused.status_code == 409 and "usable day" in refused.json()["message"]


def test_language_scenes_get_the_calibrated_intervals_of_study(real_db: Database) -> None:
    """`languages --by region` and study's language split measure the same thing: the same calibrated intervals,
    which on the real slice are wider than the model's own (the two used to differ: languages was model-only)."""
    from scenewatch.analysis.impact import impact
    from scenewatch.analysis.languages import language_impact
    from scenewatch.analysis.study import study

    regions = language_impact(real_db, date(2020, 8, 25), by="region").set_index("region")
    split = study(real_db, ["2020-08-25"])
    split = split[split["split"] == "language"].set_index("series")
    shared = [key for key in split.index if key in regions.index]
    assert {"northern", "eastern", "western", "southern"} <= set(shared)
    for column in ("relative_change", "ci_low", "ci_high", "p_value"):
        assert list(regions.loc[shared, column].astype(float)) == pytest.approx(list(split.loc[shared, column]))
    # western Europe's −38% is inside the slice's no-event drift; all releases get the interval impact prints
    western = regions.loc["western"]
    assert western["ci_low"] < western["relative_change"] < 0 < western["ci_high"]
    everything = impact(real_db, date(2020, 8, 25), by=None).set_index("category").loc["all"]
    assert regions.loc["all", "ci_high"] == pytest.approx(everything["ci_high"])
