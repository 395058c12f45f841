"""Write docs/cli.md from the CLI's own --help, so the reference cannot drift (``--check`` fails if it has)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def _help(args: list[str]) -> str:
    from scenewatch.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip()


def render() -> str:
    """The whole CLI reference as Markdown."""
    import typer

    from scenewatch.cli import app

    command = typer.main.get_command(app)
    names = sorted(command.commands)  # type: ignore[attr-defined]
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `scripts/cli_docs.py` (run `make docs`); do not edit by hand.",
        "",
        "```",
        _help([]),
        "```",
    ]
    for name in names:
        parts += ["", f"## scenewatch {name}", "", "```", _help([name]), "```"]
    return "\n".join(parts) + "\n"


def main() -> int:
    """Write or check docs/cli.md."""
    os.environ["COLUMNS"] = "100"
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print("docs/cli.md is out of date with the CLI: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
