"""Idempotency and crash safety: ingesting twice adds nothing; SIGKILL at any point loses nothing."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from scenewatch.ingest import ingest_paths
from scenewatch.simulate import SimulationConfig, write
from scenewatch.store import Database


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 80,000 simulated announcements (releases and nuke events), gzip NDJSON."""
    path = tmp_path_factory.mktemp("dump") / "sim.ndjson.gz"
    write(SimulationConfig(start=date(2020, 8, 1), end=date(2020, 9, 30), scale=1.0, seed=7), path)
    return path


def _state(db: Database) -> dict[str, object]:
    """Everything that must be identical however the ingest got there."""
    return {
        "releases": db.query("SELECT count(*) AS n, count(DISTINCT lower(name)) AS d FROM releases").iloc[0].tolist(),
        "content": db.scalar("SELECT bit_xor(hash(lower(name), pre_at, section, grp, category)) FROM releases"),
        "sightings": db.scalar("SELECT count(*) FROM sightings"),
        "nukes": db.scalar("SELECT count(*) FROM nukes"),
        "nuke_content": db.scalar("SELECT bit_xor(hash(name, action, reason, nuked_at)) FROM nukes"),
    }


@pytest.fixture(scope="module")
def clean_state(dump: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The state after one uninterrupted ingest."""
    with Database(tmp_path_factory.mktemp("clean") / "clean.duckdb") as db:
        summary = ingest_paths(db, [dump])
        assert summary.rejected == 0 and summary.inserted > 50_000
        return _state(db)


def test_second_ingest_adds_nothing(dump: Path, tmp_path: Path, clean_state: dict[str, object]) -> None:
    with Database(tmp_path / "s.duckdb") as db:
        first = ingest_paths(db, [dump])
        skipped = ingest_paths(db, [dump])
        forced = ingest_paths(db, [dump], force=True)
        assert first.inserted > 0
        assert skipped.files_skipped == 1 and skipped.read == 0
        assert forced.read == first.read and forced.inserted == 0 and forced.nukes == 0 and forced.sightings == 0
        assert _state(db) == clean_state


def test_same_releases_in_other_files_cases_and_feeds(tmp_path: Path) -> None:
    first = tmp_path / "a.ndjson"
    second = tmp_path / "b.ndjson"
    first.write_text(
        json.dumps({"name": "Some.Movie.2020.1080p.BluRay.x264-GRP", "pre_at": 1597831300, "feed": "xrel"}) + "\n"
    )
    second.write_text(
        json.dumps({"name": "some.movie.2020.1080p.bluray.x264-grp", "pre_at": 1597831200, "feed": "irc"})
        + "\n"
        + json.dumps({"name": "SOME.MOVIE.2020.1080P.BLURAY.X264-GRP", "pre_at": 1597831250, "feed": "irc"})
        + "\n"
    )
    with Database(tmp_path / "s.duckdb") as db:
        assert ingest_paths(db, [first]).inserted == 1
        summary = ingest_paths(db, [second])
        assert (summary.inserted, summary.present) == (0, 2)
        rows = db.con.execute("SELECT name, epoch(pre_at) FROM releases").fetchall()
        assert rows == [("Some.Movie.2020.1080p.BluRay.x264-GRP", 1597831200)]  # earliest time wins, first name kept
        assert db.scalar("SELECT count(*) FROM sightings") == 3


def _ingest_process(dump: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "scenewatch", "ingest", str(dump), "--db", str(db), "--batch-size", "1500", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_after(dump: Path, db_path: Path, delay: float) -> None:
    import psutil

    process = _ingest_process(dump, db_path)
    time.sleep(delay)
    children = []
    if process.poll() is None:
        try:
            children = psutil.Process(process.pid).children(recursive=True)  # the parse worker, once started
        except psutil.NoSuchProcess:
            pass
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    # The parse worker notices its parent is gone and leaves instead of idling forever.
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"orphaned workers after SIGKILL: {[p.pid for p in alive]}"


def test_sigkill_at_any_point_then_resume(dump: Path, tmp_path: Path, clean_state: dict[str, object]) -> None:
    db_path = tmp_path / "killed.duckdb"
    # Kill at several moments: during start-up, mid-batch and mid-commit are all likely among them.
    for delay in (0.4, 1.1, 1.9, 2.6, 3.3):
        _kill_after(dump, db_path, delay)
    # On a slow machine all of those may come before the first commit: wait longer until one has landed.
    delay = 4.0
    while True:
        with Database(db_path) as db:
            progress = db.progress(str(dump.resolve()))
        if progress is not None or delay > 60:
            break
        _kill_after(dump, db_path, delay)
        delay *= 1.5
    assert progress is not None and progress.records_done > 0, "no batch was committed before the kills"
    with Database(db_path) as db:
        resumed = ingest_paths(db, [dump])
        # The resumed run reads only what was not committed, and the result equals a clean ingest.
        if not progress.complete:
            assert 0 < resumed.read < sum(1 for _ in gzip.open(dump, "rt"))
        assert _state(db) == clean_state
