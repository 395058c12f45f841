"""NDJSON dumps read a batch at a time as columns: pyarrow's JSON reader, then TableMapper.

The batches are the row path's (``batch_size`` records each, blank lines not counting), with the same records and
the same rejects. A batch whose lines are not all plain one-object lines (a blank or broken line, invalid UTF-8, a
line too long, NaN, nested values, keys that resolve differently from row to row...) is read by the row path
instead: pyarrow accepts some things orjson rejects, and such batches are rare.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.json as pj

from scenewatch.sources.base import SourceBatch, SourceError
from scenewatch.sources.lines import LineError, decode_line, read_raw_lines
from scenewatch.sources.table_mapper import TableMapper, resolve_columns

if TYPE_CHECKING:
    from scenewatch.sources.dump import DumpSource

# A line the JSON reader may take as one record: an object alone on its line.
_OPEN = 0x7B  # "{"
_CLOSE = (b"}\n", b"}\r\n", b"}")


def batches(source: DumpSource, skip: int, batch_size: int) -> Iterator[SourceBatch]:
    """Yield the batches of ``source`` after its first ``skip`` records (see the module's docstring)."""
    reader = _Reader(source)
    done = 0
    lines: list[bytes | LineError] = []
    first = 0
    records = 0
    plain = True
    for number, line in read_raw_lines(source.path):
        if isinstance(line, bytes) and line and line[0] == _OPEN and line.endswith(_CLOSE):
            record = True
        else:
            record = _is_record(line)
            if done >= skip:
                plain = False
        if done < skip:
            done += record
            continue
        if not lines:
            first = number
        lines.append(line)
        records += record
        if records == batch_size:
            done += records
            yield reader.batch(first, lines, plain, done)
            lines, records, plain = [], 0, True
    yield reader.batch(first, lines, plain, max(done + records, skip))


def _is_record(line: bytes | LineError) -> bool:
    """Whether the row path counts this line as a record (everything but blank lines)."""
    text = decode_line(line)
    return isinstance(text, LineError) or bool(text.strip())


class _Reader:
    """Turns the lines of one batch into a SourceBatch, columnar when they allow it."""

    def __init__(self, source: DumpSource) -> None:
        self.source = source
        # Columns pyarrow would read as timestamps: read as the strings they are, as the row path does.
        self.text_columns: dict[str, pa.DataType] = {}

    def batch(self, first: int, lines: list[bytes | LineError], plain: bool, records_done: int) -> SourceBatch:
        """The batch of these lines (numbered from ``first``), with ``records_done`` as its progress."""
        batch = self._columnar(first, lines) if plain and lines else None
        if batch is None:
            batch = self.source.row_batch((first + i, decode_line(line)) for i, line in enumerate(lines))
        batch.records_done = records_done
        return batch

    def _columnar(self, first: int, lines: list[bytes | LineError]) -> SourceBatch | None:
        data = b"".join(line for line in lines if isinstance(line, bytes))
        try:
            data.decode("utf-8")  # pyarrow does not check the strings it reads
        except UnicodeDecodeError:
            return None
        table = self._read(data)
        if table is None or table.num_rows != len(lines):  # e.g. two objects on one line
            return None
        explicit = self.source.mapping
        columns = resolve_columns(table.column_names, explicit)
        if columns is None:
            return None
        try:
            mapper = TableMapper(columns, self.source.rules, self.source.row_mapper(columns))
        except SourceError:
            return None  # no name column: the row path reports it as it always has
        if not mapper.mappable(table, explicit):
            return None
        return mapper.map(table, range(first, first + len(lines)), self.source.origin)

    def _read(self, data: bytes) -> pa.Table | None:
        for _ in range(2):
            options = pj.ParseOptions(
                explicit_schema=pa.schema(self.text_columns) if self.text_columns else None,
                unexpected_field_behavior="infer",
            )
            try:
                table = pj.read_json(
                    io.BytesIO(data),
                    read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                    parse_options=options,
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            stamps = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
            if not stamps:
                return table
            self.text_columns.update(dict.fromkeys(stamps, pa.string()))
        return None
