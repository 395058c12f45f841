"""Streaming exports: a DuckDB result read in Arrow batches, encoded as CSV, NDJSON or Parquet in constant memory."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BATCH_ROWS = 20_000

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


class _Drain(io.RawIOBase):
    """A write-only file that hands its bytes out as they are written (position kept for Parquet's footer)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


def _csv_batches(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    first = True
    for batch in reader:
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, write_options=pacsv.WriteOptions(include_header=first))
        first = False
        yield buffer.getvalue()
    if first:  # no rows at all: still a header
        buffer = io.BytesIO()
        pacsv.write_csv(reader.schema.empty_table(), buffer)
        yield buffer.getvalue()


def _ndjson_batches(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    for batch in reader:
        yield b"".join(orjson.dumps(row) + b"\n" for row in batch.to_pylist())


def _parquet_batches(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    drain = _Drain()
    with pq.ParquetWriter(drain, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            chunk = drain.take()
            if chunk:
                yield chunk
    yield drain.take()


ENCODERS: dict[str, Callable[[pa.RecordBatchReader], Iterator[bytes]]] = {
    "csv": _csv_batches,
    "ndjson": _ndjson_batches,
    "parquet": _parquet_batches,
}


def stream_query(con: Any, sql: str, params: list[Any], fmt: str, on_close: Callable[[], None]) -> Iterator[bytes]:
    """Run ``sql`` on ``con`` and yield the encoded result batch by batch; ``on_close`` runs at the end."""
    try:
        reader = con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
        yield from ENCODERS[fmt](reader)
    finally:
        on_close()
