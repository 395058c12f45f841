"""Schema 9: a store of schema 8 keeps every release, loses the releases' index (its primary key, or the unique
index a bulk load built), and ends with the columns a new store has."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from scenewatch.ingest import write_batch
from scenewatch.records import Announcement
from scenewatch.store import Database, release_key
from scenewatch.store.schema import MIGRATIONS, SCHEMA_VERSION

ROWS = """
INSERT INTO releases (id, name, pre_at, section, scene, language, flags, grp, category, parser_version, nuked)
VALUES ({old_movie}, 'Old.Movie.2019.1080p.BluRay.x264-SPARKS', TIMESTAMP '2019-05-01 10:00:00', 'X264-HD',
        true, ['english'], ['proper'], 'SPARKS', 'movie', 7, true),
       ({old_show}, 'old.show.s01e01.720p.hdtv.x264-lol', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, false)
"""


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, bool]]:
    return con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = 'releases' "
        "ORDER BY column_index"
    ).fetchall()


@pytest.mark.parametrize("index", ["primary key", "bulk-built unique index"])
def test_a_schema_8_store_keeps_its_releases_and_loses_the_index(
    tmp_path: Path, index: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v8.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    for number, sql in enumerate(MIGRATIONS[:8], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [number])
    if index != "primary key":  # what a bulk load of schema 8 left: no key, a unique index instead
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'releases'").fetchall()[0][0]
        con.execute("DROP TABLE releases")
        con.execute(ddl.replace("id UBIGINT PRIMARY KEY", "id UBIGINT"))
        con.execute("CREATE UNIQUE INDEX releases_id ON releases (id)")
    con.execute(ROWS.format(old_movie=release_key("Old.Movie.2019.1080p.BluRay.x264-SPARKS"),
                            old_show=release_key("old.show.s01e01.720p.hdtv.x264-lol")))  # fmt: skip
    before = sorted(con.execute("SELECT * FROM releases").fetchall(), key=repr)
    con.close()
    with caplog.at_level(logging.WARNING, logger="scenewatch.store"), Database(path) as db:
        # The upgrade says so, naming the store: copying a large table takes a while, and silence looks hung.
        upgrading = f"{path}: upgrading from schema 8 to 9 (once; a large store takes a while)"
        assert [r.getMessage() for r in caplog.records] == [upgrading]
        assert db.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION == len(MIGRATIONS) == 9
        assert db.scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'releases'") == 0
        assert db.scalar(
            "SELECT count(*) FROM duckdb_constraints() "
            "WHERE table_name = 'releases' AND constraint_type = 'PRIMARY KEY'"
        ) == 0  # fmt: skip
        assert sorted(db.con.execute("SELECT * FROM releases").fetchall(), key=repr) == before
        migrated = _columns(db.con)
        # Written to after the migration: a release seen again merges into its stored row, a new one gets nuked=false.
        at = datetime(2019, 4, 30, 9, tzinfo=UTC)
        write_batch(db, [Announcement("Old.Movie.2019.1080p.BluRay.x264-SPARKS", at, section="MOVIE"),
                         Announcement("New.Movie.2020.1080p.WEB.h264-GRP", at)], [], origin="after")  # fmt: skip
        rows = db.con.execute("SELECT name, pre_at, section, nuked FROM releases ORDER BY name").fetchall()
        assert rows == [
            ("New.Movie.2020.1080p.WEB.h264-GRP", datetime(2019, 4, 30, 9), None, False),
            ("Old.Movie.2019.1080p.BluRay.x264-SPARKS", datetime(2019, 4, 30, 9), "X264-HD", True),
            ("old.show.s01e01.720p.hdtv.x264-lol", None, None, False),
        ]
    caplog.clear()
    with Database(tmp_path / "new.duckdb") as fresh:
        assert _columns(fresh.con) == migrated
    assert not caplog.records  # a new store is created, not upgraded
