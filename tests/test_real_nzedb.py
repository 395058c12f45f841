"""The real nZEDb slice (2019-01 … 2021-01): one command ingests 754 daily files with the shipped rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

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


def test_second_run_skips_every_file(real_store: RealStore, nzedb_dumps: Path, tmp_path: Path) -> None:
    with Database(real_store.copy(tmp_path)) as db:
        before = db.count_releases()
        summary = ingest_paths(db, [nzedb_dumps])
        assert summary.files_skipped == 754 and summary.inserted == 0
        assert db.count_releases() == before
