"""Pieces shared by the command modules: consoles, common options, argument parsing, printing a table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from scenewatch.output import emit, output_format
from scenewatch.store import Database, default_db_path

out = Console(soft_wrap=True, highlight=False)  # long lines are the terminal's to wrap: a pipe gets them whole
err = Console(stderr=True, soft_wrap=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="SCENEWATCH_DB",
        help="Database file \\[default: per-user data folder]. The analysis commands (all but ingest, reparse, report, "
        "info, export, serve, listen and events) also take a backend: "
        "chdb:///DIR, clickhouse://HOST:PORT/DB, spark://local[N] or duckdb:// (the last two with --parquet).",
    ),
]  # fmt: skip
ParquetOption = Annotated[
    Path | None,
    typer.Option("--parquet", help="With --db spark://… or duckdb://: the `scenewatch export --parquet` folder."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print a JSON array of rows.")]
CsvFlag = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
WideFlag = Annotated[
    bool, typer.Option("--wide", help="On a terminal, show every column even when the table is wider than it.")
]


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


def parse_range(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """``--since`` and ``--until`` as days, refusing a range that ends before it starts."""
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    if first and last and last < first:
        raise UsageError(f"--until {last} is before --since {first}: the range is empty")
    return first, last


def is_backend(db: str | Path | None) -> bool:
    """Whether --db names an analysis backend (``scheme://…``) rather than a database file."""
    from scenewatch.store.backends import is_dsn

    return is_dsn(db)


def open_db(path: str | Path | None, *, read_only: bool = False) -> Database:
    """Open the database named by --db / SCENEWATCH_DB or the default one."""
    if is_backend(path):
        raise UsageError(f"--db {path}: this command reads the embedded store; the analysis commands (volume, impact, "
                         "race, dupes…) also run on backends")  # fmt: skip
    return Database(Path(path) if path else default_db_path(), read_only=read_only)


def open_backend(db: str, parquet: Path | None) -> Any:
    """The Ibis backend a ``--db scheme://…`` names (see ``scenewatch.store.backends.connect``)."""
    from scenewatch.store import StoreError
    from scenewatch.store.backends import connect

    try:
        return connect(db, parquet=parquet)
    except StoreError as exc:
        raise UsageError(f"--db {db}: {exc}") from None


@contextmanager
def analysis_source(db: str | None, parquet: Path | None) -> Iterator[Any]:
    """What an analysis reads: the embedded store (read-only), or the Ibis backend a ``--db scheme://…`` names."""
    if db and is_backend(db):
        yield open_backend(db, parquet)
        return
    if parquet is not None:
        raise UsageError("--parquet goes with --db spark://… or duckdb:// (an analysis backend)")
    with open_db(db, read_only=True) as database:
        yield database


EventOption = Annotated[str, typer.Option("--event", help="Event day (YYYY-MM-DD) or name, e.g. 2020-08-25, sparks.")]
CategoryOption = Annotated[str | None, typer.Option("--category", help="One category (movie, tv, game…).")]
SinceOption = Annotated[str | None, typer.Option("--since", help="First UTC day.")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Last UTC day, inclusive.")]
LimitOption = Annotated[int, typer.Option("--limit", help="Rows to show (0: all).")]
BeforeOption = Annotated[str, typer.Option("--before", help="Pre-event fit period, e.g. 8w, 56d.")]
AfterOption = Annotated[str, typer.Option("--after", help="Post-event period, e.g. 8w.")]


def show(frame: pd.DataFrame, as_json: bool, as_csv: bool, title: str, wide: bool = False) -> None:
    """Print an analysis table (text, JSON or CSV) on stdout and its warnings on stderr."""
    for warning in frame.attrs.get("warnings", []):
        err.print(f"warning: {warning}", markup=False, highlight=False)
    emit(out, frame, output_format(as_json, as_csv), title=title, wide=wide)


def event_day(source: object, value: str) -> date:
    """The day an ``--event`` names: a date, or an event of the catalogue or of the store ``source`` (on an
    analysis backend, events registered in a store are not there: a day or a catalogue name)."""
    from scenewatch.events import resolve_event

    try:
        return resolve_event(source if isinstance(source, Database) else None, value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def limit_rows(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows (all when 0), keeping the frame's warnings."""
    if limit > 0 and len(frame) > limit:
        trimmed = frame.head(limit).reset_index(drop=True)
        trimmed.attrs = frame.attrs
        return trimmed
    return frame
