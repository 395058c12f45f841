"""The installed ``scenewatch`` entry point, run as a user runs it."""

from __future__ import annotations

from scenewatch import __version__
from tests.helpers import run_cli


def test_version_prints_the_version_and_exits_zero() -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"scenewatch {__version__}\n"


def test_no_arguments_shows_the_help() -> None:
    result = run_cli()
    assert "Usage:" in result.stdout
    assert "ingest" in result.stdout
