"""`scenewatch archive pull nzedb` and `scenewatch ingest https://…` over loopback, on copies of real dumps.

A run is killed mid-download (a ``.part`` file half written) and another mid-ingest (the database's write-ahead log
holds uncommitted work); each following run resumes, and the store ends exactly as a plain ingest of the same local
files leaves it. One more run downloads nothing and adds nothing.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenewatch.sources.download import parse_index
from scenewatch.store import Database
from tests.archive_server import ArchiveServer
from tests.live_servers import LoopThread, wait_until


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenewatch", *args], capture_output=True, text=True, timeout=300)


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scenewatch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _store(path: Path) -> tuple[int, int, int, int]:
    with Database(path, read_only=True) as db:
        return (db.scalar("SELECT count(*) FROM releases"), db.scalar("SELECT count(*) FROM sightings"),
                db.scalar("SELECT count(*) FROM nukes"),
                db.scalar("SELECT count(*) - count(DISTINCT lower(name)) FROM releases"))  # fmt: skip


def test_archive_pull_resumes_after_kills_and_adds_nothing_the_second_time(
    loop: LoopThread, tmp_path: Path, nzedb_dumps: Path
) -> None:
    served = tmp_path / "served"
    server = ArchiveServer.from_dumps(loop, nzedb_dumps, served, 12, bytes_per_second=120_000)
    db = tmp_path / "pulled.duckdb"
    downloads = tmp_path / "downloads"
    command = ("archive", "pull", "nzedb", "--index", server.index_url, "--files", server.files_url, "--db", str(db),
               "--download-dir", str(downloads), "-q")  # fmt: skip
    # 1. killed mid-download: a .part file with some of its bytes
    proc = _start(*command)
    wait_until(lambda: any(p.stat().st_size > 20_000 for p in downloads.rglob("*.part")), 30, what="a half download")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    part = next(downloads.rglob("*.part"))
    half = part.stat().st_size
    # 2. killed mid-ingest: downloads are fast now; the kill lands while the write-ahead log holds work
    server.bytes_per_second = None
    proc = _start(*command)
    wal = Path(f"{db}.wal")
    wait_until(lambda: wal.exists() and wal.stat().st_size > 0, 60, interval=0.01, what="ingest under way")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    # 3. the same command finishes the job
    done = _run(*command)
    assert done.returncode == 0, done.stderr
    # 4. and once more: nothing to fetch, nothing to add
    raw_before = len([r for r in server.requests if r[0].startswith("/raw/")])
    again = _run(*command)
    assert again.returncode == 0, again.stderr
    server.close()

    resumed = [r for r in server.requests if r[1] and r[0].endswith(part.name.removesuffix(".part"))]
    assert resumed and resumed[0][1] == f"bytes={half}-" and resumed[0][2] == 206  # HTTP Range resumed it
    files = [p for p in server.files() if p.name.endswith(".csv.gz")]
    assert len(files) == 12
    local = sorted(p for p in downloads.rglob("*.csv.gz"))
    assert [p.read_bytes() for p in local] == [p.read_bytes() for p in files]  # every byte arrived intact
    reference = tmp_path / "reference.duckdb"
    plain = _run("ingest", str(served / "dumps"), "--db", str(reference), "-q")
    assert plain.returncode == 0, plain.stderr
    releases, sightings, nukes, duplicates = _store(db)
    assert (releases, sightings, nukes) == _store(reference)[:3] and duplicates == 0
    assert releases > 10_000
    said = " ".join(again.stdout.split())
    assert "12 files listed: 0 downloaded (0 resumed), 0 already downloaded, 12 already ingested" in said
    assert "read 0 = inserted 0 + seen again 0 + duplicates 0 + nuke rows 0 + rejected 0" in said
    assert len([r for r in server.requests if r[0].startswith("/raw/")]) == raw_before  # not one byte fetched
    with Database(db, read_only=True) as store:
        complete = store.scalar("SELECT count(*) FROM ingest_progress WHERE complete")
    assert complete == 12


def test_ingest_an_html_listing_and_a_file_url(loop: LoopThread, tmp_path: Path, nzedb_dumps: Path) -> None:
    server = ArchiveServer.from_dumps(loop, nzedb_dumps, tmp_path / "served", 4, start=600)
    db = tmp_path / "s.duckdb"
    first = _run("ingest", server.listing_url, "--db", str(db), "-q")
    assert first.returncode == 0, first.stderr
    assert "4 files listed: 4 downloaded" in " ".join(first.stdout.split())
    before = _store(db)
    raw = len([r for r in server.requests if r[0].startswith("/raw/")])
    second = _run("ingest", server.listing_url, "--db", str(db), "-q")
    assert second.returncode == 0, second.stderr
    said = " ".join(second.stdout.split())
    assert "4 already ingested" in said and "inserted 0" in said
    assert len([r for r in server.requests if r[0].startswith("/raw/")]) == raw  # nothing downloaded again
    assert _store(db) == before
    one = server.files_url + next(p for p in server.files() if p.suffix == ".gz").relative_to(server.root).as_posix()
    third = _run("ingest", one, "--db", str(tmp_path / "one.duckdb"), "-q")
    assert third.returncode == 0, third.stderr
    assert "1 files listed: 1 downloaded" in " ".join(third.stdout.split())
    server.close()


def test_index_shapes() -> None:
    tree = b'{"sha": "x", "tree": [{"path": "dumps/1/1_predb_dump.csv.gz", "type": "blob", "size": 3, "sha": "ab"},'
    tree += b' {"path": "dumps/1", "type": "tree"}, {"path": "dumps/0README.txt", "type": "blob", "size": 9}]}'
    (one,) = parse_index(tree, "https://api.github.com/repos/nZEDb/nZEDbPre_Dumps/git/trees/master?recursive=1",
                         include=r"_predb_dump\.csv\.gz$")  # fmt: skip
    assert one.url == "https://raw.githubusercontent.com/nZEDb/nZEDbPre_Dumps/master/dumps/1/1_predb_dump.csv.gz"
    assert (one.path, one.size, one.version) == ("dumps/1/1_predb_dump.csv.gz", 3, "ab")
    contents = b'[{"name": "a.csv.gz", "path": "d/a.csv.gz", "type": "file", "size": 5, "download_url": "https://x/a.csv.gz"}]'
    assert parse_index(contents, "https://api.github.com/repos/o/r/contents/d")[0].url == "https://x/a.csv.gz"
    plain = b"# dumps\nhttps://h/x/1.ndjson.gz\nhttps://h/x/2.ndjson.gz\nhttps://h/readme.html\n"
    assert [f.path for f in parse_index(plain, "https://h/x/list.txt")] == ["h/x/1.ndjson.gz", "h/x/2.ndjson.gz"]
    html = b'<a href="../">..</a><a href="2020/a.sql.gz">a</a><a href="b.csv">b</a><a href="?C=N">sort</a>'
    assert [f.url for f in parse_index(html, "https://h/d/")] == ["https://h/d/2020/a.sql.gz", "https://h/d/b.csv"]
    from scenewatch.sources.base import SourceError

    with pytest.raises(SourceError, match="lists no dump files"):
        parse_index(b"<html>nothing</html>", "https://h/")


def test_archive_list_names_the_nzedb_archive() -> None:
    import json

    listed = _run("archive", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (nzedb,) = json.loads(listed.stdout)
    assert nzedb["archive"] == "nzedb" and nzedb["format"] == "nzedb"
    assert nzedb["index"] == "https://api.github.com/repos/nZEDb/nZEDbPre_Dumps/git/trees/master?recursive=1"
    assert nzedb["files"] == "https://raw.githubusercontent.com/nZEDb/nZEDbPre_Dumps/master/"
    unknown = _run("archive", "pull", "nosuch")
    assert unknown.returncode == 2 and "nosuch: not an archive (known: nzedb)" in unknown.stderr
