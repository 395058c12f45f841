"""`scenewatch parse`: release names into fields."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from scenewatch.cli.common import (
    JsonFlag,
    out,
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



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(parse)
