"""One notion of absence everywhere: ``None``, ``pd.NA``, ``NaN`` and ``NaT`` are the same missing value.

Engines and library versions differ in which one a NULL comes back as (pandas 3 with DuckDB 2 gives ``pd.NA`` for a
NULL list or string; older ones gave ``None`` or ``NaN``), so no code path may test for one of them alone.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["is_missing"]


def is_missing(value: object) -> bool:
    """Whether a cell is an absence: ``None``, ``pd.NA``, ``NaN`` or ``NaT`` alike (a list or an array is never
    missing, even when empty; ask ``len`` for that)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value
