"""`scenewatch demo` and `scenewatch simulate`: synthetic worlds with planted events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scenewatch.cli.common import (
    err,
    out,
    parse_day,
)


def simulate(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="Output file (.ndjson, .csv, optionally .gz).")],
    start: Annotated[str, typer.Option("--start")] = "2019-01-01",
    end: Annotated[str, typer.Option("--end")] = "2021-01-31",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    scale: Annotated[float, typer.Option("--scale", min=0.001, help="1.0 ≈ 1,800 releases a day.")] = 1.0,
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Planted event, e.g. 2020-08-25:raid or 2020-03-10:outage:36h.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="ndjson or csv \\[default: from OUT].")] = None,
) -> None:
    """Write realistic synthetic announcements with planted events (and a .truth.json beside them)."""
    from scenewatch.simulate import run_cli

    summary = run_cli(
        out_path, parse_day(start, "--start"), parse_day(end, "--end"), seed, scale,
        event if event is not None else ["2020-08-25:raid"], fmt,
    )  # fmt: skip
    out.print(str(summary))


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes its files.")] = Path(
        "scenewatch-demo"
    ),
    scale: Annotated[float, typer.Option("--scale", min=0.01, help="Simulated volume (1.0 ≈ 1,800/day).")] = 0.4,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """Simulate two years with a planted raid, ingest it, summarise, and write an HTML report."""
    from scenewatch.demo import run_demo

    run_demo(directory, scale=scale, seed=seed, console=out, progress_console=err)



def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(simulate)
    app.command()(demo)
