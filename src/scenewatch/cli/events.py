"""Event commands: impact with intervals, recovery, change points, and the event catalogue (events list/add)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    AfterOption,
    BeforeOption,
    CsvFlag,
    DbOption,
    EventOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    WideFlag,
    analysis_source,
    err,
    event_day,
    is_backend,
    open_db,
    parse_day,
    parse_range,
    show,
)

events_app = typer.Typer(help="The event catalogue: list it, or add an event to the database.", no_args_is_help=True)
ByOption = Annotated[str, typer.Option("--by", help="Split: category (default) or none.")]


def impact_command(
    event: EventOption,
    db: DbOption = None,
    before: BeforeOption = "8w",
    after: AfterOption = "8w",
    by: ByOption = "category",
    trend: Annotated[bool | None, typer.Option(
        "--trend/--no-trend", help="Force the linear trend on or off (default: level only where placebo dates "
        "calibrate it, the trend where the history is too short).", show_default=False)] = None,
    with_placebo: Annotated[bool, typer.Option("--placebo", help="Also run 8 placebo dates before the event.")] = False,
    intensity: Annotated[bool, typer.Option("--intensity", help="Show each category's vanished-group share.")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Observed vs counterfactual volume after an event, per category, with 95% intervals calibrated on placebo
    dates of the same data (the calibration used is printed on stderr)."""
    from scenewatch.analysis.impact import impact, placebo, treatment_intensity

    if (intensity or with_placebo) and is_backend(db):
        raise UsageError("--intensity and --placebo read the embedded store only")
    with analysis_source(db, parquet) as database:
        day = event_day(database, event)
        if intensity:
            frame = treatment_intensity(database, day, before, after)
            show(frame, as_json, as_csv, f"vanished-group share vs drop after {day}", wide)
            if "correlation" in frame.attrs:
                err.print(f"correlation of vanished share and relative change: {frame.attrs['correlation']:.2f}")
            return
        if with_placebo:
            frame = placebo(database, day, before, after, _split(by), trend=trend)
            show(frame, as_json, as_csv, f"placebo dates before {day}", wide)
            err.print(f"false-positive rate (p < 0.05): {frame.attrs.get('false_positive_rate', float('nan')):.0%}")
            err.print(f"calibration (all): {frame.attrs.get('calibration', '')}", markup=False, highlight=False)
            return
        frame = impact(database, day, before, after, _split(by), trend=trend)
    show(frame, as_json, as_csv, f"impact of {day}", wide)
    err.print(f"calibration (all): {frame.attrs.get('calibration', '')}", markup=False, highlight=False)


def recovery_command(
    event: EventOption,
    db: DbOption = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Share of the counterfactual to reach.")] = 0.9,
    before: BeforeOption = "8w",
    horizon: Annotated[str, typer.Option("--horizon", help="How far after the event to look.")] = "26w",
    by: ByOption = "category",
    trend: Annotated[bool, typer.Option("--trend", help="Extrapolate a linear trend (default: level only).")] = False,
    sustain: Annotated[int, typer.Option("--sustain", help="Days in a row at the threshold to count.")] = 3,
    relapse_days: Annotated[
        int, typer.Option("--relapse-days", help="Days in a row below the threshold that undo a recovery.")
    ] = 14,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """First day each category's 7-day volume is back at THRESHOLD of its counterfactual and stays there."""
    from scenewatch.analysis.recovery import recovery

    if sustain < 1 or relapse_days < 1:
        raise UsageError("--sustain and --relapse-days must be >= 1")
    with analysis_source(db, parquet) as database:
        frame = recovery(database, event_day(database, event), threshold, before, horizon, _split(by), trend=trend,
                         sustain=sustain, relapse_days=relapse_days)  # fmt: skip
    show(frame, as_json, as_csv, f"recovery to {threshold:.0%}", wide)


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
    wide: WideFlag = False,
) -> None:
    """Change points in each category's daily volume, strongest first."""
    from scenewatch.analysis.changepoints import changepoints

    first, last = parse_range(since, until)
    with analysis_source(db, parquet) as database:
        frame = changepoints(
            database, category=category, since=first, until=last,
            algorithm=algorithm,
        )  # fmt: skip
    if top > 0:
        frame = frame[frame["rank"] <= top].reset_index(drop=True)
    show(frame, as_json, as_csv, "change points", wide)


def _split(by: str) -> str | None:
    if by.lower() in ("none", "all", ""):
        return None
    if by != "category":
        raise UsageError(f"--by: {by!r} is not supported here (category or none)")
    return by


@events_app.command("list")
def events_list_command(
    db: DbOption = None,
    catalogue_only: Annotated[bool, typer.Option("--catalogue", help="Only the shipped catalogue.")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    wide: WideFlag = False,
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
    show(frame, as_json, as_csv, "events", wide)


@events_app.command("add")
def events_add_command(
    name: Annotated[str, typer.Argument(help="Event name, e.g. 'Operation X'.")],
    day: Annotated[str, typer.Argument(help="Day the action began (YYYY-MM-DD).")],
    db: DbOption = None,
    description: Annotated[str, typer.Option("--description", help="One or two sentences.")] = "",
    source: Annotated[list[str] | None, typer.Option("--source", help="Public source URL; repeatable.")] = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
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
    import pandas as pd

    frame = pd.DataFrame([{"name": event.name, "day": event.day, "description": event.description,
                           "sources": list(event.sources)}])  # fmt: skip
    show(frame, as_json, False, "event stored", wide)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="impact")(impact_command)
    app.command(name="recovery")(recovery_command)
    app.command(name="changepoints")(changepoints_command)
    app.add_typer(events_app, name="events")
