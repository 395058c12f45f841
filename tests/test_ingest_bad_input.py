"""Every class of bad input is reported with file, line and reason, and skipped; the rest lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenewatch.ingest import ingest_paths
from scenewatch.records import Reject
from scenewatch.store import Database
from tests.helpers import run_cli

GOOD = {"name": "Good.Movie.2020.1080p.BluRay.x264-GRP", "pre_at": 1597831200, "section": "X264-HD"}


def _ingest(tmp_path: Path, path: Path) -> tuple[int, list[Reject]]:
    rejects: list[Reject] = []
    with Database(tmp_path / "s.duckdb") as db:
        summary = ingest_paths(db, [path], on_reject=rejects.append)
        assert summary.rejected == len(rejects)
        return summary.inserted, rejects


def _lines(path: Path, *middle: bytes) -> Path:
    first = json.dumps(GOOD).encode()
    last = json.dumps({**GOOD, "name": "Last.Movie.2020.1080p.BluRay.x264-GRP"}).encode()
    path.write_bytes(b"\n".join([first, *middle, last]) + b"\n")
    return path


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b'{"name": "Broken.Json-GRP", "pre_at": ', "broken JSON"),
        (b'["a", "list"]', "expected a JSON object"),
        (b'{"name": "Bad.Time-GRP", "pre_at": "yesterday"}', "unparseable time"),
        (b'{"name": "Future-GRP", "pre_at": 4200000000}', "implausible time"),
        (b'{"name": "", "pre_at": 1597831200}', "empty release name"),
        (b'{"name": "Bad.\xff\xfe.Bytes-GRP", "pre_at": 1597831200}', "invalid UTF-8"),
        (b'{"name": "' + b"A" * (1 << 20) + b'"}', "line too long"),
        (b'{"action": "explode", "name": "X-GRP"}', "unknown action"),
    ],
)
def test_ndjson_bad_line_reported_and_skipped(tmp_path: Path, bad: bytes, reason: str) -> None:
    path = _lines(tmp_path / "d.ndjson", bad)
    inserted, rejects = _ingest(tmp_path, path)
    assert inserted == 2
    assert len(rejects) == 1
    assert rejects[0].line == 2 and rejects[0].origin == str(path.resolve())
    assert reason in rejects[0].reason
    assert str(rejects[0]).startswith(f"{path.resolve()}:2: ")


def test_csv_wrong_column_count(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "name,pretime,section\nA.Movie-GRP,1597831200,X264\nB.Movie-GRP,1597831200\nC.Movie-GRP,1597831200,X264,extra\n"
    )
    inserted, rejects = _ingest(tmp_path, path)
    assert inserted == 1
    assert [(r.line, r.reason) for r in rejects] == [
        (3, "expected 3 columns, got 2"),
        (4, "expected 3 columns, got 4"),
    ]


def test_sql_broken_tuple(tmp_path: Path) -> None:
    path = tmp_path / "d.sql"
    path.write_text(
        "INSERT INTO pre (name, time, cat) VALUES ('A.Movie-GRP', 1597831200, 'X264'),\n"
        "('B.Movie-GRP', 1597831200),\n"
        "('C.Movie-GRP', 1597831200, 'X264');\n"
    )
    inserted, rejects = _ingest(tmp_path, path)
    assert inserted == 2
    assert len(rejects) == 1 and rejects[0].line == 2 and "expected 3 values" in rejects[0].reason


def test_nzedb_wrong_field_count(tmp_path: Path) -> None:
    good = "\t\t".join(
        [
            "'A.Movie-GRP'",
            "\\N",
            "\\N",
            "\\N",
            "''",
            "'0'",
            "\\N",
            "'X264'",
            "'2020-08-19 10:00:00'",
            "'xrel'",
            "'0'",
            "\\N",
        ]
    )
    path = tmp_path / "1_predb_dump.csv"
    path.write_text(good + "\r\n" + "'B.Movie-GRP'\t\t\\N\r\n" + good.replace("A.Movie", "C.Movie") + "\r\n")
    inserted, rejects = _ingest(tmp_path, path)
    assert inserted == 2
    assert len(rejects) == 1 and "expected 12 fields" in rejects[0].reason


def test_rejects_file_and_stderr_from_cli(tmp_path: Path) -> None:
    bad = [b'{"broken": ' for _ in range(15)]
    path = _lines(tmp_path / "d.ndjson", *bad)
    rejects_file = tmp_path / "rejects.txt"
    result = run_cli("ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "--rejects", str(rejects_file), "-q")
    assert result.returncode == 0, result.stderr
    assert "inserted 2" in result.stdout and "rejected 15" in result.stdout
    shown = [line for line in result.stderr.splitlines() if line.startswith("rejected ")]
    assert len(shown) == 10  # the first N on stderr …
    assert len(rejects_file.read_text().splitlines()) == 15  # … all of them in the file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "/nonexistent/dump.csv"], "no such file or folder"),
        (["ingest", "{tmp}/empty_dir"], "folder holds no data files"),
        (["ingest", "{tmp}/data.bin"], "unknown format"),
        (["ingest", "{tmp}/d.ndjson", "--format", "xml"], "unknown format"),
        (["ingest", "{tmp}/d.ndjson", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["ingest", "{tmp}/d.ndjson", "--db", "{tmp}/not_a_db.duckdb"], "cannot open database"),
        (["volume", "--db", "{tmp}/missing.duckdb"], "no such database"),
        (["volume", "--db", "{tmp}/s.duckdb", "--since", "tomorrow"], "is not a date"),
    ],
)
def test_cli_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "data.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "not_a_db.duckdb").write_text("this is not a database\n")
    _lines(tmp_path / "d.ndjson")
    with Database(tmp_path / "s.duckdb"):
        pass
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--db" not in argv:
        argv += ["--db", str(tmp_path / "s.duckdb")]
    result = run_cli(*argv)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
