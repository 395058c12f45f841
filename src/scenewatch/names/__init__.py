"""Release-name parsing: ``parse(name, section) -> ParsedName``.

Pure functions over data tables; imports nothing else of scenewatch. See docs/names.md.
"""

from pathlib import Path

from scenewatch.names import _native

# Before the parser's modules are imported: compiled (Cython, from setup.py) or their Python sources.
_IMPLEMENTATION = _native.select(__name__, Path(__file__).parent)

from scenewatch.names._parse import (  # noqa: E402
    STORE_COLUMNS,
    ParsedName,
    format_rows,
    parse,
    parse_columns,
    parse_dict,
    parse_many,
)
from scenewatch.names._prior import DEFAULT_PRIOR, NO_PRIOR, GroupPrior  # noqa: E402
from scenewatch.names._tokens import section_label  # noqa: E402


def implementation() -> str:
    """Which parser runs: ``"compiled"`` (built by Cython at install time) or ``"python"``."""
    return _IMPLEMENTATION


__all__ = [
    "DEFAULT_PRIOR",
    "NO_PRIOR",
    "STORE_COLUMNS",
    "GroupPrior",
    "ParsedName",
    "format_rows",
    "implementation",
    "parse",
    "parse_columns",
    "parse_dict",
    "parse_many",
    "section_label",
]
