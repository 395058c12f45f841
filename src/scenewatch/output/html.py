"""Result tables as HTML for the report: the terminal's formatting, a page's width, long tables folded away.

Cells are the text :mod:`~scenewatch.output.values` gives (never ``None``, ``NaN``, ``<NA>``, ``True``/``False``);
headers are the labels of ``columns.tsv``, with the column's description as a tooltip. Detail columns (priority 3)
are left out unless asked for, so a table fits a 1,280 px page; numbers and dates never wrap, text does. Rows past
``max_rows`` go behind a ``<details>`` element.
"""

from __future__ import annotations

import html

import pandas as pd

from scenewatch.output.columns import Column, describe
from scenewatch.output.values import format_column

__all__ = ["described_columns", "table_html"]

_NO_WRAP_KINDS = {"date", "datetime"}


def described_columns(frame: pd.DataFrame, *, detail: bool = False) -> list[Column]:
    """The columns of ``frame`` a report shows (all of them with ``detail``), described."""
    columns = [describe(str(name), frame[name]) for name in frame.columns]
    if detail:
        return columns
    return [c for c in columns if c.priority < 3] or columns


def table_html(frame: pd.DataFrame, *, max_rows: int = 15, detail: bool = False, empty: str = "") -> str:
    """``frame`` as an HTML table of formatted cells; ``empty`` is what to say when it has no rows."""
    if frame.empty:
        return f'<p class="empty">{html.escape(empty or "Nothing found.")}</p>'
    columns = described_columns(frame, detail=detail)
    cells = {c.name: format_column(frame[c.name].reset_index(drop=True), c) for c in columns}
    head = "".join(
        f'<th class="{_classes(c)}" title="{html.escape(c.description)}">{html.escape(c.label)}</th>' for c in columns
    )

    def body(rows: range) -> str:
        return "".join(
            "<tr>" + "".join(f'<td class="{_classes(c)}">{html.escape(cells[c.name][i])}</td>' for c in columns)
            + "</tr>" for i in rows
        )  # fmt: skip

    shown = min(len(frame), max_rows)
    out = f'<div class="table"><table class="data"><thead><tr>{head}</tr></thead><tbody>{body(range(shown))}</tbody>'
    out += "</table></div>"
    if len(frame) > shown:
        rest = f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body(range(shown, len(frame)))}</tbody>'
        more = len(frame) - shown
        out += f"<details><summary>{more:,} more row{'s' if more > 1 else ''}</summary><div class=\"table\">{rest}"
        out += "</table></div>"
        out += "</details>"
    return out


def _classes(column: Column) -> str:
    classes = ["num" if column.numeric else "text"]
    if column.kind in _NO_WRAP_KINDS or column.numeric:
        classes.append("nowrap")
    return " ".join(classes)
