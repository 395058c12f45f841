"""`scenewatch retail pull` against a loopback xREL, then `scenewatch leaks` on the store's retail dates, on real data.

The store holds two months of the real nZEDb slice (2020-08-11 → 2020-10-10). The loopback xREL knows a few of its
films and one game, with release dates as they were publicly announced (typed by hand for this fixture, not fetched
from xREL), plus a decoy: the 2006 "Fearless", listed first, which the pull must not take for the 2020 film. A pull is
killed midway and run again: it resumes, asks no title it has stored, and `leaks` then gives, per release, the days
between its pre and each retail date — checked against the pre times in the store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scenewatch.ingest import ingest_paths
from scenewatch.store import Database
from tests.live_servers import LoopThread, wait_until
from tests.provider_servers import ProviderServer

SCALE = 0.01
# ext_info id, kind, title, {xREL date type: day}
TITLES = [
    ("m2006fearles1", "movie", "Fearless", {"us-cine": "2006-09-22"}),  # the decoy: Jet Li's, listed first
    ("m2020fearles1", "movie", "Fearless", {"us-web": "2020-08-14"}),
    ("m2020power001", "movie", "Project Power", {"us-web": "2020-08-14", "de-web": "2020-08-14"}),
    ("m2020staten01", "movie", "The King of Staten Island", {"us-web": "2020-06-12", "de-cine": "2020-07-30"}),
    ("m2020enola001", "movie", "Enola Holmes", {"us-web": "2020-09-23", "de-web": "2020-09-23"}),
    ("m2020hubie001", "movie", "Hubie Halloween", {"us-web": "2020-10-07"}),
    ("m2020chemic01", "movie", "Chemical Hearts", {"us-web": "2020-08-21"}),
    ("m2020badboys1", "movie", "Bad Boys for Life", {"us-cine": "2020-01-17", "de-cine": "2020-01-16"}),
    ("m2020invisib1", "movie", "The Invisible Man", {"us-cine": "2020-02-28", "de-cine": "2020-02-27"}),
    ("g2020fcrab001", "game", "Fight Crab", {"us-web": "2020-07-30", "de-web": "2020-07-30"}),  # a top game here
]


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture(scope="module")
def real_store(nzedb_dumps: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = sorted(nzedb_dumps.glob("*_predb_dump.csv.gz"))[580:640]
    path = tmp_path_factory.mktemp("retail") / "real.duckdb"
    with Database(path) as db:
        ingest_paths(db, files)
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenewatch", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip


def test_retail_pull_then_leaks_on_real_data(loop: LoopThread, real_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    db.write_bytes(real_store.read_bytes())
    server = ProviderServer(loop, "xrel", scale=SCALE)
    for ident, kind, title, dates in TITLES:
        server.add_ext_info(ident, kind, title, dates)
    config = tmp_path / "listen.toml"
    config.write_text(f'[listener]\ntime_scale = {SCALE}\n\n[presets.xrel]\n'
                      f'search = "{server.base}/v2/search/ext_info.json"\n'
                      f'ext_info = "{server.base}/v2/ext_info/info.json"\n', encoding="utf-8")  # fmt: skip
    pull = ("retail", "pull", "--db", str(db), "--config", str(config), "--kinds", "movie", "--limit", "25")
    # killed after a few titles ...
    proc = subprocess.Popen([sys.executable, "-m", "scenewatch", *pull], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    lines = []
    assert proc.stderr is not None
    wait_until(lambda: lines.append(proc.stderr.readline()) or len(lines) >= 6, 60, what="six titles looked up")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    first_searches = len([r for r in server.requests if r[1].endswith("search/ext_info.json")])
    with Database(db, read_only=True) as store:
        kept = store.scalar("SELECT count(*) FROM retail_lookups")  # committed one title at a time
    assert kept >= 5
    # ... and run again: it resumes
    done = _run(*pull)
    assert done.returncode == 0, done.stderr
    games = _run("retail", "pull", "--db", str(db), "--config", str(config), "--kinds", "game", "--limit", "10")
    assert games.returncode == 0, games.stderr
    again = _run(*pull)
    assert " ".join(again.stdout.split()).startswith("looked up 25 titles")  # the next 25: none asked twice
    server.close()

    searches = [r[2]["q"] for r in server.requests if r[1].endswith("search/ext_info.json")]
    assert first_searches >= 6
    assert len(searches) - len(set(searches)) <= 1  # at most the title in flight when the first run was killed
    with Database(db, read_only=True) as store:
        lookups = store.query("SELECT kind, title_key, year, ext_id, status FROM retail_lookups")
        dates = store.query("SELECT ext_id, date_type, country, retail_date, title FROM retail_dates")
        pres = store.query("""SELECT name, pre_at, title FROM releases WHERE scene AND category = 'movie'
                              AND year = 2020 AND title IN ('Fearless', 'Project Power')""")  # fmt: skip
    assert len(lookups) == kept + 25 + 10 + 25 and lookups.duplicated(["kind", "title_key", "year"]).sum() == 0
    found = dict(zip(lookups["title_key"] + "/" + lookups["year"].astype(str), lookups["ext_id"], strict=True))
    assert found["fearless/2020"] == "m2020fearles1"  # not the 2006 film listed first
    assert found["project power/2020"] == "m2020power001" and found["king of staten island/2020"] == "m2020staten01"
    assert found["fight crab/0"] == "g2020fcrab001" and found["invisible man/2020"] == "m2020invisib1"
    assert "m2006fearles1" not in set(dates["ext_id"])
    power = dates[dates.ext_id == "m2020power001"]
    assert {("web", "us"), ("web", "de")} <= set(zip(power["date_type"], power["country"], strict=True))
    # the search limit (2 / 5 s) and the hourly one (900), measured on the server
    assert server.busiest_window(server.search_limit, lambda p: p.endswith("search/ext_info.json")) <= 2
    assert server.busiest_window() <= 900 and server.refused() == 0

    # leaks: from the store's retail dates, by default
    shown = _run("leaks", "--db", str(db), "--json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    web_us = {r["name"]: r["days_before_retail"] for r in rows if r["date_type"] == "web" and r["country"] == "us"}
    assert len(pres) >= 10
    for name, pre_at in zip(pres["name"], pres["pre_at"], strict=True):
        assert web_us[name] == (date(2020, 8, 14) - pre_at.date()).days, name  # both came out on Netflix that day
    cine = [r for r in rows if r["title"] == "The Invisible Man" and r["date_type"] == "cine" and r["country"] == "us"]
    assert cine and all(r["days_before_retail"] < -150 for r in cine)  # pres came months after the cinema release
    by_type = json.loads(_run("leaks", "--db", str(db), "--by", "date_type", "--json").stdout)
    assert {r["date_type"] for r in by_type} == {"web", "cine"}
    listed = _run("retail", "list", "--db", str(db), "--json")
    assert {r["ext_id"] for r in json.loads(listed.stdout)} == {t[0] for t in TITLES} - {"m2006fearles1"}
