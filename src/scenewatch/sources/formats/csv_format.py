"""CSV dumps with a header row; the delimiter is sniffed from the header."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from scenewatch.sources.base import SourceError
from scenewatch.sources.formats.common import RawRecord
from scenewatch.sources.lines import LineError

NAME = "csv"
DELIMITERS = ",;\t|"
Dialect = type[csv.Dialect] | csv.Dialect


def sniff(head: str) -> bool:
    """CSV is the fallback for text with a delimiter on its first line."""
    first = head.split("\n", 1)[0]
    return any(d in first for d in DELIMITERS)


def read_header(line: str) -> tuple[list[str], Dialect]:
    """The column names of a header line and the dialect sniffed from it."""
    try:
        sniffed = csv.Sniffer().sniff(line, delimiters=DELIMITERS)
    except csv.Error:
        sniffed = csv.excel
    dialect = rfc4180(sniffed)
    return [h.strip().lstrip("\ufeff") for h in next(csv.reader([line], dialect))], dialect


def rfc4180(sniffed: Dialect) -> Dialect:
    """The sniffed delimiter, quote and spacing with RFC 4180's doubled quotes.

    A header holds no quoted quote, so the Sniffer reports ``doublequote=False`` for nearly every header, and a
    field written as ``"A ""B"" C"`` would then keep its doubled quote: exporters (spreadsheets, pandas,
    PostgreSQL, MySQL's CSV mode) double a quote inside a quoted field, so that is what is assumed.
    """
    return type(
        "SniffedDialect",
        (csv.excel,),
        {
            "delimiter": sniffed.delimiter,
            "quotechar": sniffed.quotechar or '"',
            "skipinitialspace": sniffed.skipinitialspace,
        },
    )


def read_record(number: int, line: str | LineError, header: list[str], dialect: Dialect) -> RawRecord | None:
    """The row of one data line keyed by the header's names, or why it is rejected; None for a blank line."""
    if isinstance(line, LineError):
        return number, line
    if not line.strip():
        return None
    try:
        values = next(csv.reader([line], dialect, strict=True))
    except csv.Error as exc:
        return number, LineError(f"malformed CSV: {exc}")
    if len(values) != len(header):
        return number, LineError(f"expected {len(header)} columns, got {len(values)}")
    return number, dict(zip(header, values, strict=True))


def records(lines: Iterator[tuple[int, str | LineError]], origin: str) -> Iterator[RawRecord]:
    """Yield one dict per data line keyed by the header's column names."""
    header: list[str] | None = None
    dialect: Dialect = csv.excel
    for number, line in lines:
        if header is None:
            if isinstance(line, LineError):
                raise SourceError(f"{origin}:{number}: header unreadable: {line}")
            if line.strip():
                header, dialect = read_header(line)
            continue
        record = read_record(number, line, header, dialect)
        if record is not None:
            yield record
