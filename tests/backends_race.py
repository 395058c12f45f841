"""Race, dupes and fixes on a backend against the store (used by test_backends.py, which owns the fixtures): the
hand-made releases planted in its store, and the comparisons it runs on every backend.

The hand-made cases are the ones where engines could disagree if the rules ran in them: entries at the same second
(ties broken by name, not storage order), an accented title (folded to the same work), a release without a section,
a language-tagged release (its own race), dupe nuke histories decided by the store's nuke rule, and a group whose
only releases after the raid have no title (no work key), which has not vanished.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from scenewatch.analysis.dupes import dupe_releases, dupes
from scenewatch.analysis.fixes import fix_releases, fixes
from scenewatch.analysis.race import race, race_leaderboard, race_shift
from scenewatch.store import Database

_T = datetime(2020, 9, 20, 12, tzinfo=UTC)
_QUOKKA = "Quokka.Harbour.2020.1080p.BluRay.x264-"
# (name, hours after _T, section or None, nuke events as (action, hours after _T, reason))
RACE_CASES: list[tuple[str, float, str | None, list[tuple[str, float, str]]]] = [
    (_QUOKKA + "RCB", 0, "X264-HD", []),  # the same second as RCA, and stored first: RCA still wins by name
    (_QUOKKA + "RCA", 0, "X264-HD", []),
    ("Quokka.H\u00e1rbour.2020.1080p.BluRay.x264-RCD", 2, None,  # the same work once folded; no section
     [("nuke", 3, "dupe.RCA"), ("unnuke", 3, "tie.RCA")]),  # same moment: the unnuke is the latest
    ("Quokka.Harbour.2020.GERMAN.1080p.BluRay.x264-RCE", 1, "X264-HD", []),  # its own scene: no race
    ("Quokka.Harbour.2020.PROPER.1080p.BluRay.x264-RCC", 5, "X264-HD", []),  # fixes RCA (the tie, by name)
    (_QUOKKA + "RCF", 30, "X264-HD", [("nuke", 31, "dupe.RCA"), ("delpre", 32, "gone")]),  # a dupe, not a racer
    ("Wombat.Bay.2020.720p.WEB.H264-RCB", 0, "X264", []),
    ("Wombat.Bay.2020.PROPER.720p.WEB.H264-RCC", 3, "X264", []),  # RCC fixed RCA and RCB once: top_fixed RCA
]  # fmt: skip

# RCV: five releases before the raid, then one without a title: it did not vanish (race_shift counts every release).
RCV_LINES = [*((f"Vole.Story.{i}.2020.1080p.WEB.H264-RCV", f"2020-08-1{i}T10:00:00Z") for i in range(5)),
             ("S01E01.720p.HDTV.x264-RCV", "2020-09-01T10:00:00Z")]  # fmt: skip


def race_lines() -> list[dict[str, Any]]:
    """Dump rows of the hand-made races, fixes, dupe nukes and the group that did not vanish."""
    rows: list[dict[str, Any]] = [{"name": name, "pre_at": at, "section": "X264"} for name, at in RCV_LINES]
    for name, hours, section, events in RACE_CASES:
        row = {"name": name, "pre_at": (_T + timedelta(hours=hours)).isoformat()}
        rows.append(row | ({"section": section} if section else {}))
        rows += [{"action": action, "name": name, "at": (_T + timedelta(hours=at)).isoformat(), "reason": reason}
                 for action, at, reason in events]  # fmt: skip
    return rows


# (what, analysis, minimum rows the store gives): every backend must return the store's frame and attrs.
CASES: list[tuple[str, Any, int]] = [
    ("race", lambda db: race(db), 50),
    ("race, movies in Aug-Sep, runner-up within 3 h",
     lambda db: race(db, "movie", date(2020, 8, 1), date(2020, 9, 30), max_gap_hours=3), 10),
    ("race leaderboard", lambda db: race_leaderboard(db, "month"), 100),
    ("race leaderboard, tv by week", lambda db: race_leaderboard(db, "week", "tv", limit=3), 20),
    ("race shift", lambda db: race_shift(db, date(2020, 8, 26)), 20),
    ("dupes by group", lambda db: dupes(db, min_releases=1), 200),
    ("dupes by section", lambda db: dupes(db, "section", since=date(2020, 8, 1), min_releases=1), 10),
    ("dupe releases", lambda db: dupe_releases(db, limit=None), 100),
    ("fixes", lambda db: fixes(db), 10),
    ("fixes by pair", lambda db: fixes(db, "pair"), 10),
    ("fix releases", lambda db: fix_releases(db, limit=None), 100),
    ("dupes after the data", lambda db: dupes(db, since=date(2021, 1, 1)), 0),  # an empty window: the same columns
]


def check_race_dupes_fixes(con: Any, store_path: Path) -> None:
    """Each analysis gives the store's frame (rows, order, dtypes) and attrs on ``con``; the hand-made cases hold."""
    got: dict[str, pd.DataFrame] = {}
    with Database(store_path, read_only=True) as db:
        for what, analysis, at_least in CASES:
            expected = analysis(db)
            assert len(expected) >= at_least, what  # something to compare, not two empty frames
            got[what] = analysis(con)
            pd.testing.assert_frame_equal(got[what], expected, obj=what)
            assert repr(got[what].attrs) == repr(expected.attrs), what  # repr: NaN rates of an empty window
    board = got["race"].set_index("work")
    quokka = board.loc["movie|quokka harbour|2020"]
    assert quokka[["winner", "runner_up", "gap_hours", "groups"]].tolist() == ["RCA", "RCB", 0.0, 3]
    assert quokka["winner_name"] == _QUOKKA + "RCA"
    listed = got["dupe releases"].set_index("group")
    assert listed.loc["RCD", "nuked"] == False and pd.isna(listed.loc["RCD", "nuke_reason"])  # noqa: E712
    assert listed.loc["RCF", ["nuked", "nuke_reason"]].tolist() == [True, "dupe.RCA"]
    assert "RCE" not in listed.index
    sections = got["dupes by section"].set_index("section")
    assert sections.loc["(none)", "dupes"] >= 1
    fixed = got["fix releases"].set_index("name")["fixed_group"]
    assert fixed["Quokka.Harbour.2020.PROPER.1080p.BluRay.x264-RCC"] == "RCA"
    assert fixed["Wombat.Bay.2020.PROPER.720p.WEB.H264-RCC"] == "RCB"
    fixer = got["fixes"].set_index("fixer").loc["RCC"]
    assert fixer[["fixes", "of_others", "top_fixed"]].tolist() == [2, 2, "RCA"]
    shift = got["race shift"]
    assert shift["vanished"].any() and not shift["vanished"].all()
    assert "SPARKS" in shift.attrs["vanished_groups"] and "RCV" not in shift.attrs["vanished_groups"]


# CLI forms compared between the store and a backend by test_backends.py.
RACE_COMMANDS: list[list[str]] = [
    ["race", "--limit", "0", "--json"],
    ["race", "--leaderboard", "--period", "week", "--category", "tv", "--json"],
    ["race", "--event", "2020-08-26", "--json"],
    ["dupes", "--by", "section", "--min-releases", "1", "--json"],
    ["dupes", "--list", "--limit", "0", "--json"],
    ["fixes", "--json"],
    ["fixes", "--pairs", "--json"],
    ["fixes", "--list", "--group", "RCC", "--json"],
]
