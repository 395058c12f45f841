"""Result tables in a terminal or a pipe, never destroying a value.

On a terminal the table is fitted to its width: every number, date and name is shown whole or not at all. Columns
are left out by priority (detail first, from the right; ``columns.tsv`` ranks them) and the table says which; text
columns wrap; when even the key columns do not fit, each row becomes a block of ``column  value`` lines. Through a
pipe or into a file, every column is printed at full width as aligned plain text (no box drawing): nothing is cut
to the 80 columns a pipe reports. ``wide`` prints every column whatever the width (lines may then wrap).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scenewatch.output.columns import Column, describe
from scenewatch.output.values import format_column

__all__ = ["Fitted", "fit_columns", "render_table"]

_TEXT_MIN = 16  # a wrapping text column is never narrower than this (or its widest value, if smaller)
_EDGES = 4  # "│ " before the first column and " │" after the last
_BETWEEN = 3  # " │ " between two columns


@dataclass(frozen=True, slots=True)
class Fitted:
    """The columns a width allows: ``shown`` with their widths, ``left_out`` (names), and whether to print one
    block per row instead (``records``)."""

    shown: list[tuple[Column, int]]
    left_out: list[str]
    records: bool


def render_table(console: Console, frame: pd.DataFrame, title: str | None = None, *, wide: bool = False) -> None:
    """Print ``frame`` for people: fitted on a terminal, full-width plain text through a pipe."""
    columns = _columns(frame)
    cells = {c.name: format_column(frame[c.name], c) for c in columns}
    if frame.empty:
        console.print(f"{title + ': ' if title else ''}no rows", highlight=False, markup=False)
        return
    if not console.is_terminal:
        _plain(console, title, columns, cells)
        return
    if len(frame) == 1 and len(columns) > 4:  # one record reads best as a list of fields
        _records(console, title, columns, cells, console.width)
        return
    fitted = fit_columns(columns, cells, None if wide else console.width)
    if fitted.records:
        _records(console, title, columns, cells, console.width)
        return
    table = Table(title=title, title_justify="left", box=box.SQUARE_DOUBLE_HEAD, expand=False)
    for column, width in fitted.shown:
        table.add_column(_header(column.name, width), justify="right" if column.numeric else "left", width=width,
                         no_wrap=column.numeric, overflow="fold")  # fmt: skip
    for i in range(len(frame)):
        table.add_row(*(Text(cells[c.name][i]) for c, _ in fitted.shown))
    if wide:
        needed = sum(w for _, w in fitted.shown) + _BETWEEN * (len(fitted.shown) - 1) + _EDGES
        console.print(table, width=max(needed, console.width), crop=False)
    else:
        console.print(table)
    if fitted.left_out:
        console.print(f"not shown at this width: {', '.join(fitted.left_out)} (see them with --wide, --csv or --json)",
                      style="dim", highlight=False, markup=False)  # fmt: skip


def fit_columns(columns: list[Column], cells: dict[str, list[str]], width: int | None) -> Fitted:
    """Choose the columns (and their widths) that fit ``width`` characters of box table; None: all of them."""
    natural = {c.name: max([_header_min(c.name), *map(len, cells[c.name])]) for c in columns}
    smallest = {c.name: natural[c.name] if c.numeric else min(natural[c.name], max(_TEXT_MIN, _header_min(c.name)))
                for c in columns}  # fmt: skip
    shown = list(columns)
    left_out: list[str] = []

    def needed(chosen: list[Column]) -> int:
        return sum(smallest[c.name] for c in chosen) + _BETWEEN * (len(chosen) - 1) + _EDGES

    if width is not None:
        # Detail first, rightmost first among equals; key columns (priority 1) are never left out.
        order = sorted((c for c in columns if c.priority > 1), key=lambda c: (-c.priority, -columns.index(c)))
        for column in order:
            if needed(shown) <= width:
                break
            shown.remove(column)
            left_out.append(column.name)
        if needed(shown) > width:
            return Fitted([], [], records=True)
    spare = (width - needed(shown)) if width is not None else 10**9
    widths = {c.name: smallest[c.name] for c in shown}
    for column in shown:  # give text columns back what they were squeezed by, left to right
        extra = min(natural[column.name] - widths[column.name], spare)
        widths[column.name] += extra
        spare -= extra
    left_out.sort(key=lambda name: [c.name for c in columns].index(name))
    return Fitted([(c, widths[c.name]) for c in shown], left_out, records=False)


def _columns(frame: pd.DataFrame) -> list[Column]:
    """Each column described; one that holds a single value on every row of a longer table is a detail."""
    described = []
    for name in frame.columns:
        column = describe(str(name), frame[name])
        if column.priority == 2 and len(frame) > 1 and _constant(frame[name]):
            column = Column(column.name, column.kind, 3, column.label, column.description)
        described.append(column)
    return described


def _constant(values: pd.Series) -> bool:
    try:
        return values.nunique(dropna=False) == 1
    except TypeError:  # lists are unhashable
        return False


def _header_min(name: str) -> int:
    return max(len(part) for part in name.split("_")) + (1 if "_" in name else 0)


def _header(name: str, width: int) -> str:
    """The column name broken after underscores so that no line is wider than the column."""
    lines, line = [], ""
    for part in name.split("_"):
        piece = part if not line else f"_{part}"
        if line and len(line) + len(piece) > width:
            lines.append(line + "_")
            line = part
        else:
            line += piece
    lines.append(line)
    return "\n".join(lines)


def _plain(console: Console, title: str | None, columns: list[Column], cells: dict[str, list[str]]) -> None:
    widths = [max(len(c.name), *map(len, cells[c.name])) for c in columns]
    out = console.file
    if title:
        out.write(f"{title}\n")
    out.write(_line([c.name for c in columns], columns, widths) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for i in range(len(cells[columns[0].name])):
        out.write(_line([cells[c.name][i].replace("\n", " ") for c in columns], columns, widths) + "\n")
    out.flush()


def _line(values: list[str], columns: list[Column], widths: list[int]) -> str:
    parts = [v.rjust(w) if c.numeric else v.ljust(w) for v, c, w in zip(values, columns, widths, strict=True)]
    return "  ".join(parts).rstrip()


def _records(console: Console, title: str | None, columns: list[Column], cells: dict[str, list[str]],
             width: int) -> None:  # fmt: skip
    key_width = max(len(c.name) for c in columns)
    if title:
        console.print(title, highlight=False, markup=False)
    rows = len(cells[columns[0].name])
    for i in range(rows):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=key_width, style="bold", no_wrap=True)
        grid.add_column(width=max(width - key_width - 2, 10), overflow="fold")
        for column in columns:
            grid.add_row(column.name, Text(cells[column.name][i]))
        console.print(grid)
        if i < rows - 1:
            console.print()
