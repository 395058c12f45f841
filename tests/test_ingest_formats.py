"""Each dump format lands the same releases; detection, mapping, compression and nukes."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
import zstandard

from scenewatch.ingest import ingest_paths
from scenewatch.sources import DumpSource, SourceError, detect_format, parse_mapping
from scenewatch.store import Database

ROWS = [
    ("Some.Movie.2020.1080p.BluRay.x264-SPARKS", 1597831200, "X264-HD", "SPARKS"),
    ("Other.Show.S01E02.720p.WEB.h264-GRP", 1597834800, "TV-X264", "GRP"),
    ("Game_Title_NSW-VENOM", 1597838400, "NSW", "VENOM"),
]


def _csv(path: Path) -> Path:
    lines = ["release,pretime,section,team,size"] + [f"{n},{t},{s},{g},1234" for n, t, s, g in ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def _ndjson(path: Path) -> Path:
    path.write_text(
        "".join(json.dumps({"name": n, "pre_at": t, "section": s, "group": g}) + "\n" for n, t, s, g in ROWS)
    )
    return path


def _sql(path: Path) -> Path:
    values = ",".join(f"({i},'{n}',{t},'{s}','{g}')" for i, (n, t, s, g) in enumerate(ROWS, 1))
    path.write_text(
        "-- predb dump\nCREATE TABLE `pre` (\n  `id` int NOT NULL,\n  `name` varchar(255),\n  `time` int,\n"
        "  `cat` varchar(32),\n  `team` varchar(64),\n  PRIMARY KEY (`id`)\n);\n"
        f"INSERT INTO `pre` VALUES {values};\n"
    )
    return path


def _nzedb(path: Path) -> Path:
    lines = []
    for n, t, s, _ in ROWS:
        local = datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")  # only for shape; zone tested elsewhere
        fields = [
            f"'{n}'",
            "\\N",
            "'100MB'",
            "'5F'",
            "''",
            "'0'",
            "\\N",
            f"'{s}'",
            f"'{local}'",
            "'#pre@corrupt'",
            "'0'",
            "\\N",
        ]
        lines.append("\t\t".join(fields))
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


@pytest.mark.parametrize(
    ("maker", "filename", "expected"),
    [
        (_csv, "d.csv", "csv"),
        (_ndjson, "d.ndjson", "ndjson"),
        (_sql, "d.sql", "sql"),
        (_nzedb, "x_predb_dump.csv", "nzedb"),
    ],
)
def test_each_format_is_detected_and_lands_every_release(tmp_path: Path, maker, filename: str, expected: str) -> None:
    path = maker(tmp_path / filename)
    assert detect_format(path) == expected
    with Database(tmp_path / "s.duckdb") as db:
        summary = ingest_paths(db, [path])
        assert (summary.read, summary.inserted, summary.rejected) == (3, 3, 0)
        names = set(db.query("SELECT name FROM releases")["name"])
    assert names == {r[0] for r in ROWS}


def test_content_beats_extension(tmp_path: Path) -> None:
    # nZEDb files are named .csv but are not CSV; NDJSON saved as .txt is still NDJSON.
    assert detect_format(_nzedb(tmp_path / "1_predb_dump.csv")) == "nzedb"
    assert detect_format(_ndjson(tmp_path / "rows.txt")) == "ndjson"


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_dumps(tmp_path: Path, compression: str) -> None:
    plain = _ndjson(tmp_path / "d.ndjson").read_bytes()
    if compression == "gzip":
        path = tmp_path / "d.ndjson.gz"
        path.write_bytes(gzip.compress(plain))
    else:
        path = tmp_path / "d.ndjson.zst"
        path.write_bytes(zstandard.ZstdCompressor().compress(plain))
    with Database(tmp_path / "s.duckdb") as db:
        assert ingest_paths(db, [path]).inserted == 3


def test_explicit_mapping_and_unix_or_iso_times(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "rls;when;where\nA.Movie.2020-GRP;2020-08-19T10:00:00+02:00;X264-HD\nB.Movie.2020-GRP;1597831200;X264\n"
    )
    with Database(tmp_path / "s.duckdb") as db:
        summary = ingest_paths(db, [path], mapping=parse_mapping("name=rls,pre_at=when,section=where"))
        assert summary.inserted == 2
        times = dict(db.con.execute("SELECT name, pre_at FROM releases").fetchall())
    assert times["A.Movie.2020-GRP"] == datetime(2020, 8, 19, 8, 0)
    assert times["B.Movie.2020-GRP"] == datetime(2020, 8, 19, 10, 0)


def test_bad_mapping_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown target"):
        parse_mapping("nom=release")
    with pytest.raises(SourceError, match="not TARGET=COLUMN"):
        parse_mapping("name")
    path = _csv(tmp_path / "d.csv")
    with Database(tmp_path / "s.duckdb") as db, pytest.raises(SourceError, match="not in the input"):
        ingest_paths(db, [path], mapping={"name": "nosuch"})


def test_nukes_kept_as_history(tmp_path: Path) -> None:
    path = tmp_path / "n.ndjson"
    lines = [
        {"name": "A.Movie.2020.1080p.BluRay.x264-GRP", "pre_at": 1597831200, "section": "X264-HD"},
        {
            "action": "nuke",
            "name": "A.Movie.2020.1080p.BluRay.x264-GRP",
            "at": 1597834800,
            "reason": "dupe",
            "network": "LinkNet",
        },
        {"action": "unnuke", "name": "A.Movie.2020.1080p.BluRay.x264-GRP", "at": 1597838400, "reason": "not.dupe"},
        {
            "name": "B.Movie.2020.1080p.BluRay.x264-GRP",
            "pre_at": 1597831200,
            "nuke": {"type": "nuke", "reason": "bad.ar", "net": "EFNet"},
        },
        {"name": "C.Movie.2020-GRP", "pretime": 1597831200, "status": 3, "reason": "mislabeled"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with Database(tmp_path / "s.duckdb") as db:
        summary = ingest_paths(db, [path])
        assert summary.nukes == 4
        history = db.query("SELECT name, action, reason, network FROM nukes ORDER BY nuked_at NULLS LAST, name")
        again = ingest_paths(db, [path], force=True)
        assert again.nukes == 0 and again.inserted == 0
    assert list(history["action"])[:2] == ["nuke", "unnuke"]
    assert set(history["action"]) == {"nuke", "unnuke", "modnuke"}
    assert "EFNet" in set(history["network"])


def test_folder_skips_non_data_files_and_sorts(tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    _ndjson(folder / "2.ndjson")
    _csv(folder / "1.csv")
    (folder / "README.txt").write_text("not data\n")
    (folder / "LICENSE").write_text("not data\n")
    with Database(tmp_path / "s.duckdb") as db:
        summary = ingest_paths(db, [folder])
    assert summary.files == 2 and summary.rejected == 0 and summary.inserted == 3


def test_unknown_format_flag(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown format"):
        DumpSource(_csv(tmp_path / "d.csv"), fmt="xml")


@pytest.mark.parametrize("columnar", ["1", "0"])
def test_csv_doubled_quotes_are_one_quote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columnar: str) -> None:
    # RFC 4180: a quote inside a quoted field is doubled; a header alone never shows the Sniffer that convention.
    monkeypatch.setenv("SCENEWATCH_COLUMNAR", columnar)
    path = tmp_path / "q.csv"
    path.write_text('name,pre_at\n"The ""Best"" Show.S01E01.720p.WEB.h264-GRP",1597831200\n"Plain-GRP",1597831200\n')
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [path])
        names = sorted(n for (n,) in db.con.execute("SELECT name FROM releases").fetchall())
    assert names == ['Plain-GRP', 'The "Best" Show.S01E01.720p.WEB.h264-GRP']


@pytest.mark.parametrize("columnar", ["1", "0"])
def test_csv_nuke_flags_in_any_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columnar: str) -> None:
    # exporters write booleans as False/FALSE/no/NULL: none of them is a nuke; True, 1 and yes are
    monkeypatch.setenv("SCENEWATCH_COLUMNAR", columnar)
    flags = ["False", " FALSE ", "no", "NULL", "0", "", "True", "1", "yes"]
    path = tmp_path / "n.csv"
    path.write_text("name,pre_at,nuked\n" + "".join(f"Rel.{i}-GRP,{1597831200 + i},{f}\n" for i, f in enumerate(flags)))
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [path])
        nuked = dict(db.con.execute("SELECT name, nuked FROM releases").fetchall())
    assert [nuked[f"Rel.{i}-GRP"] for i in range(len(flags))] == [False] * 6 + [True] * 3
