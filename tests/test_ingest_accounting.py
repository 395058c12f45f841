"""Every record read lands in exactly one bucket of the summary; a damaged input in a folder loses nothing else."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from scenewatch.ingest import IngestSummary, ingest_paths
from scenewatch.store import Database
from tests.helpers import run_cli

A = "A.Movie.2020.1080p.BluRay.x264-GRP"
B = "B.Movie.2020.1080p.BluRay.x264-GRP"


def _write(path: Path, rows: list[dict | str]) -> Path:
    text = "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def _buckets_sum(summary: IngestSummary) -> bool:
    return sum(summary.buckets().values()) == summary.read


def test_each_kind_of_record_lands_in_its_own_bucket(tmp_path: Path) -> None:
    rows: list[dict | str] = [
        {"name": A, "pre_at": 1597831200, "section": "X264-HD", "feed": "one"},  # a new release
        {"name": A, "pre_at": 1597831200, "section": "X264-HD", "feed": "one"},  # the same sighting again
        {"name": A, "pre_at": 1597831260, "section": "X264-HD", "feed": "two"},  # a second sighting of A
        {"action": "nuke", "name": A, "at": 1597834800, "reason": "dupe"},  # a nuke row of its own
        {"name": B, "pre_at": 1597831200, "nuke": {"type": "nuke", "reason": "bad.ar"}},  # a new release with a nuke
        '{"name": "Broken.Json-GRP", "pre_at": ',  # rejected
    ]
    path = _write(tmp_path / "d.ndjson", rows)
    with Database(tmp_path / "s.duckdb") as db:
        first = ingest_paths(db, [path])
        again = ingest_paths(db, [path], force=True)
    assert first.read == 6 and _buckets_sum(first)
    assert first.buckets() == {"inserted": 2, "seen_again": 1, "duplicates": 1, "nuke_rows": 1, "rejected": 1}
    assert first.nukes == 2  # stored: the nuke row's and the one carried by B's announcement
    # Read again: every announcement is a sighting already stored.
    assert again.read == 6 and _buckets_sum(again)
    assert again.buckets() == {"inserted": 0, "seen_again": 0, "duplicates": 4, "nuke_rows": 1, "rejected": 1}


def test_the_cli_summary_sums_to_read(tmp_path: Path) -> None:
    rows = [{"name": f"T.{i % 7}.2020.1080p.WEB.h264-GRP", "pre_at": 1597831200 + i % 3} for i in range(40)]
    path = _write(tmp_path / "d.ndjson", [*rows, "not json"])
    result = run_cli("ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "-q")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    found = {label: int(n.replace(",", "")) for label, n in re.findall(r"([a-z][a-z ]*?) (\d[\d,]*)", first)}
    assert found["read"] == 41
    assert sum(v for k, v in found.items() if k != "read") == 41, first
    assert found["inserted"] == 7 and found["rejected"] == 1


def test_a_truncated_gz_in_a_folder_is_reported_skipped_and_the_rest_lands(tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    _write(folder / "1.ndjson.gz", [{"name": A, "pre_at": 1597831200}])
    many = [{"name": f"Big.{i}.2020.1080p.WEB.h264-GRP", "pre_at": 1597831200 + i} for i in range(5_000)]
    whole = _write(tmp_path / "2.ndjson.gz", many).read_bytes()
    (folder / "2.ndjson.gz").write_bytes(whole[: len(whole) // 2])  # cut off mid-stream
    _write(folder / "3.ndjson.gz", [{"name": B, "pre_at": 1597831200}])
    db = tmp_path / "s.duckdb"
    result = run_cli("ingest", str(folder), "--db", str(db), "-q")
    assert result.returncode == 1, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "2.ndjson.gz" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    with Database(db, read_only=True) as store:
        names = set(store.query("SELECT name FROM releases")["name"])
        complete = dict(store.con.execute("SELECT origin, complete FROM ingest_progress").fetchall())
    assert {A, B} <= names  # the files either side landed
    kept = len(names - {A, B})
    assert 0 < kept < 5_000  # what could be read of the damaged file was kept
    assert [Path(origin).name for origin, done in sorted(complete.items()) if not done] == ["2.ndjson.gz"]
    # A second run reads only the damaged file again, adds nothing, and still says it is damaged.
    again = run_cli("ingest", str(folder), "--db", str(db), "-q")
    assert again.returncode == 1 and "2.ndjson.gz" in again.stderr
    assert "inserted 0 " in again.stdout


def test_a_missing_input_leaves_no_database_file(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    result = run_cli("ingest", str(tmp_path / "missing.csv"), "--db", str(db), "-q")
    assert result.returncode == 2 and "no such file or folder" in result.stderr
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_an_unknown_scheme_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "d.ndjson", [{"name": A, "pre_at": 1597831200}])
    monkeypatch.chdir(tmp_path)  # where `foo:` would be created as a folder
    result = run_cli("ingest", str(path), "--db", "foo://bar", "-q")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "unknown scheme 'foo'" in lines[0], result.stderr
    assert not (tmp_path / "foo:").exists()
