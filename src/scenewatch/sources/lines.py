"""Opening dump files: compression detected from magic bytes, lines read with a length limit."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from scenewatch.sources.base import InputError, SourceError

MAX_LINE_BYTES = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class LineError(str):
    """A line that could not be decoded; the string is the reason."""


def open_binary(path: Path, chunk: int = 1 << 18) -> BinaryIO:
    """Open a plain, gzip or zstd file for reading decompressed bytes (``chunk``: compressed bytes decoded a read)."""
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    magic = raw.read(4)
    raw.seek(0)
    if magic.startswith(_GZIP_MAGIC):
        return _Decompressed(raw, lambda: zlib.decompressobj(wbits=31), chunk)  # type: ignore[return-value]
    if magic == _ZSTD_MAGIC:
        return _Decompressed(raw, lambda: zstandard.ZstdDecompressor().decompressobj(), chunk)  # type: ignore[return-value]
    return raw


class _Decompressed(io.RawIOBase):
    """The decompressed bytes of a gzip or zstd file (several members or frames one after the other).

    Why not ``gzip.GzipFile`` and zstandard's ``stream_reader``: at a truncated end the first loses the bytes it
    had decompressed in the same read, and the second ends quietly, as if the file were complete. Here every byte
    before the damage is handed out, then the next read raises (truncated: EOFError; corrupt: the codec's error).
    """

    def __init__(self, raw: BinaryIO, new: Callable[[], Any], chunk: int = 1 << 18) -> None:
        self._raw = raw
        self._chunk = chunk
        self._new = new
        self._codec = new()
        self._ready = memoryview(b"")
        self._error: Exception | None = None
        self._ended = False

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next decompressed bytes (0 at the end)."""
        while not self._ready:
            if self._error is not None:
                raise self._error
            if self._ended:
                return 0
            self._fill()
        count = min(len(buffer), len(self._ready))
        buffer[:count] = self._ready[:count]
        self._ready = self._ready[count:]
        return count

    def _fill(self) -> None:
        chunk = self._raw.read(self._chunk)
        if not chunk:
            self._ended = True
            if not self._codec.eof:
                self._error = EOFError("compressed file ended before the end-of-stream marker was reached")
            return
        try:
            out = self._codec.decompress(chunk)
            while self._codec.eof and self._codec.unused_data:  # the next member or frame
                rest = self._codec.unused_data
                self._codec = self._new()
                out += self._codec.decompress(rest)
        except (zlib.error, zstandard.ZstdError) as exc:
            self._error = OSError(f"corrupt compressed data: {exc}")
            out = b""
        self._ready = memoryview(out)

    def close(self) -> None:
        """Close the file."""
        self._raw.close()
        super().close()


def content_size(path: Path) -> int:
    """About how many bytes a file holds once decompressed (for sizing work, never for reading).

    A gzip file says it in its last four bytes (of its last member, modulo 4 GiB): taken when larger than the file.
    Other compressed files count as five times their size, plain files as they are.
    """
    size = path.stat().st_size
    try:
        with path.open("rb") as stream:
            magic = stream.read(4)
            if magic.startswith(_GZIP_MAGIC) and size >= 18:
                stream.seek(size - 4)
                return max(size, int.from_bytes(stream.read(4), "little"))
    except OSError:
        return size
    return size * 5 if magic == _ZSTD_MAGIC else size


def head(path: Path, size: int = 65536) -> bytes:
    """The first decompressed bytes of a file, for format sniffing."""
    # Small compressed reads: a whole real dump (~70 kB of gzip) decoded to sniff its first 64 KiB took 0.8 ms, 0.6 s
    # for the 754 files of the real slice before the first batch could be read.
    parts: list[bytes] = []
    with open_binary(path, chunk=1 << 14) as stream:
        wanted = size
        try:
            while wanted > 0 and (part := stream.read(wanted)):
                parts.append(part)
                wanted -= len(part)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            if not parts:  # damage further on is the reader's to report, line by line, as before
                raise InputError(f"{path}: cannot decompress: {exc}") from None
    return b"".join(parts)


def read_lines(path: Path, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str | LineError]]:
    """Yield ``(line_number, text)``; a line that is too long or not UTF-8 comes as a LineError."""
    for number, line in read_raw_lines(path, max_bytes):
        yield number, decode_line(line)


def read_raw_lines(path: Path, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | LineError]]:
    """Yield ``(line_number, bytes)`` with the line ending kept; a line that is too long comes as a LineError."""
    with RawLines(path, max_bytes) as lines:
        number = 0
        while chunk := lines.take(4096):
            for line in chunk:
                number += 1
                yield number, line
        lines.raise_error()


class RawLines:
    """A file's lines as raw bytes (line endings kept), many at a time; a line that is too long is a LineError.

    Taking lines by the thousand costs a fifth of a generator's per-line overhead; memory stays bounded by
    ``max_bytes`` a line, as the row path's. When the file cannot be decompressed further (a truncated ``.gz``),
    the lines read before are handed out first, then ``take`` returns nothing, as at the end of the file, and
    :meth:`raise_error` raises the :class:`InputError`: a reader yields what it read, then raises.
    """

    def __init__(self, path: Path, max_bytes: int = MAX_LINE_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.lines = 0
        self.too_long = 0  # LineErrors handed out so far
        self.error: InputError | None = None  # why the file could not be read to its end
        self._raw = open_binary(path)
        raw = self._raw
        self._stream = io.BufferedReader(raw, buffer_size=1 << 20) if not isinstance(raw, io.BufferedReader) else raw

    def take(self, count: int) -> list[bytes | LineError]:
        """The next ``count`` lines, fewer at the end of the file."""
        out: list[bytes | LineError] = []
        if self.error is not None:
            return out
        append = out.append
        readline = self._stream.readline
        limit = self.max_bytes + 1
        try:
            for _ in range(count):
                line = readline(limit)
                if not line:
                    break
                if len(line) > self.max_bytes and line[-1] != 0x0A:
                    append(self._skip_long(line))
                else:
                    append(line)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            read = self.lines + len(out)
            where = f" after line {read:,}" if read else ""
            self.error = InputError(f"{self.path}: cannot decompress{where}: {exc}")
        self.lines += len(out)
        return out

    def raise_error(self) -> None:
        """Raise the InputError that ended the file early, if one did."""
        if self.error is not None:
            raise self.error

    def _skip_long(self, line: bytes) -> LineError:
        skipped = len(line)
        while line and not line.endswith(b"\n"):
            line = self._stream.readline(self.max_bytes)
            skipped += len(line)
        self.too_long += 1
        return LineError(f"line too long ({skipped:,} bytes; limit {self.max_bytes:,})")

    def close(self) -> None:
        """Close the file."""
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> RawLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode_line(line: bytes | LineError) -> str | LineError:
    """A raw line as text without its line ending, or a LineError when it is not UTF-8 (or was one already)."""
    if isinstance(line, LineError):
        return line
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(f"invalid UTF-8 at byte {exc.start}")
    return text.rstrip("\r\n")
