"""One rule for "is this release nuked now", read the same way by search (@nuked), a release's page and nuke rates.

The latest nuke, modnuke or unnuke decides; an event without a time is older than any with one; at the same moment
nuke < modnuke < unnuke; delpre/undelpre are history, not nuke state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from scenewatch.analysis.nukes import nukes
from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.store import Database
from tests.web_fixtures import LiveServer, start_server

T0 = datetime(2020, 8, 26, 12, tzinfo=UTC)
N, U, M, D = NukeAction.NUKE, NukeAction.UNNUKE, NukeAction.MODNUKE, NukeAction.DELPRE
# name → (events as (action, minutes after T0 or None for no time), nuked now?)
CASES: dict[str, tuple[list[tuple[NukeAction, int | None]], bool]] = {
    "Plain.Nuke.2020.1080p.WEB.h264-GRP": ([(N, 5)], True),
    "Nuked.Then.Unnuked.2020.1080p.WEB.h264-GRP": ([(N, 5), (U, 9)], False),
    "Unnuked.Then.Renuked.2020.1080p.WEB.h264-GRP": ([(N, 5), (U, 9), (N, 20)], True),
    "Nuked.Then.Delpred.2020.1080p.WEB.h264-GRP": ([(N, 5), (D, 30)], True),
    "Timeless.Unnuke.2020.1080p.WEB.h264-GRP": ([(U, None), (N, 5)], True),
    "Same.Moment.2020.1080p.WEB.h264-GRP": ([(N, 7), (U, 7)], False),
    "Modnuked.2020.1080p.WEB.h264-GRP": ([(N, 5), (M, 6)], True),
    "Never.Nuked.2020.1080p.WEB.h264-GRP": ([], False),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    path: Path = tmp_path_factory.mktemp("nukestate") / "n.duckdb"
    with Database(path) as db:
        releases = [Announcement(name=name, pre_at=T0 + timedelta(seconds=i)) for i, name in enumerate(CASES)]
        events = [
            NukeEvent(name, action, reason="dupe.of.x", network="LocalNet",
                      at=None if minutes is None else T0 + timedelta(minutes=minutes))
            for name, (history, _) in CASES.items() for action, minutes in history
        ]  # fmt: skip
        db.write(releases, None, events, origin="test")
    running = start_server(path, cache=False)
    yield running
    running.stop()


def test_search_release_page_and_nuke_rates_agree_on_the_rule(server: LiveServer) -> None:
    expected = {name for name, (_, nuked) in CASES.items() if nuked}
    with httpx.Client(base_url=server.url) as client:
        found = {item["name"] for item in client.get("/api/releases", params={"q": "@nuked"}).json()["items"]}
        unnuked = {item["name"] for item in client.get("/api/releases", params={"q": "@unnuked"}).json()["items"]}
        pages = {name: client.get(f"/api/releases/{name}").json() for name in CASES}
    assert found == expected
    assert unnuked == set(CASES) - expected
    assert {name for name, page in pages.items() if page["nuked"]} == expected
    history = [e["action"] for e in pages["Timeless.Unnuke.2020.1080p.WEB.h264-GRP"]["nukes"]]
    assert history == ["unnuke", "nuke"]  # oldest first: the event without a time is the oldest
    rates = nukes(server.db, "group", min_releases=1)
    assert rates.loc[0, "releases"] == len(CASES) and rates.loc[0, "nuked"] == len(expected)


def _disagreements(db: Database) -> int:
    from scenewatch.store.nuked import NUKED_IDS_SQL

    return int(db.scalar(f"SELECT count(*) FROM releases WHERE nuked IS DISTINCT FROM (id IN {NUKED_IDS_SQL})"))


def test_the_nuked_column_follows_every_write(tmp_path: Path) -> None:
    """Random histories in random batches: nukes before their pre, timeless events, delpres, unnukes, renukes."""
    import random

    from scenewatch.store.parquet import export_parquet, import_parquet

    rng = random.Random(4)
    names = [f"Random.Release.{i}.2020.1080p.WEB.h264-GRP" for i in range(120)]
    actions = [N, N, N, U, M, D, NukeAction.UNDELPRE]
    with Database(tmp_path / "r.duckdb") as db:
        for round_ in range(25):
            releases = [Announcement(name=name, pre_at=T0 + timedelta(minutes=rng.randrange(600)))
                        for name in rng.sample(names, rng.randrange(0, 15))]  # fmt: skip
            events = [
                NukeEvent(rng.choice(names), rng.choice(actions), reason="r",
                          at=None if rng.random() < 0.15 else T0 + timedelta(minutes=rng.randrange(0, 600, 5)))
                for _ in range(rng.randrange(0, 25))
            ]  # fmt: skip
            db.write(releases, None, events, origin="test")
            assert _disagreements(db) == 0, f"round {round_}"
        nuked_now = db.scalar("SELECT count(*) FROM releases WHERE nuked")
        assert 0 < nuked_now < db.count_releases()
        db.con.execute("UPDATE releases SET nuked = NOT nuked").fetchall()  # hand-written SQL breaks it …
        assert _disagreements(db) > 0
        db.refresh_rollups()  # … and the refresh mends it
        assert _disagreements(db) == 0
        export_parquet(db, tmp_path / "export")
    with Database(tmp_path / "other.duckdb") as other:
        other.write([Announcement(name=names[0], pre_at=T0)], None, [NukeEvent(names[0], U, at=T0 + timedelta(days=9))],
                    origin="other")  # fmt: skip
        import_parquet(other, tmp_path / "export")
        assert _disagreements(other) == 0
        assert other.scalar("SELECT count(*) FROM releases WHERE nuked") in (nuked_now, nuked_now - 1)
