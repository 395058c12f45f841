"""CSV dumps with a header row; the delimiter is sniffed from the header."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from scenewatch.sources.base import SourceError
from scenewatch.sources.formats.common import RawRecord
from scenewatch.sources.lines import LineError

NAME = "csv"
DELIMITERS = ",;\t|"


def sniff(head: str) -> bool:
    """CSV is the fallback for text with a delimiter on its first line."""
    first = head.split("\n", 1)[0]
    return any(d in first for d in DELIMITERS)


def records(lines: Iterator[tuple[int, str | LineError]], origin: str) -> Iterator[RawRecord]:
    """Yield one dict per data line keyed by the header's column names."""
    header: list[str] | None = None
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    for number, line in lines:
        if isinstance(line, LineError):
            if header is None:
                raise SourceError(f"{origin}:{number}: header unreadable: {line}")
            yield number, line
            continue
        if header is None:
            if not line.strip():
                continue
            try:
                dialect = csv.Sniffer().sniff(line, delimiters=DELIMITERS)
            except csv.Error:
                dialect = csv.excel
            header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([line], dialect))]
            continue
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line], dialect, strict=True))
        except csv.Error as exc:
            yield number, LineError(f"malformed CSV: {exc}")
            continue
        if len(values) != len(header):
            yield number, LineError(f"expected {len(header)} columns, got {len(values)}")
            continue
        yield number, dict(zip(header, values, strict=True))
