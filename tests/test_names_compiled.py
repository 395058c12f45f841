"""The compiled parser (Cython, built by setup.py at install time) parses exactly like its Python source.

Both run the same source; the compiled one adds C types from ``_core.pxd``. A stale compiled module (its
source edited since the build) is never used.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scenewatch.names
from scenewatch.names import implementation, parse, parse_columns
from tests.test_names_properties import SECTIONS, SEPARATORS, TOKENS

NAMES_DIR = Path(scenewatch.names.__file__).parent
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "parser"

# Run with SCENEWATCH_PURE_PYTHON=1: reads [name, section] pairs, prints what the Python parser answers.
PYTHON_PARSER = """
import json, sys
from scenewatch.names import implementation, parse, parse_columns
pairs = json.load(sys.stdin)
print(json.dumps({
    "implementation": implementation(),
    "parsed": [repr(parse(name, section)) for name, section in pairs],
    "columns": repr(parse_columns([n for n, _ in pairs], [s for _, s in pairs])),
}))
"""


def _names() -> list[tuple[str, str | None]]:
    """Real names when the shared corpora are there, generated shapes and hostile inputs always."""
    names: list[str] = []
    for path in sorted(CORPUS_DIR.glob("corpus_*.jsonl")):
        names += [json.loads(line)["name"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    rnd = random.Random(2026)
    for _ in range(3000):
        names.append("".join(rnd.choice(TOKENS) + rnd.choice(SEPARATORS) for _ in range(rnd.randint(1, 14))))
    names += ["", " ", "-", "\x00" * 30, "\U0001f600" * 40, "a/b\\c", "[Grp] Show - 01 [ABCDEF12].mkv", "x" * 3000]
    return [(name, rnd.choice(SECTIONS)) for name in names]


def test_the_parser_is_compiled_where_a_c_compiler_is() -> None:
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler here: the pure-Python parser runs")
    assert implementation() == "compiled", (
        "the parser is not compiled: reinstall with `pip install -e .` (a source newer than its build is not used)"
    )


def test_compiled_and_python_parsers_agree() -> None:
    if implementation() != "compiled":
        pytest.skip("the parser is not compiled here")
    pairs = _names()
    python = subprocess.run(
        [sys.executable, "-c", PYTHON_PARSER], input=json.dumps(pairs), capture_output=True, text=True, check=True,
        env={**os.environ, "SCENEWATCH_PURE_PYTHON": "1"},
    )  # fmt: skip
    answer = json.loads(python.stdout)
    assert answer["implementation"] == "python"
    compiled = [repr(parse(name, section)) for name, section in pairs]
    differ = [(pair[0], c, p) for pair, c, p in zip(pairs, compiled, answer["parsed"], strict=True) if c != p]
    assert not differ, f"{len(differ)} of {len(pairs)} names parse differently, first: {differ[0]}"
    columns = parse_columns([n for n, _ in pairs], [s for _, s in pairs])
    assert repr(columns) == answer["columns"]


def test_a_stale_compiled_module_is_not_used(tmp_path: Path) -> None:
    if implementation() != "compiled":
        pytest.skip("the parser is not compiled here")
    package = tmp_path / "scenewatch"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copytree(NAMES_DIR, package / "names", ignore=shutil.ignore_patterns("__pycache__"))
    probe = "import warnings, scenewatch.names as n; warnings.simplefilter('always'); print(n.implementation())"

    def run() -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        env.pop("SCENEWATCH_PURE_PYTHON", None)
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)

    assert run().stdout.strip() == "compiled"
    source = package / "names" / "_core.py"
    later = max(p.stat().st_mtime for p in (package / "names").iterdir()) + 10
    os.utime(source, (later, later))  # as after editing the source without rebuilding
    stale = run()
    assert stale.stdout.strip() == "python"
    assert "_core.py is newer than its compiled module" in stale.stderr
