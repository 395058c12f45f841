"""The real nZEDb slice as the tests share it: one store, built once a session (see ``conftest.real_store``)."""

from __future__ import annotations

from pathlib import Path


class RealStore:
    """The whole real slice ingested once per test session by ``scenewatch ingest`` (the CLI, as a user would)."""

    def __init__(self, path: Path, ingest_output: str) -> None:
        self.path = path
        self.ingest_output = ingest_output

    def copy(self, folder: Path) -> Path:
        """A private writable copy of the store (for the commands that write)."""
        import shutil

        target = folder / "nzedb-copy.duckdb"
        shutil.copyfile(self.path, target)
        return target
