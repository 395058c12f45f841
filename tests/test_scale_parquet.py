"""Export of the whole store as partitioned Parquet and its idempotent import (`scenewatch ingest DIR`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenewatch.ingest import ingest_paths
from scenewatch.records import Announcement, Gap
from scenewatch.simulate import SimulationConfig, write
from scenewatch.store import SCHEMA_VERSION, Database, StoreError
from scenewatch.store.parquet import export_parquet, import_parquet, is_parquet_export, read_manifest
from tests.helpers import run_cli

TABLES = ("releases", "sightings", "nukes", "events", "gaps")


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of three simulated months plus a gap, an event and a release without pre time."""
    work = tmp_path_factory.mktemp("scale")
    dump = work / "sim.ndjson"
    write(SimulationConfig(start=date(2020, 7, 1), end=date(2020, 9, 30), scale=0.1, seed=7), dump)
    path = work / "source.duckdb"
    with Database(path) as db:
        ingest_paths(db, [dump])
        db.write([Announcement("Some.Untimed.Release-GRP", None, section="TV", time_trusted=False)])
        db.add_gap(Gap(source="feed-a", start=datetime(2020, 8, 1, tzinfo=UTC), end=datetime(2020, 8, 2, tzinfo=UTC),
                       reason=None))  # fmt: skip
        db.con.execute("INSERT INTO events VALUES ('raid', DATE '2020-08-26', 'planted', ['x', 'y'])")
    return path


def _rows(db: Database, table: str) -> list[tuple[object, ...]]:
    return db.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_export_layout_and_manifest(source_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with Database(source_db, read_only=True) as db:
        result = export_parquet(db, out)
        counts = {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}
    assert result.rows == counts
    manifest = read_manifest(out)
    assert manifest is not None and is_parquet_export(out)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert {t: manifest["tables"][t]["rows"] for t in TABLES} == counts
    months = sorted(p.name for p in (out / "releases" / "pre_year=2020").iterdir())
    assert months == ["pre_month=7", "pre_month=8", "pre_month=9"]
    # The untimed release lands in the NULL partition.
    assert [p for p in (out / "releases").iterdir() if "2020" not in p.name]
    for table in TABLES[1:]:
        assert (out / table / f"{table}.parquet").is_file()


def test_round_trip_is_identical_and_idempotent(source_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with Database(source_db, read_only=True) as db:
        export_parquet(db, out)
        expected = {t: _rows(db, t) for t in TABLES}
    with Database(tmp_path / "copy.duckdb") as copy:
        first = ingest_paths(copy, [out])
        assert first.inserted == len(expected["releases"]) and first.present == 0
        assert {t: _rows(copy, t) for t in TABLES} == expected
        again = ingest_paths(copy, [out])
        assert again.inserted == 0 and again.sightings == 0 and again.nukes == 0
        assert again.present == len(expected["releases"])
        result = import_parquet(copy, out)
        assert all(n == 0 for n in result.added.values())
        assert {t: _rows(copy, t) for t in TABLES} == expected


def test_import_merges_with_existing_rows(source_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with Database(source_db, read_only=True) as db:
        export_parquet(db, out)
        name, pre_at = db.con.execute("SELECT name, pre_at FROM releases WHERE pre_at IS NOT NULL LIMIT 1").fetchone()
        total = db.count_releases()
    with Database(tmp_path / "other.duckdb") as other:
        # The same release seen later elsewhere, and one release the export does not have.
        other.write([Announcement(name, datetime(2030, 1, 1, tzinfo=UTC)), Announcement("Only.Here-GRP", None)])
        import_parquet(other, out)
        assert other.count_releases() == total + 1
        assert other.scalar("SELECT pre_at FROM releases WHERE name = ?", [name]) == pre_at  # earliest wins


def test_export_refuses_foreign_folder_and_replaces_old_export(source_db: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with Database(source_db, read_only=True) as db:
        with pytest.raises(StoreError, match="not empty"):
            export_parquet(db, foreign)
        out = tmp_path / "export"
        export_parquet(db, out)
        second = export_parquet(db, out)
    assert second.rows["releases"] == read_manifest(out)["tables"]["releases"]["rows"]  # type: ignore[index]


def test_import_refuses_newer_schema_and_bad_counts(source_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with Database(source_db, read_only=True) as db:
        export_parquet(db, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["tables"]["nukes"]["rows"] += 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    with Database() as db:
        with pytest.raises(StoreError, match="nukes has"):
            import_parquet(db, out)
        assert db.count_releases() == 0  # one transaction: nothing landed
        manifest["schema_version"] = SCHEMA_VERSION + 1
        (out / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(StoreError, match="newer"):
            import_parquet(db, out)
        with pytest.raises(StoreError, match="not a scenewatch"):
            import_parquet(db, tmp_path)


def test_cli_export_then_ingest(source_db: Path, tmp_path: Path) -> None:
    from scenewatch.cli import app
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export", "--parquet", str(out), "--db", str(source_db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"]["releases"] > 1000
    target = tmp_path / "target.duckdb"
    done = run_cli("ingest", str(out), "--db", str(target), "-q")
    assert done.returncode == 0, done.stderr
    assert "inserted" in done.stdout
    with Database(source_db, read_only=True) as a, Database(target, read_only=True) as b:
        assert _rows(a, "releases") == _rows(b, "releases")
