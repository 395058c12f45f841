"""Self-contained HTML reports: charts embedded with plotly.js inline, nothing fetched when viewed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from scenewatch.analysis import silent_groups, volume
from scenewatch.report.analysis_sections import analysis_sections
from scenewatch.report.race_sections import race_sections
from scenewatch.report.section import Section
from scenewatch.store import Database


def _mark_event(figure: go.Figure, event: date | None, label: str = "event") -> go.Figure:
    if event is not None:
        moment = pd.Timestamp(event).to_pydatetime()
        figure.add_vline(x=moment, line_dash="dash", line_color="#c0392b")
        figure.add_annotation(x=moment, y=1, yref="paper", text=label, showarrow=False, yanchor="bottom")
    return figure


def weekly_by_category_figure(db: Database, event: date | None = None) -> go.Figure:
    """Stacked weekly releases per category, with the event marked."""
    weekly = volume(db, "week", "category")
    figure = go.Figure()
    for category, rows in weekly.groupby("category"):
        figure.add_trace(
            go.Scatter(x=rows["period"], y=rows["count"], name=str(category), stackgroup="one", mode="lines")
        )
    figure.update_layout(title="Releases per week by category", yaxis_title="releases", height=460)
    return _mark_event(figure, event)


def daily_figure(db: Database, event: date | None = None) -> go.Figure:
    """Daily releases with their 7-day mean, with the event marked."""
    daily = volume(db, "day")
    figure = go.Figure()
    figure.add_trace(go.Bar(x=daily["period"], y=daily["count"], name="per day", marker_color="#9bb7d4"))
    mean = daily["count"].rolling(7, min_periods=1).mean()
    figure.add_trace(go.Scatter(x=daily["period"], y=mean, name="7-day mean", line_color="#1f3b5c"))
    figure.update_layout(title="Releases per day", yaxis_title="releases", height=400)
    return _mark_event(figure, event)


def event_window_table(db: Database, event: date, weeks: int = 4) -> pd.DataFrame:
    """Releases per category per Monday week, ``weeks`` weeks either side of the event."""
    monday = event - timedelta(days=event.weekday())
    since = monday - timedelta(weeks=weeks)
    until = monday + timedelta(weeks=weeks, days=-1)
    weekly = volume(db, "week", "category", since=since, until=until)
    table = weekly.pivot_table(index="category", columns="period", values="count", aggfunc="sum", fill_value=0)
    table.loc["all"] = table.sum()
    table.columns = [str(c) for c in table.columns]
    return table.reset_index()


def default_sections(db: Database, event: date | None) -> list[Section]:
    """The sections of the standard report."""
    sections = [
        Section("Daily volume", "Scene releases with a trusted pre time, per UTC day.", daily_figure(db, event)),
        Section("Weekly volume by category", "Weeks start on Monday.", weekly_by_category_figure(db, event)),
    ]
    if event is not None:
        sections.append(Section(f"Four weeks either side of {event}", table=event_window_table(db, event)))
        silent = silent_groups(db, event)
        sections.append(
            Section(
                "Groups that went silent",
                "Groups with at least 10 releases in the 4 weeks before the event and none in the 4 weeks after.",
                table=silent.head(40),
            )
        )
    sections.extend(analysis_sections(db, event))
    sections.extend(race_sections(db, event))
    return sections


def _table_html(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: f"{v:.3f}" if pd.notna(v) else "")
    return shown.to_html(index=False, border=0, classes="data", escape=True, na_rep="")


def render(title: str, sections: Sequence[Section], subtitle: str = "") -> str:
    """Render sections into one HTML document with plotly.js inlined."""
    parts = []
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.figure is not None:
            parts.append(section.figure.to_html(full_html=False, include_plotlyjs=False))
        if section.table is not None:
            parts.append(_table_html(section.table))
        parts.append("</section>")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _PAGE.format(
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        generated=generated,
        plotly=get_plotlyjs(),
        body="\n".join(parts),
    )


def write_report(db: Database, out: Path, *, event: date | None = None, title: str = "scenewatch report") -> Path:
    """Write the standard report to ``out`` and return its path."""
    releases = db.count_releases()
    subtitle = f"{releases:,} releases in {db.path}" + (f"; event {event}" if event else "")
    document = render(title, default_sections(db, event), subtitle)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2733; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #5a6b7d; margin-top: .3rem; }}
section {{ margin: 2rem 0; }} table.data {{ border-collapse: collapse; font-size: .85rem; }}
table.data th, table.data td {{ padding: .25rem .6rem; border-bottom: 1px solid #dde3ea; text-align: right; }}
table.data th:first-child, table.data td:first-child {{ text-align: left; }}
footer {{ color: #7a8a9a; font-size: .8rem; }}
</style>
<script type="text/javascript">{plotly}</script>
</head><body>
<h1>{title}</h1><p class="sub">{subtitle}</p>
{body}
<footer>Generated by scenewatch on {generated}. Metadata only: release names and times, no content.</footer>
</body></html>
"""
