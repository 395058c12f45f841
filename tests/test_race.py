"""Race, dupes and fixes on planted truth; work keys and format classes; CLI, API and report forms."""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import typer
from test_race_support import RAID, planted, race_config
from typer.testing import CliRunner

from scenewatch.analysis.dupes import dupe_releases, dupes
from scenewatch.analysis.fixes import fix_releases, fixes
from scenewatch.analysis.race import race, race_leaderboard, race_shift
from scenewatch.analysis.works import format_class, keyed_sql, normalise, sql_normalise, work_key
from scenewatch.cli import app as cli_app
from scenewatch.ingest import ingest_paths
from scenewatch.names import parse
from scenewatch.simulate import truth, write
from scenewatch.store import Database

SAME = [
    ("The Lord of the Rings", "Lord of the Rings"),
    ("Amélie", "Amelie"),
    ("Grey's Anatomy", "Greys Anatomy"),
    ("Tom & Jerry", "Tom and Jerry"),
    ("Spider-Man: No Way Home", "Spider Man No Way Home"),
    ("Die Unendliche Geschichte", "Unendliche Geschichte"),
    ("Les Misérables", "Miserables"),
    ("L'Auberge Espagnole", "Auberge Espagnole"),
    ("Straße", "STRASSE"),
    ("Æon Flux", "aeon.flux"),
    ("Smørrebrød", "Smorrebrod"),
    ("A Quiet Place", "quiet_place"),
]
DIFFERENT = [
    ("Frozen", "Frozen II"),
    ("Alien", "Aliens"),
    ("The Office", "The Officer"),
    ("Up", "Us"),
    ("The", "A"),  # a lone article is kept, not dropped to nothing
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_normalisation_joins_tricky_pairs(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_normalisation_keeps_different_titles_apart(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


def test_sql_normalisation_matches_python() -> None:
    con = duckdb.connect()
    texts = [t for pair in SAME + DIFFERENT for t in pair] + ["  ...  ", "Das Boot", "Ça va", "the-the", "Łódź"]
    for text in texts:
        assert con.execute(f"SELECT {sql_normalise('$1')}", [text]).fetchone()[0] == normalise(text), text


NAMES = [
    "Dark.Night.2020.1080p.BluRay.x264-AAA",
    "Dark.Night.2020.GERMAN.1080p.BluRay.x264-BBB",
    "The.Dark.Night.2020.PROPER.1080p.BluRay.x264-CCC",
    "Dark.Night.2020.1080p.WEB.h264-DDD",
    "Chicago.Fire.S03E04.720p.HDTV.x264-EEE",
    "The.Daily.Show.2020.08.26.John.Smith.720p.WEB.h264-FFF",
    "DJ_Kross-Into_The_Void-WEB-2020-GGG",
    "DJ.Kross-Into.The.Void-WEB-2020-HHH",
    "Truck_Simulator_Update_v1.2.3_NSW-III",
    "Adobe.Photo.v1.2.3.x64.Incl.Keygen-JJJ",
    "Wiley.Python.Dark.Rust.2020.RETAIL.EPUB.eBook-KKK",
]


def _sql_keys(names: list[str]) -> pd.DataFrame:
    with Database() as db:
        rows = []
        for i, name in enumerate(names):
            p = parse(name)
            rows.append([i, name, p.title, p.year, p.season, p.episode, p.air_date, p.resolution, p.source,
                         p.video_codec, p.audio_codec, list(p.language), p.group, p.category, list(p.flags),
                         p.platform, p.version])  # fmt: skip
        frame = pd.DataFrame(rows, columns=["id", "name", "title", "year", "season", "episode", "air_date",
                                            "resolution", "source", "video_codec", "audio_codec", "language", "grp",
                                            "category", "flags", "platform", "version"])  # fmt: skip
        db.con.register("parsed", frame)
        db.con.execute("""INSERT INTO releases (id, name, pre_at, scene, title, year, season, episode, air_date,
            resolution, source, video_codec, audio_codec, language, grp, category, flags, platform, version)
            SELECT id, name, TIMESTAMP '2020-01-01', true, title, year, season, episode, CAST(air_date AS DATE),
                   resolution, source, video_codec, audio_codec, language, grp, category, flags, platform, version
            FROM parsed""")  # fmt: skip
        return db.query(keyed_sql("TRUE") + " ORDER BY id")


def test_sql_keys_match_python_reference() -> None:
    keys = _sql_keys(NAMES)
    for row in keys.itertuples():
        p = parse(row.name)
        assert row.work == work_key(p.category, p.title, p.year, p.season, p.episode, p.air_date, p.platform,
                                    p.version, row.name), row.name  # fmt: skip
        assert row.fmt == format_class(p.category, p.resolution, p.source, p.video_codec, p.audio_codec,
                                       p.language), row.name  # fmt: skip
    by_name = keys.set_index("name")
    a, b, c, d = (by_name.loc[n] for n in NAMES[:4])
    assert a.work == b.work == c.work == d.work == "movie|dark night|2020"
    assert a.fmt == c.fmt == "1080p bluray h264" and b.fmt == "1080p bluray h264 de" and d.fmt == "1080p web h264"
    assert c.revision and not a.revision
    assert by_name.loc[NAMES[4]].work == "tv|chicago fire|s3e4"
    assert by_name.loc[NAMES[5]].work == "tv|daily show|2020-08-26"
    assert by_name.loc[NAMES[6]].work == by_name.loc[NAMES[7]].work == "music|dj kross|into the void"
    assert by_name.loc[NAMES[8]].work == "game|truck simulator|nsw|1.2.3"
    assert by_name.loc[NAMES[9]].work == "software|adobe photo|1.2.3"


def test_planted_races_recovered() -> None:
    tr = planted().truth
    assert len(tr["races"]) >= 100
    with planted().open() as db:
        found = race(db).set_index("winner_name")
    for p in tr["races"]:
        row = found.loc[p["names"][0]]
        assert row["winner"] == p["winner"]
        assert row["runner_up"] == p["runner_up"]
        assert row["gap_hours"] * 3600 == pytest.approx(p["gap_seconds"], abs=1)
        assert row["groups"] == len(p["groups"])
        assert row["format"] == p["format"]


def test_planted_propers_and_dupe_nukes_recovered() -> None:
    tr = planted().truth
    propers = [p["proper"] for p in tr["races"] if p["proper"]]
    nuked = [n for p in tr["races"] for n in p["nuked"]]
    assert propers and nuked
    with planted().open() as db:
        fx = fix_releases(db, limit=None).set_index("name")
        dp = dupe_releases(db, limit=None).set_index("name")
        pairs = fixes(db, "pair", min_fixes=1)
        summary = dupes(db, "group", min_releases=1)
    for p in propers:
        assert fx.loc[p["name"], "fixed_group"] == p["fixes"]
        assert fx.loc[p["name"], "hours"] == pytest.approx(p["hours"], abs=1e-3)
        assert fx.loc[p["name"], "other"]
    for name in nuked:
        assert dp.loc[name, "nuked"] and "dupe" in dp.loc[name, "nuke_reason"]
    planted_pairs = pd.Series([(p["group"], p["fixes"]) for p in propers]).value_counts()
    got = pairs.set_index(["fixer", "fixed"])["fixes"]
    for pair, n in planted_pairs.items():
        assert got.loc[pair] >= n
    assert summary["dupes_nuked"].sum() >= len(nuked)
    assert 0 < summary.attrs["dupe_rate"] < 1


def test_dupes_follow_the_stores_nuke_rule(tmp_path: Path) -> None:
    """A dupe is nuked by the store's rule (its latest nuke, modnuke or unnuke; delpre is history; same moment:
    unnuke last), as ``releases.nuked`` says, and its ``nuke_reason`` is that nuke's reason."""
    cases = {  # group -> nuke events (action, hours after its pre, reason), expected (nuked, nuke_reason)
        "DPB": ([("nuke", 1, "dupe.DPA"), ("delpre", 2, "gone")], (True, "dupe.DPA")),
        "DPC": ([("nuke", 1, "dupe.DPA"), ("unnuke", 1, "tie")], (False, None)),
        "DPD": ([("nuke", 1, "dupe.DPA"), ("unnuke", 2, "fixed")], (False, None)),
        "DPE": ([("nuke", 1, "bad"), ("modnuke", 1, "dupe.DPA")], (True, "dupe.DPA")),
    }
    t0 = pd.Timestamp("2020-09-10T12:00:00Z")
    rows: list[dict] = [{"name": "Dupe.Rule.2020.1080p.BluRay.x264-DPA", "pre_at": t0.isoformat(), "section": "X264"}]
    for i, (group, (events, _)) in enumerate(cases.items(), start=1):
        name, pre = f"Dupe.Rule.2020.1080p.BluRay.x264-{group}", t0 + pd.Timedelta(hours=i)
        rows.append({"name": name, "pre_at": pre.isoformat(), "section": "X264"})
        rows += [{"action": action, "name": name, "at": (pre + pd.Timedelta(hours=hours)).isoformat(), "reason": reason}
                 for action, hours, reason in events]  # fmt: skip
    dump = tmp_path / "dupes.ndjson"
    dump.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with Database(tmp_path / "dupes.duckdb") as db:
        ingest_paths(db, [dump])
        listed = dupe_releases(db, limit=None).set_index("group")
        stored = db.query("SELECT grp, nuked FROM releases").set_index("grp")["nuked"]
    assert sorted(listed.index) == sorted(cases)
    for group, (_, (nuked, reason)) in cases.items():
        got = listed.loc[group, "nuke_reason"]
        assert (listed.loc[group, "nuked"], got if isinstance(got, str) else None) == (nuked, reason), group
        assert stored[group] == nuked


def test_ties_are_broken_by_name(tmp_path: Path) -> None:
    """Entries at the same second: the race, the fixed release and the most-fixed group do not depend on the
    storage order (which another engine does not share): the first name wins each tie."""
    at = "2020-09-10T12:00:00Z"
    names = ["Tie.Work.2020.1080p.BluRay.x264-RCB", "Tie.Work.2020.1080p.BluRay.x264-RCA",  # same second, B first
             "Other.Tie.2020.1080p.BluRay.x264-RCB", "Tie.Work.2020.PROPER.1080p.BluRay.x264-RCC",
             "Other.Tie.2020.PROPER.1080p.BluRay.x264-RCC"]  # fmt: skip
    times = [at, at, at, "2020-09-10T15:00:00Z", "2020-09-10T16:00:00Z"]
    dump = tmp_path / "ties.ndjson"
    dump.write_text("".join(json.dumps({"name": n, "pre_at": t, "section": "X264"}) + "\n"
                            for n, t in zip(names, times, strict=True)))  # fmt: skip
    with Database(tmp_path / "ties.duckdb") as db:
        ingest_paths(db, [dump])
        races, fixers = race(db), fixes(db)
        listed = fix_releases(db, limit=None).set_index("name")
    assert races[["winner", "winner_name", "runner_up"]].values.tolist() == [["RCA", names[1], "RCB"]]
    assert listed.loc[names[3], ["fixed_group", "fixed_name"]].tolist() == ["RCA", names[1]]
    assert fixers[["fixer", "fixes", "top_fixed"]].values.tolist() == [["RCC", 2, "RCA"]]


def test_race_shift_names_the_vanished_and_their_successors() -> None:
    tr = planted().truth
    affiliated = set(tr["raids"][0]["affiliated_groups"])
    with planted().open() as db:
        shift = race_shift(db, RAID)
    assert set(shift.attrs["vanished_groups"]) >= {"SPARKS", "GECKOS", "ROVERS"}
    movies = shift[shift["category"] == "movie"]
    gone = movies[movies["vanished"]]
    assert {"SPARKS"} <= set(gone["group"]) and (gone["firsts_after"] == 0).all()
    takers = movies[~movies["vanished"]]
    assert len(takers) and (takers["firsts_after"] > 0).all()
    assert not set(takers["group"]) & affiliated


def test_leaderboard_agrees_with_races() -> None:
    with planted().open() as db:
        board = race_leaderboard(db, "month")
        races = race(db)
    assert board["wins"].sum() == len(races)
    assert (board["wins"] <= board["races"]).all() and (board["wins"] <= board["firsts"]).all()
    shares = board.groupby(["period", "category"])["share_of_firsts"].sum()
    assert (shares <= 1 + 1e-9).all()
    before = races[races["winner_at"] < pd.Timestamp(RAID)]
    assert "SPARKS" in set(before["winner"]) and "SPARKS" not in set(races[races["winner_at"] >= pd.Timestamp(RAID)]
                                                                      ["winner"])  # fmt: skip


def test_planted_races_are_deterministic_and_optional(tmp_path: Path) -> None:
    config = race_config(start=date(2020, 8, 1), end=date(2020, 9, 15), races=30, language_responses=())
    a, b = write(config, tmp_path / "a.ndjson"), write(config, tmp_path / "b.ndjson")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert json.loads(a.truth_path.read_text())["races"] == truth(config)["races"]
    plain = race_config(start=date(2020, 8, 1), end=date(2020, 9, 15), races=0, language_responses=())
    c = write(plain, tmp_path / "c.ndjson")
    assert "races" not in json.loads(c.truth_path.read_text())
    assert c.releases < a.releases


def _cli() -> typer.Typer:
    app = cli_app
    return app


def test_cli_json_outputs() -> None:
    db = str(planted().db_path)
    runner = CliRunner()
    result = runner.invoke(_cli(), ["race", "--db", db, "--json", "--limit", "0"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) >= len(planted().truth["races"])
    assert {"work", "format", "winner", "runner_up", "gap_hours"} <= set(rows[0])
    result = runner.invoke(_cli(), ["race", "--db", db, "--event", "sparks", "--json"])
    assert result.exit_code == 0, result.output
    assert any(r["group"] == "SPARKS" and r["vanished"] for r in json.loads(result.output))
    result = runner.invoke(_cli(), ["race", "--db", db, "--leaderboard", "--period", "quarter", "--csv"])
    assert result.exit_code == 0 and result.output.startswith("period,category,group,firsts")
    commands = (["dupes", "--by", "section"], ["dupes", "--list"], ["fixes"], ["fixes", "--pairs"], ["fixes", "--list"])
    for args in commands:
        result = runner.invoke(_cli(), [*args, "--db", db, "--json"])
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.output), args
    result = runner.invoke(_cli(), ["race", "--db", db, "--event", "not-an-event"])
    assert result.exit_code != 0


def test_api_routes_over_http(tmp_path: Path) -> None:
    from web_fixtures import start_server

    server = start_server(planted().copy(tmp_path), token=None)
    try:
        def get(path: str) -> dict:
            with urllib.request.urlopen(server.url + path, timeout=60) as response:
                assert response.status == 200
                return json.loads(response.read())

        rows = get("/api/race?limit=10000")["rows"]
        winners = {r["winner_name"]: r for r in rows}
        first = planted().truth["races"][0]
        assert winners[first["names"][0]]["runner_up"] == first["runner_up"]
        assert get("/api/race/leaderboard?period=quarter")["rows"]
        shift = get("/api/race/shift?event=SPARKS%20raid")
        assert "SPARKS" in shift["vanished_groups"]
        assert get("/api/dupes?by=section")["rows"] and get("/api/dupes/releases?limit=5")["rows"]
        assert get("/api/fixes?by=pair")["rows"]
        impact = get("/api/languages/impact?event=2020-08-25&min_releases=50")
        assert impact["rows"][0]["p_hardest"] is not None
        assert get("/api/languages?period=month&by=region")["rows"]
        names = {r["name"] for r in get("/api/events/catalogue")["rows"]}
        assert {"SPARKS raid", "Operation Buccaneer"} <= names
        try:
            urllib.request.urlopen(server.url + "/api/race/shift?event=nonsense", timeout=60)
            raise AssertionError("an unknown event must be refused")
        except urllib.error.HTTPError as exc:
            # The documented contract (web/errors.py): an unknown name is a 404, and it says which.
            assert exc.code == 404
            assert "nonsense" in json.loads(exc.read())["detail"][0]["msg"]
    finally:
        server.stop()


def test_report_sections() -> None:
    from scenewatch.report.html import render
    from scenewatch.report.race_sections import race_sections

    with planted().open() as db:
        sections = race_sections(db, RAID)
    titles = [s.title for s in sections]
    assert titles[0] == "Race to release first" and any("took over" in t for t in titles)
    assert any(t.startswith("Impact of 2020-08-25 by language") for t in titles)
    page = render("race", sections)
    assert "Who fixes whose releases" in page and "SPARKS" in page


def test_empty_store_gives_empty_tables() -> None:
    with Database() as db:
        assert race(db).empty and race_leaderboard(db).empty and dupes(db).empty and fixes(db).empty
        assert race_shift(db, RAID).empty
