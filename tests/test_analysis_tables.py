"""Leaks, concentration and nukes: small hand-made stores and the shared simulation."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from analysis_data import RAID, simulated

from scenewatch.analysis.concentration import concentration
from scenewatch.analysis.leaks import leak_summary, leaks, normalise_title, read_retail
from scenewatch.analysis.nukes import REASON_CLASSES, classify_reason, nuke_reasons, nukes
from scenewatch.ingest import ingest_paths
from scenewatch.store import Database

RETAIL = Path(__file__).parent / "data" / "retail_example.csv"
RELEASES = [
    ("The.Quiet.Harbour.2020.1080p.BluRay.x264-AAA", "2020-06-10 12:00:00", "X264-HD"),  # 10 days early
    ("The.Quiet.Harbour.2020.720p.BluRay.x264-BBB", "2020-06-25 08:00:00", "X264-HD"),  # 5 days late
    ("The.Quiet.Harbour.1998.1080p.BluRay.x264-CCC", "2020-06-01 08:00:00", "X264-HD"),  # another film
    ("Lost.Signals.2019.1080p.WEB.H264-AAA", "2020-04-29 10:00:00", "X264-HD"),  # 2 days early
    ("Iron.Meadow-CODEX", "2020-07-15 20:00:00", "GAMES"),  # on the day
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A tiny store of hand-made releases."""
    folder = tmp_path_factory.mktemp("leaks")
    dump = folder / "small.ndjson"
    dump.write_bytes(b"".join(orjson.dumps({"name": n, "pre_at": t + "Z", "section": s}) + b"\n"
                              for n, t, s in RELEASES))  # fmt: skip
    db = Database(folder / "small.duckdb")
    ingest_paths(db, [dump])
    yield db
    db.close()


def test_normalise_title() -> None:
    assert normalise_title("The Quiet  Harbour!") == "quiet harbour" == normalise_title("the.quiet.HARBOUR")


def test_leaks_match_title_and_year(small: Database) -> None:
    frame = leaks(small, RETAIL)
    days = dict(zip(frame["name"], frame["days_before_retail"], strict=True))
    assert days["The.Quiet.Harbour.2020.1080p.BluRay.x264-AAA"] == 10
    assert days["The.Quiet.Harbour.2020.720p.BluRay.x264-BBB"] == -5
    assert days["Lost.Signals.2019.1080p.WEB.H264-AAA"] == 2
    assert "The.Quiet.Harbour.1998.1080p.BluRay.x264-CCC" not in days  # wrong year for a movie
    summary = leak_summary(frame, "group").set_index("group")
    assert summary.loc["AAA", "before_retail"] == 2 and summary.loc["AAA", "share_before_retail"] == 1.0
    assert summary.loc["BBB", "share_before_retail"] == 0.0


def test_retail_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,date\nX,2020-01-01\n")
    with pytest.raises(ValueError, match="missing column"):
        read_retail(bad)


@pytest.fixture(scope="module")
def db() -> Database:
    """The shared simulated store, read-only."""
    database = simulated().open()
    yield database
    database.close()


def test_concentration_shares_are_consistent(db: Database) -> None:
    frame = concentration(db, "month", top_k=5)
    assert ((frame["hhi"] > 0) & (frame["hhi"] <= 1)).all()
    assert ((frame["top_k_share"] >= frame["top_group_share"]) & (frame["top_k_share"] <= 1 + 1e-9)).all()
    totals = frame[frame["category"] == "all"].set_index("period")["releases"]
    parts = frame[frame["category"] != "all"].groupby("period")["releases"].sum()
    assert (totals == parts).all()
    # the raid removed the biggest group (DRONES): the top group changes
    all_rows = frame[frame["category"] == "all"].set_index("period")
    assert all_rows.loc[RAID.replace(day=1), "top_group"] == "DRONES"
    assert all_rows.iloc[-1]["top_group"] != "DRONES"


def test_nuke_rates_and_classes(db: Database) -> None:
    frame = nukes(db, "section", min_releases=100)
    assert ((frame["nuke_rate"] > 0.01) & (frame["nuke_rate"] < 0.2)).all()
    assert (frame["nuked"] == frame[[c for c, _ in REASON_CLASSES] + ["other"]].sum(axis=1)).all()
    overall = nukes(db, "category", min_releases=1)
    rate = overall["nuked"].sum() / overall["releases"].sum()
    assert rate == pytest.approx(0.045 * (1 - 0.06), abs=0.01)  # planted nuke rate minus unnukes
    reasons = nuke_reasons(db).set_index("reason")
    assert reasons.loc["stolen.from.P2P", "class"] == "stolen" and reasons.loc["dupe.P2P.2020", "class"] == "dupe"
    assert (reasons["releases"] <= reasons["nukes"]).all()


def test_nuke_reasons_count_an_echoed_nuke_once(tmp_path) -> None:
    """Two channels announcing the same nuke seconds apart: two nuke rows, one release nuked for that reason."""
    from datetime import UTC, datetime, timedelta

    from scenewatch.records import Announcement, NukeAction, NukeEvent

    name = "Echo.Test.2021.1080p.WEB.H264-ECHO"
    at = datetime(2021, 5, 1, 12, tzinfo=UTC)
    with Database(tmp_path / "echo.duckdb") as store:
        store.write([Announcement(name, at, section="X264-HD")], origin="test")
        echoes = [NukeEvent(name, NukeAction.NUKE, "bad.ivtc", net, at + timedelta(minutes=5, seconds=s), feed=net)
                  for net, s in (("LinkNET", 0), ("ZeNET", 3))]  # fmt: skip
        store.write([], nukes=echoes, origin="test")
        reasons = nuke_reasons(store).set_index("reason")
    assert reasons.loc["bad.ivtc", "nukes"] == 2 and reasons.loc["bad.ivtc", "releases"] == 1


def test_classify_reason_table() -> None:
    assert classify_reason("dupe.AIDA.2019-04-17") == "dupe"
    assert classify_reason("mislabeled.720p_selfdupe") == "dupe"  # first match wins
    assert classify_reason("bad.audio") == "bad"
    assert classify_reason(None) == "other"


# The table as it was while it used \b and \w (RE2's ASCII word edges): on ASCII reasons the spelled-out edges of
# REASON_CLASSES must give DuckDB exactly the classes this gave.
_OLD_REASON_CLASSES = (
    ("dupe", r"dupe|\bdup\b|selfdupe"),
    ("stolen", r"stolen|p2p|\bstole|pred\.without|rip\.from|\bsteal"),
    ("mislabeled", r"mislabel|mistag|wrong\.(tag|year|source|episode|title)|missing\.\w*\.?tag|invalid\.\w*\.?tag"),
    *REASON_CLASSES[3:],
)


def test_reason_classes_unchanged_on_ascii(db: Database) -> None:
    import duckdb

    odd = ["dup", "x_dup", "dup-x", "dup_x", "xdup", "a.dup.b", "stole", "nostole", "x.steal", "missing.lang.tag",
           "missing..tag", "invalid.x_y.tag", "DUP", "SELF-DUP", "dup\n", "self.dup.e", ""]  # fmt: skip
    reasons = sorted(set(db.query("SELECT DISTINCT reason FROM nukes WHERE reason IS NOT NULL")["reason"]) | set(odd))
    assert len(reasons) > 40
    case = " ".join("WHEN regexp_matches(lower(r), ?) THEN ?" for _ in _OLD_REASON_CLASSES)
    params = [v for name, pattern in _OLD_REASON_CLASSES for v in (pattern, name)]
    old = duckdb.connect().execute(f"SELECT r, CASE {case} ELSE 'other' END FROM unnest(?) t(r) ORDER BY r",
                                   [*params, reasons]).fetchall()  # fmt: skip
    assert [(r, classify_reason(r)) for r in reasons] == old
    assert nuke_reasons(db)["class"].tolist() == [classify_reason(r) for r in nuke_reasons(db)["reason"]]
