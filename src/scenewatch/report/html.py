"""Self-contained HTML reports: plotly.js inlined, nothing fetched when viewed, readable as a published analysis.

The page opens with the event's summary (when the report is about one), then a contents list and the sections.
Tables go through :mod:`scenewatch.output.html`, so they read like the terminal's: formatted, fitted to the page,
long ones folded away. Chart titles are HTML headings above the plots, where no toolbar can cover them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from scenewatch.analysis.gaps import gaps as find_gaps
from scenewatch.analysis.volume import data_span, volume
from scenewatch.output.html import table_html
from scenewatch.report.analysis_sections import analysis_sections
from scenewatch.report.charts import CONFIG, daily_figure, weekly_by_category_figure
from scenewatch.report.race_sections import race_sections
from scenewatch.report.section import Chart, Section
from scenewatch.report.study_section import study_section
from scenewatch.report.summary import summary_section
from scenewatch.store import Database


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
    """The sections of the standard report, the summary first when it is about an event."""
    gaps = find_gaps(db)
    sections = [summary_section(db, event)] if event is not None else []
    sections.append(Section("Daily volume", "Scene releases with a trusted pre time, per UTC day; grey: feed gaps.",
                            charts=(Chart("daily", "Releases per day", daily_figure(db, event, gaps)),)))  # fmt: skip
    weekly = Section("Weekly volume by category", "Weeks start on Monday.",
                     charts=(Chart("weekly", "Releases per week by category", weekly_by_category_figure(db, event)),))
    if event is not None:
        weekly = Section(weekly.title, weekly.text + " The table: four weeks either side of the event.",
                         charts=weekly.charts, table=event_window_table(db, event), detail=True)  # fmt: skip
    sections.append(weekly)
    sections.extend(analysis_sections(db, event, gaps))
    sections.append(study_section(db))
    sections.extend(race_sections(db, event))
    return sections


def _anchor(section: Section, i: int) -> str:
    return section.anchor or f"s{i}"


def _section_html(section: Section, anchor: str) -> str:
    parts = [f'<section id="{anchor}"><h2>{html.escape(section.title)}</h2>']
    if section.text:
        parts.append(f"<p>{html.escape(section.text)}</p>")
    parts.append(section.html)
    if section.figure is not None:
        section = replace(section, figure=None, charts=(Chart(anchor, "", section.figure), *section.charts))
    if section.charts:
        parts.append('<div class="charts">' if len(section.charts) > 1 else "<div>")
        for chart in section.charts:
            title = f"<h3>{html.escape(chart.title)}</h3>" if chart.title else ""
            note = f'<p class="note">{html.escape(chart.note)}</p>' if chart.note else ""
            plot = chart.figure.to_html(full_html=False, include_plotlyjs=False, config=CONFIG)
            key = html.escape(chart.key)
            attribute = f'data-impact-category="{key}"' if anchor == "impact" else f'data-chart="{key}"'
            parts.append(f'<figure class="chart" {attribute}>{title}{plot}{note}</figure>')
        parts.append("</div>")
    if section.table is not None:
        parts.append(table_html(section.table, detail=section.detail, empty=section.empty))
    parts.append("</section>")
    return "".join(parts)


def render(title: str, sections: Sequence[Section], subtitle: str = "") -> str:
    """Render sections into one HTML document with plotly.js inlined."""
    anchors = [_anchor(s, i) for i, s in enumerate(sections)]
    contents = "".join(f'<li><a href="#{a}">{html.escape(s.title)}</a></li>' for s, a in zip(sections, anchors,
                                                                                             strict=True))  # fmt: skip
    body = "\n".join(_section_html(s, a) for s, a in zip(sections, anchors, strict=True))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _PAGE.format(title=html.escape(title), subtitle=html.escape(subtitle), generated=generated,
                        plotly=get_plotlyjs(), contents=contents, body=body)  # fmt: skip


def write_report(db: Database, out: Path, *, event: date | None = None, title: str = "scenewatch report") -> Path:
    """Write the standard report to ``out`` and return its path."""
    releases = db.count_releases()
    first, last = data_span(db)
    span = f", pre times {first} … {last}" if first else ""
    subtitle = f"{releases:,} releases in {db.path}{span}" + (f"; event {event}" if event else "")
    document = render(title, default_sections(db, event), subtitle)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1180px; padding: 0 1.5rem;
       color: #1d2733; line-height: 1.45; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #5a6b7d; margin-top: .3rem; }}
h2 {{ margin-top: 2.4rem; border-bottom: 1px solid #dde3ea; padding-bottom: .2rem; }}
h3 {{ font-size: 1rem; margin: 1.2rem 0 .3rem; }}
section {{ margin: 1.5rem 0; }}
nav.contents ol {{ columns: 2; font-size: .9rem; color: #5a6b7d; }}
.cards {{ display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }}
.card {{ border: 1px solid #dde3ea; border-radius: 6px; padding: .6rem .9rem; min-width: 11rem; }}
.card .label {{ color: #5a6b7d; font-size: .8rem; }} .card .value {{ font-size: 1.6rem; font-weight: 600; }}
.card .sub {{ color: #5a6b7d; font-size: .8rem; }}
.table {{ max-width: 100%; overflow-x: auto; }}
table.data {{ border-collapse: collapse; font-size: .85rem; margin: .4rem 0; }}
table.data th, table.data td {{ padding: .25rem .6rem; border-bottom: 1px solid #dde3ea; vertical-align: top; }}
table.data th {{ text-align: left; font-weight: 600; border-bottom: 2px solid #c5ced8; }}
table.data .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.data .nowrap {{ white-space: nowrap; }}
table.data td.text {{ max-width: 28rem; overflow-wrap: anywhere; }}
details summary {{ cursor: pointer; color: #1f5fa8; font-size: .85rem; margin: .3rem 0; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: .4rem 1.2rem; }}
figure.chart {{ margin: 0; min-width: 0; }}
.note, .empty {{ color: #5a6b7d; font-size: .85rem; }}
footer {{ color: #7a8a9a; font-size: .8rem; margin-top: 3rem; }}
</style>
<script type="text/javascript">{plotly}</script>
</head><body>
<h1>{title}</h1><p class="sub">{subtitle}</p>
<nav class="contents"><ol>{contents}</ol></nav>
{body}
<footer>Generated by scenewatch on {generated}. Metadata only: release names and times, no content.</footer>
</body></html>
"""
