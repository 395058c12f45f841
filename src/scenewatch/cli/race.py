"""Race commands: who released first, dupes, and the groups that fix others' releases."""

from __future__ import annotations

from typing import Annotated

import typer

from scenewatch.cli.common import (
    AfterOption,
    BeforeOption,
    CategoryOption,
    CsvFlag,
    DbOption,
    JsonFlag,
    LimitOption,
    ParquetOption,
    SinceOption,
    UntilOption,
    UsageError,
    WideFlag,
    analysis_source,
    err,
    event_day,
    limit_rows,
    parse_range,
    show,
)


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
    wide: WideFlag = False,
) -> None:
    """Races to release first: per work and format, the first group, the runner-up and the gap."""
    from scenewatch.analysis.race import race, race_leaderboard, race_shift

    if leaderboard and event:
        raise UsageError("choose one of --leaderboard and --event")
    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        if event:
            day = event_day(database, event)
            frame = race_shift(database, day, before, after, within_hours=within)
            title = f"first releases before and after {day}"
        elif leaderboard:
            frame = race_leaderboard(database, period, category, first, last, within_hours=within)
            title = f"race leaderboard per {period}"
        else:
            frame = race(database, category, first, last, within_hours=within, group=group)
            frame = frame.sort_values("winner_at", ascending=False, ignore_index=True)
            title = "races (newest first)"
    show(limit_rows(frame, limit), as_json, as_csv, title, wide)


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
    wide: WideFlag = False,
) -> None:
    """Dupe rates (later releases of a work in the same format) and how often dupes were nuked."""
    from scenewatch.analysis.dupes import dupe_releases, dupes

    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        if releases:
            frame = dupe_releases(database, category=category, group=group, since=first, until=last,
                                  limit=limit or None)  # fmt: skip
            title = "dupes"
        else:
            frame = dupes(database, by, category=category, since=first, until=last,  # type: ignore[arg-type]
                          min_releases=min_releases, limit=limit or None)  # fmt: skip
            title = f"dupes per {by}"
    show(frame, as_json, as_csv, title, wide)
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
    wide: WideFlag = False,
) -> None:
    """PROPER/REPACK releases: which groups fix other groups' releases, and how fast."""
    from scenewatch.analysis.fixes import fix_releases, fixes

    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        if releases:
            frame = fix_releases(database, category=category, group=group, since=first, until=last,
                                 limit=limit or None)  # fmt: skip
            title = "revisions"
        else:
            frame = fixes(database, "pair" if pairs else "fixer", category=category, since=first, until=last,
                          min_fixes=min_fixes, limit=limit or None)  # fmt: skip
            title = "fixes per fixer and fixed group" if pairs else "fixes per group"
    show(frame, as_json, as_csv, title, wide)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="race")(race_command)
    app.command(name="dupes")(dupes_command)
    app.command(name="fixes")(fixes_command)
