"""Result tables for people and programs: fitted terminal tables, plain text through a pipe, CSV or JSON rows.

The one place that decides how a value looks. :mod:`~scenewatch.output.columns` says what each column is (from
``columns.tsv``), :mod:`~scenewatch.output.values` turns a value into text, :mod:`~scenewatch.output.terminal`
lays a table out for a terminal or a pipe, :mod:`~scenewatch.output.html` for the report; the dashboard gets the
same column descriptions from the API. :func:`rows` gives JSON-ready values (numbers stay numbers).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from itertools import repeat
from typing import Any

import numpy as np
import orjson
import pandas as pd
from rich.console import Console

from scenewatch.missing import is_missing
from scenewatch.output.columns import Column, describe
from scenewatch.output.terminal import render_table
from scenewatch.output.values import MISSING, format_column, format_value

__all__ = ["MISSING", "Column", "OutputFormat", "describe", "emit", "format_column", "format_value", "output_format",
           "rows"]  # fmt: skip


class OutputFormat(enum.StrEnum):
    """How a command prints its table."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def output_format(as_json: bool, as_csv: bool) -> OutputFormat:
    """Pick the format from the --json / --csv flags."""
    if as_json and as_csv:
        raise ValueError("--json and --csv are exclusive")
    return OutputFormat.JSON if as_json else OutputFormat.CSV if as_csv else OutputFormat.TABLE


def _plain(value: Any) -> Any:
    if not isinstance(value, list | tuple | np.ndarray) and is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of flat JSON-ready dicts (dates ISO, NaN as null)."""
    names = [str(column) for column in frame.columns]
    values = [_column_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if not names:
        return [{} for _ in range(len(frame))]
    # Columns of one frame are equally long; map() builds the dicts without a Python-level loop.
    return list(map(dict, map(zip, repeat(names), zip(*values, strict=True))))


def _column_values(column: pd.Series) -> list[Any]:
    """One column as JSON-ready Python values; whole-column conversions where the dtype allows (a 20,000-row
    volume series is converted in a few milliseconds instead of ~90)."""
    values = column.tolist()
    kind = column.dtype
    if not isinstance(kind, np.dtype):  # pandas extension types (nullable Int64, string …) hold pd.NA
        values = [None if v is pd.NA else v for v in values]
    elif kind.kind in "iub":
        return values
    elif kind.kind == "f":
        return [None if v != v else v for v in values]  # NaN is the only value not equal to itself
    elif set(map(type, values)) == {date}:  # a period column: ~10x faster than _plain one value at a time
        return list(map(date.isoformat, values))
    return [_plain(v) for v in values]


def emit(console: Console, frame: pd.DataFrame, fmt: OutputFormat, *, title: str | None = None,
         wide: bool = False) -> None:  # fmt: skip
    """Print a table in the chosen format (``wide``: a terminal table with every column, whatever its width)."""
    if fmt is OutputFormat.JSON:
        console.file.write(orjson.dumps(rows(frame)).decode() + "\n")
        return
    if fmt is OutputFormat.CSV:
        console.file.write(_csv_frame(frame).to_csv(index=False))
        return
    render_table(console, frame, title, wide=wide)


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV cells: lists joined by ``;`` (not Python's repr), times in ISO form, absences empty."""
    copy = frame.copy()
    for name in copy.columns:
        values = copy[name]
        if values.dtype == object:
            copy[name] = [";".join(map(str, _plain(v))) if isinstance(v, list | tuple | np.ndarray) else _plain(v)
                          for v in values]  # fmt: skip
    return copy
