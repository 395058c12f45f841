"""The read API's response cache, over real HTTP: hits, single flight, and invalidation by every kind of write."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from scenewatch.records import Announcement
from tests.web_fixtures import TOKEN, LiveServer, build_store, start_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    folder = tmp_path_factory.mktemp("cache")
    running = start_server(build_store(folder, scale=0.05, end=datetime(2020, 9, 30).date()))
    yield running
    running.stop()


def test_repeated_answer_is_served_from_the_cache(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        params = {"by": "week", "split": "category"}
        first = client.get("/api/volume", params=params)
        second = client.get("/api/volume", params=params)
        other = client.get("/api/volume", params={"by": "month"})
    assert first.headers["x-cache"] == "miss" and second.headers["x-cache"] == "hit"
    assert second.json() == first.json() and second.headers["content-type"] == first.headers["content-type"]
    assert other.headers["x-cache"] == "miss" and other.json() != first.json()


def test_errors_and_exports_are_not_cached(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        for _ in range(2):
            bad = client.get("/api/volume", params={"by": "fortnight"})
            assert bad.status_code == 422 and bad.headers.get("x-cache") == "miss"
            export = client.get("/api/releases", params={"q": "@category tv", "format": "csv", "limit": 3})
            assert export.status_code == 200 and "x-cache" not in export.headers


def test_concurrent_identical_requests_are_computed_once(server: LiveServer) -> None:
    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            params = {"q": "@category movie 1080p", "limit": 20}
            return await asyncio.gather(*(client.get("/api/releases", params=params) for _ in range(20)))

    responses = asyncio.run(burst())
    assert all(r.status_code == 200 for r in responses)
    assert [r.headers["x-cache"] for r in responses].count("miss") == 1
    assert len({r.content for r in responses}) == 1


def test_a_registered_event_invalidates_cached_answers(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        before = client.get("/api/events")
        assert client.get("/api/events").headers["x-cache"] == "hit"
        event = {"name": "Cache test takedown", "day": "2020-09-15"}
        assert client.post("/api/events", json=event, headers=AUTH).status_code == 201
        after = client.get("/api/events")
    assert after.headers["x-cache"] == "miss"
    assert "Cache test takedown" in {e["name"] for e in after.json()} - {e["name"] for e in before.json()}


def test_an_upload_invalidates_cached_search_and_volume(server: LiveServer, tmp_path: Path) -> None:
    name = "Cache.Probe.2020.1080p.WEB.H264-CACHEGRP"
    with httpx.Client(base_url=server.url, timeout=60) as client:
        search = {"q": "@group CACHEGRP"}
        assert client.get("/api/releases", params=search).json()["items"] == []
        assert client.get("/api/releases", params=search).headers["x-cache"] == "hit"
        day = {"by": "day", "since": "2020-09-20", "until": "2020-09-20"}
        counted = sum(row["count"] for row in client.get("/api/volume", params=day).json())
        dump = tmp_path / "one.ndjson"
        dump.write_text(json.dumps({"name": name, "pretime": "2020-09-20T12:00:00Z", "section": "X264-HD"}) + "\n")
        with dump.open("rb") as fh:
            upload = client.post("/api/ingest/upload", files={"file": ("one.ndjson", fh)}, headers=AUTH)
        assert upload.status_code == 200, upload.text
        found = client.get("/api/releases", params=search)
        recounted = client.get("/api/volume", params=day)
    assert found.headers["x-cache"] == "miss" and [r["name"] for r in found.json()["items"]] == [name]
    assert sum(row["count"] for row in recounted.json()) == counted + 1


def test_live_writer_flushes_invalidate_cached_answers(tmp_path: Path) -> None:
    from scenewatch.store.writer import StoreWriter

    def make_writer(db):
        writer = StoreWriter(db, flush_events=1, flush_seconds=0.05)
        writer.start(["cache-feed"])
        return writer

    live = start_server(tmp_path / "writer.duckdb", writer_factory=make_writer)
    try:
        with httpx.Client(base_url=live.url) as client:
            assert client.get("/api/releases", params={"q": "LIVEGRP"}).json()["items"] == []
            assert client.get("/api/releases", params={"q": "LIVEGRP"}).headers["x-cache"] == "hit"
            writer = live.app.state.access.writer
            writer.put("cache-feed", Announcement("Live.Show.S01E02.720p.HDTV.x264-LIVEGRP",
                                                  datetime(2020, 12, 1, tzinfo=UTC), section="TV-HD"))  # fmt: skip
            assert writer.flush()
            after = client.get("/api/releases", params={"q": "LIVEGRP"})
        assert after.headers["x-cache"] == "miss" and len(after.json()["items"]) == 1
    finally:
        live.stop()


def test_time_ordered_pages_merge_releases_with_and_without_a_pre_time(tmp_path: Path) -> None:
    """Pages come from two top-N scans (with / without pre time): walked page by page, they give the global order."""
    from scenewatch.store import Database
    from scenewatch.web.search import AT

    start = datetime(2021, 3, 1, tzinfo=UTC)
    announcements = [
        Announcement(f"Merge.Probe.{i:03d}.2021.1080p.WEB.H264-MERGE", start + timedelta(hours=i // 3),
                     section="X264-HD", time_trusted=i % 4 != 0)  # every 4th has no trusted pre time; ties of 3
        for i in range(90)
    ]  # fmt: skip
    announcements.append(Announcement("Merge.Probe.Timeless.2021.1080p.WEB.H264-MERGE", None, section="X264-HD"))
    db_path = tmp_path / "merge.duckdb"
    with Database(db_path) as db:
        db.write(announcements, origin="merge-test")
        untimed = db.scalar("SELECT count(*) FROM releases WHERE pre_at IS NULL")
    assert untimed == 24  # 23 untrusted times and one announced without a time
    server = start_server(db_path)
    try:
        with httpx.Client(base_url=server.url) as client:
            for sort, direction in (("newest", "DESC"), ("oldest", "ASC")):
                seen: list[str] = []
                cursor = None
                while True:
                    params = {"q": "merge.probe", "sort": sort, "limit": 7, **({"cursor": cursor} if cursor else {})}
                    page = client.get("/api/releases", params=params).json()
                    seen += [item["name"] for item in page["items"]]
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                view = server.app.state.access.open_reader()
                try:
                    expected = [r[0] for r in view.con.execute(
                        f"SELECT name FROM releases ORDER BY {AT} {direction}, id {direction}").fetchall()]  # fmt: skip
                finally:
                    view.close()
                assert seen == expected, sort
    finally:
        server.stop()


class SlowCounter:
    """A real ASGI app behind the cache: each computed answer takes 0.3 s and is numbered."""

    def __init__(self) -> None:
        self.computed = 0
        self.generation = 0

    def cached(self, **options: float) -> httpx.AsyncClient:
        """A client of a Starlette app serving /api/volume through the ResponseCache (its generation is ours)."""
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        from scenewatch.web.cache import ResponseCache

        async def answer(request: object) -> JSONResponse:
            self.computed += 1
            number = self.computed
            await asyncio.sleep(0.3)
            return JSONResponse({"answer": number})

        app = Starlette(routes=[Route("/api/volume", answer)], middleware=[Middleware(ResponseCache, **options)])
        app.state.access = self
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cache.test")


def test_after_a_write_concurrent_requests_get_the_stale_answer_while_one_computes() -> None:
    backend = SlowCounter()

    async def scenario() -> None:
        async with backend.cached() as client:
            first = await client.get("/api/volume")
            assert first.headers["x-cache"] == "miss" and (await client.get("/api/volume")).headers["x-cache"] == "hit"
            backend.generation = 1  # a write
            computing = asyncio.create_task(client.get("/api/volume"))
            await asyncio.sleep(0.05)
            during = await asyncio.gather(*(client.get("/api/volume") for _ in range(5)))
            fresh_asked = await client.get("/api/volume", headers={"Cache-Control": "no-cache"})
            recomputed = await computing
            after = await client.get("/api/volume")
        assert recomputed.headers["x-cache"] == "miss" and recomputed.json() == {"answer": 2}
        assert {r.headers["x-cache"] for r in during} == {"stale"}
        assert all(r.json() == {"answer": 1} and "age" in r.headers for r in during)
        assert fresh_asked.json() == {"answer": 2}  # waited for the flight instead of taking the stale answer
        assert after.headers["x-cache"] == "hit" and after.json() == {"answer": 2}
        assert backend.computed == 2

    asyncio.run(scenario())


def test_a_stale_answer_older_than_stale_for_is_not_served() -> None:
    backend = SlowCounter()

    async def scenario() -> None:
        async with backend.cached(stale_for=0.0) as client:
            await client.get("/api/volume")
            backend.generation = 1
            computing = asyncio.create_task(client.get("/api/volume"))
            await asyncio.sleep(0.05)
            waited = await client.get("/api/volume")
            await computing
        assert waited.headers["x-cache"] == "hit" and waited.json() == {"answer": 2}

    asyncio.run(scenario())
