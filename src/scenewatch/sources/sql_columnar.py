"""SQL dumps mapped a batch at a time as columns: the row path's own tokenizer, then TableMapper.

``formats.sql`` reads the statements and their VALUES tuples exactly as the row path does (MySQL escapes, doubled
quotes, statements over several lines, tuples over several lines), so the batches, records, line numbers and
tokenizer rejects are the row path's by construction. What is columnar is the mapping: a batch's rows become an
Arrow table (strings, integers, floats, NULLs) and TableMapper maps the common values with vectorised operations,
sending any row with an unusual value through RowMapper. A batch whose rows do not all have the same columns (two
tables, two column lists), whose columns mix types, or that TableMapper cannot map exactly is mapped row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from scenewatch.records import Reject
from scenewatch.sources.base import InputError, SourceBatch, SourceError
from scenewatch.sources.columns import ColumnMap
from scenewatch.sources.formats import sql
from scenewatch.sources.lines import LineError, read_lines
from scenewatch.sources.table_mapper import TableMapper, without_none_like


class DumpSource(Protocol):
    """What this reader needs of the dump it reads (:class:`scenewatch.sources.dump.DumpSource`, which imports this
    module: a protocol keeps the two free of an import circle)."""

    path: Path
    origin: str
    rules: Any
    mapping: Mapping[str, str]

    def record_batch(self, records: Iterable[tuple[int, Any]]) -> SourceBatch:
        """The row path's batch of these (line number, raw row or reason) records."""
        ...

    def row_mapper(self, columns: Any) -> Any:
        """The row path's mapper for a column map."""
        ...


def batches(source: DumpSource, skip: int, batch_size: int) -> Iterator[SourceBatch]:
    """Yield the batches of ``source`` after its first ``skip`` records, cut as ``DumpSource.batches`` cuts them."""
    reader = _Reader(source)
    pending: list[tuple[int, Any]] = []
    done = 0
    failure: InputError | None = None
    try:
        for record in sql.records(read_lines(source.path, sql.MAX_LINE_BYTES), source.origin):
            done += 1
            if done <= skip:
                continue
            pending.append(record)
            if len(pending) >= batch_size:
                batch = reader.batch(pending)
                batch.records_done = done
                yield batch
                pending = []
    except InputError as exc:  # the file ends early: what was read before lands, then the error is reported
        failure = exc
    batch = reader.batch(pending)
    batch.records_done = max(done, skip)
    yield batch
    if failure is not None:
        raise failure


class _Reader:
    """Turns the records of one batch into a SourceBatch, columnar when they allow it."""

    def __init__(self, source: DumpSource) -> None:
        self.source = source
        self.mappers: dict[tuple[str, ...], tuple[ColumnMap, TableMapper] | None] = {}

    def batch(self, records: list[tuple[int, Any]]) -> SourceBatch:
        """The SourceBatch of these (line number, raw row or reason) records."""
        at = [i for i, (_, row) in enumerate(records) if not isinstance(row, LineError)]
        if not at:
            return self.source.record_batch(records)
        keys = tuple(records[at[0]][1])
        if any(tuple(records[i][1]) != keys for i in at):  # rows of two tables or column lists
            return self.source.record_batch(records)
        mapper = self._mapper(keys)
        if mapper is None:
            return self.source.record_batch(records)
        columns, table_mapper = mapper
        try:
            table = pa.Table.from_pylist([records[i][1] for i in at])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):  # mixed types, huge integers
            return self.source.record_batch(records)
        if not table_mapper.mappable(table, self.source.mapping):
            return self.source.record_batch(records)
        table = without_none_like(table, columns)
        # Many tuples share a line: TableMapper orders by what it is given, so it gets each record's position.
        extra = [(i, row) for i, (_, row) in enumerate(records) if isinstance(row, LineError)]
        batch = table_mapper.map(table, np.asarray(at, dtype=np.int64), self.source.origin, extra)
        batch.rejects = [Reject(r.origin, records[r.line][0], r.reason) for r in batch.rejects]
        return batch

    def _mapper(self, keys: tuple[str, ...]) -> tuple[ColumnMap, TableMapper] | None:
        """The column map and TableMapper of rows with these keys, or None when the row path reports an error."""
        if keys not in self.mappers:
            try:
                columns = ColumnMap.resolve(keys, self.source.mapping)
                self.mappers[keys] = columns, TableMapper(columns, self.source.rules, self.source.row_mapper(columns))
            except SourceError:  # no name column or a bad --map: the row path reports it at the row, as always
                self.mappers[keys] = None
        return self.mappers[keys]
