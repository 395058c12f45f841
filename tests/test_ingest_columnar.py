"""The columnar NDJSON reader gives exactly what the row path gives: batches, records, rejects, and the store.

Every test reads the same input both ways (``DumpSource(columnar=...)``; ``SCENEWATCH_COLUMNAR=0`` for a whole
ingest) and compares; the tricky inputs are the point, and a check that the fast path was taken keeps it honest.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenewatch.columnar import announcement_table
from scenewatch.ingest import ingest_paths
from scenewatch.records import Reject
from scenewatch.simulate import SimulationConfig, write
from scenewatch.sources import DumpSource, SourceBatch, SourceError
from scenewatch.store import Database

T = 1597831200  # 2020-08-19 10:00 UTC
RULES = """
[default.feeds.late]
offset_hours = 8
[default.feeds.srr]
time_is_pre = false
[default.feeds.p2p]
scene = false
"""


def _rows(batch: SourceBatch, origin: str) -> list[dict[str, Any]]:
    """A batch's announcements as plain rows, however the source gave them."""
    table = batch.table if batch.table is not None else announcement_table(batch.announcements, origin)
    return table.to_pylist()


def _same_batches(path: Path, *, batch_size: int = 7, skip: int = 0, **options: Any) -> int:
    """Assert both readers give the same batches; return how many batches the columnar one read as columns."""
    results = []
    for columnar in (False, True):
        source = DumpSource(path.resolve(), columnar=columnar, **options)
        batches = [
            (b.records_done, _rows(b, source.origin), b.nukes, b.rejects, b.standalone_nukes(), b.table is not None)
            for b in source.batches(skip=skip, batch_size=batch_size)
        ]
        results.append(batches)
    row, columnar = results
    assert [b[:5] for b in columnar] == [b[:5] for b in row]
    return sum(b[5] for b in columnar)


def _dump(path: Path, lines: list[bytes | str | dict[str, Any]]) -> Path:
    out = []
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        out.append(line.encode() if isinstance(line, str) else line)
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


PLAIN = [{"name": f"Some.Movie.{i}.2020.1080p.WEB.h264-GRP", "pre_at": T + i, "section": "X264"} for i in range(30)]
TRICKY: list[dict[str, Any]] = [
    {"name": "  Spaced.Name-GRP  ", "pre_at": T},
    {"name": "Unicode.Ünïcødé.2020-GRP", "pre_at": T, "section": "TV\u3000"},
    {"name": "\u3000Wide.Space-GRP", "pre_at": T},
    {"name": "Tab\tInside-GRP", "pre_at": T},
    {"name": "", "pre_at": T},
    {"name": "   ", "pre_at": T},
    {"name": "A" * 513, "pre_at": T},
    {"name": "A" * 512, "pre_at": T},
    {"name": "Millis-GRP", "pre_at": T * 1000 + 123},
    {"name": "Float.Time-GRP", "pre_at": T + 0.4999995},
    {"name": "Float.Millis-GRP", "pre_at": T * 1000 + 0.5},
    {"name": "Edge.1990-GRP", "pre_at": 631152000},
    {"name": "Edge.2100-GRP", "pre_at": 4102444799},
    {"name": "Too.Late-GRP", "pre_at": 4102444800},
    {"name": "Zero.Time-GRP", "pre_at": 0},
    {"name": "Negative.Time-GRP", "pre_at": -5},
    {"name": "Iso.Time-GRP", "pre_at": "2020-08-19 10:00:00"},
    {"name": "Iso.Zoned-GRP", "pre_at": "2020-08-19T10:00:00+02:00"},
    {"name": "Digits.Time-GRP", "pre_at": str(T)},
    {"name": "Null.Time-GRP", "pre_at": "\\N"},
    {"name": "Empty.Time-GRP", "pre_at": ""},
    {"name": "Zero.Date-GRP", "pre_at": "0000-00-00 00:00:00"},
    {"name": "Bool.Time-GRP", "pre_at": True},
    {"name": "Bad.Time-GRP", "pre_at": "yesterday"},
    {"name": "No.Time-GRP"},
    {"name": "Null.Section-GRP", "pre_at": T, "section": "\\N", "group": ""},
    {"name": "Int.Section-GRP", "pre_at": T, "section": 5, "group": 7},
    {"name": "Sized-GRP", "pre_at": T, "size": "3480MB", "files": "52F"},
    {"name": "Sized.Plain-GRP", "pre_at": T, "size": "1.25", "files": "52"},
    {"name": "Sized.Number-GRP", "pre_at": T, "size": 1.5, "files": 12},
    {"name": "Sized.Bool-GRP", "pre_at": T, "size": True, "files": False},
    {"name": "Sized.Huge-GRP", "pre_at": T, "size": 12345678901234567890},
    {"name": "Fed-GRP", "pre_at": T, "feed": "late"},
    {"name": "Fed.Srr-GRP", "pre_at": T, "feed": "srr"},
    {"name": "Fed.P2P-GRP", "pre_at": T, "feed": "p2p"},
    {"name": "Fed.Empty-GRP", "pre_at": T, "feed": ""},
    {"name": "Fed.Number-GRP", "pre_at": T, "feed": 3},
    {"name": "Nuked.Flag-GRP", "pre_at": T, "nuke": 1, "reason": "bad.rar"},
    {"name": "Nuked.Word-GRP", "pre_at": T, "nuke": "unnuke"},
    {"name": "Nuked.Zero-GRP", "pre_at": T, "nuke": "0"},
    {"name": "Status.Nuke-GRP", "pre_at": T, "status": 3, "network": "LocalNet"},
    {"name": "Status.Zero-GRP", "pre_at": T, "status": 0},
    {"name": "Event.Nuke-GRP", "action": "nuke", "at": T + 60, "reason": "dupe", "network": "net"},
    {"name": "Event.Delpre-GRP", "action": "DELPRE", "pre_at": T},
    {"name": "Event.Pre-GRP", "action": "pre", "pre_at": T},
    {"name": "Event.Weird-GRP", "action": "explode"},
    {"name": "Event.Zero.At-GRP", "action": "nuked", "at": 0, "pre_at": T, "feed": "late"},
    {"name": "Event.Float.At-GRP", "action": "unnuke", "at": T + 0.25, "reason": " spaced ", "network": "\\N"},
    {"name": "Event.No.Time-GRP", "action": "modnuke", "reason": ""},
    {"name": "Event.Spaced-GRP", "action": " nuke "},
    {"name": "Event.Millis-GRP", "action": "UNDELPRE", "at": T * 1000, "feed": "srr"},
    {"name": "Event.Bad.Time-GRP", "action": "nuke", "at": -1},
    {"name": "Some.Movie.3.2020.1080p.WEB.h264-GRP", "pre_at": T - 100, "section": "MOVIE"},
    {"name": "SOME.MOVIE.3.2020.1080P.WEB.H264-GRP", "pre_at": T - 200, "group": "OTHER"},
    {"name": "Extra.Fields-GRP", "pre_at": T, "nfo": None, "id": 12, "ok": True, "score": 1.5, "tags": "a,b"},
    {"name": "Timed.Name-GRP [11:37:51]", "pre_at": T},
    {"name": " Timed.Spaced-GRP  [23:59:59] ", "pre_at": T, "feed": "late"},
    {"name": "Timed.Nuke-GRP [01:02:03]", "pre_at": T, "nuke": 1, "reason": "dupe"},
    {"name": "Timed.Event-GRP [01:02:03]", "action": "nuke", "at": T + 60},
    {"name": "Not.A.Time-GRP [11:37]", "pre_at": T},
    {"name": "[11:37:51]", "pre_at": T},
]
BROKEN_LINES: list[bytes | str] = [
    b"",
    b"   ",
    b'{"name": "Broken.Json-GRP", "pre_at": ',
    b'["a", "list"]',
    b'{"name": "Bad.\xff\xfe.Bytes-GRP", "pre_at": 1597831200}',
    b'{"name": "NaN.Size-GRP", "pre_at": 1597831200, "size": NaN}',
    b'{"name": "Two-GRP", "pre_at": 1597831200}{"name": "Objects-GRP", "pre_at": 1597831200}',
    b'{"name": "Dup.Key-GRP", "name": "Dup.Key.Again-GRP", "pre_at": 1597831200}',
    b'\xef\xbb\xbf{"name": "Bom-GRP", "pre_at": 1597831200}',
    b'{"name": "Crlf-GRP", "pre_at": 1597831200}\r',
    b'  {"name": "Indented-GRP", "pre_at": 1597831200}',
    b'{"name": "Nested.Nuke-GRP", "pre_at": 1597831200, "nuke": {"type": "nuke", "reason": "x", "net": "n"}}',
    b'{"name": "' + b"L" * (1 << 20) + b'"}',
    b'{"name": 12345, "pre_at": 1597831200}',
]


def test_plain_dump_is_read_as_columns_with_the_same_batches(tmp_path: Path) -> None:
    path = _dump(tmp_path / "plain.ndjson", PLAIN)
    assert _same_batches(path) == 5  # four full batches and the tail; the empty last one has nothing to read


# Rows whose values have another JSON type than the same key in the rows around them: pyarrow cannot put them in
# one column, so their batch is read by the row path (test_times_as_strings reads such values as columns).
MIXED_TYPES = {"Iso.Time-GRP", "Iso.Zoned-GRP", "Digits.Time-GRP", "Null.Time-GRP", "Empty.Time-GRP",
               "Zero.Date-GRP", "Bool.Time-GRP", "Bad.Time-GRP", "Int.Section-GRP"}  # fmt: skip


@pytest.mark.parametrize("row", TRICKY, ids=lambda row: str(row.get("name", ""))[:24])
def test_tricky_values_map_as_the_row_path_maps_them(tmp_path: Path, row: dict[str, Any]) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    path = _dump(tmp_path / "d.ndjson", [*PLAIN[:5], row, *PLAIN[5:9]])
    # The line is inside a batch read as columns: it must come out as RowMapper makes it (or be rejected alike).
    assert _same_batches(path, batch_size=20, rules_file=rules) == (0 if row["name"] in MIXED_TYPES else 1)


def test_times_sections_and_sizes_as_strings(tmp_path: Path) -> None:
    """CSV-like NDJSON: every value a string, so the string branches of the columnar mapping are read as columns."""
    times = [str(T), str(T * 1000), "2020-08-19 10:00:00", "2020-08-19T10:00:00+02:00", "\\N", "", " 12 ",
             "0000-00-00 00:00:00", "yesterday", "1e9", "0001597831200", "4102444800", "631152000"]  # fmt: skip
    sizes = ["1.5", "3480MB", "", "\\N", "12", "1.2 GB", "x", "007"]
    files = ["52", "52F", "", " 7 ", "0099", "0"]
    rows = [
        {"name": f"Stringy.{i}-GRP", "pre_at": times[i % len(times)], "section": str(i % 3),
         "size": sizes[i % len(sizes)], "files": files[i % len(files)]}
        for i in range(60)
    ]  # fmt: skip
    path = _dump(tmp_path / "s.ndjson", rows)
    assert _same_batches(path, batch_size=16) == 4


@pytest.mark.parametrize("line", BROKEN_LINES, ids=lambda line: repr(line[:24]))
def test_a_batch_with_an_odd_line_falls_back_to_the_row_path(tmp_path: Path, line: bytes | str) -> None:
    path = _dump(tmp_path / "d.ndjson", [*PLAIN[:12], line, *PLAIN[12:]])
    batches = _same_batches(path, batch_size=7)
    assert batches >= 2  # the batches without the odd line still read as columns


def test_all_tricky_rows_and_lines_together_at_every_batch_size_and_skip(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    lines: list[Any] = []
    for i, row in enumerate(TRICKY):
        lines += [PLAIN[i % len(PLAIN)], row]
        if i < len(BROKEN_LINES):
            lines.append(BROKEN_LINES[i])
    path = _dump(tmp_path / "all.ndjson", lines)
    for batch_size, skip in [(1, 0), (3, 0), (10, 0), (50, 0), (1000, 0), (10, 7), (10, 40), (10, 500)]:
        _same_batches(path, batch_size=batch_size, skip=skip, rules_file=rules)


def test_keys_that_differ_from_row_to_row(tmp_path: Path) -> None:
    variants = [
        {"release": "Aliased.Name-GRP", "time": T},  # another alias for the same fields
        {"Name": "Cased.Key-GRP", "pre_at": T},
        {"name": "Partial.Keys-GRP"},
        {"name": "More.Keys-GRP", "pre_at": T, "category": "TV", "source": "irc"},
        {"pre_at": T, "section": "NO.NAME"},  # a row without a name column fails the whole input, both ways
    ]
    for i, variant in enumerate(variants):
        path = _dump(tmp_path / f"k{i}.ndjson", [*PLAIN[:3], variant, *PLAIN[3:6]])
        if "name" not in {k.lower() for k in variant} and "release" not in variant:
            for columnar in (False, True):
                with pytest.raises(SourceError, match="no release-name column"):
                    list(DumpSource(path.resolve(), columnar=columnar).batches(batch_size=4))
            continue
        _same_batches(path, batch_size=4)


def test_explicit_mapping_and_timestamp_like_strings(tmp_path: Path) -> None:
    rows = [{"rls": f"Mapped.{i}-GRP", "when": f"2020-08-19 10:00:{i:02d}", "cat": "TV"} for i in range(20)]
    path = _dump(tmp_path / "m.ndjson", rows)
    assert _same_batches(path, batch_size=6, mapping={"name": "rls", "pre_at": "when"}) == 4
    rows[7].pop("rls")  # an explicitly mapped column missing from one row fails the input, both ways
    path = _dump(tmp_path / "m2.ndjson", rows)
    for columnar in (False, True):
        with pytest.raises(SourceError, match="--map"):
            list(DumpSource(path.resolve(), columnar=columnar, mapping={"name": "rls"}).batches(batch_size=6))


values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([T, T * 1000, str(T), "", "\\N", " TV ", "X264", "3480MB", "52F", "nuke", "pre", "late", "srr"]),
    st.text(max_size=12),
)  # fmt: skip


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    """The row with a file count the store can hold: past int32 the ingest fails either way (row path: later)."""
    if isinstance(row.get("files"), int) and not -(2**31) <= row["files"] < 2**31:
        row["files"] = 0
    return row


keys = st.sampled_from(["name", "pre_at", "section", "group", "size", "files", "nuke", "status", "action", "at",
                        "reason", "network", "feed", "extra", "Name", "time"])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(keys, values, max_size=6), min_size=1, max_size=12))
def test_random_rows_map_alike(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row.setdefault("name", "Named.Release-GRP")
        _storable(row)
    path = tmp_path / "h.ndjson"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    try:
        _same_batches(path, batch_size=5, rules_file=rules)
    except SourceError:  # e.g. "Name" and "name" in one row: the row path refuses it; so must the columnar one
        for columnar in (False, True):
            with pytest.raises(SourceError):
                list(DumpSource(path.resolve(), columnar=columnar, rules_file=rules).batches(batch_size=5))


def _tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without the moments of writing."""
    out = {}
    for (table,) in db.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
        columns = [c for (c,) in db.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
        ).fetchall() if c not in ("updated_at", "applied_at")]  # fmt: skip
        select = ", ".join(f'"{c}"' for c in columns)
        out[table] = sorted(db.con.execute(f"SELECT {select} FROM {table}").fetchall(), key=repr)
    return out


def _ingest(path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, columnar: bool, **options: Any) -> Any:
    monkeypatch.setenv("SCENEWATCH_COLUMNAR", "1" if columnar else "0")
    rejects: list[Reject] = []
    with Database(db_path) as db:
        summary = ingest_paths(db, [path], on_reject=rejects.append, **options)
        return _tables(db), rejects, (summary.read, summary.inserted, summary.present, summary.nukes)


def test_simulated_dump_stores_the_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sim.ndjson.gz"
    write(SimulationConfig(start=date(2020, 8, 1), end=date(2020, 8, 31), scale=1.0, seed=11), path)
    row = _ingest(path, tmp_path / "row.duckdb", monkeypatch, False, batch_size=5000)
    columnar = _ingest(path, tmp_path / "columnar.duckdb", monkeypatch, True, batch_size=5000)
    assert columnar == row
    assert row[2][0] > 40_000 and row[2][3] > 1000  # releases and nuke events were there to compare


def test_tricky_dump_stores_the_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    lines: list[Any] = []
    for i in range(400):
        lines.append(PLAIN[i % len(PLAIN)] | {"pre_at": T + i * 7, "feed": ["late", "srr", "p2p", None][i % 4]})
        lines.append(TRICKY[i % len(TRICKY)])
        if i % 9 == 0:
            lines.append(BROKEN_LINES[i % len(BROKEN_LINES)])
    path = _dump(tmp_path / "tricky.ndjson", lines)
    row = _ingest(path, tmp_path / "row.duckdb", monkeypatch, False, batch_size=100, rules_file=rules)
    columnar = _ingest(path, tmp_path / "columnar.duckdb", monkeypatch, True, batch_size=100, rules_file=rules)
    assert columnar == row
    assert row[1]  # rejects were there to compare


lines = st.one_of(
    st.dictionaries(keys, values, max_size=6).map(lambda row: json.dumps(_storable({"name": "Named.Rls-GRP", **row}))),
    st.sampled_from([b"", b" ", b"\t\r", "\u3000", b"{}", b"[]", b"{", b"null", b'{"name": "x"} ', b"\xff"]),
    st.binary(max_size=20).map(lambda raw: raw.replace(b"\n", b"")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lines, min_size=1, max_size=15), st.integers(1, 6), st.integers(0, 8))
def test_random_lines_read_alike(tmp_path: Path, raw: list[bytes | str], batch_size: int, skip: int) -> None:
    path = _dump(tmp_path / "r.ndjson", raw)
    outcomes = []
    for columnar in (False, True):
        source = DumpSource(path.resolve(), fmt="ndjson", columnar=columnar)
        try:
            outcomes.append([
                (b.records_done, _rows(b, source.origin), b.nukes, b.rejects, b.standalone_nukes())
                for b in source.batches(skip=skip, batch_size=batch_size)
            ])  # fmt: skip
        except SourceError as exc:  # e.g. "{}": no name column fails the input, both ways alike
            outcomes.append([str(exc)])
    assert outcomes[1] == outcomes[0]


def test_records_survive_the_round_trip_through_columns() -> None:
    from datetime import UTC, datetime

    from scenewatch.columnar import announcements_of, nuke_table, nukes_of
    from scenewatch.records import Announcement, NukeAction, NukeEvent

    at = datetime(2020, 8, 19, 10, 0, 0, 123456, tzinfo=UTC)
    announcements = [
        Announcement("A.Release-GRP", at, section="TV", group="GRP", size_mb=1.5, files=3, feed="irc"),
        Announcement("B.Release-GRP", None, time_trusted=False, scene=False),
    ]
    assert announcements_of(announcement_table(announcements, "origin")) == announcements
    nukes = [NukeEvent("A.Release-GRP", NukeAction.MODNUKE, "reason", "net", at, "irc"),
             NukeEvent("B.Release-GRP", NukeAction.DELPRE)]  # fmt: skip
    assert nukes_of(nuke_table(nukes)) == nukes


def test_an_appended_announce_time_is_cut_from_the_name(tmp_path: Path) -> None:
    # nZEDb's "#pre@corrupt" feed relays names with the bot's time appended; the same release from another feed is
    # announced clean, and must stay one release with two sightings
    path = _dump(
        tmp_path / "timed.ndjson",
        [
            {"name": "Artist-Album-WEB-2020-GRP", "pre_at": T, "feed": "a"},
            {"name": "Artist-Album-WEB-2020-GRP [11:37:51]", "pre_at": T + 5, "feed": "b"},
            {"name": "Other-Album-WEB-2020-GRP [11:37]", "pre_at": T, "feed": "b"},
        ],
    )
    db = Database(tmp_path / "t.duckdb")
    ingest_paths(db, [path])
    names = [r[0] for r in db.con.execute("SELECT name FROM releases ORDER BY name").fetchall()]
    assert names == ["Artist-Album-WEB-2020-GRP", "Other-Album-WEB-2020-GRP [11:37]"]
    assert db.con.execute("SELECT count(*) FROM sightings").fetchone()[0] == 3
    db.close()
