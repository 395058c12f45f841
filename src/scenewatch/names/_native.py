"""Which parser runs: the modules compiled by Cython at install time (setup.py), or their Python sources.

Compiled modules sit beside their sources, and Python imports a compiled module before its source. The
sources are loaded in their place when ``SCENEWATCH_PURE_PYTHON=1`` is set, or when any source is newer
than its compiled module: an edited checkout must never run stale compiled code. Both run the same source,
so they parse identically (tests/test_names_compiled.py checks it); compiled is about 1.4x faster.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

# The modules setup.py compiles, in import order (each imports only earlier ones and _tables).
COMPILED = ("_tokens", "_shape", "_fields", "_core", "_parse")


def _compiled_file(folder: Path, module: str) -> Path | None:
    for suffix in EXTENSION_SUFFIXES:
        path = folder / f"{module}{suffix}"
        if path.exists():
            return path
    return None


def _stale(folder: Path) -> list[str]:
    """Modules whose compiled file is missing or older than the source."""
    out = []
    for module in COMPILED:
        built = _compiled_file(folder, module)
        if built is None or built.stat().st_mtime < (folder / f"{module}.py").stat().st_mtime:
            out.append(module)
    return out


def select(package: str, folder: Path) -> str:
    """Load the Python sources as the parser's modules when asked to or when the compiled ones are stale.

    Called by the package before it imports the modules; returns ``"compiled"`` or ``"python"``.
    """
    if not any(_compiled_file(folder, module) for module in COMPILED):
        return "python"
    if os.environ.get("SCENEWATCH_PURE_PYTHON") != "1":
        stale = _stale(folder)
        if not stale:
            return "compiled"
        warnings.warn(
            f"{folder / (stale[0] + '.py')} is newer than its compiled module; running the Python parser "
            "(reinstall with `pip install -e .` to recompile)",
            RuntimeWarning,
            stacklevel=3,
        )
    parent = sys.modules[package]
    for module in COMPILED:
        full = f"{package}.{module}"
        spec = importlib.util.spec_from_file_location(full, folder / f"{module}.py")
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[full] = loaded
        spec.loader.exec_module(loaded)
        setattr(parent, module, loaded)
    return "python"
