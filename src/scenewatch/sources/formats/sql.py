"""Predb-style SQL dumps: ``INSERT INTO t (cols) VALUES (...),(...);`` with columns from the
statement or from the preceding ``CREATE TABLE``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scenewatch.sources.formats.common import RawRecord
from scenewatch.sources.lines import LineError

NAME = "sql"
# SQL dumps put thousands of tuples on one line.
MAX_LINE_BYTES = 64 << 20

_SNIFF = re.compile(r"^\s*(?:--|/\*|SET\s|DROP\s|CREATE\s+TABLE|INSERT\s+INTO|LOCK\s+TABLES|BEGIN)", re.I | re.M)
_CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"\[]?([\w.]+)[`\"\]]?\s*\(", re.I)
_INSERT = re.compile(r"INSERT\s+(?:IGNORE\s+)?INTO\s+[`\"\[]?([\w.]+)[`\"\]]?\s*(?:\(([^)]*)\))?\s*VALUES\s*", re.I)
_COLUMN_DEF = re.compile(r"^\s*[`\"\[]?(\w+)[`\"\]]?\s+\w", re.M)
_NOT_COLUMN = {"primary", "key", "unique", "index", "constraint", "foreign", "fulltext", "check"}
_VALUE = re.compile(
    r"""\s*(?:'((?:[^'\\]|\\.|'')*)'|(NULL)\b|([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(\w+))\s*(,|\))""",
    re.S | re.I,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "Z": "\x1a"}
_ESCAPE = re.compile(r"\\(.)|''", re.S)


def sniff(head: str) -> bool:
    """SQL statements or comments at the start of a line."""
    return bool(_SNIFF.search(head[:4096])) and ("INSERT" in head.upper() or "CREATE" in head.upper())


def _unescape(text: str) -> str:
    if "\\" not in text and "''" not in text:
        return text
    return _ESCAPE.sub(lambda m: "'" if m.group(0) == "''" else _ESCAPES.get(m.group(1), m.group(1)), text)


def _columns_of_create(body: str) -> list[str]:
    return [m.group(1) for m in _COLUMN_DEF.finditer(body) if m.group(1).lower() not in _NOT_COLUMN]


def _statements(lines: Iterator[tuple[int, str | LineError]]) -> Iterator[tuple[int, str | LineError]]:
    """Join lines into statements ending with ``;`` outside quotes."""
    buffer: list[str] = []
    start = 0
    in_quote = False
    for number, line in lines:
        if isinstance(line, LineError):
            yield number, line
            continue
        if not buffer:
            stripped = line.lstrip()
            if not stripped or stripped.startswith("--") or stripped.startswith("#"):
                continue
            start = number
        buffer.append(line)
        # Track quote state through the line (backslash escapes and doubled quotes).
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if in_quote:
                if c == "\\":
                    i += 1
                elif c == "'":
                    in_quote = False
            elif c == "'":
                in_quote = True
            i += 1
        if not in_quote and line.rstrip().endswith(";"):
            yield start, "\n".join(buffer)
            buffer = []
    if buffer:
        yield start, "\n".join(buffer)


def records(lines: Iterator[tuple[int, str | LineError]], origin: str) -> Iterator[RawRecord]:
    """Yield one row per VALUES tuple; a tuple that cannot be read is a reject."""
    del origin
    tables: dict[str, list[str]] = {}
    for start, statement in _statements(lines):
        if isinstance(statement, LineError):
            yield start, statement
            continue
        create = _CREATE.match(statement.lstrip())
        if create:
            body = statement[create.end() :]
            tables[create.group(1).split(".")[-1].lower()] = _columns_of_create(body)
            continue
        insert = _INSERT.match(statement.lstrip())
        if not insert:
            continue
        offset = len(statement) - len(statement.lstrip())
        table = insert.group(1).split(".")[-1].lower()
        if insert.group(2):
            columns = [c.strip().strip('`"[] ') for c in insert.group(2).split(",")]
        else:
            columns = tables.get(table, [])
        yield from _tuples(statement, offset + insert.end(), start, columns, table)


def _tuples(statement: str, pos: int, start_line: int, columns: list[str], table: str) -> Iterator[RawRecord]:
    n = len(statement)
    line = start_line + statement.count("\n", 0, pos)
    while pos < n:
        while pos < n and statement[pos] in " \t\r\n,":
            if statement[pos] == "\n":
                line += 1
            pos += 1
        if pos >= n or statement[pos] == ";":
            return
        if statement[pos] != "(":
            yield line, LineError(f"expected '(' in VALUES of {table}, found {statement[pos : pos + 12]!r}")
            return
        pos += 1
        values: list[Any] = []
        ok = False
        while True:
            match = _VALUE.match(statement, pos)
            if not match:
                break
            quoted, null, number, word, closer = match.groups()
            if quoted is not None:
                values.append(_unescape(quoted))
            elif null is not None:
                values.append(None)
            elif number is not None:
                values.append(float(number) if any(ch in number for ch in ".eE") else int(number))
            else:
                values.append(word)
            pos = match.end()
            if closer == ")":
                ok = True
                break
        tuple_line = line
        if not ok:
            # Skip to the end of this tuple and carry on with the next one.
            end = statement.find("),", pos)
            end = n if end < 0 else end + 1
            line += statement.count("\n", pos, end)
            pos = end
            yield tuple_line, LineError(f"unreadable VALUES tuple in {table}")
            continue
        if not columns:
            yield tuple_line, LineError(f"no column names for table {table} (no CREATE TABLE or column list)")
            continue
        if len(values) != len(columns):
            yield tuple_line, LineError(f"expected {len(columns)} values, got {len(values)}")
            continue
        yield tuple_line, dict(zip(columns, values, strict=True))
