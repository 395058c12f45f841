"""A report's units: a section (prose, charts, a table) and a chart with its own title and note."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: a ``key`` (e.g. its category; the page marks the chart with it), a title shown above it in the
    page (never inside the plot, where a toolbar could cover it), the figure and an optional one-line note."""

    key: str
    title: str
    figure: go.Figure
    note: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """One titled part of a report: prose, a chart or several, a table, or all of them.

    ``empty`` says what was looked for when ``table`` has no rows; ``html`` is prebuilt markup (the summary);
    ``detail`` shows the table's detail columns too.
    """

    title: str
    text: str = ""
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    charts: tuple[Chart, ...] = ()
    empty: str = ""
    html: str = ""
    detail: bool = False
    anchor: str = ""
