"""The bitmap of stored release ids (store.known): never misses a stored id, and is never left stale by the store's
own writes (the releases have no primary key to catch a stale one, schema 9)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scenewatch.ingest import write_batch
from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.store import Database, release_key
from scenewatch.store import database as store_database
from scenewatch.store.known import KnownIds

START = datetime(2020, 8, 1, tzinfo=UTC)


def test_no_stored_id_is_ever_called_new() -> None:
    rng = np.random.default_rng(3)
    known = KnownIds(100_000)
    stored = rng.integers(0, 2**64, 100_000, dtype=np.uint64)
    known.add(stored)
    assert known.maybe(stored).all()
    others = rng.integers(0, 2**64, 100_000, dtype=np.uint64)
    assert known.maybe(others).mean() < 0.07  # at capacity, about one in nineteen is a false alarm (5.3%)


def _announcements(count: int, offset: int, seed: int) -> list[Announcement]:
    rng = random.Random(seed)
    out = []
    for i in range(offset, offset + count):
        name = f"Some.Title.{i}.2020.1080p.WEB.H264-GRP{i % 7}"
        if rng.random() < 0.1:
            name = name.upper()  # the same release again, in another case
        out.append(Announcement(name, START + timedelta(minutes=rng.randrange(60 * 24 * 60)), section="X264"))
    return out


def _tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in ("releases", "sightings", "nukes", "daily_volume"):
        out[table] = sorted(db.con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    return out


def _write_all(db: Database) -> None:
    # Overlapping batches: later ones repeat releases of earlier ones, so merges and known ids both happen.
    for k in range(4):
        nukes = [NukeEvent(f"Some.Title.{k * 5000 + 3}.2020.1080p.WEB.H264-GRP{(k * 5000 + 3) % 7}", NukeAction.NUKE,
                           reason="bad.rar", at=START + timedelta(days=70))]  # fmt: skip
        write_batch(db, _announcements(7000, k * 5000, seed=k), nukes, origin=f"batch{k}")


def test_writes_with_and_without_the_bitmap_store_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Database(tmp_path / "with.duckdb") as db:
        _write_all(db)
        assert db._known is not None and db._known.count >= db.count_releases()
        with_bitmap = _tables(db)
    monkeypatch.setattr(store_database, "_KNOWN_IDS_FROM", 10**9)
    with Database(tmp_path / "without.duckdb") as db:
        _write_all(db)
        assert db._known is None
        assert _tables(db) == with_bitmap


def test_hand_written_releases_are_merged_once_the_bitmap_is_dropped(tmp_path: Path) -> None:
    with Database(tmp_path / "s.duckdb") as db:
        write_batch(db, _announcements(6000, 0, seed=1), [], origin="first")
        assert db._known is not None
        # A release written behind the bitmap's back, and the bitmap dropped as the store asks of such SQL.
        sneaky = "Sneaky.Release.2020.1080p.WEB.H264-GRP"
        db.con.execute(
            "INSERT INTO releases (id, name, scene, category) VALUES (CAST(? AS UBIGINT), ?, true, 'movie')",
            [str(release_key(sneaky)), sneaky],
        )
        db.forget_known_ids()
        second = [*_announcements(6000, 6000, seed=2), Announcement(sneaky, START, section="MOVIE")]
        write_batch(db, second, [], origin="second")
        assert db._known is not None  # read from the store again, the hand-written release with it
        rows = db.con.execute("SELECT name, pre_at, section FROM releases WHERE name = ?", [sneaky]).fetchall()
        assert rows == [(sneaky, START.replace(tzinfo=None), "MOVIE")]  # merged into the stored one, not doubled
        names = {a.name.lower() for a in [*_announcements(6000, 0, seed=1), *second]}
        assert db.count_releases() == len(names)


def test_a_bulk_load_leaves_no_stale_bitmap_behind(tmp_path: Path) -> None:
    from scenewatch.columnar import announcement_table, nuke_table
    from scenewatch.ingest import prepare_announcements
    from scenewatch.store import Progress

    with Database(tmp_path / "s.duckdb") as db:
        write_batch(db, _announcements(6000, 0, seed=1), [], origin="first")
        assert db._known is not None
        loaded = _announcements(6000, 6000, seed=2)
        with db.bulk_load():  # writes releases the bitmap of the first write does not know
            table = announcement_table(loaded, "o")
            db.write_prepared(prepare_announcements(table, db.con), nuke_table([]), Progress("o", "f", 1, False))
        again = [*loaded, *_announcements(6000, 12_000, seed=3)]
        write_batch(db, again, [], origin="again")
        names = {a.name.lower() for a in [*_announcements(6000, 0, seed=1), *again]}
        assert db.count_releases() == len(names)
        assert db.scalar("SELECT count(DISTINCT id) FROM releases") == len(names)
