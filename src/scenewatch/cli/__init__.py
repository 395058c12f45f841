"""The scenewatch command line: a thin layer over the Python API (Typer + Rich).

One module per command group, named after the part of the Python API it fronts (``store``, ``archive``, ``names``,
``volume``, ``events``, ``discover``, ``groups``, ``race``, ``leaks``, ``retail``, ``live``, ``sources``, ``web``,
``report``, ``demo``); each registers its commands with ``register(app)``. Shared options, consoles and table
printing live in ``cli.common``; how values look is ``scenewatch.output``'s business.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from scenewatch import __version__
from scenewatch.cli.common import UsageError, err, out
from scenewatch.sources import SourceError
from scenewatch.store import StoreError

__all__ = ["COMMAND_MODULES", "app", "main"]

app = typer.Typer(
    name="scenewatch",
    help="Scene release intelligence: ingest predb announcements, parse names, measure volumes and events.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(wanted: bool) -> None:
    # Eager, so that `scenewatch --version` answers before Click asks for a command.
    if wanted:
        out.print(f"scenewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    """Scene release intelligence: ingest predb announcements, parse names, measure volumes and events."""


# In the order `scenewatch --help` lists them: the store first, then the analyses, then the services.
COMMAND_MODULES = ("store", "archive", "names", "volume", "events", "discover", "groups", "race", "leaks", "retail",
                   "report", "live", "sources", "web", "demo")
for _module in COMMAND_MODULES:
    importlib.import_module(f"scenewatch.cli.{_module}").register(app)


def main() -> None:
    """Entry point: run the app and turn expected failures into one clean line."""
    try:
        app()
    except (SourceError, StoreError, UsageError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted: committed batches are kept; run the same command again to resume")
        sys.exit(130)
