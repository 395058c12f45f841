"""Writes are confined (issue #22.3): ingest reads only inside ``--ingest-root``, uploads are capped, the token
never comes from the command line.

A path outside the roots gets the same 403 whether it exists or not (``/etc/passwd`` and a path that is not
there, a symlink out of the root, ``..``), so the endpoint is no file-existence oracle.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.web_fixtures import TOKEN, LiveServer, shared_store, start_server

pytest.importorskip("uvicorn")

AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 64 << 10


def _dump(path: Path, n: int = 3) -> Path:
    rows = [{"name": f"Confined.Test.S01E0{i}.1080p.WEB.h264-CONFINE", "section": "TV-HD",
             "pre_at": f"2020-09-0{i}T12:00:00Z"} for i in range(1, n + 1)]  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture()
def rooted(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> tuple[LiveServer, Path]:
    store = tmp_path / "confined.duckdb"
    shutil.copy(shared_store(tmp_path_factory), store)
    root = tmp_path / "root"
    root.mkdir()
    server = start_server(store, ingest_roots=[root], max_upload_bytes=LIMIT)
    yield server, root
    server.stop()


def _post_path(server: LiveServer, path: str) -> httpx.Response:
    return httpx.post(server.url + "/api/ingest", json={"path": path}, headers=AUTH, timeout=60)


def test_outside_the_roots_is_the_same_403_whether_it_exists_or_not(rooted: tuple[LiveServer, Path],
                                                                     tmp_path: Path) -> None:
    """Existing and missing files outside, ``..`` and a symlink out all answer one identical 403."""
    server, root = rooted
    outside = _dump(tmp_path / "outside.ndjson")
    (root / "link.ndjson").symlink_to(outside)
    (root / "sub").mkdir()
    probes = ["/etc/passwd", "/etc/shadow", "/nonexistent/file.ndjson", str(outside), "../outside.ndjson",
              "sub/../../outside.ndjson", "link.ndjson", str(root / "link.ndjson"), "/", "x\x00y"]  # fmt: skip
    answers = {probe: _post_path(server, probe) for probe in probes}
    for probe, response in answers.items():
        assert response.status_code == 403, (probe, response.text)
    assert len({response.content for response in answers.values()}) == 1, {p: r.text for p, r in answers.items()}


def test_inside_a_root_ingests_and_a_missing_file_there_is_404(rooted: tuple[LiveServer, Path]) -> None:
    """Only inside the roots is existence told: a dump there is ingested, a missing one is a 404."""
    server, root = rooted
    _dump(root / "inside.ndjson")
    response = _post_path(server, "inside.ndjson")
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 3
    assert _post_path(server, str(root / "inside.ndjson")).json()["inserted"] == 0  # idempotent
    assert _post_path(server, "missing.ndjson").status_code == 404


def test_without_roots_every_path_is_refused(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """The default: no ingest root, so only uploads write; a path that exists is refused like one that does not."""
    store = tmp_path / "noroot.duckdb"
    shutil.copy(shared_store(tmp_path_factory), store)
    dump = _dump(tmp_path / "here.ndjson")
    server = start_server(store)
    try:
        answers = [_post_path(server, str(dump)), _post_path(server, str(tmp_path / "absent.ndjson"))]
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].content == answers[1].content


def test_an_upload_over_the_limit_is_413_and_stores_nothing(rooted: tuple[LiveServer, Path], tmp_path: Path) -> None:
    """A body over ``max_upload_bytes`` is refused before it is ingested; one under it is ingested."""
    server, _root = rooted
    big = tmp_path / "big.ndjson.gz"
    with gzip.open(big, "wb", compresslevel=0) as fh:
        fh.write(b"x" * (2 * LIMIT))
    with big.open("rb") as fh:
        response = httpx.post(server.url + "/api/ingest/upload", files={"file": ("big.ndjson.gz", fh)},
                              headers=AUTH, timeout=60)  # fmt: skip
    assert response.status_code == 413, response.text
    assert "max-upload-mb" in response.json()["message"]
    small = _dump(tmp_path / "small.ndjson")
    with small.open("rb") as fh:
        response = httpx.post(server.url + "/api/ingest/upload", files={"file": ("small.ndjson", fh)},
                              headers=AUTH, timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 3


def test_a_wrong_token_of_any_length_is_401(rooted: tuple[LiveServer, Path]) -> None:
    """Wrong tokens (a prefix, a longer one, empty) are refused alike."""
    server, root = rooted
    _dump(root / "t.ndjson")
    for headers in ({}, {"Authorization": "Bearer"}, *({"Authorization": f"Bearer {token}"}
                                                        for token in (TOKEN[:-1], TOKEN + "x", "x" * len(TOKEN)))):
        response = httpx.post(server.url + "/api/ingest", json={"path": "t.ndjson"}, headers=headers, timeout=30)
        assert response.status_code == 401, (headers, response.text)


def test_the_token_is_refused_on_the_command_line(tmp_path: Path) -> None:
    """``serve --token`` would show the secret in ``ps``: refused, pointing at SCENEWATCH_TOKEN and --token-file."""
    run = subprocess.run([sys.executable, "-m", "scenewatch", "serve", "--db", str(tmp_path / "t.duckdb"), "--token",
                          TOKEN, "--port", "0"], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode != 0
    assert "SCENEWATCH_TOKEN" in run.stderr and "--token-file" in run.stderr, run.stderr
    assert not (tmp_path / "t.duckdb").exists()
