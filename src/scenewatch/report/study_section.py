"""The report's study section: every catalogued event inside the data, its drops with calibrated intervals."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from scenewatch.analysis.study import study
from scenewatch.report.charts import layout
from scenewatch.report.section import Chart, Section
from scenewatch.store import Database

_SHOWN = ("all", "category")


def forest_figure(frame: pd.DataFrame) -> go.Figure:
    """One row per analysed event and series: the relative change with its calibrated 95% interval."""
    rows = frame[(frame["status"] == "analysed") & frame["split"].isin(_SHOWN) & frame["relative_change"].notna()]
    labels = [f"{e} · {s}" for e, s in zip(rows["event_name"], rows["series"], strict=True)]
    change = rows["relative_change"].to_numpy() * 100
    low, high = rows["ci_low"].to_numpy() * 100, rows["ci_high"].to_numpy() * 100
    figure = go.Figure(go.Scatter(
        x=change, y=labels, mode="markers", marker={"color": "#1f3b5c", "size": 8},
        error_x={"type": "data", "symmetric": False, "array": high - change, "arrayminus": change - low,
                 "color": "#9bb7d4", "thickness": 2},
        hovertemplate="%{y}: %{x:+.0f}%<extra></extra>",
    ))  # fmt: skip
    figure.add_vline(x=0, line_color="#c0392b", line_dash="dash")
    layout(figure, y_title="event · series", height=max(320, 26 * len(rows) + 140))
    figure.update_layout(xaxis_title="relative change of releases vs counterfactual (%)", hovermode="closest",
                         yaxis={"autorange": "reversed"}, showlegend=False)  # fmt: skip
    return figure


def study_section(db: Database) -> Section:
    """The study of every catalogued event: forest plot of the drops and the table (events outside the data
    listed as not analysed)."""
    frame = study(db, languages=False)
    table = frame[["event_name", "day", "status", "series", "relative_change", "ci_low", "ci_high", "p_value",
                   "recovered", "recovery_date", "stopped_groups", "vanished_groups"]]  # fmt: skip
    table = table[(table["status"] != "analysed") | frame["split"].isin(_SHOWN)].reset_index(drop=True)
    analysed = int((frame["status"] == "analysed").sum() > 0)
    notes = frame["note"].dropna()
    span = f" Events outside the data are listed, not analysed ({notes.iloc[0].split(':')[0]})." if len(notes) else ""
    text = ("Every event of the catalogue, measured the same way: the counterfactual fitted on the eight weeks before, "
            "its interval calibrated on the same model's errors on dates with no known event (Student-t from the "
            "placebo errors; see docs/analyses.md). Recovery: the 7-day volume back at 90% of the counterfactual and "
            "staying there. Stopped: established groups whose silence from the two weeks before the event is "
            "improbable by their own rhythm; vanished: of those, the ones that never came back." + span)  # fmt: skip
    charts = (Chart("study", "Change over the eight weeks after each event (95% interval calibrated on placebos)",
                    forest_figure(frame)),) if analysed else ()
    return Section("Events studied", text, table=table, charts=charts, empty="No catalogued event to study.")
