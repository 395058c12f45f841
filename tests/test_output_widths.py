"""Every command's table at 60, 80 and 120 columns and through a pipe: a value is shown whole or not at all.

The table of each command (on the shared simulated store) is rendered on a real Rich console that is a terminal of
the given width, and on one that is a pipe. Every number and date of the frames the command printed must appear
verbatim, formatted as :mod:`scenewatch.output` formats it, unless its column is listed as "not shown"; words of text
columns appear whole (longer ones are folded over lines, never cut); nothing is elided with "…"; and the pipe holds
every column. A command that prints a table (one with ``--wide``) cannot be left out of this list.
"""

from __future__ import annotations

import inspect
import io
import re

import pandas as pd
import pytest
from analysis_data import simulated
from rich.console import Console
from typer.testing import CliRunner

from scenewatch.cli import app, common
from scenewatch.output import describe, format_column

TABLE_COMMANDS: dict[str, list[str]] = {
    "volume": ["volume", "--by", "week", "--split", "category", "--since", "2020-08-03", "--until", "2020-09-13"],
    "compare": ["compare", "--event", "2020-08-25"],
    "concentration": ["concentration", "--since", "2020-06-01", "--until", "2020-10-31"],
    "languages": ["languages", "--event", "2020-08-25", "--min-releases", "20"],
    "gaps": ["gaps"],
    "impact": ["impact", "--event", "2020-08-25"],
    "recovery": ["recovery", "--event", "2020-08-25"],
    "changepoints": ["changepoints"],
    "discover": ["discover"],
    "study": ["study", "--event", "sparks"],
    "events list": ["events", "list"],
    "groups": ["groups", "--dormant", "--as-of", "2020-08-26", "--limit", "15"],
    "nukes": ["nukes", "--limit", "15"],
    "race": ["race", "--limit", "15"],
    "dupes": ["dupes", "--list", "--limit", "15"],
    "fixes": ["fixes", "--limit", "15"],
    "leaks": [],  # needs a retail file: set up in the test
    "sources": ["sources"],
    "prior": ["prior"],
    "retail list": [],  # needs a store with retail dates: set up in the test
    "events add": [],  # writes: into a store of its own
}
NOT_SHOWN = re.compile(r"not shown at this width: ([^(]*)\(")


def _table_commands() -> set[str]:
    found = set()
    for command in app.registered_commands:
        if "wide" in inspect.signature(command.callback).parameters:  # type: ignore[arg-type]
            found.add(command.name or command.callback.__name__)  # type: ignore[union-attr]
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:
            if "wide" in inspect.signature(command.callback).parameters:  # type: ignore[arg-type]
                found.add(f"{group.name} {command.name or command.callback.__name__}")  # type: ignore[union-attr]
    return found


def test_every_table_command_is_checked() -> None:
    assert _table_commands() - set(TABLE_COMMANDS) == set()


def _invoke(args: list[str], console: Console) -> tuple[str, list[pd.DataFrame]]:
    """Run a command with ``console`` as its stdout; what it printed, and the frames it printed."""
    saved, real_emit = (common.out, common.emit), common.emit
    printed: list[pd.DataFrame] = []

    def emit(target: Console, frame: pd.DataFrame, *args: object, **kwargs: object) -> None:
        printed.append(frame)
        real_emit(target, frame, *args, **kwargs)  # type: ignore[arg-type]

    common.out, common.emit = console, emit
    try:
        result = CliRunner().invoke(app, args)
    finally:
        common.out, common.emit = saved
    assert result.exit_code == 0, (args, result.output, result.exception)
    return console.file.getvalue(), printed  # type: ignore[attr-defined]


def _args(command: str, tmp_path: object) -> list[str]:
    db = ["--db", str(simulated().db_path)]
    if command == "leaks":
        from pathlib import Path

        retail = Path(str(tmp_path)) / "retail.csv"
        with simulated().open() as store:
            titles = store.query("SELECT DISTINCT title, year FROM releases WHERE category = 'movie' AND year IS NOT "
                                 "NULL AND title IS NOT NULL ORDER BY 1 LIMIT 8")  # fmt: skip
        titles.assign(kind="movie", date="2020-09-01").to_csv(retail, index=False)
        return ["leaks", "--retail", str(retail), *db]
    if command in ("retail list", "events add"):
        from datetime import date
        from pathlib import Path

        from scenewatch.records import RetailDate
        from scenewatch.store import Database
        from scenewatch.store.retail import record_lookup

        own = Path(str(tmp_path)) / "own.duckdb"
        with Database(own) as store:
            films = [("Project Power", date(2020, 8, 14)), ("Enola Holmes", date(2020, 9, 23))]
            for i, (title, day) in enumerate(films):
                dates = [RetailDate("xrel", f"m{i}", "movie", title, "web", country, day) for country in ("us", "de")]
                record_lookup(store, "xrel", "movie", title.lower(), 2020, f"m{i}", title, dates)
        if command == "events add":
            return ["events", "add", "Operation Width Test", "2020-08-25", "--description", "A test of widths, "
                    "long enough to wrap over several lines at sixty columns.", "--db", str(own)]  # fmt: skip
        return ["retail", "list", "--db", str(own)]
    return [*TABLE_COMMANDS[command], *db]


@pytest.mark.parametrize("command", sorted(TABLE_COMMANDS))
def test_no_cell_is_cut_at_any_width(command: str, tmp_path: object) -> None:
    args = _args(command, tmp_path)
    for width in (60, 80, 120, None):  # None: a pipe
        console = Console(file=io.StringIO(), width=width or 80, force_terminal=width is not None, color_system=None,
                          soft_wrap=True)  # fmt: skip
        text, frames = _invoke(args, console)
        assert frames and not frames[0].empty, f"{command}: the check needs rows"
        frame = pd.concat(frames) if len(frames) > 1 else frames[0]
        cells = {str(n): format_column(frame[n].reset_index(drop=True), describe(str(n), frame[n])) for n in frame}
        assert "…" not in text, (command, width)
        left_out = set()
        if (match := NOT_SHOWN.search(text.replace("\n", " "))) is not None:
            left_out = {name.strip() for name in match.group(1).split(",")}
        assert width is not None or not left_out, f"{command}: a pipe must show every column"
        for name, values in cells.items():
            if name in left_out:
                continue
            numeric = describe(name, frame[name]).numeric or describe(name).kind in ("date", "datetime")
            for value in values:
                words = [value] if numeric else [w for w in value.split() if len(w) <= 10]
                for word in words:
                    assert word in text, f"{command} at {width or 'pipe'}: {name} value {word!r} cut or missing"
