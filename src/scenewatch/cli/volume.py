"""Volume commands: releases per period, named windows compared, concentration, language scenes, feed gaps."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from scenewatch.cli.common import (
    AfterOption,
    BeforeOption,
    CategoryOption,
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    SinceOption,
    UntilOption,
    UsageError,
    WideFlag,
    analysis_source,
    event_day,
    parse_day,
    parse_range,
    show,
)


def volume(
    db: DbOption = None,
    by: Annotated[str, typer.Option("--by", help="day, week (Monday-based) or month.")] = "day",
    split: Annotated[str | None, typer.Option("--split", help="category, section or group.")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    group: Annotated[str | None, typer.Option("--group")] = None,
    section: Annotated[str | None, typer.Option("--section")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last UTC day, inclusive.")] = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Releases per day, week or month, optionally split and filtered."""
    first, last = parse_range(since, until)
    filters = {"category": category, "group": group, "section": section,
               "since": first, "until": last}  # fmt: skip
    with analysis_source(db, parquet) as source:
        from scenewatch.analysis import volume as volume_table

        frame = volume_table(source, by, split, **filters)  # type: ignore[arg-type]
    show(frame, as_json, as_csv, f"releases per {by}", wide)


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
    wide: WideFlag = False,
) -> None:
    """Release counts in named windows, with the change against the first window."""
    from scenewatch.analysis.compare import compare, event_windows

    windows = [_window(w) for w in window or []]
    if not windows and not event:
        raise UsageError("give --event or at least one --window NAME=START:END")
    with analysis_source(db, parquet) as source:
        if event:
            windows = event_windows(event_day(source, event)) + windows
        frame = compare(source, windows, by=None if by.lower() == "none" else by)
    show(frame, as_json, as_csv, "releases per window", wide)


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
    wide: WideFlag = False,
) -> None:
    """Top-k share and HHI of releases by group, per category and period."""
    from scenewatch.analysis.concentration import concentration

    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        frame = concentration(
            database, period, top_k=top_k, category=category, since=first, until=last,
        )  # fmt: skip
    show(frame, as_json, as_csv, f"concentration per {period}", wide)


def languages_command(
    db: DbOption = None,
    event: Annotated[str | None, typer.Option("--event", help="Impact of this event (day or name).")] = None,
    by: Annotated[str, typer.Option("--by", help="language or region.")] = "language",
    period: Annotated[str, typer.Option("--period", help="Without --event: day, week or month.")] = "month",
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    before: BeforeOption = "8w",
    after: AfterOption = "8w",
    min_releases: Annotated[int, typer.Option("--min-releases", help="--event: pre-event releases needed.")] = 100,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Volume by language scene, or (--event) each scene's impact with 95% intervals and rank uncertainty."""
    from scenewatch.analysis.languages import language_impact, language_volume

    if by not in ("language", "region"):
        raise UsageError(f"--by: {by!r} is not language or region")
    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        if event:
            # On a backend an event is a day or a catalogue name (events registered in a store stay there).
            day = event_day(database, event)
            frame = language_impact(database, day, before, after, by,  # type: ignore[arg-type]
                                    category=category, min_releases=min_releases)  # fmt: skip
            title = f"impact of {day} by {by} (hardest hit first)"
        else:
            frame = language_volume(database, period, by, category=category,  # type: ignore[arg-type]
                                    since=first, until=last)  # fmt: skip
            title = f"releases per {period} and {by}"
    show(frame, as_json, as_csv, title, wide)


def gaps_command(
    db: DbOption = None,
    min_missing: Annotated[float, typer.Option("--min-missing", help="Announcements a gap must lose.")] = 50.0,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Feed outages: detected runs of near-silent hours plus the gaps recorded at ingest."""
    from scenewatch.analysis.gaps import gaps

    with analysis_source(db, parquet) as database:
        frame = gaps(database, min_missing=min_missing)
    show(frame, as_json, as_csv, "feed gaps", wide)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(volume)
    app.command(name="compare")(compare_command)
    app.command(name="concentration")(concentration_command)
    app.command(name="languages")(languages_command)
    app.command(name="gaps")(gaps_command)
