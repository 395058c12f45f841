"""Admission control: a few API reads at a time, the rest queued in arrival order, never a starved thread pool."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from scenewatch.web.admission import Admission, is_api_read
from tests.web_fixtures import LiveServer, build_store, start_server


def _scope(path: str, query: bytes = b"", method: str = "GET", kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "method": method, "path": path, "query_string": query, "headers": []}


class _Recorder:
    """An ASGI app that holds each request until released and records how many run at once, and in what order."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.append(scope["query_string"].decode())
        await self.release.wait()
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def _send_all(app: Any, scopes: list[dict[str, Any]]) -> list[int]:
    statuses: list[int] = []

    async def one(scope: dict[str, Any]) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    tasks = []
    for scope in scopes:
        tasks.append(asyncio.ensure_future(one(scope)))
        await asyncio.sleep(0)  # arrival order = list order
    await asyncio.gather(*tasks)
    return statuses


def test_at_most_max_queries_run_and_the_rest_start_in_arrival_order() -> None:
    async def scenario() -> tuple[_Recorder, list[int], int]:
        inner = _Recorder()
        app = Admission(inner, max_queries=3)
        scopes = [_scope("/api/volume", f"n={i}".encode()) for i in range(12)]
        task = asyncio.ensure_future(_send_all(app, scopes))
        for _ in range(20):
            await asyncio.sleep(0)
        held = inner.running
        inner.release.set()
        return inner, await task, held

    inner, statuses, held = asyncio.run(scenario())
    assert held == 3 and inner.most == 3
    assert statuses == [200] * 12
    assert inner.started == [f"n={i}" for i in range(12)]


def test_exports_pages_writes_and_the_websocket_are_not_queued() -> None:
    assert is_api_read(_scope("/api/releases", b"q=x"))
    for scope in (
        _scope("/api/releases", b"q=x&format=csv"), _scope("/api/releases", b"format=parquet"), _scope("/"),
        _scope("/events"), _scope("/api/ingest", method="POST"), _scope("/api/live", kind="websocket"),
    ):  # fmt: skip
        assert not is_api_read(scope), scope

    async def scenario() -> int:
        inner = _Recorder()
        app = Admission(inner, max_queries=1)
        scopes = [_scope("/api/releases", b"format=ndjson") for _ in range(5)]
        task = asyncio.ensure_future(_send_all(app, scopes))
        for _ in range(20):
            await asyncio.sleep(0)
        running = inner.running
        inner.release.set()
        await task
        return running

    assert asyncio.run(scenario()) == 5


@pytest.fixture(scope="module")
def one_slot_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    folder = tmp_path_factory.mktemp("admission")
    running = start_server(build_store(folder, scale=0.05, end=date(2020, 9, 30)), cache=False, max_queries=1)
    yield running
    running.stop()


def test_many_concurrent_requests_through_one_slot_all_answer(one_slot_server: LiveServer) -> None:
    """More concurrent requests than the server's worker threads (40), one slot: every one answers.

    Waiting for a slot in a worker thread would deadlock here: the waiting threads hold the pool the admitted
    request needs for its endpoint.
    """
    paths = [("/api/volume", {"by": "week", "since": f"2020-07-{d:02d}"}) for d in range(1, 29)]
    paths += [("/api/releases", {"q": word}) for word in ("1080p", "x264", "@category tv", "web", "S01E01")] * 6
    paths += [("/api/groups", {"limit": 5})] * 10

    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=one_slot_server.url, timeout=120) as client:
            return await asyncio.gather(*(client.get(path, params=params) for path, params in paths))

    responses = asyncio.run(fire())
    assert len(responses) == 68
    assert [r.status_code for r in responses] == [200] * 68
    assert all(r.headers.get("x-cache") is None for r in responses)  # no cache: each one was computed
