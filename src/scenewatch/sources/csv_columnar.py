"""CSV dumps read a batch at a time as columns: pyarrow's CSV reader, then TableMapper.

The header is read and its dialect sniffed as ``formats.csv_format`` does; the batches are then cut as the row path
cuts them (``sources/line_batches.py``: the header is not a record, blank lines do not count). A line is read as
columns only when it is plainly what both readers read alike: UTF-8 without control line breaks or NUL, no BOM,
shorter than the csv module's field limit, and, field by field, either unquoted without a quote character or quoted
whole (no quote inside unless the dialect doubles them, followed by the delimiter or the end of the line), with
exactly the header's number of fields; checked for every line at once with one regular expression. Any other line
(a quote inside a field, a field count that is wrong, invalid UTF-8, too long, blank...) goes through the row
tokenizer alone, in its place. Batches, records and rejects are the row path's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from scenewatch.sources.base import SourceBatch, SourceError
from scenewatch.sources.columns import ColumnMap
from scenewatch.sources.formats import csv_format
from scenewatch.sources.line_batches import LineBatch, line_batches, text_lines
from scenewatch.sources.lines import LineError, RawLines, decode_line
from scenewatch.sources.table_mapper import TableMapper, without_none_like


class DumpSource(Protocol):
    """What this reader needs of the dump it reads (:class:`scenewatch.sources.dump.DumpSource`, which imports this
    module: a protocol keeps the two free of an import circle)."""

    path: Path
    origin: str
    rules: Any
    mapping: Mapping[str, str]

    def row_batch(self, records: Iterable[tuple[int, Any]]) -> SourceBatch:
        """The row path's batch of these (line number, decoded line) records."""
        ...

    def row_mapper(self, columns: Any) -> Any:
        """The row path's mapper for a column map."""
        ...


# The regular expression repeats the field pattern once per column: wider headers are read row by row.
_MAX_COLUMNS = 256

def batches(source: DumpSource, skip: int, batch_size: int) -> Iterator[SourceBatch]:
    """Yield the batches of ``source`` after its first ``skip`` records (see the module's docstring)."""
    with RawLines(source.path) as raw:
        header: tuple[int, str] | None = None
        while header is None and (taken := raw.take(1)):
            text = decode_line(taken[0])
            if isinstance(text, LineError):  # the row path's error, from the row path
                list(csv_format.records(iter([(raw.lines, text)]), source.origin))
            elif text.strip():
                header = (raw.lines, text)
        reader = _Reader(source, header) if header is not None else None
        for lines in line_batches(raw, skip, batch_size):
            batch = reader.batch(lines) if reader is not None else SourceBatch()
            batch.records_done = lines.records_done
            yield batch


def _hex(char: str) -> str:
    """A character as an RE2 escape (the delimiter may be ``|`` or a tab)."""
    return f"\\x{{{ord(char):02x}}}"


def plain_line_pattern(dialect: csv_format.Dialect, width: int) -> str:
    """An RE2 pattern for the lines of ``width`` fields that the csv module and pyarrow read alike."""
    quote, delimiter = _hex(dialect.quotechar or '"'), _hex(dialect.delimiter)
    plain = f"[^{quote}{delimiter}\\r\\n\\x00]"
    # With skipinitialspace the csv module drops spaces opening a field; pyarrow keeps them.
    bare = f"(?:[^ {quote}{delimiter}\\r\\n\\x00]{plain}*)?" if dialect.skipinitialspace else f"{plain}*"
    inner = f"(?:[^{quote}\\r\\n\\x00]|{quote}{quote})*" if dialect.doublequote else f"[^{quote}\\r\\n\\x00]*"
    field = f"(?:{quote}{inner}{quote}|{bare})"
    return f"^{field}(?:{delimiter}{field}){{{width - 1}}}$" if width > 1 else f"^{field}$"


class _Reader:
    """Turns the lines of one batch into a SourceBatch."""

    def __init__(self, source: DumpSource, header: tuple[int, str]) -> None:
        self.source = source
        self.header_line = header
        self.header, self.dialect = csv_format.read_header(header[1])
        self.mapper: TableMapper | None = None
        keys = list(dict.fromkeys(self.header))  # a row's keys: a repeated name keeps its last value
        try:
            self.columns = ColumnMap.resolve(keys, source.mapping)
            mapper = TableMapper(self.columns, source.rules, source.row_mapper(self.columns))
        except SourceError:
            return  # no name column or a bad --map: the row path reports it at the first row, as it always has
        if len(self.header) > _MAX_COLUMNS or dialect_unusual(self.dialect):
            return
        self.mapper = mapper
        self.pattern = plain_line_pattern(self.dialect, len(self.header))
        last = {name: i for i, name in enumerate(self.header)}
        self.read = {str(last[name]): name for name in sorted(set(self.columns.columns.values()))}
        self.options = (
            pv.ParseOptions(delimiter=self.dialect.delimiter, quote_char=self.dialect.quotechar or '"',
                            double_quote=bool(self.dialect.doublequote), escape_char=False,
                            newlines_in_values=False, ignore_empty_lines=False),
            pv.ConvertOptions(column_types=dict.fromkeys(self.read, pa.string()), include_columns=list(self.read),
                              strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[]),
        )  # fmt: skip

    def batch(self, batch: LineBatch) -> SourceBatch:
        """The SourceBatch of these lines."""
        lines = batch.lines
        numbers = batch.numbers()
        if self.mapper is None:
            return self._rows(batch)
        text, decoded = text_lines(lines, np.arange(len(lines)))
        ok = self._plain(text)
        plain = np.zeros(len(lines), dtype=bool)
        plain[np.flatnonzero(decoded)] = ok
        table = self._table(text.filter(pa.array(ok)))
        if table is None:
            return self._rows(batch)
        extra: list[tuple[int, Any]] = []
        for i in np.flatnonzero(~plain).tolist():
            record = csv_format.read_record(int(numbers[i]), decode_line(lines[i]), self.header, self.dialect)
            if record is not None:
                extra.append(record)
        return self.mapper.map(table, numbers[plain], self.source.origin, extra)

    def _plain(self, text: pa.Array) -> np.ndarray:
        """Which of these lines (UTF-8, without their line endings) are read as columns (see the module's docstring)."""
        fields = pc.match_substring_regex(text, self.pattern)
        visible = pc.match_substring_regex(text, "[!-~]")  # else maybe blank: the row tokenizer decides
        bom = pc.starts_with(text, "\ufeff")  # pyarrow drops a BOM opening its input; the csv module keeps it
        short = pc.less(pc.binary_length(text), csv.field_size_limit())  # longer fields are the csv module's error
        return np.asarray(pc.and_(pc.and_(fields, visible), pc.and_(pc.invert(bom), short)), dtype=bool)

    def _table(self, text: pa.Array) -> pa.Table | None:
        """The columns the map reads of these plain lines, or None when pyarrow does not read them one row each."""
        count = len(text)
        if count:
            joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, count], pa.int32()), text), "\n")
            data = joined[0].as_buffer()
            try:
                table = pv.read_csv(
                    pa.BufferReader(data),
                    read_options=pv.ReadOptions(column_names=[str(i) for i in range(len(self.header))],
                                                use_threads=False, block_size=data.size + 1),
                    parse_options=self.options[0],
                    convert_options=self.options[1],
                )  # fmt: skip
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            if table.num_rows != count:
                return None
            columns = {self.read[key]: table.column(key).combine_chunks() for key in self.read}
        else:
            columns = {name: pa.array([], pa.string()) for name in self.read.values()}
        return without_none_like(pa.table(columns), self.columns)

    def _rows(self, batch: LineBatch) -> SourceBatch:
        """The row path's batch of these lines (read after the header again, so that the tokenizer knows it)."""
        numbered = ((batch.first + i, decode_line(line)) for i, line in enumerate(batch.lines))
        return self.source.row_batch([self.header_line, *numbered])


def dialect_unusual(dialect: csv_format.Dialect) -> bool:
    """Whether the sniffed dialect has anything the line pattern does not know (an escape character, quoting)."""
    return bool(dialect.escapechar) or dialect.quoting != csv.QUOTE_MINIMAL or len(dialect.delimiter) != 1
