"""Readable while writing (issue #22.4, #16.7): the read commands answer through the process that owns the store.

``serve`` with writes holds DuckDB's write lock; it publishes an owner file beside the database, and ``info``,
``volume``, ``gaps`` and ``groups`` run meanwhile give the same output as a direct read once it has stopped. A
command that writes is refused with a message naming the owner. ``serve --port 0`` names the port it bound, and
without a token it opens the store read-only, so nothing is locked out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.serve_process import start_serve
from tests.web_fixtures import TOKEN, shared_store

pytest.importorskip("uvicorn")

READS = [
    ["info"],
    ["volume", "--since", "2020-08-01", "--until", "2020-09-30", "--by", "week"],
    ["gaps"],
    ["groups", "--dormant"],
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("SCENEWATCH_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "scenewatch", *args], capture_output=True, text=True, timeout=120,
                          env=env)  # fmt: skip


@pytest.fixture()
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    target = tmp_path / "owned.duckdb"
    shutil.copy(shared_store(tmp_path_factory), target)
    return target


def test_reads_answer_through_the_owner_with_a_direct_reads_output(store: Path, tmp_path: Path) -> None:
    """While ``serve`` (writes on) holds the file: same stdout as afterwards; a write names the holder."""
    server = start_serve(store, tmp_path / "serve.log", token=TOKEN)
    try:
        assert not server.url.endswith(":0"), server.url
        with urllib.request.urlopen(server.url + "/api/gaps", timeout=30) as response:
            assert response.status == 200
        owners = list(store.parent.glob(store.name + "*owner*"))
        assert owners, sorted(p.name for p in store.parent.iterdir())
        through = {tuple(args): _run(*args, "--db", str(store)) for args in READS}
        dump = tmp_path / "one.ndjson"  # a real input: inputs are opened (and a missing one refused) before the store
        dump.write_text('{"name": "While.Held.2024.1080p.WEB.h264-GRP", "pre_at": 1700000000}\n')
        refused = _run("ingest", str(dump), "--db", str(store), "-q")
    finally:
        took = server.stop()
    assert took < 5.0
    assert not any(store.parent.glob(store.name + "*owner*")), "the owner file outlived its process"
    for args, answer in through.items():
        assert answer.returncode == 0, (args, answer.stderr[-2000:])
        direct = _run(*args, "--db", str(store))
        assert direct.returncode == 0, (args, direct.stderr[-2000:])
        assert answer.stdout == direct.stdout, args
        assert answer.stdout.strip(), args
    assert refused.returncode != 0
    assert "serve" in refused.stderr and "held by" in refused.stderr, refused.stderr


def test_serve_without_a_token_locks_nothing_out(store: Path, tmp_path: Path) -> None:
    """Read-only ``serve`` opens the store read-only: other commands open the file themselves."""
    server = start_serve(store, tmp_path / "serve.log")
    try:
        assert "store opened read-only" in server.log.read_text()
        assert not any(store.parent.glob(store.name + "*owner*"))
        answer = _run("info", "--db", str(store))
    finally:
        server.stop()
    assert answer.returncode == 0, answer.stderr[-2000:]
