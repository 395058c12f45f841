"""The installed ``scenewatch`` entry point, run as a user runs it."""

from __future__ import annotations

import gzip
import subprocess
import sys

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


def test_a_small_ingest_loads_neither_the_web_layer_nor_the_analyses(tmp_path) -> None:
    # A day's dump is mostly start-up (issue #21): FastAPI, httpx and the analyses are for other commands.
    dump = tmp_path / "1612000000_predb_dump.csv.gz"
    line = "'Some.Movie.2020.1080p.BluRay.x264-GRP'\t\t\\N\t\t'4200MB'\t\t\\N\t\t''\t\t'0'\t\t\\N\t\t'Movie HD'\t\t"
    line += "'2021-01-28 16:41:16'\t\t'feed'\t\t'0'\t\t\\N\n"
    with gzip.open(dump, "wt", encoding="utf-8") as fh:
        fh.write(line)
    code = (
        "import sys\nfrom scenewatch.cli import main\n"
        f"sys.argv = ['scenewatch', 'ingest', {str(dump)!r}, '--db', {str(tmp_path / 's.duckdb')!r}, '--quiet']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = ('fastapi', 'httpx', 'uvicorn', 'scenewatch.web.app', 'scenewatch.analysis', 'scenewatch.archive')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "1 of 1 files" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "loaded: []"
