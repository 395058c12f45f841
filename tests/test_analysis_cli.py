"""The analysis commands: tables, CSV, JSON and warnings on stderr."""

from __future__ import annotations

import json

import pytest
from analysis_data import simulated
from typer.testing import CliRunner

from scenewatch.cli import app

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def db_arg() -> list[str]:
    """The --db option pointing at the shared simulated store."""
    return ["--db", str(simulated().db_path)]


def _run(*args: str) -> tuple[str, str]:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "--event", "2020-08-25", "--by", "none"],
        ["compare", "--window", "a=2020-08-17:2020-08-23", "--window", "b=2020-08-31:2020-09-06"],
        ["impact", "--event", "2020-08-25", "--by", "none"],
        ["recovery", "--event", "2020-08-25", "--threshold", "0.5"],
        ["changepoints", "--category", "all"],
        ["groups", "--dormant", "--as-of", "2020-08-26", "--limit", "5"],
        ["groups", "--vanished-with", "SPARKS", "--as-of", "2020-12-01"],
        ["groups", "--clusters", "--as-of", "2020-12-01"],
        ["concentration", "--period", "month"],
        ["nukes", "--by", "section"],
        ["gaps"],
    ],
)
def test_commands_print_json_rows(db_arg: list[str], args: list[str]) -> None:
    stdout, _ = _run(*args, *db_arg, "--json")
    rows = json.loads(stdout)
    assert isinstance(rows, list) and rows


def test_csv_and_table_and_warnings(db_arg: list[str]) -> None:
    stdout, stderr = _run("compare", "--event", "2020-08-25", *db_arg, "--csv")
    assert stdout.splitlines()[0] == "window,start,end,category,count,change_vs_first,relative_change"
    assert "beyond the data" in stderr  # week 19 after the raid is past the end of the simulation
    stdout, stderr = _run("impact", "--event", "2020-08-25", "--placebo", "--by", "none", *db_arg)
    assert "false-positive rate" in stderr and "feed gap" in stderr


def test_leaks_command(db_arg: list[str]) -> None:
    from pathlib import Path

    retail = Path(__file__).parent / "data" / "retail_example.csv"
    stdout, _ = _run("leaks", "--retail", str(retail), *db_arg, "--csv")
    assert stdout.startswith("title,year,kind")


def test_groups_needs_one_mode(db_arg: list[str]) -> None:
    result = RUNNER.invoke(app, ["groups", *db_arg])
    assert result.exit_code != 0
