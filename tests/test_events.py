"""The event catalogue: validation of the shipped entries, resolution of --event, storing events, CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from test_race_support import planted
from typer.testing import CliRunner

from scenewatch.cli import app as cli_app
from scenewatch.events import add_event, catalogue, catalogue_events, events, resolve_event
from scenewatch.store import Database

URL = re.compile(r"^https?://[^\s/]+\.[a-z]{2,}(/\S*)?$")


def test_catalogue_entries_are_complete() -> None:
    frame = catalogue()
    assert len(frame) >= 4
    assert frame["name"].is_unique
    for row in frame.itertuples():
        assert isinstance(row.day, date) and date(1990, 1, 1) < row.day < date.today()
        assert len(row.description) >= 40
        assert row.sources and all(URL.match(u) for u in row.sources), row.name
    assert list(frame["day"]) == sorted(frame["day"])


def test_known_dates() -> None:
    days = {e.name: e.day for e in catalogue_events()}
    assert days["SPARKS raid"] == date(2020, 8, 25)
    assert days["Operation Buccaneer"] == date(2001, 12, 11)
    assert days["Operation Fastlink"] == date(2004, 4, 21)
    assert days["Operation Site Down"] == date(2005, 6, 29)


@pytest.mark.parametrize("text", ["SPARKS raid", "sparks", "Sparks-Raid", "operation sparks", "2020-08-25"])
def test_resolve_names_and_dates(text: str) -> None:
    assert resolve_event(None, text) == date(2020, 8, 25)


@pytest.mark.parametrize("text", ["nonsense", "2020-13-45", "", "Operation"])
def test_resolve_refuses_unknown(text: str) -> None:
    with pytest.raises(ValueError, match="--event"):
        resolve_event(None, text)


def test_add_event_and_resolve_from_the_database() -> None:
    with Database() as db:
        add_event(db, "Operation Test", "2021-03-04", "A test event.", ["https://example.org/a"])
        assert resolve_event(db, "operation test") == date(2021, 3, 4)
        add_event(db, "operation test", date(2021, 3, 5), "Replaced.", [])
        assert resolve_event(db, "Operation Test") == date(2021, 3, 5)
        add_event(db, "SPARKS raid", "2020-08-26", "Stored override.", [])
        assert resolve_event(db, "sparks raid") == date(2020, 8, 26)  # the database wins
        frame = events(db)
        assert (frame["name"].str.lower() == "sparks raid").sum() == 1
        assert set(frame["origin"]) == {"catalogue", "database"}
        for bad in (("", "2021-01-01", []), ("X", "2021-02-30", []), ("X", "2021-01-01", ["ftp://x"]),
                    ("2021-01-01", "2021-01-01", [])):  # fmt: skip
            with pytest.raises(ValueError):
                add_event(db, bad[0], bad[1], "", bad[2])


def test_cli_events_add_and_list(tmp_path: Path) -> None:
    app = cli_app
    runner = CliRunner()
    db = str(tmp_path / "events.duckdb")
    result = runner.invoke(app, ["events", "add", "Operation Test", "2021-03-04", "--db", db, "--description",
                                 "A test.", "--source", "https://example.org/x", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["events", "list", "--db", db, "--json"])
    rows = json.loads(result.output)
    assert {"Operation Test", "SPARKS raid"} <= {r["name"] for r in rows}
    assert all(r["sources"] for r in rows if r["origin"] == "catalogue")
    result = runner.invoke(app, ["events", "add", "Bad", "2021-03-04", "--db", db, "--source", "not a url"])
    assert result.exit_code != 0


def test_impact_accepts_a_catalogue_name() -> None:
    from scenewatch.cli import app

    db = str(planted().db_path)
    runner = CliRunner()
    by_name = runner.invoke(app, ["impact", "--event", "SPARKS raid", "--db", db, "--by", "none", "--json"])
    by_day = runner.invoke(app, ["impact", "--event", "2020-08-25", "--db", db, "--by", "none", "--json"])
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout) == json.loads(by_day.stdout)  # the calibration used goes to stderr
    bad = runner.invoke(app, ["impact", "--event", "no-such-raid", "--db", db])
    assert bad.exit_code != 0
