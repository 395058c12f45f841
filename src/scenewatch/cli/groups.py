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
    analysis_source,
    parse_day,
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
    show(frame, as_json, as_csv, title)


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
    show(frame, as_json, as_csv, "nuke reasons" if reasons else f"nukes per {by}")



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="groups")(groups_command)
    app.command(name="nukes")(nukes_command)
