"""NDJSON dumps read a batch at a time as columns: pyarrow's JSON reader, then TableMapper.

The batches are the row path's (``batch_size`` records each, blank lines not counting), with the same records and
the same rejects. A batch whose lines are not all plain one-object lines (a blank or broken line, invalid UTF-8, a
line too long, NaN, nested values, keys that resolve differently from row to row...) is read by the row path
instead: pyarrow accepts some things orjson rejects, and such batches are rare.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from scenewatch.sources.base import SourceBatch, SourceError
from scenewatch.sources.lines import LineError, RawLines, decode_line
from scenewatch.sources.table_mapper import TableMapper, resolve_columns


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

_OPEN, _CLOSE, _CR, _LF = 0x7B, 0x7D, 0x0D, 0x0A  # "{", "}", "\r", "\n"


def batches(source: DumpSource, skip: int, batch_size: int) -> Iterator[SourceBatch]:
    """Yield the batches of ``source`` after its first ``skip`` records (see the module's docstring)."""
    reader = _Reader(source)
    with RawLines(source.path) as raw:
        done = 0
        while done < skip:  # a line is at most one record, so taking what is left never goes past ``skip``
            before = raw.too_long
            lines = raw.take(min(skip - done, 1 << 16))
            if not lines:
                break
            done += _records(lines, b"".join(x for x in lines if isinstance(x, bytes)), raw.too_long - before)[0]
        while True:
            first = raw.lines + 1
            lines, parts, records, plain = [], [], 0, True
            while records < batch_size:
                before = raw.too_long
                taken = raw.take(batch_size - records)
                if not taken:
                    break
                errors = raw.too_long - before
                data = b"".join(taken) if not errors else b"".join(x for x in taken if isinstance(x, bytes))
                count, all_plain = _records(taken, data, errors)
                lines += taken
                parts.append(data)
                records += count
                plain = plain and all_plain
            done += records
            yield reader.batch(first, lines, b"".join(parts), plain, max(done, skip))
            if records < batch_size:
                raw.raise_error()
                return


def _records(lines: list[bytes | LineError], data: bytes, errors: int) -> tuple[int, bool]:
    """How many of these lines are records (all but blank lines), and whether each is an object alone on its line.

    ``data`` joins the lines that are bytes; ``errors`` counts those that are not (too long).
    """
    if not errors and lines:
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        if lengths.min() >= 2:
            text = np.frombuffer(data, dtype=np.uint8)
            ends = np.cumsum(lengths)
            last = ends - 1
            last -= text[last] == _LF
            last -= (text[last] == _CR) & (last > ends - lengths)
            if ((text[ends - lengths] == _OPEN) & (text[last] == _CLOSE)).all():
                return len(lines), True
    return sum(_is_record(line) for line in lines), False


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

    def batch(
        self, first: int, lines: list[bytes | LineError], data: bytes, plain: bool, records_done: int
    ) -> SourceBatch:
        """The batch of these lines (numbered from ``first``; ``data`` joins them), with ``records_done``."""
        batch = self._columnar(first, len(lines), data) if plain and lines else None
        if batch is None:
            batch = self.source.row_batch((first + i, decode_line(line)) for i, line in enumerate(lines))
        batch.records_done = records_done
        return batch

    def _columnar(self, first: int, count: int, data: bytes) -> SourceBatch | None:
        try:
            data.decode("utf-8")  # pyarrow does not check the strings it reads
        except UnicodeDecodeError:
            return None
        table = self._read(data)
        if table is None or table.num_rows != count:  # e.g. two objects on one line
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
        return mapper.map(table, range(first, first + count), self.source.origin)

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
