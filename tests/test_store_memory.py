"""DuckDB's memory cap: a working allowance plus room for the primary-key indexes, growing with the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scenewatch.records import Announcement
from scenewatch.store import Database, StoreError
from scenewatch.store.database import INDEX_BYTES_PER_ROW


def _setting_mib(db: Database) -> float:
    text = str(db.scalar("SELECT current_setting('memory_limit')"))
    number, unit = text.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024**2}[unit]


def test_the_cap_grows_with_the_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENEWATCH_MEMORY_LIMIT", "256MiB")
    with Database(tmp_path / "m.duckdb") as db:
        assert _setting_mib(db) == pytest.approx(256, abs=1)
        db.fit_memory(extra_rows=5_000_000)
        expected = 256 + 5_000_000 * INDEX_BYTES_PER_ROW / 2**20
        assert _setting_mib(db) == pytest.approx(expected, rel=0.01)
        # A write re-fits to the rows actually stored: back to the allowance plus a few rows' worth.
        start = datetime(2020, 1, 1, tzinfo=UTC)
        db.write([Announcement(f"Some.Title.{i}.2020.1080p.WEB.H264-GRP", start + timedelta(minutes=i))
                  for i in range(1000)], origin="test")  # fmt: skip
        assert _setting_mib(db) == pytest.approx(256, abs=1)
        assert db.count_releases() == 1000


def test_a_bad_allowance_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENEWATCH_MEMORY_LIMIT", "lots")
    with pytest.raises(StoreError, match="SCENEWATCH_MEMORY_LIMIT: 'lots'"):
        Database(tmp_path / "bad.duckdb")


def test_a_bulk_ingest_works_in_a_smaller_allowance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENEWATCH_MEMORY_LIMIT", raising=False)
    with Database(tmp_path / "b.duckdb") as db:
        assert _setting_mib(db) == pytest.approx(1000 / 1.048576, rel=0.01)  # the default allowance, 1GB
        with db.bulk_memory():
            assert _setting_mib(db) == pytest.approx(256 / 1.048576, rel=0.01)
        assert _setting_mib(db) == pytest.approx(1000 / 1.048576, rel=0.01)
    monkeypatch.setenv("SCENEWATCH_MEMORY_LIMIT", "2GiB")  # set by the user: kept
    with Database(tmp_path / "b.duckdb") as db, db.bulk_memory():
        assert _setting_mib(db) == pytest.approx(2048, abs=1)
