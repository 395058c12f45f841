"""Group commands: dormancy, groups that vanished together, nuke rates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from scenewatch.cli.common import (
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    WideFlag,
    analysis_source,
    event_day,
    parse_day,
    parse_range,
    show,
)


def groups_command(
    db: DbOption = None,
    dormant: Annotated[bool, typer.Option("--dormant", help="Rank groups by improbable silence.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use only data before this day.")] = None,
    vanished_with_group: Annotated[
        str | None, typer.Option("--vanished-with", help="Groups that stopped with GROUP.")
    ] = None,
    clusters: Annotated[bool, typer.Option("--clusters", help="Clusters of groups that stopped together.")] = False,
    silent_after: Annotated[
        str | None,
        typer.Option("--silent-after", help="Groups active before this day (or event name) that released nothing after "
                     "it (re-listings of old titles do not count)."),
    ] = None,
    before: Annotated[str, typer.Option("--before", help="--silent-after: how far back a group must have been "
                                        "active, e.g. 8w, 240d.")] = "8w",
    after: Annotated[str | None, typer.Option("--after", help="--silent-after: how long it must stay silent, e.g. "
                                              "4w [default: to the last day in the store].")] = None,
    window_days: Annotated[float, typer.Option("--window-days", help="For --vanished-with.")] = 3.0,
    within: Annotated[
        float | None, typer.Option("--within", help="--dormant: only groups whose last release is this recent (days).")
    ] = None,
    min_releases: Annotated[int, typer.Option("--min-releases")] = 5,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (0: all).")] = 50,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Group activity: --dormant ranking, --silent-after DAY, --vanished-with GROUP, or --clusters of groups that
    stopped together."""
    from scenewatch.analysis._common import on_store, parse_span
    from scenewatch.analysis.affiliation import vanished_clusters, vanished_with
    from scenewatch.analysis.dormancy import dormancy
    from scenewatch.analysis.groups import silent_groups

    if sum([dormant, vanished_with_group is not None, clusters, silent_after is not None]) != 1:
        raise UsageError("choose one of --dormant, --silent-after DAY, --vanished-with GROUP, --clusters")
    day = parse_day(as_of, "--as-of")
    with analysis_source(db, parquet) as database:
        if silent_after is not None:
            if not on_store(database):
                raise UsageError("--silent-after reads the embedded store only")
            event = event_day(database, silent_after)
            frame = silent_groups(database, event, before_days=parse_span(before).days, min_releases=min_releases,
                                  after_days=None if after is None else parse_span(after).days)  # fmt: skip
            title = f"groups active in the {before} before {event} and silent after it"
        elif dormant:
            if day is None:
                from scenewatch.analysis.volume import data_span

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
    show(frame, as_json, as_csv, title, wide)


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
    wide: WideFlag = False,
) -> None:
    """Nuke rates and reason classes (dupe, stolen, mislabeled, request, rules, bad, other)."""
    from scenewatch.analysis.nukes import nuke_reasons, nukes

    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        if reasons:
            frame = nuke_reasons(database, limit=limit or 1000)
        else:
            frame = nukes(
                database, by, since=first, until=last,
                min_releases=min_releases, limit=limit or None,
            )  # fmt: skip
    show(frame, as_json, as_csv, "nuke reasons" if reasons else f"nukes per {by}", wide)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="groups")(groups_command)
    app.command(name="nukes")(nukes_command)
