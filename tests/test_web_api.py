"""The REST API over real HTTP: search, pagination, exports, analyses, validation, auth, injection, live feed."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pyarrow.parquet as pq
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from scenewatch.analysis import volume
from scenewatch.store import Database
from scenewatch.web.access import CursorView
from tests.web_fixtures import RAID_DAY, TOKEN, LiveServer, shared_server, start_server

INJECTION = "'; DROP TABLE releases; --"
INJECTIONS = [
    INJECTION, '" OR 1=1 --', "x' UNION SELECT name FROM events --", "%_\\", "@group '; DELETE FROM nukes; --",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> httpx.Client:
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        yield c


def direct(server: LiveServer, sql: str, params: list | None = None) -> list[tuple]:
    """Ask the store directly (a cursor on the server's own connection) for the truth."""
    view = CursorView(server.db)
    try:
        return view.con.execute(sql, params or []).fetchall()
    finally:
        view.close()


def table_state(server: LiveServer) -> tuple:
    tables = sorted(r[0] for r in direct(server, "SELECT table_name FROM information_schema.tables"))
    names = ("releases", "nukes", "sightings", "gaps")
    counts = tuple(direct(server, f"SELECT count(*) FROM {t}")[0][0] for t in names)
    return tuple(tables), counts


# -- search ----------------------------------------------------------------------------------------
def test_search_group_filter_matches_store(client: httpx.Client, live_server: LiveServer) -> None:
    page = client.get("/api/releases", params={"q": "@group SPARKS", "limit": 1000}).json()
    expected = direct(live_server, "SELECT count(*) FROM releases WHERE lower(grp) = 'sparks'")[0][0]
    assert expected > 0
    assert {item["group"].lower() for item in page["items"]} == {"sparks"}
    assert len(page["items"]) == min(expected, 1000)
    # SPARKS was raided: nothing after the raid day in the simulated store.
    assert max(item["pre_at"] for item in page["items"]) < RAID_DAY.isoformat() + "T00:00:00"


def test_search_words_exclusions_and_dates(client: httpx.Client) -> None:
    items = client.get("/api/releases", params={"q": "1080p -x264 @since 2020-08-01 @until 2020-08-31",
                                                "limit": 500}).json()["items"]  # fmt: skip
    assert items
    for item in items:
        assert "1080p" in item["name"].lower() and "x264" not in item["name"].lower()
        assert "2020-08-01" <= item["pre_at"][:10] <= "2020-08-31"


def test_search_field_filters(client: httpx.Client) -> None:
    for q, field, value in [("@section X264-HD", "section", "x264-hd"), ("@category game", "category", "game"),
                            ("@year 2020", "year", 2020)]:  # fmt: skip
        items = client.get("/api/releases", params={"q": q, "limit": 200}).json()["items"]
        assert items, q
        got = {(i[field].lower() if isinstance(i[field], str) else i[field]) for i in items}
        assert got == {value}, q


def test_search_nuked_filter(client: httpx.Client) -> None:
    items = client.get("/api/releases", params={"q": "@nuked", "limit": 20}).json()["items"]
    assert items
    for item in items[:5]:
        detail = client.get(f"/api/releases/{item['name']}").json()
        assert detail["nuked"] is True and detail["nukes"][-1]["action"] in ("nuke", "modnuke")


def test_cursor_pagination_walks_every_row_once(client: httpx.Client, live_server: LiveServer) -> None:
    for sort in ("newest", "oldest", "name", "-name"):
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params = {"q": "@group SPARKS @since 2020-08-01", "sort": sort, "limit": 37}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/releases", params=params).json()
            seen += [i["id"] for i in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
        expected = direct(live_server, "SELECT count(*) FROM releases WHERE lower(grp) = 'sparks' "
                                       "AND pre_at >= '2020-08-01'")[0][0]  # fmt: skip
        assert len(seen) == len(set(seen)) == expected, sort
        assert pages > 1


def test_exports_stream_every_match(client: httpx.Client, live_server: LiveServer) -> None:
    expected = direct(live_server, "SELECT count(*) FROM releases WHERE lower(grp) = 'sparks'")[0][0]
    csv_text = client.get("/api/releases", params={"q": "@group SPARKS", "format": "csv"}).text
    assert len(csv_text.strip().splitlines()) == expected + 1
    nd = client.get("/api/releases", params={"q": "@group SPARKS", "format": "ndjson"})
    assert nd.headers["content-type"].startswith("application/x-ndjson")
    assert len([json.loads(line) for line in nd.text.splitlines()]) == expected
    pq_bytes = client.get("/api/releases", params={"q": "@group SPARKS", "format": "parquet"}).content
    assert pq.read_table(io.BytesIO(pq_bytes)).num_rows == expected
    everything = client.get("/api/releases", params={"format": "ndjson"})
    total = direct(live_server, "SELECT count(*) FROM releases")[0][0]
    assert sum(1 for _ in everything.text.splitlines()) == total > 1000  # no hard cap on exports


def test_release_detail_and_404(client: httpx.Client) -> None:
    name = client.get("/api/releases", params={"q": "@nuked", "limit": 1}).json()["items"][0]["name"]
    detail = client.get(f"/api/releases/{name.upper()}").json()  # names are case-insensitive
    assert detail["name"] == name and detail["sightings"] and detail["nukes"]
    assert {"title", "resolution", "group", "category", "language", "flags"} <= detail.keys()
    missing = client.get("/api/releases/No.Such.Release-NOBODY")
    assert missing.status_code == 404


# -- analyses --------------------------------------------------------------------------------------
def test_volume_agrees_with_analysis(client: httpx.Client, live_server: LiveServer) -> None:
    params = {"by": "week", "split": "category", "since": "2020-07-01", "until": "2020-09-30"}
    got = client.get("/api/volume", params=params).json()
    view = CursorView(live_server.db)
    try:
        frame = volume(view, "week", "category", since=RAID_DAY.replace(month=7, day=1),
                       until=RAID_DAY.replace(month=9, day=30))  # fmt: skip
    finally:
        view.close()
    assert len(got) == len(frame)
    assert sum(r["count"] for r in got) == int(frame["count"].sum())


def test_groups_group_nukes_gaps_events(client: httpx.Client) -> None:
    groups = client.get("/api/groups", params={"sort": "dormancy", "min_releases": 20}).json()
    assert groups and {"group", "releases", "first_pre", "last_pre", "dormancy"} <= groups[0].keys()
    dormancy = {g["group"]: g["dormancy"] for g in groups}
    assert dormancy["SPARKS"] > 10  # silent since the raid
    group = client.get("/api/groups/sparks").json()
    assert group["group"] == "SPARKS" and group["timeline"] and group["by_section"]
    assert client.get("/api/groups/NOBODY-AT-ALL").status_code == 404
    nukes = client.get("/api/nukes", params={"action": "nuke", "limit": 5}).json()
    assert len(nukes) == 5 and {n["action"] for n in nukes} == {"nuke"}
    assert client.get("/api/gaps").json()[0]["reason"] == "planted outage"
    assert any(e["name"] == "SPARKS raid" for e in client.get("/api/events").json())
    silent = client.get("/api/silent-groups", params={"event": RAID_DAY.isoformat()}).json()
    assert "SPARKS" in {g["group"] for g in silent}


# -- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [
        ("/api/volume", {"by": "year"}, "by"),
        ("/api/volume", {"since": "2020-02-30"}, "since"),
        ("/api/volume", {"since": "2020-09-01", "until": "2020-08-01"}, "until"),
        ("/api/releases", {"limit": 0}, "limit"),
        ("/api/releases", {"limit": 10**10}, "limit"),
        ("/api/volume", {"since": "1989-12-31"}, "since"),
        ("/api/volume", {"until": "0"}, "until"),
        ("/api/silent-groups", {"event": "2020-01-01T00:00:00"}, "event"),
        ("/api/releases", {"format": "xml"}, "format"),
        ("/api/releases", {"sort": "size; DROP"}, "sort"),
        ("/api/releases", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/releases", {"q": "@bogus 1"}, "unknown field"),
        ("/api/releases", {"q": "@year twenty"}, "@year"),
        ("/api/releases", {"q": "@group"}, "needs a value"),
        ("/api/releases", {"q": "x" * 1001}, "q"),
        ("/api/groups", {"min_releases": -1}, "min_releases"),
        ("/api/silent-groups", {}, "event"),
        ("/api/nukes", {"action": "explode"}, "action"),
    ],
)
def test_bad_parameters_get_422_with_message(client: httpx.Client, path: str, params: dict, needle: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    text = body.get("message") or json.dumps(body.get("detail"))
    assert needle in text


def test_a_json_page_holds_at_most_1000_and_says_where_more_are(client: httpx.Client) -> None:
    page = client.get("/api/releases", params={"limit": 5000}).json()
    assert len(page["items"]) == 1000 and page["next_cursor"]


def test_cursor_from_another_sort_is_rejected(client: httpx.Client) -> None:
    cursor = client.get("/api/releases", params={"limit": 1}).json()["next_cursor"]
    response = client.get("/api/releases", params={"limit": 1, "cursor": cursor, "sort": "name"})
    assert response.status_code == 422


# -- writes and auth -------------------------------------------------------------------------------
def test_writes_need_the_token(client: httpx.Client) -> None:
    event = {"name": "Unauthorised", "day": "2020-10-01"}
    assert client.post("/api/events", json=event).status_code == 401
    wrong = client.post("/api/events", json=event, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/ingest", json={"path": "/etc/passwd"}).status_code == 401
    upload = client.post("/api/ingest/upload", files={"file": ("x.ndjson", b"{}\n")})
    assert upload.status_code == 401
    assert all(e["name"] != "Unauthorised" for e in client.get("/api/events").json())


def test_server_without_token_refuses_every_write(tmp_path: Path) -> None:
    Database(tmp_path / "empty.duckdb").close()
    server = start_server(tmp_path / "empty.duckdb", token=None)
    try:
        with httpx.Client(base_url=server.url) as c:
            response = c.post("/api/events", json={"name": "x", "day": "2020-10-01"},
                              headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
            assert response.status_code == 401 and "--token" in response.json()["message"]
            assert c.get("/api/releases").json()["items"] == []  # an empty store answers, too
            assert c.get("/api/volume").json() == []
    finally:
        server.stop()


def test_register_event_with_token(client: httpx.Client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    event = {"name": "Test takedown", "day": "2020-11-20", "description": "registered by a test", "sources": ["a"]}
    assert client.post("/api/events", json=event, headers=auth).status_code == 201
    assert client.post("/api/events", json=event, headers=auth).status_code == 409
    bad = client.post("/api/events", json={"name": "", "day": "2020-13-01"}, headers=auth)
    assert bad.status_code == 422 and "day" in bad.json()["message"]
    listed = {e["name"]: e for e in client.get("/api/events").json()}
    assert listed["Test takedown"]["day"] == "2020-11-20" and listed["Test takedown"]["sources"] == ["a"]


# -- injection -------------------------------------------------------------------------------------
def test_injection_in_every_text_parameter_leaves_data_intact(client: httpx.Client, live_server: LiveServer) -> None:
    before = table_state(live_server)
    for payload in INJECTIONS:
        responses = [
            client.get("/api/releases", params={"q": payload}),
            client.get("/api/releases", params={"q": f'"{payload}"'}),
            client.get("/api/releases", params={"q": f"@group {payload}"}),
            client.get("/api/releases", params={"q": f"@section {payload} @title {payload} @language {payload}"}),
            client.get("/api/releases", params={"q": payload, "format": "csv"}),
            client.get("/api/releases", params={"cursor": payload}),
            client.get("/api/releases/" + payload),
            client.get("/api/volume", params={"category": payload, "group": payload, "section": payload}),
            client.get("/api/groups/" + payload),
            client.get("/api/nukes", params={"group": payload, "reason": payload}),
            client.get("/api/gaps", params={"source": payload}),
        ]
        for response in responses:
            assert response.status_code in (200, 404, 422), (response.request.url, response.text)
        assert client.get("/api/releases", params={"q": payload}).json()["items"] == []
    # Writes with the token store the text literally, they do not run it.
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.post("/api/events", json={"name": INJECTION, "day": "2020-11-25", "description": INJECTION},
                          headers=auth)  # fmt: skip
    assert created.status_code == 201
    assert any(e["name"] == INJECTION for e in client.get("/api/events").json())
    assert table_state(live_server) == before
    assert client.get("/api/releases", params={"q": "@group SPARKS", "limit": 1}).json()["items"]


# -- live ------------------------------------------------------------------------------------------
def test_live_feed_receives_uploaded_releases(client: httpx.Client, live_server: LiveServer, tmp_path: Path) -> None:
    from websockets.sync.client import connect

    lines = [
        {"name": "Live.Test.Movie.2020.1080p.WEB.h264-LIVETEST", "pre_at": 1606867200, "section": "X264-HD"},
        {"name": "Other.Show.S01E01.720p.HDTV.x264-ELSEWHERE", "pre_at": 1606867260, "section": "TV-HD"},
        {"action": "nuke", "name": "Live.Test.Movie.2020.1080p.WEB.h264-LIVETEST", "at": 1606867300,
         "reason": "test.nuke", "network": None},
    ]  # fmt: skip
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    with connect(live_server.ws_url + "/api/live?q=" + quote("@group LIVETEST"), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "hello"
        response = client.post("/api/ingest/upload", files={"file": ("live.ndjson", body)},
                               headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert response.status_code == 200, response.text
        assert response.json()["inserted"] == 2
        message = json.loads(ws.recv(timeout=30))
    assert message["type"] == "batch"
    assert [r["name"] for r in message["releases"]] == ["Live.Test.Movie.2020.1080p.WEB.h264-LIVETEST"]
    assert message["releases"][0]["group"] == "LIVETEST"
    detail = client.get("/api/releases/Live.Test.Movie.2020.1080p.WEB.h264-LIVETEST").json()
    assert detail["nuked"] is True


def test_live_feed_rejects_a_bad_query(live_server: LiveServer) -> None:
    from websockets.sync.client import connect

    with connect(live_server.ws_url + "/api/live?q=%40bogus", open_timeout=30) as ws:
        message = json.loads(ws.recv(timeout=30))
    assert message["type"] == "error" and "unknown field" in message["message"]


def test_publish_hook_fans_out(live_server: LiveServer) -> None:
    from websockets.sync.client import connect

    from scenewatch.web import publish

    with connect(live_server.ws_url + "/api/live", open_timeout=30) as ws:
        json.loads(ws.recv(timeout=30))
        publish(live_server.app, {"releases": [{"name": "Hooked.Release-GRP", "group": "GRP"}], "nukes": []})
        message = json.loads(ws.recv(timeout=30))
    assert message["releases"][0]["name"] == "Hooked.Release-GRP"


def test_store_writer_owns_writes_and_its_flushes_are_published(tmp_path: Path) -> None:
    """With live ingest's StoreWriter in the process, API writes go through its thread and its flushes go live."""
    from datetime import UTC, datetime

    from websockets.sync.client import connect

    writer_module = pytest.importorskip("scenewatch.store.writer")
    from scenewatch.records import Announcement

    def make_writer(db: Database):
        writer = writer_module.StoreWriter(db, flush_events=1, flush_seconds=0.05)
        writer.start(["test-feed"])
        return writer

    server = start_server(tmp_path / "writer.duckdb", writer_factory=make_writer)
    try:
        writer = server.app.state.access.writer
        with httpx.Client(base_url=server.url) as c, connect(server.ws_url + "/api/live", open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "hello"
            event = {"name": "Writer event", "day": "2020-08-25"}
            assert c.post("/api/events", json=event, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 201
            writer.put("test-feed", Announcement("Some.Show.S01E01.720p.HDTV.x264-WRITER",
                                                 datetime(2020, 12, 1, tzinfo=UTC), section="TV-HD"))  # fmt: skip
            message = json.loads(ws.recv(timeout=30))
            assert message["releases"][0]["name"] == "Some.Show.S01E01.720p.HDTV.x264-WRITER"
            assert writer.flush()
            assert c.get("/api/releases", params={"q": "WRITER"}).json()["items"][0]["name"].endswith("-WRITER")
            stored = [e["name"] for e in c.get("/api/events").json() if e["origin"] == "database"]
            assert stored == ["Writer event"]
    finally:
        server.stop()
