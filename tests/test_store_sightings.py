"""Sightings have no primary key (schema 6): a repeated sighting is still stored once, whatever the batch order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from scenewatch.ingest import write_batch
from scenewatch.records import Announcement
from scenewatch.store import Database
from scenewatch.store import database as store_database
from scenewatch.store.database import key_name
from scenewatch.store.schema import MIGRATIONS, SCHEMA_VERSION

START = datetime(2020, 8, 1, tzinfo=UTC)
FEEDS = ("predb-a", "predb-b", None)


def _pool(seed: int, count: int, names: int = 300) -> list[Announcement]:
    """Announcements over few names, feeds and times, so that the same sighting comes again and again."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        i = rng.randrange(names)
        name = f"Some.Title.{i}.2020.1080p.WEB.H264-GRP{i % 5}"
        if rng.random() < 0.3:
            name = name.upper()
        at = None if rng.random() < 0.05 else START + timedelta(minutes=i * 7 + rng.randrange(3))
        out.append(Announcement(name, at, section="X264", feed=rng.choice(FEEDS)))
    return out


def _distinct_sightings(announcements: list[Announcement]) -> set[tuple[str, str | None, datetime | None]]:
    return {(key_name(a.name), a.feed, a.pre_at) for a in announcements}


def _stored(db: Database) -> list[tuple[object, ...]]:
    return sorted(db.con.execute("SELECT * FROM sightings").fetchall(), key=repr)


@pytest.mark.parametrize(("batch_size", "count"), [(1, 300), (37, 2000), (6000, 12_000)])
def test_each_distinct_sighting_is_stored_once(tmp_path: Path, batch_size: int, count: int) -> None:
    # Shuffled batches: a repeated sighting may come later, earlier, untimed, in another case; both write paths run
    # (6000 engages the bitmap of stored ids, store.known).
    announcements = _pool(seed=batch_size, count=count)
    with Database(tmp_path / "s.duckdb") as db:
        for start in range(0, len(announcements), batch_size):
            write_batch(db, announcements[start : start + batch_size], [], origin="pool")
        assert db.scalar("SELECT count(*) FROM sightings") == len(_distinct_sightings(announcements))
        assert db.scalar("SELECT count(DISTINCT id) FROM sightings") == len(_distinct_sightings(announcements))
        before = _stored(db)
        # Everything again, in reverse order and one batch: nothing is added.
        result = write_batch(db, announcements[::-1], [], origin="again")
        assert result.sightings_inserted == 0
        assert _stored(db) == before


def test_an_old_sighting_repeated_in_a_late_batch_is_not_added(tmp_path: Path) -> None:
    # The lookup is narrowed to the batch's seen_at range; a batch spanning years must still find the old one.
    old = Announcement("Old.Title.2019.1080p.WEB.H264-GRP", START - timedelta(days=400), section="X264", feed="a")
    with Database(tmp_path / "s.duckdb") as db:
        write_batch(db, [old], [], origin="first")
        write_batch(db, _pool(seed=1, count=500), [], origin="middle")
        late = [Announcement("New.Title.2021.1080p.WEB.H264-GRP", START + timedelta(days=400), section="X264"), old]
        result = write_batch(db, late, [], origin="late")
        assert result.sightings_inserted == 1
        assert db.scalar("SELECT count(*) FROM sightings WHERE release_id = (SELECT id FROM releases "
                         "WHERE name = ?)", [old.name]) == 1  # fmt: skip


def test_the_bitmap_path_and_the_careful_path_store_the_same_sightings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    announcements = _pool(seed=9, count=20_000, names=12_000)  # batches of more than 5,000 distinct releases
    with Database(tmp_path / "with.duckdb") as db:
        for start in range(0, len(announcements), 7000):
            write_batch(db, announcements[start : start + 7000], [], origin="pool")
        assert db._known is not None
        with_bitmap = _stored(db)
    monkeypatch.setattr(store_database, "_KNOWN_IDS_FROM", 10**9)
    with Database(tmp_path / "without.duckdb") as db:
        for start in range(0, len(announcements), 7000):
            write_batch(db, announcements[start : start + 7000], [], origin="pool")
        assert db._known is None
        assert _stored(db) == with_bitmap


def test_a_schema_5_store_keeps_its_sightings_and_loses_the_index(tmp_path: Path) -> None:
    path = tmp_path / "v5.duckdb"
    announcements = _pool(seed=5, count=2000)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    for number, sql in enumerate(MIGRATIONS[:5], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [number])
    con.execute(
        "INSERT INTO sightings VALUES (1, 2, 'feed', TIMESTAMP '2020-08-01 10:00:00', true, 'X264', 'old'), "
        "(3, 4, NULL, NULL, false, NULL, NULL)"
    )
    con.close()
    with Database(path) as db:
        assert db.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION == len(MIGRATIONS)
        assert db.scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'sightings'") == 0
        assert db.scalar(
            "SELECT count(*) FROM duckdb_constraints() "
            "WHERE table_name = 'sightings' AND constraint_type = 'PRIMARY KEY'"
        ) == 0  # fmt: skip
        assert sorted(db.con.execute("SELECT * FROM sightings").fetchall(), key=repr) == sorted(
            [(1, 2, "feed", datetime(2020, 8, 1, 10), True, "X264", "old"), (3, 4, None, None, False, None, None)],
            key=repr,
        )
        write_batch(db, announcements, [], origin="after")
        write_batch(db, announcements, [], origin="again")
        assert db.scalar("SELECT count(*) FROM sightings") == 2 + len(_distinct_sightings(announcements))
