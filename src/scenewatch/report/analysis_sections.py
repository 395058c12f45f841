"""Report sections built from the analyses: impact, recovery, dormancy, clusters, change points, concentration,
nukes, feed gaps. Each calls the analysis function the CLI and the API call, with the same defaults."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import ALL
from scenewatch.analysis.affiliation import vanished_clusters
from scenewatch.analysis.changepoints import changepoints
from scenewatch.analysis.concentration import concentration
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.impact import counterfactual, impact
from scenewatch.analysis.nukes import nukes
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import data_span
from scenewatch.report.charts import changepoint_figure, concentration_figure, impact_figure
from scenewatch.report.section import Chart, Section
from scenewatch.store import Database


def warned(text: str, frame: pd.DataFrame) -> str:
    """``text`` followed by the frame's warnings, if any."""
    warns = frame.attrs.get("warnings", [])
    return text + ("" if not warns else " Warnings: " + "; ".join(warns))


def _model(effects: pd.DataFrame) -> str:
    """Which counterfactual the impact rows used (impact picks the trend only where placebo dates cannot calibrate
    the level-only model)."""
    trended = [str(c) for c in effects.loc[effects["trend"].astype(bool), "category"]] if "trend" in effects else []
    if not trended:
        return "day of week, level only"
    if len(trended) == len(effects):
        return "day of week and trend"
    return (f"day of week, with a linear trend for {', '.join(trended)} (too little history to calibrate a level "
            "without it) and level only for the rest")  # fmt: skip


def impact_section(db: Database, event: date, gaps: pd.DataFrame) -> Section:
    """Observed against counterfactual for every category with data, all releases first, then the largest drop."""
    effects = impact(db, event)
    # the same model per series as the impact rows, without reading the whole history again to choose it
    daily = counterfactual(db, event, trend=dict(zip(effects["category"], effects["trend"].astype(bool), strict=True)))
    days = pd.to_datetime(daily["day"]).dt.date
    window = (days.min(), days.max())  # the analysed days: the fit period and the period after
    order = effects.assign(_all=effects["category"] == ALL).sort_values(["_all", "relative_change"],
                                                                         ascending=[False, True])  # fmt: skip
    charts = []
    for i, row in enumerate(order.itertuples()):
        part = daily[daily["category"] == row.category]
        if part.empty or (part["observed"].sum() == 0 and part["expected"].sum() == 0):
            continue
        title = f"{row.category}: {row.relative_change:+.0%} (95% interval {row.ci_low:+.0%} to {row.ci_high:+.0%})"
        charts.append(Chart(str(row.category), title, impact_figure(part, event, window, gaps, legend=i == 0)))
    text = (f"The counterfactual is fitted on the eight weeks before the event (quasi-Poisson on {_model(effects)}) "
            "and extended over the eight weeks after; the band is its 95% prediction interval. Grey: feed gaps inside "
            "the window (left out of the fit and the comparison).")
    table = order.drop(columns="_all").reset_index(drop=True)
    return Section("Impact: observed against the counterfactual", warned(text, effects), table=table,
                   charts=tuple(charts), anchor="impact")  # fmt: skip


def recovery_section(db: Database, event: date) -> Section:
    """First day each category is back at 90% of its counterfactual."""
    back = recovery(db, event)
    text = ("First day from which the trailing 7-day volume stays at 90% of the level-only counterfactual for three "
            "days; earliest and latest use the band's bounds; 'not yet' means not within 26 weeks.")
    return Section("Recovery", warned(text, back), table=back, empty="No category had a drop to recover from.")


def dormancy_section(db: Database, event: date | None, last: date) -> Section:
    """The groups whose silence their own rhythm makes least likely."""
    if event is not None:  # who stopped around the event: recent stops only, three days on
        as_of, within = event + timedelta(days=3), 7.0
    else:
        as_of, within = last + timedelta(days=1), None
    quiet = dormancy(db, as_of, min_releases=20, within_days=within).head(25).drop(columns=["sections", "activity"])
    note = " Only groups whose last release is at most 7 days old." if within else ""
    return Section(f"Most improbably silent groups as of {as_of}",
                   "Dormancy score = −log10 of the chance of a silence this long given the group's own rhythm "
                   "(3 = one in a thousand)." + note, table=quiet,
                   empty="No group with 20 or more releases is silent for longer than its rhythm makes "
                         "likely.")  # fmt: skip


def clusters_section(db: Database, last: date) -> Section:
    """Clusters of groups that stopped together: one row per cluster, its members behind it."""
    found = vanished_clusters(db, last + timedelta(days=1))
    text = ("Single-linkage clusters of the last-release times of significantly silent groups (as of the end of the "
            "data), strongest first.")
    if found.empty:
        return Section("Groups that stopped together", text, table=found, empty="No cluster of silent groups found.")
    summary = found.groupby("cluster", sort=True).agg(
        cluster_start=("cluster_start", "first"), cluster_end=("cluster_end", "first"),
        cluster_size=("cluster_size", "first"), cluster_score=("cluster_score", "first"),
        cluster_p_value=("cluster_p_value", "first"),
        members=("group", lambda g: list(g)[:8] + ([f"and {len(g) - 8} more"] if len(g) > 8 else [])),
    ).reset_index()  # fmt: skip
    return Section("Groups that stopped together", warned(text, found), table=summary)


def changepoints_section(db: Database, event: date | None, gaps: pd.DataFrame) -> Section:
    """The strongest breaks in daily volume."""
    breaks = changepoints(db)
    chart = Chart(ALL, "Daily releases and the five strongest breaks (thickest line: the strongest)",
                  changepoint_figure(db, breaks, event, gaps))
    return Section("Change points", warned("Binary segmentation on weekday-adjusted log daily counts, BIC-style "
                                          "penalty; two breaks per category.", breaks),
                   table=breaks[breaks["rank"] <= 2].reset_index(drop=True), charts=(chart,))  # fmt: skip


def concentration_section(db: Database, event: date | None) -> Section:
    """How much of the volume the largest groups hold."""
    weekly = concentration(db, "week")
    monthly = concentration(db, "month")
    chart = Chart(ALL, "Share of the week's releases from the five largest groups", concentration_figure(weekly, event))
    return Section("Concentration", "Share of the five largest groups and the HHI of releases by group, per month.",
                   table=monthly[monthly["category"] == ALL].reset_index(drop=True), charts=(chart,))  # fmt: skip


def analysis_sections(db: Database, event: date | None, gaps: pd.DataFrame) -> list[Section]:
    """The analysis sections of the standard report."""
    first, last = data_span(db)
    if first is None or last is None:
        return []
    sections = []
    if event is not None:
        sections += [impact_section(db, event, gaps), recovery_section(db, event)]
    sections += [dormancy_section(db, event, last), clusters_section(db, last),
                 changepoints_section(db, event, gaps), concentration_section(db, event)]  # fmt: skip
    sections.append(Section("Nukes by section", "Latest nuke state per release; reason classes from a keyword table.",
                            table=nukes(db, "section", min_releases=100, limit=20),
                            empty="No section has 100 releases with nuke information."))  # fmt: skip
    sections.append(Section("Feed gaps", "Runs of near-silent hours across all feeds, plus the gaps listeners "
                            "recorded.", table=gaps, detail=True,
                            empty="Looked for runs of near-silent hours across all feeds and for gaps recorded by "
                                  "listeners: none found."))  # fmt: skip
    return sections
