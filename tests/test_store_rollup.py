"""``daily_volume`` stays equal to a fresh count of ``releases`` through every kind of write, and volume() read
from it gives exactly the answers computed from ``releases``."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from scenewatch.analysis import volume
from scenewatch.ingest import write_batch
from scenewatch.records import Announcement
from scenewatch.reparse import reparse
from scenewatch.store import Database
from scenewatch.store.parquet import export_parquet, import_parquet

FRESH = """
    SELECT CAST(pre_at AS DATE) AS day, coalesce(category, '') AS category, coalesce(section, '') AS section,
           count(*) AS releases
    FROM releases WHERE scene AND pre_at IS NOT NULL GROUP BY ALL
"""
NAMES = [
    "Some.Movie.{n}.2020.1080p.BluRay.x264-SPARKS", "Show.{n}.S01E02.720p.WEB.h264-GECKOS",
    "Game_Title_{n}_NSW-VENOM", "Artist_{n}-Album-(CAT1)-WEB-2020-DRONES",
    "Publisher.Book.{n}.2020.RETAIL.EPUB.eBook-ROVERS", "Odd.{n}.Thing",
]  # fmt: skip
SECTIONS = ["X264-HD", "TV-X265", "NSW", "MP3", "EBOOK", None, "x264-hd"]


def assert_rollup_exact(db: Database) -> None:
    """The maintained roll-up equals a count made now, row for row."""
    kept = db.query("SELECT * FROM daily_volume ORDER BY ALL")
    fresh = db.query(FRESH + " ORDER BY ALL")
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), fresh.reset_index(drop=True), check_dtype=False)
    assert (kept["releases"] > 0).all()


def announcements(rng: random.Random, count: int, start: datetime, span_days: int) -> list[Announcement]:
    """Random sightings over a pool of names small enough that many are seen again (earlier, later, untimed)."""
    out = []
    for _ in range(count):
        name = rng.choice(NAMES).format(n=rng.randrange(400))
        moment = start + timedelta(seconds=rng.randrange(span_days * 86400))
        out.append(Announcement(
            name=name,
            pre_at=None if rng.random() < 0.05 else moment,
            section=rng.choice(SECTIONS),
            time_trusted=rng.random() > 0.1,
            scene=rng.random() > 0.1,
            feed=rng.choice(["a", "b"]),
        ))  # fmt: skip
    return out


@pytest.fixture()
def db(tmp_path: Path) -> Database:
    with Database(tmp_path / "rollup.duckdb") as store:
        yield store


def test_rollup_stays_exact_through_new_repeated_and_moved_releases(db: Database) -> None:
    rng = random.Random(3)
    start = datetime(2020, 8, 1, tzinfo=UTC)
    for round_ in range(12):
        # Later rounds reach back in time: releases seen again with an earlier pre time move to an earlier day.
        size = 5000 if round_ == 8 else rng.choice([1, 7, 300])  # 5000: over 2,000 updated, found by a scan
        batch = announcements(rng, size, start - timedelta(days=round_), 20)
        write_batch(db, batch, [], origin="test")
        assert_rollup_exact(db)
    moved = db.scalar("SELECT count(*) FROM sightings") - db.scalar("SELECT count(*) FROM releases")
    assert moved > 500  # the scenario did exercise releases seen more than once


def test_rollup_after_reparse_import_and_hand_written_sql(db: Database, tmp_path: Path) -> None:
    rng = random.Random(5)
    write_batch(db, announcements(rng, 800, datetime(2020, 8, 1, tzinfo=UTC), 30), [], origin="test")
    db.con.execute("UPDATE releases SET parser_version = 1, category = 'other' WHERE id % 3 = 0").fetchall()
    db.refresh_rollups()  # hand-written SQL: the caller recounts
    assert_rollup_exact(db)
    assert reparse(db, batch_size=100) > 0  # categories move back between roll-up rows
    assert_rollup_exact(db)
    export_parquet(db, tmp_path / "export")
    with Database(tmp_path / "other.duckdb") as other:
        write_batch(other, announcements(random.Random(9), 300, datetime(2020, 7, 20, tzinfo=UTC), 30), [],
                    origin="other")  # fmt: skip
        import_parquet(other, tmp_path / "export")
        assert_rollup_exact(other)


def test_volume_from_the_rollup_equals_volume_from_releases(db: Database) -> None:
    rng = random.Random(7)
    write_batch(db, announcements(rng, 1500, datetime(2020, 6, 1, tzinfo=UTC), 120), [], origin="test")
    write_batch(db, announcements(rng, 500, datetime(2020, 5, 20, tzinfo=UTC), 120), [], origin="test")
    cases = [
        {"by": by, "split": split, **filters}
        for by in ("day", "week", "month")
        for split in (None, "category", "section")
        for filters in ({}, {"category": "movie"}, {"section": "x264-HD"}, {"since": date(2020, 6, 10)},
                        {"since": date(2020, 6, 3), "until": date(2020, 7, 4)}, {"category": "nothing"})
    ]  # fmt: skip
    for case in cases:
        from_rollup = volume(db, **case)
        db.con.execute("ALTER TABLE daily_volume RENAME TO daily_volume_hidden").fetchall()
        try:
            from_releases = volume(db, **case)  # the roll-up is missing: computed from releases
        finally:
            db.con.execute("ALTER TABLE daily_volume_hidden RENAME TO daily_volume").fetchall()
        pd.testing.assert_frame_equal(from_rollup, from_releases, obj=str(case))
    assert volume(db, "month", "section")["count"].sum() == db.scalar(
        "SELECT count(*) FROM releases WHERE scene AND pre_at IS NOT NULL"
    )
