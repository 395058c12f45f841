"""One value as people read it: counts with separators, fractions as percentages, short dates, yes/no.

The same text in the terminal, the report and the dashboard's tables. Missing values (None, ``pd.NA``, NaN, NaT)
are :data:`MISSING`; nothing here ever prints ``None``, ``nan``, ``<NA>``, ``True`` or ``False``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from scenewatch.missing import is_missing
from scenewatch.output.columns import Column, describe

__all__ = ["MISSING", "format_column", "format_value"]

MISSING = "—"


def format_column(values: pd.Series, column: Column | None = None) -> list[str]:
    """Every value of a column as text (the column's kind from :func:`~scenewatch.output.columns.describe`).

    Plain numbers share one number of decimals, chosen from the column's typical size, so that they line up.
    """
    kind = (column or describe(str(values.name), values)).kind
    items = values.tolist()
    if kind == "number":
        decimals = _decimals(items)
        if decimals is not None:
            return [_fixed(v, decimals) for v in items]
    if kind in ("days", "hours") and _decimals(items) == 0:  # whole days stay whole: "115", not "115.0"
        return [_fixed(v, 0) for v in items]
    return [format_value(v, kind) for v in items]


def _decimals(items: list[Any]) -> int | None:
    """Decimals for a column of plain numbers (None when some value is not a number)."""
    numbers = []
    for v in items:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool) or not isinstance(v, int | float):
            if is_missing(v):
                continue
            return None
        if math.isfinite(v):
            numbers.append(abs(v))
    if not numbers or all(float(v).is_integer() for v in numbers):
        return 0
    typical = float(np.median(numbers))
    return 0 if typical >= 1000 else 1 if typical >= 10 else 2 if typical >= 1 else 3


def _fixed(value: Any, decimals: int) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if is_missing(value):
        return MISSING
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:,.{decimals}f}"


def format_value(value: Any, kind: str) -> str:
    """One value as text for a column of ``kind``."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v, "text") for v in value) if value else MISSING
    if is_missing(value):
        return MISSING
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind in ("date", "datetime"):
        return _moment(value, kind)
    if isinstance(value, datetime | date):
        return _moment(value, "datetime" if isinstance(value, datetime) else "date")
    if isinstance(value, int | float):
        return _number(float(value) if isinstance(value, float) else value, kind)
    return str(value)


def _moment(value: Any, kind: str) -> str:
    if isinstance(value, str):
        try:
            value = pd.Timestamp(value)
        except ValueError:
            return value
    if isinstance(value, datetime):  # pd.Timestamp included
        if kind == "date":
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value: int | float, kind: str) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if kind in ("percent", "signed_percent"):
        return _percent(value, signed=kind == "signed_percent")
    if kind == "pvalue":
        return "<0.001" if value < 0.001 else f"{value:.3f}" if value < 0.01 else f"{value:.2f}"
    if kind in ("count", "signed_count"):
        text = f"{round(value):,}"
        return f"+{text}" if kind == "signed_count" and round(value) > 0 else text
    if kind in ("score", "days", "hours"):
        return f"{value:,.1f}"
    return _plain_number(value)


def _percent(fraction: float, *, signed: bool) -> str:
    pct = fraction * 100
    size = abs(pct)
    if size == 0:
        text = "0%"
    elif size < 0.1:
        text = "<0.1%"
    elif size < 10:
        text = f"{size:.1f}%"
    else:
        text = f"{size:,.0f}%"
    if pct < 0 and text != "0%":
        return f"-{text}"
    return f"+{text}" if signed and pct > 0 else text


def _plain_number(value: int | float) -> str:
    """A number with the precision it carries: whole numbers as integers, others to about three significant digits
    (at least one decimal below 1,000)."""
    if isinstance(value, int) or value.is_integer():
        return f"{int(value):,}"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:,.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
