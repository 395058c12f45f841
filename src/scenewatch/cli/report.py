"""`scenewatch report`: a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    open_db,
    out,
    parse_day,
)


def report(
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("scenewatch-report.html"),
    db: DbOption = None,
    event: Annotated[str | None, typer.Option("--event", help="Date of the event to mark (YYYY-MM-DD).")] = None,
) -> None:
    """Write a self-contained HTML report with charts."""
    from scenewatch.report import write_report

    with open_db(db, read_only=True) as database:
        path = write_report(database, out_file, event=parse_day(event, "--event"))
    out.print(f"report written to {path}")



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(report)
