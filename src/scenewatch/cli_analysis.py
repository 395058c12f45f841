"""Command-line front ends of the analyses: compare, impact, recovery, changepoints, groups, leaks, concentration,
nukes, gaps. Each prints a table (Rich), CSV or JSON; warnings (feed gaps in the window…) go to stderr."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from scenewatch.cli_common import (
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    analysis_source,
    err,
    is_backend,
    out,
    parse_day,
)
from scenewatch.output import emit, output_format

EventOption = Annotated[str, typer.Option("--event", help="Event day (YYYY-MM-DD) or name, e.g. 2020-08-25, sparks.")]
ByOption = Annotated[str, typer.Option("--by", help="Split: category (default) or none.")]
BeforeOption = Annotated[str, typer.Option("--before", help="Pre-event fit period, e.g. 8w, 56d.")]
AfterOption = Annotated[str, typer.Option("--after", help="Post-event period, e.g. 8w.")]


def _show(frame: pd.DataFrame, as_json: bool, as_csv: bool, title: str) -> None:
    for warning in frame.attrs.get("warnings", []):
        err.print(f"warning: {warning}", markup=False)
    emit(out, frame, output_format(as_json, as_csv), title=title)


def _event(value: str) -> date:
    from scenewatch.events import resolve_event  # a day, or an event name from the catalogue / the database

    return resolve_event(None, value)


def _split(by: str) -> str | None:
    if by.lower() in ("none", "all", ""):
        return None
    if by != "category":
        raise UsageError(f"--by: {by!r} is not supported here (category or none)")
    return by


def _window(spec: str) -> tuple[str, date, date]:
    try:
        name, span = spec.split("=", 1)
        start, end = span.split(":", 1)
    except ValueError:
        raise UsageError(f"--window: {spec!r} is not NAME=START:END") from None
    first, last = parse_day(start, "--window"), parse_day(end, "--window")
    assert first is not None and last is not None
    if last < first:
        raise UsageError(f"--window: {spec!r} ends before it starts")
    return name, first, last


def compare_command(
    db: DbOption = None,
    event: Annotated[
        str | None, typer.Option("--event", help="Event day: compare the standard weeks around it.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="category, section, group or none.")] = "category",
    window: Annotated[
        list[str] | None, typer.Option("--window", help="NAME=START:END (inclusive); repeatable.")
    ] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Release counts in named windows, with the change against the first window."""
    from scenewatch.analysis.compare import compare, event_windows

    windows = [_window(w) for w in window or []]
    if event:
        windows = event_windows(_event(event)) + windows
    if not windows:
        raise UsageError("give --event or at least one --window NAME=START:END")
    with analysis_source(db, parquet) as source:
        frame = compare(source, windows, by=None if by.lower() == "none" else by)
    _show(frame, as_json, as_csv, "releases per window")


def impact_command(
    event: EventOption,
    db: DbOption = None,
    before: BeforeOption = "8w",
    after: AfterOption = "8w",
    by: ByOption = "category",
    no_trend: Annotated[bool, typer.Option("--no-trend", help="Counterfactual without a linear trend.")] = False,
    with_placebo: Annotated[bool, typer.Option("--placebo", help="Also run 8 placebo dates before the event.")] = False,
    intensity: Annotated[bool, typer.Option("--intensity", help="Show each category's vanished-group share.")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Observed vs counterfactual volume after an event, per category, with 95% intervals."""
    from scenewatch.analysis.impact import impact, placebo, treatment_intensity

    day = _event(event)
    if (intensity or with_placebo) and is_backend(db):
        raise UsageError("--intensity and --placebo read the embedded store only")
    with analysis_source(db, parquet) as database:
        if intensity:
            frame = treatment_intensity(database, day, before, after)
            _show(frame, as_json, as_csv, f"vanished-group share vs drop after {day}")
            if "correlation" in frame.attrs:
                err.print(f"correlation of vanished share and relative change: {frame.attrs['correlation']:.2f}")
            return
        if with_placebo:
            frame = placebo(database, day, before, after, _split(by), trend=not no_trend)
            _show(frame, as_json, as_csv, f"placebo dates before {day}")
            err.print(f"false-positive rate (p < 0.05): {frame.attrs.get('false_positive_rate', float('nan')):.0%}")
            return
        frame = impact(database, day, before, after, _split(by), trend=not no_trend)
    _show(frame, as_json, as_csv, f"impact of {day}")


def recovery_command(
    event: EventOption,
    db: DbOption = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Share of the counterfactual to reach.")] = 0.9,
    before: BeforeOption = "8w",
    horizon: Annotated[str, typer.Option("--horizon", help="How far after the event to look.")] = "26w",
    by: ByOption = "category",
    trend: Annotated[bool, typer.Option("--trend", help="Extrapolate a linear trend (default: level only).")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """First day each category's 7-day volume is back at THRESHOLD of its counterfactual."""
    from scenewatch.analysis.recovery import recovery

    with analysis_source(db, parquet) as database:
        frame = recovery(database, _event(event), threshold, before, horizon, _split(by), trend=trend)
    _show(frame, as_json, as_csv, f"recovery to {threshold:.0%}")


def changepoints_command(
    db: DbOption = None,
    category: Annotated[str | None, typer.Option("--category", help="One category (or all).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First UTC day.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last UTC day, inclusive.")] = None,
    top: Annotated[int, typer.Option("--top", help="Breaks per category to show (0: all).")] = 3,
    algorithm: Annotated[str, typer.Option("--algorithm", help="binseg (fast) or pelt (exact).")] = "binseg",
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Change points in each category's daily volume, strongest first."""
    from scenewatch.analysis.changepoints import changepoints

    with analysis_source(db, parquet) as database:
        frame = changepoints(
            database, category=category, since=parse_day(since, "--since"), until=parse_day(until, "--until"),
            algorithm=algorithm,
        )  # fmt: skip
    if top > 0:
        frame = frame[frame["rank"] <= top].reset_index(drop=True)
    _show(frame, as_json, as_csv, "change points")


def groups_command(
    db: DbOption = None,
    dormant: Annotated[bool, typer.Option("--dormant", help="Rank groups by improbable silence.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use only data before this day.")] = None,
    vanished_with_group: Annotated[
        str | None, typer.Option("--vanished-with", help="Groups that stopped with GROUP.")
    ] = None,
    clusters: Annotated[bool, typer.Option("--clusters", help="Clusters of groups that stopped together.")] = False,
    window_days: Annotated[float, typer.Option("--window-days", help="For --vanished-with.")] = 3.0,
    within: Annotated[
        float | None, typer.Option("--within", help="--dormant: only groups whose last release is this recent (days).")
    ] = None,
    min_releases: Annotated[int, typer.Option("--min-releases")] = 5,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (0: all).")] = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Group activity: --dormant ranking, --vanished-with GROUP, or --clusters of groups that stopped together."""
    from scenewatch.analysis.affiliation import vanished_clusters, vanished_with
    from scenewatch.analysis.dormancy import dormancy

    if sum([dormant, vanished_with_group is not None, clusters]) != 1:
        raise UsageError("choose one of --dormant, --vanished-with GROUP, --clusters")
    day = parse_day(as_of, "--as-of")
    with analysis_source(db, parquet) as database:
        if dormant:
            if day is None:
                from scenewatch.analysis._common import data_span

                last = data_span(database)[1]
                day = date.fromordinal(last.toordinal() + 1) if last else date.today()
            frame = dormancy(database, day, min_releases=min_releases, within_days=within)
            title = f"dormant groups as of {day}"
            frame = frame.drop(columns=["sections"])
        elif vanished_with_group is not None:
            frame = vanished_with(database, vanished_with_group, window_days, as_of=day, min_releases=min_releases)
            title = f"groups that vanished with {vanished_with_group}"
        else:
            frame, title = vanished_clusters(database, day, min_releases=min_releases), "groups that stopped together"
    if limit > 0:
        frame = frame.head(limit)
    _show(frame, as_json, as_csv, title)


def leaks_command(
    retail: Annotated[Path, typer.Option("--retail", help="CSV with title, year, kind, date[, country].")],
    db: DbOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Summarise by group, source, category or title.")] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Releases matched to retail dates: days between pre and retail, share before retail."""
    from scenewatch.analysis.leaks import leak_summary, leaks

    if not retail.is_file():
        raise UsageError(f"--retail: {retail} is not a file")
    with analysis_source(db, parquet) as database:
        frame = leaks(database, retail)
    if by:
        summary = leak_summary(frame, by)
        summary.attrs = frame.attrs
        frame = summary
    _show(frame, as_json, as_csv, "releases vs retail dates")


def concentration_command(
    db: DbOption = None,
    period: Annotated[str, typer.Option("--period", help="week or month.")] = "month",
    top_k: Annotated[int, typer.Option("--top-k", min=1)] = 5,
    category: Annotated[str | None, typer.Option("--category")] = None,
    since: Annotated[str | None, typer.Option("--since")] = None,
    until: Annotated[str | None, typer.Option("--until")] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Top-k share and HHI of releases by group, per category and period."""
    from scenewatch.analysis.concentration import concentration

    with analysis_source(db, parquet) as database:
        frame = concentration(
            database, period, top_k=top_k, category=category, since=parse_day(since, "--since"),
            until=parse_day(until, "--until"),
        )  # fmt: skip
    _show(frame, as_json, as_csv, f"concentration per {period}")


def nukes_command(
    db: DbOption = None,
    by: Annotated[str, typer.Option("--by", help="group, section or category.")] = "group",
    since: Annotated[str | None, typer.Option("--since")] = None,
    until: Annotated[str | None, typer.Option("--until")] = None,
    min_releases: Annotated[int, typer.Option("--min-releases")] = 20,
    reasons: Annotated[bool, typer.Option("--reasons", help="List the most frequent reasons and classes.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (0: all).")] = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Nuke rates and reason classes (dupe, stolen, mislabeled, request, rules, bad, other)."""
    from scenewatch.analysis.nukes import nuke_reasons, nukes

    with analysis_source(db, parquet) as database:
        if reasons:
            frame = nuke_reasons(database, limit=limit or 1000)
        else:
            frame = nukes(
                database, by, since=parse_day(since, "--since"), until=parse_day(until, "--until"),
                min_releases=min_releases, limit=limit or None,
            )  # fmt: skip
    _show(frame, as_json, as_csv, "nuke reasons" if reasons else f"nukes per {by}")


def gaps_command(
    db: DbOption = None,
    min_missing: Annotated[float, typer.Option("--min-missing", help="Announcements a gap must lose.")] = 50.0,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Feed outages: detected runs of near-silent hours plus the gaps recorded at ingest."""
    from scenewatch.analysis.gaps import gaps

    with analysis_source(db, parquet) as database:
        frame = gaps(database, min_missing=min_missing)
    _show(frame, as_json, as_csv, "feed gaps")


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
    app.command(name="compare")(compare_command)
    app.command(name="impact")(impact_command)
    app.command(name="recovery")(recovery_command)
    app.command(name="changepoints")(changepoints_command)
    app.command(name="groups")(groups_command)
    app.command(name="leaks")(leaks_command)
    app.command(name="concentration")(concentration_command)
    app.command(name="nukes")(nukes_command)
    app.command(name="gaps")(gaps_command)
