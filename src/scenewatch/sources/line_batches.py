"""A line-per-record dump read a batch of records at a time, as the row path counts them, then as Arrow strings.

The row path (``DumpSource.batches``) counts every line as a record except blank ones, a line it cannot decode
included, and cuts a batch every ``batch_size`` records after the ``skip`` already committed. The columnar readers
of nZEDb and CSV dumps cut the same batches, so that a batch's ``records_done`` means the same either way and an
ingest begun one way resumes the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.sources.lines import LineError, RawLines, decode_line

_VISIBLE = (0x21, 0x7E)  # a line with a printable ASCII character other than space is not blank


@dataclass(slots=True)
class LineBatch:
    """The lines of one batch: raw (line endings kept; a LineError for a line too long), numbered from ``first``."""

    first: int
    lines: list[bytes | LineError]
    records_done: int

    def numbers(self) -> np.ndarray:
        """The line number of each line."""
        return np.arange(self.first, self.first + len(self.lines), dtype=np.int64)


def line_batches(raw: RawLines, skip: int, batch_size: int) -> Iterator[LineBatch]:
    """The batches of the lines left in ``raw`` after its first ``skip`` records (see the module's docstring).

    Raises the InputError of a file that ends early after the batch holding what was read before it.
    """
    done = 0
    while done < skip:  # a line is at most one record, so taking what is left never goes past ``skip``
        lines = raw.take(min(skip - done, 1 << 16))
        if not lines:
            break
        done += count_records(lines)
    while True:
        first = raw.lines + 1
        lines: list[bytes | LineError] = []
        records = 0
        while records < batch_size:
            taken = raw.take(batch_size - records)
            if not taken:
                break
            lines += taken
            records += count_records(taken)
        done += records
        yield LineBatch(first, lines, max(done, skip))
        if records < batch_size:
            raw.raise_error()
            return


def count_records(lines: list[bytes | LineError]) -> int:
    """How many of these lines the row path counts as records (all but blank lines)."""
    if not lines:
        return 0
    if any(isinstance(line, LineError) for line in lines):
        return sum(is_record(line) for line in lines)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    text = np.frombuffer(b"".join(lines), dtype=np.uint8)  # type: ignore[arg-type]
    visible = ((text >= _VISIBLE[0]) & (text <= _VISIBLE[1])).astype(np.int32)
    starts = np.cumsum(lengths) - lengths
    seen = np.add.reduceat(visible, starts) > 0  # every line holds at least its line ending, so no start repeats
    unsure = np.flatnonzero(~seen)
    return int(seen.sum()) + sum(is_record(lines[i]) for i in unsure.tolist())


def is_record(line: bytes | LineError) -> bool:
    """Whether the row path counts this line as a record (everything but blank lines)."""
    text = decode_line(line)
    return isinstance(text, LineError) or bool(text.strip())


def text_lines(lines: list[bytes | LineError], wanted: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The ``wanted`` lines (indices) that are UTF-8 as an Arrow string array without their line endings, and
    which of the wanted they are (the others, too long or not UTF-8, are for the row path)."""
    picked = [lines[i] for i in wanted.tolist()]
    ok = np.fromiter((isinstance(line, bytes) for line in picked), dtype=bool, count=len(picked))
    if ok.all():
        data = b"".join(picked)  # type: ignore[arg-type]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            ok = np.fromiter((_is_utf8(line) for line in picked), dtype=bool, count=len(picked))
    if not ok.all():
        picked = [line for line, good in zip(picked, ok.tolist(), strict=True) if good]
        data = b"".join(picked)  # type: ignore[arg-type]
    lengths = np.fromiter(map(len, picked), dtype=np.int32, count=len(picked))
    offsets = np.zeros(len(picked) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.StringArray.from_buffers(len(picked), pa.py_buffer(offsets), pa.py_buffer(data))
    return pc.utf8_rtrim(array, characters="\r\n"), ok


def _is_utf8(line: bytes | LineError) -> bool:
    if not isinstance(line, bytes):
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
