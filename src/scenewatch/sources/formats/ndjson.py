"""NDJSON dumps: one JSON object a line."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from scenewatch.sources.formats.common import RawRecord
from scenewatch.sources.lines import LineError

NAME = "ndjson"


def sniff(head: str) -> bool:
    """A first non-empty line that opens a JSON object."""
    for line in head.split("\n"):
        if line.strip():
            return line.lstrip("\ufeff \t").startswith("{")
    return False


def records(lines: Iterator[tuple[int, str | LineError]], origin: str) -> Iterator[RawRecord]:
    """Yield each line's object; anything else is a reject."""
    del origin
    for number, line in lines:
        if isinstance(line, LineError):
            yield number, line
            continue
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, LineError(f"broken JSON: {str(exc).split(':')[0]}")
            continue
        if not isinstance(value, dict):
            yield number, LineError(f"expected a JSON object, got {type(value).__name__}")
            continue
        yield number, value
