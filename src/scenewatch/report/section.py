"""A report's unit: one titled part with prose, a chart, a table, or all three."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go


@dataclass(frozen=True, slots=True)
class Section:
    """One titled part of a report: prose, a chart, a table, or all three."""

    title: str
    text: str = ""
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
