"""Release-name parsing: ``parse(name, section) -> ParsedName``.

Pure functions over data tables; imports nothing else of scenewatch. See docs/names.md.
"""

from scenewatch.names._parse import (
    STORE_COLUMNS,
    ParsedName,
    format_rows,
    parse,
    parse_columns,
    parse_dict,
    parse_many,
)

__all__ = [
    "STORE_COLUMNS",
    "ParsedName",
    "format_rows",
    "parse",
    "parse_columns",
    "parse_dict",
    "parse_many",
]
