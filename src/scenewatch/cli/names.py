"""`scenewatch parse` and `scenewatch prior`: release names into fields, and the group prior the parser uses."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    DbOption,
    JsonFlag,
    WideFlag,
    open_db,
    out,
    show,
)


def parse(
    names: Annotated[list[str], typer.Argument(help="Release names, or - to read them from stdin.")],
    section: Annotated[str | None, typer.Option("--section", help="Announced section, as a hint.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Parse release names into fields."""
    import orjson

    from scenewatch.names import format_rows, parse_many

    if names == ["-"]:
        names = [line.strip() for line in sys.stdin if line.strip()]
    rows = format_rows(parse_many(names, [section] * len(names)))
    if as_json:
        out.file.write(orjson.dumps(rows).decode() + "\n")
        return
    from rich.table import Table

    for row in rows:
        out.print(f"[bold]{row.pop('name')}[/]", highlight=False, soft_wrap=True)
        table = Table(show_header=False)
        for key, value in row.items():
            table.add_row(key, ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value))
        out.print(table)


def prior(
    db: DbOption = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the store's prior as a TSV (the shipped one's format).")
    ] = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """The group prior the store has learned from announced sections, beside the one the parser ships."""
    from scenewatch import priors

    with open_db(db, read_only=True) as database:
        if out_file is not None:
            learned = priors.export_tsv(database, out_file)
            out.print(f"wrote {len(learned):,} group verdicts ({len(learned.counts):,} groups) to {out_file}")
            return
        table = priors.summary(database)
    show(table, as_json, False, "group prior: groups per category", wide)


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(parse)
    app.command()(prior)
