"""Pieces shared by the command modules: consoles, common options, argument parsing, printing a table."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from scenewatch.store import Database, default_db_path

if TYPE_CHECKING:  # pandas, the analyses and the web layer load when a command needs them (a day's ingest does not)
    import pandas as pd

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
    """Open the database named by --db / SCENEWATCH_DB or the default one.

    A read (``read_only``) of a store another scenewatch process owns (``listen``, ``serve`` with writes, ``ingest``)
    goes through that process (``scenewatch.store.remote``), with the same answers; a write to it is refused with
    a message naming the owner and how to reach it.
    """
    if is_backend(path):
        raise UsageError(f"--db {path}: this command reads the embedded store; the analysis commands (volume, impact, "
                         "race, dupes…) also run on backends")  # fmt: skip
    from scenewatch.store.remote import open_shared

    return open_shared(path or default_db_path(), read_only=read_only)  # a string as given: `foo://x` stays a URL


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
    from scenewatch.output import output_format

    for warning in frame.attrs.get("warnings", []):
        err.print(f"warning: {warning}", markup=False, highlight=False)
    emit(out, frame, output_format(as_json, as_csv), title=title, wide=wide)


def emit(console: Console, frame: pd.DataFrame, fmt: Any, **options: Any) -> None:
    """``scenewatch.output.emit``, imported on first use (it brings pandas, which a day's ingest does not need)."""
    from scenewatch.output import emit as output_emit

    output_emit(console, frame, fmt, **options)


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


class ReadService:
    """The read API of a process that writes a store, published in the owner file (see :func:`serving_reads`)."""

    def __init__(self, database: Database, command: str, *, writer: Any = None, hub: Any = None,
                 status: Any = None, host: str = "127.0.0.1", port: int = 0) -> None:  # fmt: skip
        self.database, self.command, self.writer, self.hub, self.status = database, command, writer, hub, status
        self.host, self.port = host, port
        self.url = ""
        self._server: Any = None
        self._owner: Any = None
        self._lock = threading.Lock()
        self._stopped = False
        self._root: Any = None
        if writer is None:  # made in the calling thread, before the command uses the connection elsewhere
            from scenewatch.web.access import CursorView

            self._root = CursorView(database)

    def start(self) -> str:
        """Serve reads on a loopback port and publish the owner file; returns the URL."""
        from scenewatch.store.owner import new_secret, publish
        from scenewatch.web import create_app
        from scenewatch.web.server import serve_in_background

        with self._lock:
            if self._stopped or self._server is not None:
                return self.url
            secret = new_secret()
            # Without a writer thread the command writes through the database's own connection: reads get a root
            # cursor made here in advance, and no cache (the command's writes do not pass through the server).
            store = self.database if self.writer is not None else self._root
            app = create_app(store, hub=self.hub, writer=self.writer, query_secret=secret, status=self.status,
                             cache=self.writer is not None)  # fmt: skip
            self._server = serve_in_background(app, self.host, self.port)
            self._owner = publish(self.database.path, self.command, self._server.url, secret=secret)
            self.url = self._server.url
            return self.url

    def stop(self) -> None:
        """Stop serving; the owner file goes with the server (call before closing the database)."""
        with self._lock:
            self._stopped = True
            if self._server is not None:
                self._server.stop()
                self._server = None
            if self._owner is not None:
                self._owner.close()
                self._owner = None
            if self._root is not None:
                self._root.close()
                self._root = None


@contextmanager
def serving_reads(database: Database, command: str, *, after: float = 0.0, **options: Any) -> Iterator[ReadService]:
    """For a ``with`` block that writes ``database``: serve reads of it to other commands (the owner file).

    ``after`` seconds (a long ``ingest``) delays it, so a short command pays nothing for it.
    """
    service = ReadService(database, command, **options)
    timer = None
    if after > 0:
        def start_quietly() -> None:
            try:
                service.start()
            except Exception as exc:  # a write must not fail because reads could not be offered
                err.print(f"note: cannot serve reads of {database.path} meanwhile ({exc})", markup=False)

        timer = threading.Timer(after, start_quietly)
        timer.daemon = True
        timer.start()
    else:
        service.start()
    try:
        yield service
    finally:
        if timer is not None:
            timer.cancel()
        service.stop()
