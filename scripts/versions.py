"""Print the installed versions of the dependencies that change scenewatch's behaviour most, or (with
``--build-requires``) pyproject.toml's build requirements, one a line, for ``make lock``."""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

WATCHED = ("pandas", "duckdb", "numpy", "pyarrow", "fastapi", "starlette", "pydantic", "rich", "typer", "plotly",
           "statsmodels", "scipy", "ruptures", "ibis-framework", "sqlglot", "schemathesis", "playwright")  # fmt: skip


def main() -> None:
    """Print what was asked for."""
    if "--build-requires" in sys.argv:
        project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
        print("\n".join(project["build-system"]["requires"]))
        return
    for name in WATCHED:
        try:
            print(f"{name}=={version(name)}")
        except PackageNotFoundError:
            print(f"{name}: not installed")


if __name__ == "__main__":
    main()
