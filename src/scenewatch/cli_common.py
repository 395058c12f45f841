"""Pieces shared by the command modules: consoles, common options, argument parsing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scenewatch.store import Database, default_db_path

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="SCENEWATCH_DB", help="Database file [default: per-user data folder]."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print a JSON array of rows.")]
CsvFlag = Annotated[bool, typer.Option("--csv", help="Print CSV.")]


class UsageError(Exception):
    """A bad argument; the message is one line for the user."""


def parse_day(value: str | None, option: str) -> date | None:
    """Read an ISO date given on the command line."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def open_db(path: Path | None, *, read_only: bool = False) -> Database:
    """Open the database named by --db / SCENEWATCH_DB or the default one."""
    return Database(path or default_db_path(), read_only=read_only)
