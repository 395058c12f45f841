"""nZEDb dumps read a batch at a time as columns: a vectorised tokenizer, then TableMapper.

A line is split on its double tabs and its fields unquoted and unescaped as ``formats.nzedb`` does, for every line
at once (Arrow compute). A line that does not look like an ordinary record (not UTF-8 or too long, not opening with
a quoted title, not 12 fields) is handed to the row tokenizer, whose row, reason or silence (a blank line) takes its
place; TableMapper then maps the rows, sending any with an unusual value through RowMapper. Batches, records and
rejects are the row path's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.sources.base import SourceBatch
from scenewatch.sources.columns import ColumnMap
from scenewatch.sources.formats import nzedb
from scenewatch.sources.line_batches import LineBatch, line_batches, text_lines
from scenewatch.sources.lines import RawLines, decode_line
from scenewatch.sources.table_mapper import TableMapper


class DumpSource(Protocol):
    """What this reader needs of the dump it reads (:class:`scenewatch.sources.dump.DumpSource`, which imports this
    module: a protocol keeps the two free of an import circle)."""

    path: Path
    origin: str
    rules: Any
    mapping: Mapping[str, str]

    def row_mapper(self, columns: Any) -> Any:
        """The row path's mapper for a column map."""
        ...

_SEPARATOR = "\t\t"
_CODES = pa.array([code for code in nzedb.NUKED_CODES if code != "0"])
_WORDS = pa.array([nzedb.NUKED_CODES[code] for code in _CODES.to_pylist()])


def batches(source: DumpSource, skip: int, batch_size: int) -> Iterator[SourceBatch]:
    """Yield the batches of ``source`` after its first ``skip`` records (see the module's docstring)."""
    reader = _Reader(source)
    with RawLines(source.path) as raw:
        for lines in line_batches(raw, skip, batch_size):
            batch = reader.batch(lines)
            batch.records_done = lines.records_done
            yield batch


class _Reader:
    """Turns the lines of one batch into a SourceBatch."""

    def __init__(self, source: DumpSource) -> None:
        self.source = source
        self.columns = ColumnMap({**nzedb.COLUMN_MAP, **source.mapping})
        self.mapper = TableMapper(self.columns, source.rules, source.row_mapper(self.columns))
        self.fields = sorted({name for name in self.columns.columns.values()})  # the only ones tokenized

    def batch(self, batch: LineBatch) -> SourceBatch:
        """The SourceBatch of these lines."""
        lines = batch.lines
        numbers = batch.numbers()
        opens = np.fromiter((isinstance(x, bytes) and x[:1] == b"'" for x in lines), dtype=bool, count=len(lines))
        candidates = np.flatnonzero(opens)
        text, decoded = text_lines(lines, candidates)
        fast = candidates[decoded]
        parts = pc.split_pattern(text, _SEPARATOR)
        whole = np.asarray(pc.equal(pc.list_value_length(parts), len(nzedb.FIELDS)), dtype=bool)
        table = self._fields(parts.filter(pa.array(whole)), int(whole.sum()))
        fast = fast[whole]
        others = np.ones(len(lines), dtype=bool)
        others[fast] = False
        extra: list[tuple[int, Mapping[str, Any] | str]] = [
            record
            for i in np.flatnonzero(others).tolist()
            for record in nzedb.records(iter([(int(numbers[i]), decode_line(lines[i]))]), self.source.origin)
        ]  # fmt: skip
        return self.mapper.map(table, numbers[fast], self.source.origin, extra)

    def _fields(self, parts: pa.ListArray, count: int) -> pa.Table:
        """The fields the column map reads, as ``formats.nzedb.records`` gives them."""
        values = parts.flatten()
        width = len(nzedb.FIELDS)
        columns = {}
        for name in self.fields:
            if name not in nzedb.FIELDS:  # a --map to a column nZEDb does not have: always none
                columns[name] = pa.nulls(count, pa.string())
                continue
            column = _value(values.take(pa.array(np.arange(nzedb.FIELDS.index(name), width * count, width))))
            if name == "nuked":  # nuke codes as action words ("0", none or unknown: no nuke)
                column = _WORDS.take(pc.index_in(column, _CODES))
            elif name == "category":  # sections that say nothing: none
                empty = pc.or_(pc.equal(column, ""), pc.and_(pc.string_is_ascii(column),
                                                             pc.equal(pc.ascii_upper(column), "PRE")))  # fmt: skip
                column = pc.if_else(pc.fill_null(empty, True), pa.scalar(None, pa.string()), column)
            columns[name] = column
        return pa.table(columns) if columns else pa.table({"": pa.nulls(count)})


def _value(field: pa.Array) -> pa.Array:
    """``formats.nzedb._value`` for a column of raw fields: ``\\N`` is none, quotes and backslash escapes go."""
    length = pc.utf8_length(field)
    quoted = pc.and_(pc.greater_equal(length, 2),
                     pc.and_(pc.starts_with(field, "'"), pc.ends_with(field, "'")))  # fmt: skip
    inner = pc.utf8_slice_codeunits(field, 1, -1)
    escaped = pc.match_substring(inner, "\\")
    if pc.any(escaped).as_py():
        inner = pc.if_else(escaped, pc.replace_substring_regex(inner, r"\\(.)", r"\1"), inner)
    value = pc.if_else(quoted, inner, field)
    return pc.if_else(pc.equal(field, "\\N"), pa.scalar(None, pa.string()), value)
