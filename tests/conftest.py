"""Shared fixtures: temporary databases, the real nZEDb slice when present, the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from real_data import RealStore

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


@pytest.fixture(scope="session")
def real_store(nzedb_dumps: Path, tmp_path_factory: pytest.TempPathFactory) -> RealStore:
    """The real nZEDb slice in a store built by the CLI's ``ingest``; tests open it read-only (or copy it).

    While working on the tests, ``SCENEWATCH_REAL_STORE=PATH`` reuses a store built earlier by this fixture (its
    ``PATH.ingest.txt`` holds what the ingest printed); CI always builds it afresh.
    """
    import os

    from typer.testing import CliRunner

    from scenewatch.cli import app

    reused = os.environ.get("SCENEWATCH_REAL_STORE")
    if reused and Path(f"{reused}.ingest.txt").is_file():
        return RealStore(Path(reused), Path(f"{reused}.ingest.txt").read_text())
    path = tmp_path_factory.mktemp("real-store") / "nzedb.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(nzedb_dumps), "--db", str(path), "--quiet"])
    assert result.exit_code == 0, (result.output, result.exception)
    Path(f"{path}.ingest.txt").write_text(result.stdout)
    return RealStore(path, result.stdout)
