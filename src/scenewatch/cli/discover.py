"""Whole-history commands: `study` (every catalogued event measured alike) and `discover` (events nobody reported)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from scenewatch.cli.common import (
    AfterOption,
    BeforeOption,
    CsvFlag,
    DbOption,
    JsonFlag,
    ParquetOption,
    UsageError,
    WideFlag,
    analysis_source,
    err,
    show,
)

if TYPE_CHECKING:
    import pandas as pd


def _some(names: object, shown: int = 8) -> object:
    """The first ``shown`` names of a list, and how many more (all of them stay in --json and --csv)."""
    if not isinstance(names, list) or len(names) <= shown:
        return names
    return [*names[:shown], f"+{len(names) - shown} more"]


def _study_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The study table for a terminal: the notes go to stderr, the counts the model fitted on stay in --json."""
    notes = frame["note"].dropna().unique()
    if len(notes):
        err.print(f"note: {'; '.join(notes)}", markup=False, highlight=False)
    shown = frame.drop(columns=["note", "expected", "observed", "calibrated"]).rename(columns={"groups": "group_names"})
    shown["group_names"] = shown["group_names"].map(_some)
    shown.attrs = frame.attrs
    return shown


def _discover_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The candidates for a terminal: the volume change as three columns, the group names last."""
    import pandas as pd

    change = pd.DataFrame([v if isinstance(v, dict) else {} for v in frame["volume_change"]], index=frame.index)
    shown = frame.drop(columns=["volume_change", "changepoints"]).rename(columns={"groups": "group_names"})
    shown["group_names"] = shown["group_names"].map(_some)
    for column in ("relative_change", "ci_low", "ci_high"):
        shown.insert(len(shown.columns) - 1, column, change.get(column, pd.Series(index=frame.index, dtype=float)))
    shown = shown[[c for c in shown.columns if c != "group_names"] + ["group_names"]]
    shown.attrs = frame.attrs
    return shown


def study_command(
    db: DbOption = None,
    event: Annotated[list[str] | None, typer.Option("--event", help="Only these events (name or day); repeatable.")]
    = None,
    before: BeforeOption = "8w",
    after: AfterOption = "8w",
    threshold: Annotated[float, typer.Option("--threshold", help="Recovery threshold (share of counterfactual).")]
    = 0.9,
    no_languages: Annotated[bool, typer.Option("--no-languages", help="Leave out the language-scene split.")] = False,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Every catalogued event inside the data: calibrated impact per category and language region, recovery,
    groups that stopped and vanished; events outside the data are listed, not analysed."""
    from scenewatch.analysis.study import study

    if not 0 < threshold <= 2:
        raise UsageError("--threshold must be within (0, 2]")
    with analysis_source(db, parquet) as database:
        frame = study(database, event or None, before=before, after=after, threshold=threshold,
                      languages=not no_languages)  # fmt: skip
    if not (as_json or as_csv):
        frame = _study_text(frame)
    show(frame, as_json, as_csv, "events studied (calibrated 95% intervals)", wide)


def discover_command(
    db: DbOption = None,
    min_releases: Annotated[int, typer.Option("--min-releases", help="Releases a group needs before a gap.")] = 50,
    min_active_days: Annotated[int, typer.Option("--min-active-days", help="Active days a group needs first.")]
    = 20,
    p_stop: Annotated[float, typer.Option("--p-stop", help="A gap this improbable by the group's rhythm is a stop.")]
    = 0.01,
    window_days: Annotated[int, typer.Option("--window-days", help="Length of the scanned windows.")] = 7,
    alpha: Annotated[float, typer.Option("--alpha", help="Keep candidates with p_adjusted at most this.")] = 0.05,
    limit: Annotated[int, typer.Option("--limit", help="Candidates to show (0: all).")] = 20,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
    parquet: ParquetOption = None,
    wide: WideFlag = False,
) -> None:
    """Scan the whole history for weeks in which established groups stopped together beyond chance (their own
    release rhythms, feed gaps excluded), plus volume change points; most significant first."""
    from scenewatch.analysis.discover import discover

    for name, value, low, high in (("--p-stop", p_stop, 0, 1), ("--alpha", alpha, 0, 1)):
        if not low < value < high:
            raise UsageError(f"{name} must be within ({low}, {high})")
    if window_days < 1 or min_active_days < 2 or min_releases < 1:
        raise UsageError("--window-days, --min-releases must be >= 1 and --min-active-days >= 2")
    with analysis_source(db, parquet) as database:
        frame = discover(database, window_days=window_days, min_releases=min_releases,
                         min_active_days=min_active_days, p_stop=p_stop, alpha=alpha,
                         limit=limit or None)  # fmt: skip
    attrs = frame.attrs
    err.print(f"scanned {attrs.get('windows_scanned', 0):,} windows of {window_days} days: "
              f"{attrs.get('stops', 0):,} stops in {attrs.get('trials', 0):,} trials (rate "
              f"{attrs.get('stop_rate', 0):.4f}, dispersion {attrs.get('dispersion', 1):.2f})",
              markup=False, highlight=False)  # fmt: skip
    if not (as_json or as_csv):
        frame = _discover_text(frame)
    show(frame, as_json, as_csv, "candidate events", wide)


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command(name="study")(study_command)
    app.command(name="discover")(discover_command)
