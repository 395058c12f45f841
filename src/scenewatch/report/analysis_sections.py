"""Report sections built from the analyses: impact, recovery, change points, dormancy, concentration, nukes, gaps."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scenewatch.analysis._common import ALL
from scenewatch.analysis.affiliation import vanished_clusters
from scenewatch.analysis.changepoints import changepoints
from scenewatch.analysis.compare import compare, event_windows
from scenewatch.analysis.concentration import concentration
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.gaps import gaps
from scenewatch.analysis.impact import counterfactual, impact
from scenewatch.analysis.nukes import nukes
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import data_span
from scenewatch.report.section import Section
from scenewatch.store import Database

_RED = "#c0392b"


def _warned(text: str, frame: pd.DataFrame) -> str:
    warns = frame.attrs.get("warnings", [])
    return text + ("" if not warns else " Warnings: " + "; ".join(warns))


def mark(figure: go.Figure, event: date | None, gap_rows: pd.DataFrame | None = None, **where: int) -> go.Figure:
    """Dashed line at the event and grey bands over feed gaps (optionally in one subplot ``row``/``col``)."""
    if event is not None:
        figure.add_vline(x=pd.Timestamp(event).to_pydatetime(), line_dash="dash", line_color=_RED, **where)
    if gap_rows is not None:
        for row in gap_rows.itertuples():
            figure.add_vrect(x0=row.start, x1=row.end, fillcolor="#888", opacity=0.25, line_width=0, **where)
    return figure


def impact_figure(frame: pd.DataFrame, event: date, categories: list[str], gap_rows: pd.DataFrame) -> go.Figure:
    """Observed daily volume vs counterfactual with its 95% band, one panel per category."""
    cols = 2
    rows = (len(categories) + cols - 1) // cols
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=categories, shared_xaxes=True, vertical_spacing=0.06)
    for i, category in enumerate(categories):
        part = frame[frame["category"] == category]
        r, c = i // cols + 1, i % cols + 1
        x = pd.to_datetime(part["day"])
        show = i == 0
        figure.add_trace(go.Scatter(x=x, y=part["expected_high"], line_width=0, showlegend=False, hoverinfo="skip"),
                         row=r, col=c)  # fmt: skip
        figure.add_trace(go.Scatter(x=x, y=part["expected_low"], fill="tonexty", fillcolor="rgba(31,59,92,0.18)",
                                    line_width=0, name="95% band", showlegend=show), row=r, col=c)  # fmt: skip
        figure.add_trace(go.Scatter(x=x, y=part["expected"], name="counterfactual", line_color="#1f3b5c",
                                    line_dash="dot", showlegend=show), row=r, col=c)  # fmt: skip
        figure.add_trace(go.Scatter(x=x, y=part["observed"], name="observed", line_color="#e67e22", showlegend=show),
                         row=r, col=c)  # fmt: skip
        mark(figure, event, gap_rows, row=r, col=c)
    figure.update_layout(title="Observed vs counterfactual (quasi-Poisson weekday + trend, fitted before the event)",
                         height=260 * rows + 80)  # fmt: skip
    return figure


def changepoint_figure(db: Database, found: pd.DataFrame, event: date | None, gap_rows: pd.DataFrame) -> go.Figure:
    """Daily volume of all releases with the strongest breaks marked."""
    first, last = data_span(db)
    from scenewatch.analysis.volume import daily_series

    daily = daily_series(db, first, last, None)[ALL] if first and last else pd.Series(dtype=float)
    figure = go.Figure(go.Scatter(x=pd.to_datetime(daily.index), y=daily.to_numpy(), name="releases per day",
                                  line_color="#9bb7d4"))  # fmt: skip
    top = found[(found["category"] == ALL) & (found["rank"] <= 5)]
    for row in top.itertuples():
        figure.add_vline(
            x=pd.Timestamp(row.date).to_pydatetime(), line_color="#1f3b5c", line_width=1 + 2 * (row.rank == 1)
        )
        figure.add_annotation(x=pd.Timestamp(row.date).to_pydatetime(), y=1, yref="paper", showarrow=False,
                              text=f"#{row.rank} {row.relative_change:+.0%}", yanchor="bottom")  # fmt: skip
    figure.update_layout(title="Change points in daily volume (all releases; solid lines, thickest = strongest)",
                         height=380)  # fmt: skip
    return mark(figure, event, gap_rows)


def concentration_figure(frame: pd.DataFrame, event: date | None) -> go.Figure:
    """Weekly top-5 share and effective number of groups, all releases."""
    part = frame[frame["category"] == ALL]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    x = pd.to_datetime(part["period"])
    figure.add_trace(go.Scatter(x=x, y=part["top_k_share"], name="top-5 share"), secondary_y=False)
    figure.add_trace(go.Scatter(x=x, y=part["effective_groups"], name="effective groups (1/HHI)"), secondary_y=True)
    figure.update_layout(title="Concentration of weekly releases among groups", height=360)
    return mark(figure, event)


def analysis_sections(db: Database, event: date | None) -> list:
    """The analysis sections of the standard report."""

    sections = []
    found_gaps = gaps(db)
    first, last = data_span(db)
    if first is None:
        return sections
    if event is not None:
        windows = compare(db, event_windows(event))
        table = windows.pivot_table(index="category", columns="window", values="count", aggfunc="sum", fill_value=0)
        table = table[[w[0] for w in event_windows(event)]].reset_index()
        sections.append(
            Section(
                "Weeks around the event",
                _warned("Monday–Sunday weeks; the event's own week is left out, as in the published figures.", windows),
                table=table,
            )
        )
        effects = impact(db, event)
        daily = counterfactual(db, event)
        shown = [ALL, *[c for c in effects["category"] if c != ALL][:5]]
        sections.append(Section(
            "Impact: observed vs counterfactual",
            _warned("Eight weeks before the event fit the counterfactual; grey bands are feed gaps.", effects),
            impact_figure(daily, event, shown, found_gaps), effects,
        ))  # fmt: skip
        back = recovery(db, event)
        sections.append(
            Section(
                "Recovery to 90% of the counterfactual",
                _warned(
                    "First day from which the trailing 7-day volume stays at 90% of the level-only "
                    "counterfactual for three days; earliest/latest use the band's bounds; "
                    "not_yet = never within 26 weeks.",
                    back,
                ),
                table=back,
            )
        )
    breaks = changepoints(db)
    sections.append(Section(
        "Change points",
        _warned("Binary segmentation on weekday-adjusted log daily counts, BIC-style penalty.", breaks),
        changepoint_figure(db, breaks, event, found_gaps), breaks[breaks["rank"] <= 2].reset_index(drop=True),
    ))  # fmt: skip
    if event is not None:  # who stopped around the event: recent stops only, three days on
        as_of, within = event + timedelta(days=3), 7.0
    else:
        as_of, within = last + timedelta(days=1), None
    quiet = dormancy(db, as_of, min_releases=20, within_days=within).head(25).drop(columns=["sections", "activity"])
    note = " Only groups whose last release is at most 7 days old." if within else ""
    sections.append(
        Section(
            f"Most improbably silent groups as of {as_of}",
            "Score = −log10 of the chance of a silence this long given the group's own activity." + note,
            table=quiet,
        )
    )
    clusters = vanished_clusters(db, last + timedelta(days=1))
    if len(clusters):
        sections.append(Section("Groups that stopped together",
                                "Single-linkage clusters of last-release times of significantly silent groups "
                                "(as of the end of the data); the strongest clusters first.",
                                table=clusters[clusters["cluster"] <= 3]))  # fmt: skip
    weekly = concentration(db, "week")
    monthly = concentration(db, "month")
    sections.append(Section("Concentration", "Share of the five largest groups and HHI of releases by group.",
                            concentration_figure(weekly, event),
                            monthly[monthly["category"] == ALL].reset_index(drop=True)))  # fmt: skip
    sections.append(Section("Nukes by section", "Latest nuke state per release; reason classes from a keyword table.",
                            table=nukes(db, "section", min_releases=100, limit=20)))  # fmt: skip
    sections.append(Section("Feed gaps", "Runs of near-silent hours across all feeds, plus recorded gaps.",
                            table=found_gaps))  # fmt: skip
    return sections
