"""Concentration, nuke rates and leak windows over real HTTP, agreeing with the analysis functions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import httpx
import pytest

pytest.importorskip("fastapi")

from scenewatch.analysis.concentration import concentration
from scenewatch.analysis.nukes import nukes
from scenewatch.web.access import CursorView
from tests.web_fixtures import LiveServer, shared_server


@contextmanager
def reader(server: LiveServer) -> Iterator[CursorView]:
    """A read view of the server's own store, for the truth to compare against."""
    view = CursorView(server.db)
    try:
        yield view
    finally:
        view.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


def _release(client: httpx.Client) -> dict:
    body = client.get("/api/releases", params={"q": "@category movie", "limit": 1}).json()
    return body["items"][0]


def test_concentration_matches_the_function(client: httpx.Client, server: LiveServer) -> None:
    body = client.get("/api/concentration", params={"period": "month", "top_k": 3}).json()
    with reader(server) as db:
        expected = concentration(db, "month", top_k=3)
    assert len(body["rows"]) == len(expected) > 0
    assert {"period", "category", "hhi", "top_k_share"} <= set(body["rows"][0])
    assert all(0 <= row["hhi"] <= 1 for row in body["rows"])


def test_nuke_rates_and_reasons(client: httpx.Client, server: LiveServer) -> None:
    body = client.get("/api/nukes/rates", params={"by": "section", "min_releases": 1}).json()
    with reader(server) as db:
        expected = nukes(db, "section", min_releases=1, limit=200)
    assert len(body["rows"]) == len(expected) > 0
    assert client.get("/api/nukes/reasons").status_code == 200
    assert client.get("/api/nukes/rates", params={"by": "planet"}).status_code == 422


def test_leaks_from_an_uploaded_retail_csv(client: httpx.Client) -> None:
    release = _release(client)
    title, year, pre = release["title"], release["year"], release["pre_at"][:10]
    csv_text = f"title,year,kind,date\n{title},{year},movie,2030-01-01\n"
    response = client.post("/api/leaks", params={"by": "release"}, content=csv_text,
                           headers={"Content-Type": "text/csv"})  # fmt: skip
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert rows and all(row["days_before_retail"] > 0 for row in rows)
    assert any(row["name"] == release["name"] for row in rows), (title, year, pre)


@pytest.mark.parametrize(
    "csv_text", ["not,a,retail\nfile,at,all\n", "title,year,kind,date\nX,2020,movie,not-a-date\n", ""]
)
def test_bad_retail_csv_is_422(client: httpx.Client, csv_text: str) -> None:
    response = client.post("/api/leaks", content=csv_text, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422, response.text
    assert "retail CSV" in response.json()["message"] or response.json()["message"]


def test_nuke_rates_in_a_window(client: httpx.Client, server: LiveServer) -> None:
    params = {"by": "group", "since": "2020-08-01", "until": "2020-10-31", "min_releases": 1}
    body = client.get("/api/nukes/rates", params=params).json()
    with reader(server) as db:
        expected = nukes(db, "group", since=date(2020, 8, 1), until=date(2020, 10, 31), min_releases=1, limit=200)
    assert len(body["rows"]) == len(expected) > 0
    assert client.get("/api/nukes/rates", params={"since": "0699-07-30"}).status_code in (200, 422)
