"""After a parser upgrade, `reparse` refreshes exactly the stale rows."""

from __future__ import annotations

import json
from pathlib import Path

from scenewatch.ingest import ingest_paths
from scenewatch.reparse import parser_version, reparse, stale_count
from scenewatch.store import Database
from tests.helpers import run_cli


def test_reparse_only_stale_rows(tmp_path: Path) -> None:
    dump = tmp_path / "d.ndjson"
    names = ["Some.Movie.2020.1080p.BluRay.x264-GRP", "Show.S01E02.720p.WEB.h264-GRP", "Game_Title_NSW-VENOM"]
    dump.write_text("".join(json.dumps({"name": n, "pre_at": 1597831200 + i}) + "\n" for i, n in enumerate(names)))
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [dump])
        assert stale_count(db) == 0
        assert reparse(db) == 0
        # Simulate rows written by an older parser: wrong fields, another version.
        db.con.execute("UPDATE releases SET parser_version = 1, resolution = NULL, category = 'other'").fetchall()
        assert stale_count(db) == 3
        assert reparse(db, batch_size=2) == 3
        assert stale_count(db) == 0
        rows = dict(db.con.execute("SELECT name, resolution FROM releases").fetchall())
        versions = {v for (v,) in db.con.execute("SELECT DISTINCT parser_version FROM releases").fetchall()}
    assert rows["Some.Movie.2020.1080p.BluRay.x264-GRP"] == "1080p"
    assert versions == {parser_version()}
    result = run_cli("reparse", "--db", str(tmp_path / "s.duckdb"), "--force", "-q")
    assert result.returncode == 0 and "re-parsed 3 releases" in result.stdout
