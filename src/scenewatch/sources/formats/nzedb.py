"""nZEDb daily pre dumps: 12 fields separated by two tabs, quoted, ``\\N`` for NULL, local times."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scenewatch.sources.formats.common import RawRecord
from scenewatch.sources.lines import LineError

NAME = "nzedb"
FIELDS = (
    "title", "nfo", "size", "files", "filename", "nuked", "nukereason",
    "category", "predate", "source", "requestid", "groupname",
)  # fmt: skip
# nZEDb's nuked codes: 0 none, 1 unnuked, 2 nuked, 3 modnuked, 4 renuked, 5 oldnuke.
NUKED_CODES = {"0": None, "1": "unnuke", "2": "nuke", "3": "modnuke", "4": "nuke", "5": "nuke"}
# Sections that say nothing about the release.
EMPTY_SECTIONS = frozenset({"PRE", ""})
COLUMN_MAP = {
    "name": "title", "size": "size", "files": "files", "nuke": "nuked", "reason": "nukereason",
    "section": "category", "pre_at": "predate", "feed": "source",
}  # fmt: skip
_SNIFF = re.compile(r"^'[^\t]*'\t\t(?:\\N|'[^']*')\t\t")
_UNESCAPE = re.compile(r"\\(.)")


def sniff(head: str) -> bool:
    """A first line of quoted fields separated by double tabs."""
    return bool(_SNIFF.match(head.lstrip("\ufeff")))


def _value(field: str) -> str | None:
    if field == "\\N":
        return None
    if len(field) >= 2 and field[0] == "'" and field[-1] == "'":
        field = field[1:-1]
        return _UNESCAPE.sub(r"\1", field) if "\\" in field else field
    return field


def records(lines: Iterator[tuple[int, str | LineError]], origin: str) -> Iterator[RawRecord]:
    """Yield rows keyed by nZEDb's field names, with nuke codes turned into action words."""
    del origin
    width = len(FIELDS)
    for number, line in lines:
        if isinstance(line, LineError):
            yield number, line
            continue
        if not line.strip():
            continue
        parts = line.split("\t\t")
        if len(parts) != width:
            yield number, LineError(f"expected {width} fields separated by two tabs, got {len(parts)}")
            continue
        row = dict(zip(FIELDS, map(_value, parts), strict=True))
        row["nuked"] = NUKED_CODES.get(row["nuked"] or "0")
        if (row["category"] or "").upper() in EMPTY_SECTIONS:
            row["category"] = None
        yield number, row
