"""The report's charts: one look for all (white, titled axes, legend under the plot, no toolbar), the analysed
window as the x-axis, feed gaps inside it shaded and labelled, events marked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from scenewatch.analysis._common import ALL
from scenewatch.analysis.volume import daily_series, data_span, volume
from scenewatch.store import Database

# Enough distinct colours for every category, the same category the same colour in every chart of the report.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#e7ba52", "#637939", "#ad494a")  # fmt: skip
RED = "#c0392b"
BLUE = "#1f3b5c"
ORANGE = "#e67e22"
# Static pages need no zoom or download buttons; without them nothing can cover a chart's top edge.
CONFIG = {"displayModeBar": False, "responsive": True}


def layout(figure: go.Figure, *, y_title: str, height: int = 340, x_range: tuple[date, date] | None = None) -> None:
    """The common look; ``x_range`` fixes the x-axis to the analysed window (days, inclusive)."""
    figure.update_layout(
        template="plotly_white", height=height, colorway=PALETTE, margin={"l": 64, "r": 16, "t": 28, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}, font={"size": 12},
        yaxis_title=y_title, hovermode="x unified",
        # Outside ticks push the date labels below the y-axis's "0" (without them "Jan 2019" touches it, as the
        # dashboard's charts already do it).
        xaxis={"ticks": "outside", "ticklen": 6, "tickcolor": "#bbb"},
    )  # fmt: skip
    if x_range is not None:
        start, end = x_range
        figure.update_xaxes(range=[_moment(start), _moment(end + timedelta(days=1))])


def _moment(day: date | datetime) -> datetime:
    return pd.Timestamp(day).to_pydatetime()


def mark_event(figure: go.Figure, event: date | None, label: str = "event") -> None:
    """A dashed red line on the event's day, labelled above the plot."""
    if event is None:
        return
    figure.add_vline(x=_moment(event), line_dash="dash", line_color=RED)
    figure.add_annotation(x=_moment(event), y=1, yref="paper", yanchor="bottom", text=label, showarrow=False,
                          font={"color": RED, "size": 11})  # fmt: skip


def shade_gaps(figure: go.Figure, gaps: pd.DataFrame | None, start: date, end: date, *, label: bool = True) -> int:
    """Shade the feed gaps that overlap ``start`` … ``end`` (clipped to it) and label them; return how many."""
    if gaps is None or gaps.empty:
        return 0
    lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    shown = 0
    for row in gaps.itertuples():
        a, b = max(pd.Timestamp(row.start), lo), min(pd.Timestamp(row.end), hi)
        if a >= b:
            continue
        figure.add_vrect(x0=a.to_pydatetime(), x1=b.to_pydatetime(), fillcolor="#888", opacity=0.22, line_width=0)
        if label:
            figure.add_annotation(x=a.to_pydatetime(), y=0.98, yref="paper", xanchor="left", yanchor="top",
                                  text="feed gap", showarrow=False, font={"size": 10, "color": "#555"})  # fmt: skip
        shown += 1
    return shown


def daily_figure(db: Database, event: date | None, gaps: pd.DataFrame) -> go.Figure:
    """Daily releases with their 7-day mean over the whole history, feed gaps shaded, the event marked."""
    daily = volume(db, "day")
    figure = go.Figure()
    figure.add_trace(go.Bar(x=daily["period"], y=daily["count"], name="per day", marker_color="#9bb7d4"))
    mean = daily["count"].rolling(7, min_periods=1).mean()
    figure.add_trace(go.Scatter(x=daily["period"], y=mean, name="7-day mean", line_color=BLUE))
    first, last = daily["period"].min(), daily["period"].max()
    layout(figure, y_title="releases per day", x_range=(first, last))
    shade_gaps(figure, gaps, first, last, label=False)
    mark_event(figure, event)
    return figure


def weekly_by_category_figure(db: Database, event: date | None) -> go.Figure:
    """Stacked weekly releases per category, the event marked."""
    weekly = volume(db, "week", "category")
    figure = go.Figure()
    order = weekly.groupby("category")["count"].sum().sort_values(ascending=False).index
    for category in order:
        rows = weekly[weekly["category"] == category]
        figure.add_trace(go.Scatter(x=rows["period"], y=rows["count"], name=str(category), stackgroup="one",
                                    mode="lines", line={"width": 0.5}))  # fmt: skip
    layout(figure, y_title="releases per week", height=420)
    figure.update_layout(legend_traceorder="normal")  # the legend in stacking order, largest first
    mark_event(figure, event)
    return figure


def impact_figure(part: pd.DataFrame, event: date, window: tuple[date, date], gaps: pd.DataFrame,
                  *, legend: bool) -> go.Figure:  # fmt: skip
    """One category: observed daily releases against the counterfactual and its 95% band, over the window only."""
    x = pd.to_datetime(part["day"])
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=part["expected_high"], line_width=0, showlegend=False, hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=x, y=part["expected_low"], fill="tonexty", fillcolor="rgba(31,59,92,0.18)",
                                line_width=0, name="95% band", showlegend=legend))  # fmt: skip
    figure.add_trace(go.Scatter(x=x, y=part["expected"], name="counterfactual", line={"color": BLUE, "dash": "dot"},
                                showlegend=legend))  # fmt: skip
    figure.add_trace(go.Scatter(x=x, y=part["observed"], name="observed", line_color=ORANGE, showlegend=legend))
    layout(figure, y_title="releases per day", height=300 if legend else 260, x_range=window)
    shade_gaps(figure, gaps, *window)
    mark_event(figure, event)
    return figure


def changepoint_figure(db: Database, found: pd.DataFrame, event: date | None, gaps: pd.DataFrame) -> go.Figure:
    """Daily volume of all releases with the five strongest breaks, labelled by rank without overlapping."""
    first, last = data_span(db)
    daily = daily_series(db, first, last, None)[ALL] if first and last else pd.Series(dtype=float)
    figure = go.Figure(go.Scatter(x=pd.to_datetime(daily.index), y=daily.to_numpy(), name="releases per day",
                                  line_color="#9bb7d4"))  # fmt: skip
    top = found[(found["category"] == ALL) & (found["rank"] <= 5)].sort_values("date")
    previous, level = None, 0
    for row in top.itertuples():
        moment = pd.Timestamp(row.date)
        # labels of breaks less than ~6 weeks apart would overlap: step them down a line
        level = level + 1 if previous is not None and (moment - previous).days < 45 else 0
        previous = moment
        figure.add_vline(x=moment.to_pydatetime(), line_color=BLUE, line_width=1 + 2 * (row.rank == 1))
        figure.add_annotation(x=moment.to_pydatetime(), y=1 - 0.08 * level, yref="paper", yanchor="top",
                              xanchor="left", showarrow=False, text=f"#{row.rank} {row.relative_change:+.0%}",
                              font={"size": 11}, bgcolor="rgba(255,255,255,0.8)")  # fmt: skip
    if first and last:
        layout(figure, y_title="releases per day", height=360, x_range=(first, last))
        shade_gaps(figure, gaps, first, last, label=False)
    mark_event(figure, event)
    return figure


def concentration_figure(frame: pd.DataFrame, event: date | None) -> go.Figure:
    """Weekly share of the five largest groups (all releases)."""
    part = frame[frame["category"] == ALL]
    figure = go.Figure(go.Scatter(x=pd.to_datetime(part["period"]), y=part["top_k_share"] * 100, name="top-5 share"))
    layout(figure, y_title="top-5 share (%)", height=300)
    mark_event(figure, event)
    return figure
