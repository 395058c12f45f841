"""Shared fixtures: temporary databases, the real nZEDb slice when present, the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
NZEDB_DUMPS = SHARED_DATA / "predb-nzedb" / "dumps"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database file."""
    return tmp_path / "store.duckdb"


@pytest.fixture(scope="session")
def nzedb_dumps() -> Path:
    """The real nZEDb slice (754 daily dumps), or skip when this checkout has no ../shared."""
    if not NZEDB_DUMPS.is_dir():
        pytest.skip(f"real data not present at {NZEDB_DUMPS}")
    return NZEDB_DUMPS
