"""`scenewatch leaks`: releases matched to retail dates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    WideFlag,
    analysis_source,
    show,
)


def leaks_command(
    retail: Annotated[
        Path | None,
        typer.Option("--retail", help="CSV with title, year, kind, date\\[, country, date_type] "
                     "\\[default: the store's retail dates, from `scenewatch retail pull`]."),
    ] = None,
    db: DbOption = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Summarise by group, source, category, title, date_type or country."),
    ] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Releases matched to retail dates: days between pre and retail (by date type and country), share before retail."""
    from scenewatch.analysis.leaks import leak_summary, leaks

    if retail is not None and not retail.is_file():
        raise UsageError(f"--retail: {retail} is not a file")
    with analysis_source(db, parquet) as database:
        frame = leaks(database, retail)
    if by:
        summary = leak_summary(frame, by)
        summary.attrs = frame.attrs
        frame = summary
    show(frame, as_json, as_csv, "releases vs retail dates", wide)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="leaks")(leaks_command)
