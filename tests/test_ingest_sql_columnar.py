"""The columnar SQL reader gives exactly what the row path gives: batches, records, rejects, errors, and the store.

The tokenizer is the row path's own, so what is compared here is the mapping: rows with every kind of value, batches
cut inside a statement of many tuples (line numbers repeat there), rows of two tables in one batch, typed and mixed
columns, rejects of the tokenizer among mapped rows; and a count of the rows that went through the row mapper.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from test_ingest_csv_columnar import RULES
from test_ingest_nzedb_columnar import _count_row_mapper, _differences, _ingest, _rows

from scenewatch.sources import DumpSource, SourceError
from scenewatch.sources.formats import nzedb

T = 1597831200  # 2020-08-19 10:00 UTC
CREATE = ("CREATE TABLE `pre` (\n  `id` int NOT NULL,\n  `name` varchar(255),\n  `time` int,\n"
          "  `section` varchar(20),\n"
          "  `size` varchar(20),\n  `status` int,\n  `reason` varchar(255),\n  `source` varchar(20),\n"
          "  PRIMARY KEY (`id`)\n);\n")  # fmt: skip


def value(i: int, name: str | None = None, time: str | None = None, section: str = "'TV'", size: str = "'819MB'",
          status: str = "0", reason: str = "NULL", source: str = "NULL") -> str:  # fmt: skip
    """One VALUES tuple of the ``pre`` table (values as written)."""
    name = name if name is not None else f"'Some.Show.S01E{i:02d}.720p.WEB.h264-GRP'"
    return f"({i},{name},{time or T + i},{section},{size},{status},{reason},{source})"


PLAIN = [value(i) for i in range(40)]
ODD = [
    value(1, "'Escaped\\'Quote-GRP'"), value(2, "'Doubled''Quote-GRP'"), value(3, "'Back\\\\slash\\n-GRP'"),
    value(4, "'Nul\\0Name-GRP'"), value(5, "'Tuple),(Inside;-GRP'"), value(6, "NULL"), value(7, "''"),
    value(8, "'  Spaced-GRP  '"), value(9, "12345"), value(10, "'Ünïcødé-GRP'", section="'Pré'"),
    value(11, time="'2020-08-19 12:35:15'"), value(12, time="'2020-10-25 02:30:00'"), value(13, time="1597831200.5"),
    value(14, time=str(T * 1000)), value(15, time="0"), value(16, time="-5"), value(17, time="1e20"),
    value(18, time="NULL"), value(19, time="'0000-00-00 00:00:00'"), value(20, time="'yesterday'"),
    value(21, time="99999999999999999999"), value(22, status="1", reason="'bad.rar'"), value(23, status="2"),
    value(24, status="4"), value(25, status="'3'"), value(26, status="NULL"), value(27, status="7"),
    value(28, size="'1.2 GB'"), value(29, size="3480"), value(30, size="1.5e3"), value(31, size="NULL"),
    value(32, source="'late'"), value(33, source="'srr'"), value(34, source="'p2p'"), value(35, source="''"),
    value(36, section="NULL"), value(37, section="'\\N'"), value(38, section="5"), value(39, section="TRUE"),
    "(40,'Too.Few-GRP',1597831200)", "(41,'Broken-GRP',@@,1)", "(42, 'Spaced-GRP' , 1597831200 , 'TV' , '1' , 0 , "
    "NULL , NULL )", value(43, "'some.show.s01e01.720p.web.h264-grp'", time=str(T - 100)),
]


def _statements(tuples: list[str], per_line: int = 5, width: int = 8) -> str:
    """INSERT statements of these tuples, ``per_line`` tuples a line and ``width`` a statement."""
    out = []
    for start in range(0, len(tuples), width):
        chunk = tuples[start : start + width]
        lines = [",".join(chunk[i : i + per_line]) for i in range(0, len(chunk), per_line)]
        out.append("INSERT INTO `pre` VALUES " + ",\n".join(lines) + ";\n")
    return "".join(out)


def _dump(path: Path, text: str | bytes, *, gz: bool = False) -> Path:
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _read(path: Path, columnar: bool, batch_size: int, skip: int, **options: Any) -> tuple[list[Any], str | None]:
    source = DumpSource(path.resolve(), fmt="sql", columnar=columnar, **options)
    assert source.columnar is columnar
    out: list[Any] = []
    try:
        for b in source.batches(skip=skip, batch_size=batch_size):
            out.append((b.records_done, _rows(b, source.origin), b.nukes, b.rejects, b.standalone_nukes()))
    except SourceError as exc:
        return out, f"{type(exc).__name__}: {exc}"
    return out, None


def _same_batches(path: Path, *, batch_size: int = 7, skip: int = 0, **options: Any) -> list[Any]:
    """Assert both readers give the same batches (and the same error at the end, if any); return them."""
    row_path = _read(path, False, batch_size, skip, **options)
    assert _read(path, True, batch_size, skip, **options) == row_path
    return row_path[0]


def test_plain_tuples_are_mapped_as_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _dump(tmp_path / "plain.sql", "-- dump\n" + CREATE + _statements(PLAIN, per_line=40, width=40))
    calls = _count_row_mapper(monkeypatch)
    batches = _same_batches(path, batch_size=16)
    assert [b[0] for b in batches] == [16, 32, 40] and sum(len(b[1]) for b in batches) == 40
    assert calls[0] == 40
    calls[0] = 0
    _read(path, True, 16, 0)
    assert calls[0] == 0  # the columnar reader mapped every tuple itself


@pytest.mark.parametrize("odd", ODD, ids=lambda odd: repr(odd[:30]))
def test_an_odd_tuple_among_plain_ones_reads_alike(tmp_path: Path, odd: str) -> None:
    path = _dump(tmp_path / "d.sql", CREATE + _statements([*PLAIN[:5], odd, *PLAIN[5:9]], per_line=3))
    _same_batches(path, batch_size=4)
    _same_batches(path, batch_size=50)


def test_all_odd_tuples_at_every_batch_size_and_skip(tmp_path: Path) -> None:
    tuples = [t for pair in zip(PLAIN * 2, ODD, strict=False) for t in pair]
    other = ("CREATE TABLE nukes (name text, nuke text, reason text, at int);\n"
             "INSERT INTO nukes (name, action, reason, at) VALUES ('Nuked-GRP','nuke','dupe',1597831300),"
             "('Un-GRP','unnuke',NULL,NULL),('Weird-GRP','explode',NULL,1);\n")  # fmt: skip
    text = CREATE + _statements(tuples[:40]) + other + _statements(tuples[40:], per_line=7, width=30)
    lines = text.encode().split(b"\n")
    lines[7] = lines[7].replace(b"Show", b"\xff\xfe")  # invalid UTF-8 inside a statement
    path = _dump(tmp_path / "all.sql", b"\n".join(lines) + b"INSERT INTO nowhere VALUES (1,2);\n")
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    for batch_size, skip in [(1, 0), (3, 0), (10, 0), (1000, 0), (10, 7), (10, 60), (10, 500)]:
        batches = _same_batches(path, batch_size=batch_size, skip=skip, rules_file=rules, timezone="Europe/Berlin")
        if batch_size == 1000:
            assert len(batches[0][3]) > 10 and len(batches[0][2]) > 5


@pytest.mark.parametrize("mapping", [{"name": "reason"}, {"nuke": "status", "section": "status"}, {"name": "nope"}],
                         ids=str)  # fmt: skip
def test_explicit_mapping_and_errors_read_alike(tmp_path: Path, mapping: dict[str, str]) -> None:
    tuples = [value(i, reason=f"'Reason.{i}-GRP'", status=str(i % 3)) for i in range(20)]
    path = _dump(tmp_path / "m.sql", CREATE + _statements(tuples + ODD[::4]))
    _same_batches(path, batch_size=6, mapping=mapping)
    path = _dump(tmp_path / "n.sql", "INSERT INTO t (title_x, t) VALUES ('a',1),('b',2);\n")
    row_path = _read(path, False, 1, 0)
    assert row_path == _read(path, True, 1, 0) and "no release-name column" in (row_path[1] or "")


def test_odd_and_truncated_dumps_store_the_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    tuples = [value(i, f"'Rls.{i % 170}-GRP'", source=["NULL", "'late'", "'srr'", "'p2p'"][i % 4],
                    status=["0", "0", "1", "2"][i % 4]) for i in range(300)]  # fmt: skip
    _dump(folder / "1.sql", CREATE + _statements([t for pair in zip(tuples, ODD * 7, strict=False) for t in pair]))
    whole = _dump(folder / "2.sql.gz", CREATE + _statements(PLAIN * 30), gz=True)
    whole.write_bytes(whole.read_bytes()[:-40])
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    results = [_ingest([folder], tmp_path / f"{kind}.duckdb", monkeypatch, kind == "columnar", batch_size=50,
                       rules_file=rules) for kind in ("row", "columnar")]  # fmt: skip
    assert results[1] == results[0]
    rejects, counts, failed = results[0]
    assert rejects and counts["rejected"] == len(rejects) and counts["nukes"] > 0
    assert len(failed) == 1 and "2.sql.gz" in failed[0]
    assert all(only == [0, 0] for _, *only in _differences(tmp_path / "row.duckdb", tmp_path / "columnar.duckdb")
               .values())  # fmt: skip


def _escaped(text: str) -> str:
    """A MySQL string literal, as mysqldump writes it."""
    for old, new in (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r"), ("\0", "\\0")):
        text = text.replace(old, new)
    return f"'{text}'"


def real_sql(dumps: Path, path: Path, step: int) -> int:
    """Every ``step``-th real nZEDb dump as mysqldump's extended INSERTs (500 tuples a line); returns its rows."""
    fields = ["title", "predate", "category", "size", "files", "nuked", "nukereason", "source", "groupname"]
    tuples = []
    for dump in sorted(dumps.glob("*_predb_dump.csv.gz"))[::step]:
        text = gzip.decompress(dump.read_bytes()).decode("utf-8", errors="replace").splitlines()
        for _, record in nzedb.records(enumerate(text, 1), str(dump)):
            if isinstance(record, dict):
                values = [record[f] for f in fields]
                tuples.append("(" + ",".join("NULL" if v is None else _escaped(v) for v in values) + ")")
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write("-- real slice\n/*!40101 SET NAMES utf8 */;\n")
        for start in range(0, len(tuples), 500):
            out.write(f"INSERT INTO `pre` ({', '.join(fields)}) VALUES {','.join(tuples[start : start + 500])};\n")
    return len(tuples)


@pytest.mark.slow
def test_real_slice_as_sql_stores_the_same_either_way(
    nzedb_dumps: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "real.sql.gz"
    written = real_sql(nzedb_dumps, path, 20)
    row_path = _ingest([path], tmp_path / "row.duckdb", monkeypatch, False, timezone="Europe/Berlin")
    calls = _count_row_mapper(monkeypatch)
    columnar = _ingest([path], tmp_path / "columnar.duckdb", monkeypatch, True, timezone="Europe/Berlin")
    assert columnar == row_path
    read = row_path[1]["read"]
    assert read == written > 100_000 and row_path[1]["inserted"] > 80_000 and row_path[1]["nukes"] > 250
    assert calls[0] < read // 50
    differences = _differences(tmp_path / "row.duckdb", tmp_path / "columnar.duckdb")
    assert differences["releases"][0] > 80_000 and differences["sightings"][0] > 100_000
    assert {table: only for table, (_, *only) in differences.items() if only != [0, 0]} == {}
