"""Report sections of the race analyses: race leaderboard, race shift after the event, dupes, fixes, language scenes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from scenewatch.analysis._common import ALL
from scenewatch.analysis.dupes import dupes
from scenewatch.analysis.fixes import fixes
from scenewatch.analysis.languages import UNTAGGED, language_impact, language_volume
from scenewatch.analysis.race import RACE_HOURS, race_leaderboard, race_shift
from scenewatch.report.charts import layout, mark_event
from scenewatch.report.section import Chart, Section
from scenewatch.store import Database


def _warned(text: str, frame: pd.DataFrame) -> str:
    warns = frame.attrs.get("warnings", [])
    return text + ("" if not warns else " Warnings: " + "; ".join(warns))


# Around an event the report looks at this many weeks either side: whole-history keys take long on big stores.
WINDOW_WEEKS = 13


def _window(event: date | None) -> tuple[date | None, date | None]:
    if event is None:
        return None, None
    return event - timedelta(weeks=WINDOW_WEEKS), event + timedelta(weeks=WINDOW_WEEKS)


def _leaderboard(db: Database, since: date | None, until: date | None) -> Section:
    board = race_leaderboard(db, "year", since=since, until=until)
    if board.empty:
        return Section("Race to release first", "No work was released by two groups within a day of each other.")
    total = board.groupby(["category", "group"], as_index=False).agg(
        firsts=("firsts", "sum"), races=("races", "sum"), wins=("wins", "sum"),
        median_lead_hours=("median_lead_hours", "median"),
    )  # fmt: skip
    total["win_rate"] = total["wins"] / total["races"].where(total["races"] > 0)
    total = total.sort_values(["wins", "firsts"], ascending=False).head(25).reset_index(drop=True)
    text = (f"A race is a work (title + year, show + episode, artist + album…) in one format class (resolution, "
            f"source, codec, language) pre'd by two or more groups within {RACE_HOURS:.0f} hours of the first; "
            "the winner pre'd first. Groups with the most wins; median lead over the runner-up of the races won.")
    return Section("Race to release first", text, table=total)


def _shift(db: Database, event: date) -> Section:
    shift = race_shift(db, event)
    text = ("Categories where groups that vanished at the event had won at least 2% of first releases in the 8 weeks "
            "before: the vanished groups and the groups with the most first releases in the 8 weeks after.")
    return Section(f"Who took over first releases after {event}", _warned(text, shift), table=shift)


def _dupes(db: Database, since: date | None, until: date | None) -> Section:
    frame = dupes(db, "section", min_releases=50, limit=20, since=since, until=until)
    text = "Later releases of a work in a format class that already had one (dupes), per section"
    if "dupe_rate" in frame.attrs and frame.attrs["dupe_rate"] == frame.attrs["dupe_rate"]:
        text += (f"; overall {frame.attrs['dupe_rate']:.1%} of releases are dupes, {frame.attrs['dupe_nuke_rate']:.1%}"
                 f" of dupes were nuked (first releases: {frame.attrs['first_nuke_rate']:.1%}).")  # fmt: skip
    else:
        text += "."
    return Section("Dupes and their nukes", text, table=frame)


def _fixes(db: Database, since: date | None, until: date | None) -> Section:
    frame = fixes(db, "fixer", limit=20, since=since, until=until)
    text = (f"PROPER/REPACK/RERIP/REAL releases ({frame.attrs.get('revisions', 0):,} in all, "
            f"{frame.attrs.get('unmatched', 0):,} with no earlier release of the work found): groups that fix other "
            "groups' releases most, with the median hours from the fixed release to the fix.")
    return Section("Who fixes whose releases", text, table=frame)


def _language_figure(db: Database, event: date | None) -> go.Figure:
    monthly = language_volume(db, "month", "region")
    figure = go.Figure()
    for region, rows in monthly[monthly["region"] != UNTAGGED].groupby("region"):
        figure.add_trace(go.Scatter(x=rows["period"], y=rows["count"], name=str(region), mode="lines+markers"))
    layout(figure, y_title="releases per month", height=420)
    mark_event(figure, event)
    return figure


def _impact_figure(frame: pd.DataFrame, key: str) -> go.Figure:
    part = frame[frame[key] != ALL].dropna(subset=["relative_change"])
    figure = go.Figure(go.Scatter(
        x=part["relative_change"], y=part[key], mode="markers",
        error_x={"type": "data", "symmetric": False, "array": part["ci_high"] - part["relative_change"],
                 "arrayminus": part["relative_change"] - part["ci_low"]},
    ))  # fmt: skip
    figure.add_vline(x=0, line_color="#888")
    layout(figure, y_title=f"language {key}", height=140 + 26 * len(part))
    figure.update_layout(xaxis_title="change against the counterfactual (%)", yaxis={"autorange": "reversed"},
                         hovermode="closest", showlegend=False)  # fmt: skip
    figure.update_xaxes(tickformat="+.0%")
    return figure


def _languages(db: Database, event: date | None) -> list[Section]:
    chart = Chart("languages", "Language-tagged releases per month by region", _language_figure(db, event))
    sections = [Section("Language scenes", "Releases tagged with a language (ISO-639-1 codes from the name), grouped "
                        "into European regions; untagged releases left out of the chart.",
                        charts=(chart,))]  # fmt: skip
    if event is not None:
        for by in ("region", "language"):
            frame = language_impact(db, event, by=by)  # type: ignore[arg-type]
            if frame.empty:
                continue
            text = ("Observed vs counterfactual (the impact model fitted per scene on the 8 weeks before) over the 8 "
                    "weeks after, hardest hit first; rank_low/rank_high is the 95% interval of the rank and p_hardest "
                    "the probability of being the hardest hit, from the scenes' interval uncertainty.")
            title = f"Impact of {event} by language {'region' if by == 'region' else 'tag'}"
            chart = Chart(by, "Change after the event by language scene, with 95% intervals", _impact_figure(frame, by))
            sections.append(Section(title, _warned(text, frame), table=frame, charts=(chart,)))
    return sections


def race_sections(db: Database, event: date | None) -> list[Section]:
    """The race, dupes, fixes and language-scene sections (13 weeks either side of the event, if one is given)."""
    since, until = _window(event)
    sections = [_leaderboard(db, since, until)]
    if event is not None:
        sections.append(_shift(db, event))
    sections += [_dupes(db, since, until), _fixes(db, since, until), *_languages(db, event)]
    if event is not None:
        sections[0] = replace(sections[0], text=sections[0].text + f" From {since} to {until}.")
    return sections
