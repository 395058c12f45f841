"""Batches are committed several at a time; what was written before a failing input still lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenewatch.ingest import ingest_paths
from scenewatch.sources import SourceError
from scenewatch.store import Database


def _rows(count: int, start: int = 0) -> list[str]:
    return [
        json.dumps({"name": f"Some.Show.S01E{i:04d}.720p.WEB.h264-GRP", "pre_at": 1597831200 + i, "section": "TV"})
        for i in range(start, start + count)
    ]


def test_an_input_failing_midway_keeps_the_batches_before_it(tmp_path: Path) -> None:
    path = tmp_path / "d.ndjson"
    # 350 good records, then a row without any name column: the input fails there (as it always has).
    path.write_text("\n".join([*_rows(350), json.dumps({"pre_at": 1597831200, "section": "TV"}), *_rows(10, 400)]))
    with Database(tmp_path / "s.duckdb") as db:
        with pytest.raises(SourceError, match="no release-name column"):
            ingest_paths(db, [path], batch_size=100)
        progress = db.progress(str(path.resolve()))
        assert progress is not None and progress.records_done == 300 and not progress.complete
        assert db.count_releases() == 300
        # Run again: it resumes after the committed records and fails at the same line.
        with pytest.raises(SourceError):
            ingest_paths(db, [path], batch_size=100)
        assert db.count_releases() == 300


def test_small_batches_are_committed_together_and_resume_alike(tmp_path: Path) -> None:
    path = tmp_path / "d.ndjson"
    path.write_text("\n".join(_rows(1234)) + "\n")
    with Database(tmp_path / "a.duckdb") as db:
        summary = ingest_paths(db, [path], batch_size=100)
        assert summary.inserted == 1234 and db.progress(str(path.resolve())).complete
        again = ingest_paths(db, [path], batch_size=100, force=True)
        assert again.read == 1234 and again.inserted == 0 and again.sightings == 0


def test_the_progress_of_several_inputs_is_noted_at_once_the_last_of_each_winning(tmp_path: Path) -> None:
    from scenewatch.store import Progress

    with Database(tmp_path / "p.duckdb") as db:
        db.write_prepared(None, None, [Progress("a", "fa", 5, False), Progress("b", "fb", 7, True)])
        # One write: an input given twice (its last progress is what a statement each would leave), one new, one
        # already stored.
        db.write_prepared(
            None, None, [Progress("a", "fa", 9, False), Progress("c", "fc", 1, False), Progress("a", "fa2", 12, True)]
        )
        assert db.progress("a") == Progress("a", "fa2", 12, True)
        assert db.progress("b") == Progress("b", "fb", 7, True)
        assert db.progress("c") == Progress("c", "fc", 1, False)
        times = "SELECT count(*), count(DISTINCT updated_at) FILTER (WHERE origin <> 'b') FROM ingest_progress"
        assert db.con.execute(times).fetchone() == (3, 1)  # one write, one time (its transaction's)
