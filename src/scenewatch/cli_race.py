"""Command-line front ends of the race analyses (race, dupes, fixes, languages) and the event catalogue (events).

Each prints a table (Rich), CSV or JSON; warnings go to stderr. ``--event`` takes a day or an event name (see
``scenewatch events list``).
"""

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
    open_db,
    out,
    parse_day,
)
from scenewatch.output import emit, output_format

CategoryOption = Annotated[str | None, typer.Option("--category", help="One category (movie, tv, game…).")]
SinceOption = Annotated[str | None, typer.Option("--since", help="First UTC day.")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Last UTC day, inclusive.")]
LimitOption = Annotated[int, typer.Option("--limit", help="Rows to show (0: all).")]
BeforeOption = Annotated[str, typer.Option("--before", help="Pre-event period, e.g. 8w, 56d.")]
AfterOption = Annotated[str, typer.Option("--after", help="Post-event period, e.g. 8w.")]

events_app = typer.Typer(help="The event catalogue: list it, or add an event to the database.", no_args_is_help=True)


def _show(frame: pd.DataFrame, as_json: bool, as_csv: bool, title: str) -> None:
    for warning in frame.attrs.get("warnings", []):
        err.print(f"warning: {warning}", markup=False)
    emit(out, frame, output_format(as_json, as_csv), title=title)


def _event(database: object, value: str) -> date:
    from scenewatch.events import resolve_event

    try:
        return resolve_event(database, value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _limit(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    if limit > 0 and len(frame) > limit:
        trimmed = frame.head(limit).reset_index(drop=True)
        trimmed.attrs = frame.attrs
        return trimmed
    return frame


def race_command(
    db: DbOption = None,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    leaderboard: Annotated[bool, typer.Option("--leaderboard", help="Wins, median lead and share per group.")] = False,
    period: Annotated[str, typer.Option("--period", help="--leaderboard: week, month, quarter, year.")] = "month",
    event: Annotated[
        str | None, typer.Option("--event", help="Who took over first releases after this event (day or name).")
    ] = None,
    before: BeforeOption = "8w",
    after: AfterOption = "8w",
    within: Annotated[float, typer.Option("--within", help="Hours after the first that still count as racing.")] = 24,
    group: Annotated[str | None, typer.Option("--group", help="Only races this group took part in.")] = None,
    limit: LimitOption = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Races to release first: per work and format, the first group, the runner-up and the gap."""
    from scenewatch.analysis.race import race, race_leaderboard, race_shift
    from scenewatch.analysis.volume import on_store

    if leaderboard and event:
        raise UsageError("choose one of --leaderboard and --event")
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    with analysis_source(db, parquet) as database:
        if event:
            day = _event(database if on_store(database) else None, event)
            frame = race_shift(database, day, before, after, within_hours=within)
            title = f"first releases before and after {day}"
        elif leaderboard:
            frame = race_leaderboard(database, period, category, first, last, within_hours=within)
            title = f"race leaderboard per {period}"
        else:
            frame = race(database, category, first, last, within_hours=within, group=group)
            frame = frame.sort_values("winner_at", ascending=False, ignore_index=True)
            title = "races (newest first)"
    _show(_limit(frame, limit), as_json, as_csv, title)


def dupes_command(
    db: DbOption = None,
    by: Annotated[str, typer.Option("--by", help="group, section or category.")] = "group",
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    releases: Annotated[bool, typer.Option("--list", help="List the dupes themselves, newest first.")] = False,
    group: Annotated[str | None, typer.Option("--group", help="--list: only this group's dupes.")] = None,
    min_releases: Annotated[int, typer.Option("--min-releases")] = 20,
    limit: LimitOption = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """Dupe rates (later releases of a work in the same format) and how often dupes were nuked."""
    from scenewatch.analysis.dupes import dupe_releases, dupes

    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    with analysis_source(db, parquet) as database:
        if releases:
            frame = dupe_releases(database, category=category, group=group, since=first, until=last,
                                  limit=limit or None)  # fmt: skip
            title = "dupes"
        else:
            frame = dupes(database, by, category=category, since=first, until=last,  # type: ignore[arg-type]
                          min_releases=min_releases, limit=limit or None)  # fmt: skip
            title = f"dupes per {by}"
    _show(frame, as_json, as_csv, title)
    if not releases and not as_json and not as_csv and "dupe_rate" in frame.attrs:
        err.print(f"overall dupe rate {frame.attrs['dupe_rate']:.1%}, dupes nuked {frame.attrs['dupe_nuke_rate']:.1%}"
                  f" (first releases nuked {frame.attrs['first_nuke_rate']:.1%})")  # fmt: skip


def fixes_command(
    db: DbOption = None,
    pairs: Annotated[bool, typer.Option("--pairs", help="Per fixer and fixed group.")] = False,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    releases: Annotated[bool, typer.Option("--list", help="List the revisions themselves, newest first.")] = False,
    group: Annotated[str | None, typer.Option("--group", help="--list: only this group's revisions.")] = None,
    min_fixes: Annotated[int, typer.Option("--min-fixes")] = 1,
    limit: LimitOption = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
) -> None:
    """PROPER/REPACK releases: which groups fix other groups' releases, and how fast."""
    from scenewatch.analysis.fixes import fix_releases, fixes

    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    with analysis_source(db, parquet) as database:
        if releases:
            frame = fix_releases(database, category=category, group=group, since=first, until=last,
                                 limit=limit or None)  # fmt: skip
            title = "revisions"
        else:
            frame = fixes(database, "pair" if pairs else "fixer", category=category, since=first, until=last,
                          min_fixes=min_fixes, limit=limit or None)  # fmt: skip
            title = "fixes per fixer and fixed group" if pairs else "fixes per group"
    _show(frame, as_json, as_csv, title)


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
) -> None:
    """Volume by language scene, or (--event) each scene's impact with 95% intervals and rank uncertainty."""
    from scenewatch.analysis.languages import language_impact, language_volume
    from scenewatch.analysis.volume import on_store

    if by not in ("language", "region"):
        raise UsageError(f"--by: {by!r} is not language or region")
    with analysis_source(db, parquet) as database:
        if event:
            # On a backend an event is a day or a catalogue name (events registered in a store stay there).
            day = _event(database if on_store(database) else None, event)
            frame = language_impact(database, day, before, after, by,  # type: ignore[arg-type]
                                    category=category, min_releases=min_releases)  # fmt: skip
            title = f"impact of {day} by {by} (hardest hit first)"
            if not as_json and not as_csv:  # the full table is too wide for a terminal
                keep = [by, "releases_before", "expected", "observed", "relative_change", "ci_low", "ci_high",
                        "p_value", "rank_low", "rank_high", "p_hardest"]  # fmt: skip
                frame = frame[[c for c in keep if c in frame.columns]]
        else:
            frame = language_volume(database, period, by, category=category,  # type: ignore[arg-type]
                                    since=parse_day(since, "--since"), until=parse_day(until, "--until"))  # fmt: skip
            title = f"releases per {period} and {by}"
    _show(frame, as_json, as_csv, title)


@events_app.command("list")
def events_list_command(
    db: DbOption = None,
    catalogue_only: Annotated[bool, typer.Option("--catalogue", help="Only the shipped catalogue.")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
) -> None:
    """The shipped event catalogue plus the events stored in the database."""
    from scenewatch.events import events
    from scenewatch.store import default_db_path

    path = Path(db) if db else default_db_path()
    if catalogue_only or not path.exists():
        frame = events(None)
    else:
        with open_db(db, read_only=True) as database:
            frame = events(database)
    _show(frame, as_json, as_csv, "events")


@events_app.command("add")
def events_add_command(
    name: Annotated[str, typer.Argument(help="Event name, e.g. 'Operation X'.")],
    day: Annotated[str, typer.Argument(help="Day the action began (YYYY-MM-DD).")],
    db: DbOption = None,
    description: Annotated[str, typer.Option("--description", help="One or two sentences.")] = "",
    source: Annotated[list[str] | None, typer.Option("--source", help="Public source URL; repeatable.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Store an event in the database (replacing one of the same name); `--event NAME` then finds it."""
    from scenewatch.events import add_event

    parsed = parse_day(day, "DATE")
    assert parsed is not None
    with open_db(db) as database:
        try:
            event = add_event(database, name, parsed, description, source or [])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    frame = pd.DataFrame([{"name": event.name, "day": event.day, "description": event.description,
                           "sources": list(event.sources)}])  # fmt: skip
    _show(frame, as_json, False, "event stored")


def register(app: typer.Typer) -> None:
    """Add the race, dupes, fixes, languages and events commands to ``app``."""
    app.command(name="race")(race_command)
    app.command(name="dupes")(dupes_command)
    app.command(name="fixes")(fixes_command)
    app.command(name="languages")(languages_command)
    app.add_typer(events_app, name="events")
