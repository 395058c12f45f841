"""A running listener's per-source state in a file beside its database, for `scenewatch sources`.

While `scenewatch listen` runs, its process owns the DuckDB file and no other process may open it, so the listener
writes what each source is doing to ``<db>.sources.json`` once a second (write to a temp file, then rename, so a
reader never sees half a file) and removes it when it stops. A reader trusts the file only while the process that
wrote it is alive and the file is fresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FRESH_SECONDS = 15.0


def status_path(db_path: str | Path) -> Path:
    """Where the listener of ``db_path`` writes its sources' state."""
    return Path(f"{db_path}.sources.json")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class StatusFile:
    """Write ``status()`` (a list of per-source dicts) to the status file every ``interval`` seconds."""

    def __init__(self, path: Path, status: Any, interval: float = 1.0) -> None:
        self.path = path
        self.status = status
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def write(self) -> None:
        """Write the state now (atomically)."""
        body = {"pid": os.getpid(), "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sources": _jsonable(self.status())}  # fmt: skip
        temp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(body, indent=1), "utf-8")
        os.replace(temp, self.path)

    def start(self) -> None:
        """Write once, then every ``interval`` seconds in a daemon thread."""
        self.write()
        self._thread = threading.Thread(target=self._run, name="scenewatch-status", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                self.write()

    def stop(self) -> None:
        """Stop writing and remove the file (the listener is gone)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with contextlib.suppress(OSError):
            self.path.unlink()


def read_status(db_path: str | Path) -> dict[str, Any] | None:
    """The state written by a listener still running on ``db_path`` (None when none is)."""
    path = status_path(db_path)
    try:
        body = json.loads(path.read_text("utf-8"))
        pid = int(body["pid"])
        updated = datetime.fromisoformat(body["updated_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    if time.time() - updated.timestamp() > FRESH_SECONDS:
        return None
    return body
