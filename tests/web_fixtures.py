"""Fixtures for the web tests: a small simulated store and a real uvicorn server on 127.0.0.1 (port 0)."""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

RAID_DAY = date(2020, 8, 25)
OUTAGE_DAY = date(2020, 7, 15)
TOKEN = "test-token-0123456789"


def build_store(folder: Path, *, scale: float = 0.2, start: date = date(2020, 6, 1), end: date = date(2020, 11, 30),
                seed: int = 11) -> Path:
    """Simulate ``start``..``end`` with the SPARKS raid and a feed outage, ingest it, register the event and gap."""
    from scenewatch.ingest import ingest_paths
    from scenewatch.records import Gap
    from scenewatch.simulate import PlantedEvent, SimulationConfig, write
    from scenewatch.store import Database

    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / "sim.ndjson.gz"
    config = SimulationConfig(
        start=start, end=end, seed=seed, scale=scale, n_groups=150,
        events=(PlantedEvent(day=RAID_DAY, kind="raid"), PlantedEvent.parse(f"{OUTAGE_DAY}:outage:36h")),
    )  # fmt: skip
    write(config, dump)
    db_path = folder / "web.duckdb"
    with Database(db_path) as db:
        ingest_paths(db, [dump])
        db.con.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            ["SPARKS raid", RAID_DAY, "Operation Sparks: arrests and server seizures", ["https://www.justice.gov/"]],
        )
        db.add_gap(Gap("simulated-feed", datetime(2020, 7, 15, tzinfo=UTC), datetime(2020, 7, 16, 12, tzinfo=UTC),
                       "planted outage"))  # fmt: skip
    return db_path


@dataclass
class LiveServer:
    """A running server: its base URL, the app and the Database it owns."""

    url: str
    app: Any
    db: Any
    server: Any
    thread: threading.Thread

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join()
        writer = self.app.state.access.writer
        if writer is not None:
            writer.stop()
        self.app.state.access.close()
        self.db.close()


def start_server(
    db_path: Path, token: str | None = TOKEN, *, writer_factory: Any = None, read_only: bool = False,
    **app_options: Any,
) -> LiveServer:
    """Open the store in this process (read-write unless ``read_only``) and serve it with uvicorn on 127.0.0.1,
    port 0, in a thread.

    ``writer_factory(db)`` may return a started StoreWriter that then owns the writes (the live-ingest set-up);
    ``app_options`` go to ``create_app`` (``cache``, ``max_queries``).
    """
    import uvicorn

    from scenewatch.store import Database
    from scenewatch.web import create_app

    db = Database(db_path, read_only=read_only)
    writer = writer_factory(db) if writer_factory else None
    app = create_app(db, token=token, writer=writer, **app_options)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio", lifespan="off")
    server = uvicorn.Server(config)
    ready = threading.Event()

    async def serve_and_signal() -> None:
        import asyncio

        task = asyncio.ensure_future(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        ready.set()
        await task

    def run() -> None:
        import asyncio

        try:
            asyncio.run(serve_and_signal())
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    ready.wait()
    if not server.started:
        db.close()
        raise RuntimeError("the test server did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveServer(f"http://127.0.0.1:{port}", app, db, server, thread)


_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated store file, built once per test process (every web test module shares it)."""
    with _SHARED_LOCK:
        if "store" not in _SHARED:
            _SHARED["store"] = build_store(tmp_path_factory.mktemp("web-store"))
        return _SHARED["store"]  # type: ignore[no-any-return]


def shared_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """One server over the shared store for the whole process (writes enabled with TOKEN); stopped at exit."""
    store = shared_store(tmp_path_factory)
    with _SHARED_LOCK:
        if "server" not in _SHARED:
            server = start_server(store)
            _SHARED["server"] = server
            atexit.register(server.stop)
        return _SHARED["server"]  # type: ignore[no-any-return]
