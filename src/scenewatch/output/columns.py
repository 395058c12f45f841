"""What a result column is: how its values are shown, how much it matters, what it means (``columns.tsv``).

Every table scenewatch shows — in a terminal, the HTML report or the dashboard — is a DataFrame whose columns are
looked up here by name: an exact line of the table, else the first ``*`` pattern that matches, else a kind inferred
from the values (integers are counts, floats numbers, …). A new analysis column gets its line in the TSV, not code.
"""

from __future__ import annotations

import csv
import fnmatch
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from scenewatch.missing import is_missing

__all__ = ["KINDS", "Column", "describe"]

KINDS = ("count", "signed_count", "number", "score", "percent", "signed_percent", "pvalue", "days", "hours",
         "date", "datetime", "bool", "list", "text")  # fmt: skip
NUMERIC_KINDS = frozenset(KINDS[:9])


@dataclass(frozen=True, slots=True)
class Column:
    """How one column is shown: ``kind`` (see :data:`KINDS`), ``priority`` (1 key … 3 detail), a ``label`` for
    headers in the report and dashboard, and a one-line ``description``."""

    name: str
    kind: str
    priority: int
    label: str
    description: str = ""

    @property
    def numeric(self) -> bool:
        """Whether the values are numbers (right-aligned, never wrapped)."""
        return self.kind in NUMERIC_KINDS


@cache
def _table() -> tuple[dict[str, Column], tuple[tuple[str, Column], ...]]:
    text = resources.files("scenewatch.output").joinpath("columns.tsv").read_text(encoding="utf-8")
    exact: dict[str, Column] = {}
    patterns: list[tuple[str, Column]] = []
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        name = row["column"]
        if row["kind"] not in KINDS:
            raise ValueError(f"columns.tsv: {name}: unknown kind {row['kind']!r}")
        column = Column(name, row["kind"], int(row["priority"]), row.get("label") or "", row.get("description") or "")
        if "*" in name:
            patterns.append((name, column))
        else:
            exact[name] = column
    return exact, tuple(patterns)


def describe(name: str, values: pd.Series | None = None) -> Column:
    """The column called ``name``; ``values`` (the column's data) decides the kind of a column the table lacks."""
    exact, patterns = _table()
    found = exact.get(name)
    if found is None:
        for pattern, column in patterns:
            if fnmatch.fnmatchcase(name, pattern):
                found = Column(name, column.kind, column.priority, "", column.description)
                break
    if found is None:
        found = Column(name, _infer(values), 2, "", "")
    if found.label:
        return found
    return Column(found.name, found.kind, found.priority, name.replace("_", " "), found.description)


def _infer(values: pd.Series | None) -> str:
    """The kind of an unlisted column, from its dtype or, for object columns, its first present value."""
    if values is None:
        return "text"
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    sample = next((v for v in values if not _absent(v)), None)
    if isinstance(sample, bool | np.bool_):
        return "bool"
    if isinstance(sample, datetime | pd.Timestamp):
        return "datetime"
    if isinstance(sample, date):
        return "date"
    if isinstance(sample, list | tuple | np.ndarray):
        return "list"
    if isinstance(sample, int | np.integer):
        return "count"
    if isinstance(sample, float | np.floating):
        return "number"
    return "text"


def _absent(value: object) -> bool:
    return not isinstance(value, list | tuple | np.ndarray) and is_missing(value)
