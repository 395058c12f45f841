"""A bulk load (store.bulk: stored ids in memory, merges and nuke states at the end) gives the store a batch-by-batch
ingest gives, into an empty store and into one that holds releases, and one left by a crash is finished when the
store is next opened. The releases have no index (schema 9): the writer alone keeps their ids unique."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from scenewatch.ingest import ingest_paths
from scenewatch.simulate import SimulationConfig, write
from scenewatch.store import Database
from scenewatch.store import bulk as store_bulk

TABLES = {
    "releases": "SELECT * FROM releases ORDER BY id",
    "sightings": "SELECT * FROM sightings ORDER BY id",
    "nukes": "SELECT * FROM nukes ORDER BY id",
    "daily_volume": "SELECT * FROM daily_volume ORDER BY ALL",
}


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated dump plus re-announcements of a tenth of its releases, later, by other feeds with other fields."""
    folder = tmp_path_factory.mktemp("bulk")
    simulated = folder / "sim.ndjson"
    write(SimulationConfig(start=date(2020, 8, 1), end=date(2020, 8, 31), scale=0.5, seed=11), simulated)
    rng = random.Random(5)
    lines = simulated.read_text().splitlines()
    out = []
    for position, line in enumerate(lines):
        out.append((position, line))
        row = json.loads(line)
        if "pre_at" in row and rng.random() < 0.1:
            again = {
                "name": row["name"].lower() if rng.random() < 0.5 else row["name"],
                "pre_at": row["pre_at"] + rng.choice([-3600, -5, 40, 86400]),
                "section": rng.choice([None, "OTHER-SECTION", row.get("section")]),
                "size_mb": rng.choice([None, 123.0]),
                "feed": "second-feed",
            }
            out.append((position + rng.randrange(1, 20_000), json.dumps({k: v for k, v in again.items() if v})))
    path = folder / "with-repeats.ndjson"
    path.write_text("\n".join(line for _, line in sorted(out, key=lambda item: item[0])) + "\n")
    return path


def state(db: Database) -> dict[str, pd.DataFrame]:
    """Every table an ingest writes, in a fixed order."""
    return {name: db.query(sql) for name, sql in TABLES.items()}


def finished_and_unique(db: Database) -> bool:
    """Whether no bulk load is pending, the releases carry no index, and no release id is stored twice."""
    indexes = db.scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'releases'")
    keys = db.scalar(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'releases' AND constraint_type = 'PRIMARY KEY'"
    )
    rows, ids = db.con.execute("SELECT count(*), count(DISTINCT id) FROM releases").fetchall()[0]
    return not store_bulk.in_progress(db.con) and indexes == keys == 0 and rows == ids > 0


def test_bulk_load_gives_the_store_a_batch_by_batch_ingest_gives(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished = []
    original = store_bulk.finish
    monkeypatch.setattr(store_bulk, "finish", lambda con: (finished.append(True), original(con)))
    monkeypatch.setenv("SCENEWATCH_PARSE_WORKERS", "1")
    with Database(tmp_path / "bulk.duckdb") as db:
        summary = ingest_paths(db, [dump], batch_size=2_000)
        assert finished, "the ingest did not take the bulk path"
        assert finished_and_unique(db)
        bulk = state(db)
    monkeypatch.setenv("SCENEWATCH_PARSE_WORKERS", "0")  # parsed in this process: no pool, no bulk load
    finished.clear()
    with Database(tmp_path / "batches.duckdb") as db:
        ingest_paths(db, [dump], batch_size=2_000)
        assert not finished
        batches = state(db)
    assert summary.present > 1_000 and bulk["releases"]["nuked"].sum() > 100  # merges and nukes were deferred
    for name in TABLES:
        pd.testing.assert_frame_equal(bulk[name], batches[name], obj=name)


def test_a_bulk_load_into_a_store_that_holds_releases_gives_what_batches_give(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = dump.read_text().splitlines(keepends=True)
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    first.write_text("".join(lines[: len(lines) // 2]))
    second.write_text("".join(lines[len(lines) // 3 :]))  # a sixth of the lines again, and the releases they repeat
    finished = []
    original = store_bulk.finish
    monkeypatch.setattr(store_bulk, "finish", lambda con: (finished.append(True), original(con)))
    stores = {}
    for workers in ("1", "0"):  # the second input as a bulk load, then batch by batch in this process
        finished.clear()
        with Database(tmp_path / f"held-{workers}.duckdb") as db:
            monkeypatch.setenv("SCENEWATCH_PARSE_WORKERS", "0")
            ingest_paths(db, [first], batch_size=2_000)
            monkeypatch.setenv("SCENEWATCH_PARSE_WORKERS", workers)
            summary = ingest_paths(db, [second], batch_size=2_000)
            assert summary.present > 1_000 and finished_and_unique(db)
            assert bool(finished) == (workers == "1"), "only the ingest with a worker takes the bulk path"
            stores[workers] = state(db) | {"group_prior": db.query("SELECT * FROM group_prior ORDER BY ALL")}
    for name, frame in stores["1"].items():
        pd.testing.assert_frame_equal(frame, stores["0"][name], obj=name)


def test_a_second_ingest_into_a_bulk_loaded_store_writes_normally(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCENEWATCH_PARSE_WORKERS", "1")
    with Database(tmp_path / "twice.duckdb") as db:
        ingest_paths(db, [dump], batch_size=2_000)
        before = state(db)
        again = ingest_paths(db, [dump], batch_size=2_000, force=True)
        assert again.inserted == 0 and finished_and_unique(db)
        after = state(db)
    for name in ("releases", "sightings", "nukes", "daily_volume"):
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


CRASH = """
import os, sys
from scenewatch.ingest import write_batch
from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.store import Database
from datetime import datetime, timezone
t = datetime(2020, 8, 25, 12, tzinfo=timezone.utc)
db = Database(sys.argv[1])
with db.bulk_load():
    write_batch(db, [Announcement("Crash.Movie.2020.1080p.WEB.h264-GRP", t, section=None)], [], origin="a")
    write_batch(db, [Announcement("crash.movie.2020.1080p.web.h264-grp", t.replace(hour=9), section="X264-HD")],
                [NukeEvent("Crash.Movie.2020.1080p.WEB.h264-GRP", NukeAction.NUKE, "bad.ivtc", at=t.replace(hour=13))],
                origin="b")
    os._exit(0)  # gone before the end of the bulk load: no index, merge and nuke state pending
"""


def test_a_bulk_load_left_by_a_crash_is_finished_when_the_store_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "crashed.duckdb"
    subprocess.run([sys.executable, "-c", CRASH, str(path)], check=True)
    with Database(path) as db:
        assert finished_and_unique(db)
        row = db.query("SELECT name, pre_at, section, nuked FROM releases").iloc[0]
        assert row["name"] == "Crash.Movie.2020.1080p.WEB.h264-GRP" and row["section"] == "X264-HD"
        assert row["pre_at"].hour == 9 and bool(row["nuked"])
        assert db.query("SELECT day, section, releases FROM daily_volume").values.tolist() == [
            [pd.Timestamp("2020-08-25"), "X264-HD", 1]
        ]


def test_every_merged_column_has_a_rule_for_many_rows_at_once() -> None:
    from scenewatch.store import batch

    assert batch.MERGED_AGGREGATES.keys() == batch.MERGED_COLUMNS.keys()
