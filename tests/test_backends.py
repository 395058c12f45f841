"""The portable analyses give identical results on DuckDB (store and Parquet), chDB and Spark over one export."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import orjson
import pandas as pd
import pytest
from backends_race import RACE_COMMANDS, check_race_dupes_fixes, race_lines

from scenewatch.analysis import portable
from scenewatch.analysis.affiliation import vanished_clusters, vanished_with
from scenewatch.analysis.changepoints import changepoints
from scenewatch.analysis.compare import compare, event_windows
from scenewatch.analysis.concentration import concentration
from scenewatch.analysis.definitions import ACTIONS, NUKED
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.gaps import gaps
from scenewatch.analysis.impact import impact
from scenewatch.analysis.languages import language_impact, language_volume
from scenewatch.analysis.leaks import leaks, normalise_title, read_retail
from scenewatch.analysis.nukes import CLASSES, classify_reason, nuke_reasons, nukes
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import data_span, volume
from scenewatch.analysis.window_copy import sql_source
from scenewatch.ingest import ingest_paths
from scenewatch.records import Gap
from scenewatch.simulate import PlantedEvent, SimulationConfig, write
from scenewatch.store import Database, StoreError
from scenewatch.store.backends import CLICKHOUSE_SCHEMA, clickhouse_client, connect, load_clickhouse
from scenewatch.store.parquet import export_parquet

# Ibis 12 calls DuckDB's deprecated fetch_arrow_table and pandas' future.infer_string: noise, not our code.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning",
                                        "ignore:.*infer_string.*")  # fmt: skip


_T0 = datetime(2020, 9, 10, 12, tzinfo=UTC)
# Hand-made nuke histories (group NKTEST, pre at _T0): (release, events as (action, hours after _T0 or None for an
# event without a time, reason), the class it ends nuked with; None: not nuked; "by id": the event of higher id).
NUKE_CASES: list[tuple[str, list[tuple[str, float | None, str | None]], str | None]] = [
    ("Alpha.Plain", [("nuke", 1, "dupe.TESTCASE")], "dupe"),
    ("Bravo.Unnuked", [("nuke", 1, "bad.ivtc.TESTCASE"), ("unnuke", 2, "fixed.TESTCASE")], None),
    ("Charlie.Modnuked", [("nuke", 1, "mislabeled.TESTCASE"), ("modnuke", 2, "stolen.from.TESTCASE")], "stolen"),
    ("Delta.Nuked.Twice", [("nuke", 1, "no.nfo.TESTCASE"), ("unnuke", 2, "fixed.TESTCASE"),
                           ("nuke", 3, "crc.errors.TESTCASE")], "bad"),
    ("Echo.Echoed", [("nuke", 1, "get.reqid.TESTCASE"), ("nuke", 1.001, "get.reqid.TESTCASE")], "request"),
    ("Foxtrot.Tie", [("nuke", 1, "x.dup.TESTCASE"), ("unnuke", 1, "tie.TESTCASE")], None),  # same time: unnuke last
    ("Golf.Timeless", [("nuke", None, "\u00e9dup.TESTCASE")], "dupe"),  # RE2, Java and Python agree on "édup"
    ("Hotel.No.Reason", [("nuke", 1, None)], "other"),
    ("India.Upper", [("nuke", 1, "DUPE.TESTCASE")], "dupe"),
    ("Juliet.Timeless.Unnuke", [("nuke", None, "bad.TESTCASE"), ("unnuke", 1, "fixed.TESTCASE")], None),
    ("Kilo.Clean", [], None),
    ("Lima.Delpre", [("nuke", 1, "stolen.TESTCASE"), ("delpre", 2, "gone.TESTCASE")], "stolen"),
    ("Mike.Underscore", [("nuke", 1, "xdup_TESTCASE")], "other"),  # "_" is a word character: no "dup" word
    ("November.Kelvin", [("nuke", 1, "PAC\u212a.TESTCASE")], "other"),  # the Kelvin sign is not a "k" anywhere
    ("Oscar.Tag", [("nuke", 1, "missing.lang.tag.TESTCASE")], "mislabeled"),
    ("Papa.Proof", [("nuke", 1, "proof.TESTCASE")], "rules"),
    ("Quebec.Modnuke.Tie", [("nuke", 1, "bad.TESTCASE"), ("modnuke", 1, "dupe.mod.TESTCASE")], "dupe"),
    ("Romeo.Same.Time", [("nuke", 1, "bad.audio.TESTCASE"), ("nuke", 1, "dupe.same.TESTCASE")], "by id"),
]  # fmt: skip
# Hand-made leaks (group LKTEST): release name, pre time; the retail file below; the expected rows in order.
LEAK_RELEASES = [
    ("The.Zyx.Harbour.2020.1080p.BluRay.x264-LKTEST", "2020-09-10T12:00:00Z"),
    ("Zyx.Harbour.2020.720p.WEB.H264-LKTEST", "2020-09-25T08:00:00Z"),
    ("The.Zyx.Harbour.1998.1080p.BluRay.x264-LKTEST", "2020-09-01T08:00:00Z"),  # another film: no match
    ("Am\u00e9lie.Zyx.2020.1080p.WEB.H264-LKTEST", "2020-09-18T10:00:00Z"),
    ("\u0130stanbul.Zyx.2020.1080p.WEB.H264-LKTEST", "2020-09-18T10:00:00Z"),  # same pre time: by name
    ("The.The.Zyx.Band.2020.1080p.WEB.H264-LKTEST", "2020-09-28T10:00:00Z"),
    ("Five.Zyx.Cliff.2020.1080p.WEB.H264-LKTEST", "2020-09-15T10:00:00Z"),  # starts with f, ends with ff
]
LEAK_RETAIL = [
    ("The Zyx Harbour", 2020, "movie", "2020-09-20", "US"),
    ("The Zyx Harbour", 2020, "movie", "2020-09-20", "GB"),  # one release, two retail rows: in file order
    ("Am\u00e9lie Zyx", 2020, "movie", "2020-09-20", "FR"),  # key "am lie zyx" on every engine
    ("\u0130stanbul Zyx", 2020, "movie", "2020-09-20", "TR"),  # key "stanbul zyx" on every engine
    ("The The Zyx Band", 2020, "movie", "2020-10-01", None),  # one leading "the" dropped: "the zyx band"
    ("Zyx Never Released", 2020, "movie", "2020-12-01", "US"),
    ("Five Zyx Cliff", 2020, "movie", "2020-09-16", "US"),
]
LEAK_EXPECTED = [  # (release, country, days before retail)
    ("The.Zyx.Harbour.2020.1080p.BluRay.x264-LKTEST", "US", 10),
    ("The.Zyx.Harbour.2020.1080p.BluRay.x264-LKTEST", "GB", 10),
    ("The.The.Zyx.Band.2020.1080p.WEB.H264-LKTEST", None, 3),
    ("Am\u00e9lie.Zyx.2020.1080p.WEB.H264-LKTEST", "FR", 2),
    ("\u0130stanbul.Zyx.2020.1080p.WEB.H264-LKTEST", "TR", 2),
    ("Five.Zyx.Cliff.2020.1080p.WEB.H264-LKTEST", "US", 1),
    ("Zyx.Harbour.2020.720p.WEB.H264-LKTEST", "US", -5),
    ("Zyx.Harbour.2020.720p.WEB.H264-LKTEST", "GB", -5),
]


def _nuke_name(stem: str) -> str:
    return f"{stem}.2020.1080p.BluRay.x264-NKTEST"


def _hand_made_lines() -> list[dict[str, Any]]:
    """Dump rows of the hand-made releases and nuke events (one release in a lower-case section)."""
    rows: list[dict[str, Any]] = []
    for stem, events, _ in NUKE_CASES:
        section = "x264-hd" if stem == "India.Upper" else "X264-HD"
        rows.append({"name": _nuke_name(stem), "pre_at": _T0.isoformat(), "section": section})
        for action, hours, reason in events:
            at = None if hours is None else (_T0 + timedelta(hours=hours)).isoformat()
            rows.append({"action": action, "name": _nuke_name(stem), "at": at, "reason": reason, "network": "TestNET"})
    rows.append({"action": "nuke", "name": _nuke_name("Zulu.Not.In.Store"), "at": _T0.isoformat(), "reason": "bad"})
    rows += [{"name": name, "pre_at": at, "section": "X264-HD"} for name, at in LEAK_RELEASES]
    return rows


def _write_retail(db: Database, path: Path) -> None:
    """The hand-made retail rows plus simulated titles (movies with a year, TV shows without), as a CSV."""
    sim = db.query(
        "SELECT title, year, 'movie' AS kind, CAST(min(pre_at) + INTERVAL 3 DAY AS DATE) AS date FROM releases "
        "WHERE scene AND category = 'movie' AND year IS NOT NULL AND grp <> 'LKTEST' GROUP BY title, year "
        "ORDER BY title, year LIMIT 40"
    )
    tv = db.query(
        "SELECT DISTINCT title, NULL AS year, 'tv' AS kind, DATE '2020-09-01' AS date FROM releases "
        "WHERE scene AND category = 'tv' ORDER BY title LIMIT 20"
    )
    hand = pd.DataFrame(LEAK_RETAIL, columns=["title", "year", "kind", "date", "country"])
    frame = pd.concat([hand, sim, tv], ignore_index=True)
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A simulated store (four months around a planted raid, with planted races) plus hand-made nukes, leaks and
    races, and its Parquet export."""
    work = tmp_path_factory.mktemp("backends")
    dump = work / "sim.ndjson"
    # A feed outage to detect (outside impact's window) and a recorded gap inside it (a day impact leaves out).
    events = (PlantedEvent(date(2020, 8, 25), "raid"), PlantedEvent.parse("2020-10-10:outage:36h"))
    write(SimulationConfig(start=date(2020, 7, 1), end=date(2020, 10, 31), scale=0.1, seed=11, races=60,
                           events=events), dump)  # fmt: skip
    with dump.open("ab") as out:
        out.write(b"".join(orjson.dumps(row) + b"\n" for row in [*_hand_made_lines(), *race_lines()]))
    path = work / "store.duckdb"
    with Database(path) as db:
        ingest_paths(db, [dump])
        db.add_gap(Gap("irc-a", datetime(2020, 9, 5, 6, tzinfo=UTC), datetime(2020, 9, 5, 20, tzinfo=UTC), "netsplit"))
        export_parquet(db, work / "export")
        top = db.scalar("SELECT grp FROM releases WHERE scene GROUP BY grp ORDER BY count(*) DESC, grp LIMIT 1")
        _write_retail(db, work / "retail.csv")
    return {"path": path, "export": work / "export", "top_group": top, "work": work, "retail": work / "retail.csv"}


def _cases(top_group: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [
        ("day", None, {}),
        ("week", "category", {}),
        ("month", "group", {}),
        ("day", "section", {"category": "tv", "since": date(2020, 8, 1), "until": date(2020, 8, 31)}),
        ("week", None, {"group": top_group.lower()}),
        ("day", "category", {"section": "x264", "since": date(2020, 9, 3), "until": date(2020, 9, 9)}),
        ("month", None, {"since": date(2021, 1, 1)}),  # nothing there: empty frame
    ]


def _windows() -> list[tuple[str, date, date]]:
    return event_windows(date(2020, 8, 26), after_weeks=2, later_weeks=6)


def _check_backend(con: Any, store: dict[str, Any]) -> None:
    with Database(store["path"], read_only=True) as db:
        for by, split, filters in _cases(store["top_group"]):
            expected = volume(db, by, split, **filters)  # type: ignore[arg-type]
            got = portable.volume(con, by, split, **filters)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=f"volume {by} {split} {filters}")
            assert list(got.dtypes) == list(expected.dtypes) or expected.empty
        top = db.query(
            "SELECT grp AS \"group\", count(*) AS count FROM releases WHERE scene AND pre_at >= '2020-08-01' "
            "AND pre_at < '2020-09-01' AND grp IS NOT NULL GROUP BY grp ORDER BY count DESC, grp LIMIT 7"
        )
        got_top = portable.top_groups(con, date(2020, 8, 1), date(2020, 8, 31), limit=7)
        assert got_top["group"].tolist() == top["group"].tolist()
        assert got_top["count"].tolist() == top["count"].tolist()
        for by in ("category", "group", None):
            expected = compare(db, _windows(), by)
            got = compare(con, _windows(), by)
            pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), obj=f"compare by {by}")
        assert data_span(con) == (date(2020, 7, 1), date(2020, 10, 31))
        for period, kwargs in (("month", {}), ("week", {"top_k": 3}), ("week", {"category": "tv"})):
            expected = concentration(db, period, **kwargs)
            assert len(expected) > 10
            pd.testing.assert_frame_equal(concentration(con, period, **kwargs), expected, obj=f"concentration {period}")
        for period, by, kwargs in (("week", "language", {}), ("month", "region", {}),
                                   ("day", "language", {"category": "movie", "since": date(2020, 8, 1)})):  # fmt: skip
            expected = language_volume(db, period, by, **kwargs)  # type: ignore[arg-type]
            assert expected[by].nunique() > 2
            got = language_volume(con, period, by, **kwargs)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=f"language volume {period} {by}")
        expected = language_impact(db, date(2020, 8, 26), "4w", "4w", min_releases=20, draws=500)
        assert len(expected) > 2
        got = language_impact(con, date(2020, 8, 26), "4w", "4w", min_releases=20, draws=500)
        pd.testing.assert_frame_equal(got, expected, obj="language impact")
        expected = gaps(db)
        assert expected["kind"].tolist().count("recorded") == 1 and "detected" in expected["kind"].tolist()
        pd.testing.assert_frame_equal(gaps(con), expected, check_dtype=False, obj="gaps")
        for by in ("category", None):
            expected = impact(db, date(2020, 8, 26), "4w", "4w", by)
            assert any("2020-09-05" in w for w in expected.attrs["warnings"])  # the recorded gap: a day left out
            got = impact(con, date(2020, 8, 26), "4w", "4w", by)
            pd.testing.assert_frame_equal(got, expected, obj=f"impact by {by}")
            assert got.attrs["warnings"] == expected.attrs["warnings"]
        expected = recovery(db, date(2020, 8, 26), before="4w", horizon="8w")
        pd.testing.assert_frame_equal(recovery(con, date(2020, 8, 26), before="4w", horizon="8w"), expected)
        expected = changepoints(db)
        assert len(expected) > 0  # breaks to compare, not two empty frames
        pd.testing.assert_frame_equal(changepoints(con), expected, obj="changepoints")
        expected = dormancy(db, date(2020, 9, 15))
        assert len(expected) > 20
        pd.testing.assert_frame_equal(dormancy(con, date(2020, 9, 15)), expected, obj="dormancy")
        for got, want in (
            (vanished_clusters(con, date(2020, 9, 15), min_score=1.0),
             vanished_clusters(db, date(2020, 9, 15), min_score=1.0)),
            (vanished_with(con, store["top_group"], 30, as_of=date(2020, 9, 15), min_score=0.0),
             vanished_with(db, store["top_group"], 30, as_of=date(2020, 9, 15), min_score=0.0)),
        ):  # fmt: skip
            assert len(want) > 0
            pd.testing.assert_frame_equal(got, want, obj="affiliation")
    _check_nukes_and_leaks(con, store)


# Reasons whose class the engines could disagree on: word edges, case, non-ASCII letters, NULL, a final newline.
ODD_REASONS = ["dup", "DUP", "x_dup", "xdup", "dup-x", "dup_x", "\u00e9dup", "dup\u00e9", "dup\n", "self.dup.e",
               "PAC\u212a", "\u0130.dupe", "pred.without.sfv", "missing..tag", "missing.lang_x.tag", "STEALTH",
               "stole", "nostole", "", None, "nuked.in.error", "get.reqid", "grp.req", "proof.missing"]  # fmt: skip
# Titles whose key the engines could disagree on (Spark's trim once took "f" and "v" for whitespace).
ODD_TITLES = ["The Quiet Harbour", "the the band", "Five Cliff", "  Vivid  Dove ", "Am\u00e9lie", "\u0130stanbul",
              "PAC\u212a", "x_y", "The", "the ", "Them", "", "tab\there", "f", "THE-END"]  # fmt: skip


def _expected_nukes(db: Database) -> pd.DataFrame:
    """Nuked releases per group and class computed in pandas from the raw tables (not the analysis's SQL)."""
    releases = db.query("SELECT id, coalesce(grp, '(none)') AS grp FROM releases WHERE scene AND pre_at IS NOT NULL")
    events = db.query("SELECT id, release_id, action, reason, nuked_at FROM nukes")
    events = events[events["action"].isin(ACTIONS)].copy()
    events["timed"] = events["nuked_at"].notna()
    events["rank"] = events["action"].map(ACTIONS.index)
    events = events.sort_values(["release_id", "timed", "nuked_at", "rank", "id"], na_position="first")
    latest = events.groupby("release_id").tail(1)
    latest = latest[latest["action"].isin(NUKED)]
    latest = latest.assign(cls=[classify_reason(r) for r in latest["reason"]])
    joined = releases.merge(latest, left_on="id", right_on="release_id", how="left")
    groups = sorted(releases["grp"].unique())
    counts = pd.crosstab(joined["grp"], joined["cls"]).reindex(index=groups, columns=CLASSES, fill_value=0)
    counts["releases"] = releases.groupby("grp").size()
    return counts


def _check_nukes_and_leaks(con: Any, store: dict[str, Any]) -> None:
    """Nukes per group/section/category, nuke reasons and leaks: as on the store, and as computed independently."""
    with Database(store["path"], read_only=True) as db:
        for by in ("group", "section", "category"):
            windows = ({"since": date(2020, 8, 1), "until": date(2020, 9, 30), "limit": 9}, {"since": date(2021, 1, 1)})
            for kwargs in ({"min_releases": 1}, *windows):  # the last: no release, an empty frame
                expected = nukes(db, by, **kwargs)
                got = nukes(con, by, **kwargs)  # dispatches to portable.nukes
                pd.testing.assert_frame_equal(got, expected, obj=f"nukes by {by} {kwargs}")
        by_group = nukes(con, "group", min_releases=1).set_index("group")
        truth = _expected_nukes(db)
        assert truth["dupe"].sum() > 50 and truth["other"].sum() > 0  # the simulation's nukes are in
        columns = ["releases", *CLASSES]
        pd.testing.assert_frame_equal(by_group[columns], truth.loc[by_group.index, columns], check_names=False,
                                      check_dtype=False)  # fmt: skip
        # The hand-made histories, against the classes written next to them.
        by_id = db.query("SELECT reason FROM nukes WHERE name = ? ORDER BY id DESC LIMIT 1",
                         [_nuke_name("Romeo.Same.Time")])["reason"].iloc[0]  # fmt: skip
        wanted = Counter(classify_reason(by_id) if c == "by id" else c for _, _, c in NUKE_CASES if c)
        row = by_group.loc["NKTEST"]
        assert row["releases"] == len(NUKE_CASES) and row["nuked"] == sum(wanted.values())
        assert {c: row[c] for c in CLASSES if row[c]} == dict(wanted)
        sections = nukes(con, "section", min_releases=1)["section"]
        named = sections[sections != "(none)"]  # a hand-made race release has no section
        assert "X264-HD" in set(named) and (named == named.str.upper()).all()  # "x264-hd" is X264-HD
        for limit in (12, 1000):
            expected = nuke_reasons(db, limit=limit)
            got = nuke_reasons(con, limit=limit)
            pd.testing.assert_frame_equal(got, expected, obj=f"nuke_reasons {limit}")
        reasons = got.set_index("reason", drop=False)
        assert reasons.loc["get.reqid.TESTCASE", ["releases", "nukes", "class"]].tolist() == [1, 2, "request"]
        assert reasons.loc["no.nfo.TESTCASE", ["releases", "nukes", "class"]].tolist() == [1, 1, "rules"]
        assert "fixed.TESTCASE" not in reasons.index  # unnukes are not nuke reasons
        assert reasons["reason"].isna().sum() == 1 and reasons.loc[reasons["reason"].isna(), "class"].item() == "other"
        # Every engine classifies the odd reasons, and keys the odd titles, as Python does.
        one = con.table("releases").limit(1)
        columns = {f"r{i}": portable.reason_class(ibis.literal(r, type="string")) for i, r in enumerate(ODD_REASONS)}
        columns |= {f"t{i}": portable.title_key(ibis.literal(t, type="string")) for i, t in enumerate(ODD_TITLES)}
        row = one.select(**columns).execute().iloc[0]
        assert row[[f"r{i}" for i in range(len(ODD_REASONS))]].tolist() == [classify_reason(r) for r in ODD_REASONS]
        assert row[[f"t{i}" for i in range(len(ODD_TITLES))]].tolist() == [normalise_title(t) for t in ODD_TITLES]
        # Leaks: the same rows, and the hand-made ones as expected.
        retail = read_retail(store["retail"])
        expected = leaks(db, retail)
        got = leaks(con, store["retail"])
        pd.testing.assert_frame_equal(got, expected, obj="leaks")
        assert len(got) > 40 and got["before_retail"].any() and not got["before_retail"].all()
        hand = got[got["group"] == "LKTEST"]
        countries = [c if isinstance(c, str) else None for c in hand["country"]]
        assert list(zip(hand["name"], countries, hand["days_before_retail"], strict=True)) == LEAK_EXPECTED
        assert leaks(con, retail[retail["title"] == "Zyx Never Released"]).attrs["warnings"] == [
            "no release matched a retail title"
        ]


def test_duckdb_store(store: dict[str, Any]) -> None:
    _check_backend(connect(store["path"]), store)
    _check_backend(connect(f"duckdb:///{store['path']}"), store)


def test_duckdb_over_parquet(store: dict[str, Any]) -> None:
    _check_backend(connect("duckdb://", parquet=store["export"]), store)


def test_chdb_mergetree(store: dict[str, Any]) -> None:
    dsn = f"chdb://{store['work'] / 'chdb'}"
    con = load_clickhouse(store["export"], dsn)
    _check_backend(con, store)
    client = clickhouse_client(dsn)
    ddl = client.command("SHOW CREATE TABLE releases")
    assert "PARTITION BY toYYYYMM(pre_at)" in ddl and "ORDER BY (category, pre_at, id)" in ddl
    with Database(store["path"], read_only=True) as db:
        assert client.command("SELECT count() FROM releases") == db.count_releases()
        assert client.command("SELECT count() FROM nukes") == db.scalar("SELECT count(*) FROM nukes")
    # Loading again replaces the tables: same counts, nothing doubled.
    load_clickhouse(store["export"], dsn)
    _check_backend(connect(dsn), store)
    assert set(CLICKHOUSE_SCHEMA) <= set(connect(dsn).list_tables())


def test_an_export_without_nukes(tmp_path: Path) -> None:
    """An export of a store with no nukes has no nukes table: nothing nuked, no reasons, as on the store."""
    dump = tmp_path / "few.ndjson"
    rows = [{"name": f"Few.Release.{i}.2020.1080p.WEB.H264-FEW", "section": "X264-HD",
             "pre_at": f"2020-09-{i + 1:02d}T10:00:00Z"} for i in range(5)]  # fmt: skip
    dump.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    with Database(tmp_path / "few.duckdb") as db:
        ingest_paths(db, [dump])
        export_parquet(db, tmp_path / "export")
        expected, reasons = nukes(db, min_releases=1), nuke_reasons(db)
    con = connect("duckdb://", parquet=tmp_path / "export")
    with pytest.raises(ibis.common.exceptions.TableNotFound):
        con.table("nukes")
    got = nukes(con, min_releases=1)
    pd.testing.assert_frame_equal(got, expected)
    assert got[["group", "releases", "nuked"]].values.tolist() == [["FEW", 5, 0]]
    pd.testing.assert_frame_equal(nuke_reasons(con), reasons)
    assert nuke_reasons(con).empty


def test_chdb_is_one_per_process(store: dict[str, Any]) -> None:
    clickhouse_client(f"chdb://{store['work'] / 'chdb'}")
    with pytest.raises(StoreError, match="one per process"):
        clickhouse_client(f"chdb://{store['work'] / 'elsewhere'}")


def test_connect_errors(store: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown backend"):
        connect("oracle://x")
    with pytest.raises(StoreError, match="parquet=DIR"):
        connect("spark://local")
    with pytest.raises(StoreError, match="not a scenewatch Parquet export"):
        connect("duckdb://", parquet=tmp_path)
    with pytest.raises(StoreError, match="no such database"):
        connect(tmp_path / "missing.duckdb")


@pytest.fixture(scope="module")
def spark(store: dict[str, Any]) -> Any:
    """One local Spark session over the export for the module (starting one takes seconds)."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark local mode needs Java 17+ (no java on PATH and no JAVA_HOME)")
    con = connect("spark://local[1]", parquet=store["export"])
    yield con
    con._session.stop()


@pytest.mark.slow
def test_spark_local(store: dict[str, Any], spark: Any) -> None:
    _check_backend(spark, store)


@pytest.mark.parametrize("backend", ["duckdb", "duckdb-parquet", "chdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_race_dupes_fixes_on_every_backend(store: dict[str, Any], backend: str, request: pytest.FixtureRequest) -> None:
    """Race, dupes and fixes: the store's SQL over the window the engine copies out (see analysis.window_copy)."""
    if backend == "spark":
        con = request.getfixturevalue("spark")
    elif backend == "chdb":
        con = load_clickhouse(store["export"], f"chdb://{store['work'] / 'chdb'}")  # idempotent: the same tables
    else:
        con = connect(store["path"]) if backend == "duckdb" else connect("duckdb://", parquet=store["export"])
    check_race_dupes_fixes(con, store["path"])


def test_a_window_too_large_to_copy_is_refused(store: dict[str, Any]) -> None:
    con = connect("duckdb://", parquet=store["export"])
    with pytest.raises(ValueError, match="more than 100 releases in the window"), sql_source(con, max_rows=100):
        pass
    with sql_source(con, since=date(2020, 9, 20), until=date(2020, 9, 20), max_rows=1000) as source:
        assert 0 < source.query("SELECT count(*) AS n FROM releases")["n"].item() <= 1000


def test_cli_runs_the_series_analyses_on_a_backend(store: dict[str, Any]) -> None:
    """`--db duckdb:// --parquet DIR` gives the rows the embedded store gives; other commands refuse a backend."""
    import json

    from typer.testing import CliRunner

    from scenewatch.cli import app

    runner = CliRunner()
    backend = ["--db", "duckdb://", "--parquet", str(store["export"])]
    commands = [
        ["volume", "--by", "week", "--split", "category", "--json"],
        ["compare", "--event", "2020-08-26", "--json"],
        ["impact", "--event", "2020-08-26", "--before", "4w", "--after", "4w", "--json"],
        ["recovery", "--event", "2020-08-26", "--before", "4w", "--horizon", "8w", "--json"],
        ["changepoints", "--top", "0", "--json"],
        ["groups", "--dormant", "--as-of", "2020-09-15", "--json"],
        ["groups", "--clusters", "--as-of", "2020-09-15", "--json"],
        ["nukes", "--by", "section", "--since", "2020-08-01", "--until", "2020-09-30", "--json"],
        ["nukes", "--reasons", "--limit", "0", "--json"],
        ["leaks", "--retail", str(store["retail"]), "--json"],
        ["leaks", "--retail", str(store["retail"]), "--by", "title", "--json"],
        ["gaps", "--json"],
        ["concentration", "--period", "week", "--top-k", "3", "--json"],
        ["concentration", "--category", "tv", "--since", "2020-08-01", "--json"],
        ["languages", "--period", "week", "--by", "region", "--json"],
        ["languages", "--event", "2020-08-26", "--before", "4w", "--after", "4w", "--min-releases", "20", "--json"],
        *RACE_COMMANDS,
    ]
    for args in commands:
        on_store = runner.invoke(app, [*args, "--db", str(store["path"])])
        on_backend = runner.invoke(app, [*args, *backend])
        assert on_store.exit_code == 0 and on_backend.exit_code == 0, on_backend.output
        assert json.loads(on_backend.stdout) == json.loads(on_store.stdout), args
        assert json.loads(on_store.stdout) or args[0] not in ("race", "dupes", "fixes"), args
    refused = runner.invoke(app, ["report", "--db", "chdb:///nowhere"])
    # (main() turns these into one line on stderr and exit code 2; the runner hands back the exception)
    assert "reads the embedded store" in str(refused.exception)
    bad = runner.invoke(app, ["volume", "--db", "spark://local[1]"])
    assert "--db spark://local[1]: spark:// reads a Parquet export" in str(bad.exception)


def test_cli_on_chdb_in_its_own_process(store: dict[str, Any]) -> None:
    """A real chDB MergeTree store, loaded, then queried by `scenewatch volume` and `nukes --db chdb:///DIR`."""
    import json
    import subprocess
    import sys

    folder = store["work"] / "chdb-cli"
    load = "import sys; from scenewatch.store.backends import load_clickhouse as load; load(sys.argv[1], sys.argv[2])"
    subprocess.run([sys.executable, "-c", load, str(store["export"]), f"chdb://{folder}"], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "scenewatch", "volume", "--by", "month", "--json", "--db", f"chdb://{folder}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    with Database(store["path"], read_only=True) as db:
        expected = volume(db, "month")
    assert [row["count"] for row in json.loads(done.stdout)] == expected["count"].tolist()
    args = ["nukes", "--by", "group", "--min-releases", "1", "--limit", "0", "--json"]
    done = subprocess.run([sys.executable, "-m", "scenewatch", *args, "--db", f"chdb://{folder}"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    from typer.testing import CliRunner

    from scenewatch.cli import app

    on_store = CliRunner().invoke(app, [*args, "--db", str(store["path"])])
    assert on_store.exit_code == 0, on_store.output
    got = json.loads(done.stdout)
    assert got == json.loads(on_store.stdout) and len(got) > 100
    assert next(row for row in got if row["group"] == "NKTEST")["nuked"] == 14
