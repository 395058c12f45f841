"""Bulk dump files as a Source: format detection, column mapping, batching, resumable."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from scenewatch.records import Announcement, NukeEvent, Reject
from scenewatch.sources import csv_columnar, ndjson_columnar, nzedb_columnar, sql_columnar
from scenewatch.sources.base import InputError, SourceBatch, SourceError
from scenewatch.sources.columns import ColumnMap, RowMapper
from scenewatch.sources.formats import COMPRESSION_SUFFIXES, EXTENSIONS, FORMATS, SNIFF_ORDER
from scenewatch.sources.lines import LineError, head, read_lines
from scenewatch.sources.rules import IngestRules, load_rules

# Files in a dump folder that are never data.
_NOT_DATA_SUFFIXES = {".txt", ".md", ".nfo", ".json5", ".toml", ".py", ".sh"}


def detect_format(path: Path) -> str:
    """Decide a file's format from its content, then its extension."""
    sample = head(path)
    if not sample.strip():
        return _format_from_extension(path) or "ndjson"
    if b"\x00" in sample[:4096] or _mostly_binary(sample[:4096]):
        raise InputError(f"{path}: unknown format (binary data, not a text dump); use --format")
    text = sample.decode("utf-8", errors="replace")
    for name in SNIFF_ORDER[:-1]:
        if FORMATS[name].sniff(text):
            return name
    by_extension = _format_from_extension(path)
    if by_extension:
        return by_extension
    if FORMATS["csv"].sniff(text):
        return "csv"
    raise InputError(f"{path}: unknown format (not CSV, NDJSON, SQL or nZEDb); use --format")


def _mostly_binary(sample: bytes) -> bool:
    text = sample.decode("utf-8", errors="replace")
    return text.count("\ufffd") > max(8, len(text) // 20)


def _format_from_extension(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes.pop()
    return EXTENSIONS.get(suffixes[-1]) if suffixes else None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named directly, and the data files inside named folders (sorted by name)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".") and _is_data_name(p)
            )
            if not inside:
                raise SourceError(f"{path}: folder holds no data files")
            files.extend(inside)
        elif path.exists():
            files.append(path)
        else:
            raise SourceError(f"{path}: no such file or folder")
    return files


def _is_data_name(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes.pop()
    return (not suffixes or suffixes[-1] not in _NOT_DATA_SUFFIXES) and path.name.upper() not in {
        "LICENSE", "README", "COPYING",
    }  # fmt: skip


def fingerprint(path: Path) -> str:
    """Identity of a file's content for resuming: size plus a hash of its first and last 64 KiB."""
    size = path.stat().st_size
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as stream:
        digest.update(stream.read(65536))
        if size > 65536:
            stream.seek(max(65536, size - 65536))
            digest.update(stream.read(65536))
    return f"{size}:{digest.hexdigest()}"


class DumpSource:
    """One dump file read as batches of announcements and nuke events."""

    def __init__(
        self,
        path: Path,
        *,
        fmt: str | None = None,
        mapping: Mapping[str, str] | None = None,
        rules_file: Path | None = None,
        timezone: str | None = None,
        rules: IngestRules | None = None,
        columnar: bool | None = None,
    ) -> None:
        self.path = path
        self.origin = str(path)
        if fmt is not None and fmt not in FORMATS:
            raise SourceError(f"--format: unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
        self.format = fmt or detect_format(path)
        self.rules = rules or load_rules(self.format, rules_file, timezone)
        self.mapping = dict(mapping or {})
        self._module = FORMATS[self.format]
        self._fixed = getattr(self._module, "COLUMN_MAP", None)
        self._mappers: dict[tuple[str, ...], RowMapper] = {}
        # SCENEWATCH_COLUMNAR=0 reads every format row by row (the reference the columnar readers are tested against).
        if columnar is None:
            columnar = os.environ.get("SCENEWATCH_COLUMNAR", "1") != "0"
        self.columnar = columnar and self.format in _COLUMNAR

    def fingerprint(self) -> str:
        """Identity of this file's content."""
        return fingerprint(self.path)

    def _mapper(self, row: Mapping[str, Any]) -> RowMapper:
        keys = tuple(row)
        mapper = self._mappers.get(keys)
        if mapper is None:
            if self._fixed is not None:
                columns = ColumnMap({**self._fixed, **self.mapping})
            else:
                columns = ColumnMap.resolve(keys, self.mapping)
            mapper = self.row_mapper(columns)
            self._mappers[keys] = mapper
        return mapper

    def row_mapper(self, columns: ColumnMap) -> RowMapper:
        """The RowMapper of this input for a column map (raises SourceError naming the input when it has no name)."""
        try:
            return RowMapper(columns, self.rules)
        except SourceError as exc:
            raise SourceError(f"{self.origin}: {exc}") from None

    def batches(self, skip: int = 0, batch_size: int = 50_000) -> Iterator[SourceBatch]:
        """Yield batches of up to ``batch_size`` records, skipping the first ``skip`` records."""
        if self.columnar:
            yield from _COLUMNAR[self.format](self, skip, batch_size)
            return
        max_bytes = getattr(self._module, "MAX_LINE_BYTES", None)
        lines = read_lines(self.path, max_bytes) if max_bytes else read_lines(self.path)
        batch = SourceBatch(records_done=skip)
        done = 0
        size = 0
        failure: InputError | None = None
        try:
            for number, row in self._module.records(lines, self.origin):
                done += 1
                if done <= skip:
                    continue
                size += 1
                self._add(batch, number, row)
                if size >= batch_size:
                    batch.records_done = done
                    yield batch
                    batch = SourceBatch(records_done=done)
                    size = 0
        except InputError as exc:  # the file ends early: what was read before lands, then the error is reported
            failure = exc
        batch.records_done = max(done, skip)
        yield batch
        if failure is not None:
            raise failure

    def row_batch(self, lines: Iterable[tuple[int, str | LineError]]) -> SourceBatch:
        """Map every record of these lines the row-by-row way (the columnar readers' fallback)."""
        return self.record_batch(self._module.records(iter(lines), self.origin))

    def record_batch(self, records: Iterable[tuple[int, dict[str, Any] | LineError]]) -> SourceBatch:
        """Map these (line number, raw row or reason) records the row-by-row way."""
        batch = SourceBatch()
        for number, row in records:
            self._add(batch, number, row)
        return batch

    def _add(self, batch: SourceBatch, number: int, row: dict[str, Any] | LineError) -> None:
        if isinstance(row, LineError):
            batch.rejects.append(Reject(self.origin, number, str(row)))
            return
        try:
            record = self._mapper(row).map(row)
        except ValueError as exc:
            batch.rejects.append(Reject(self.origin, number, str(exc)))
            return
        if isinstance(record, NukeEvent):
            batch.nukes.append(record)
        else:
            batch.announcements.append(record)
            if record.nuke is not None:
                batch.nukes.append(record.nuke)


# Formats that can also be read a batch at a time as columns (same records, same rejects, faster).
_COLUMNAR = {"ndjson": ndjson_columnar.batches, "nzedb": nzedb_columnar.batches, "csv": csv_columnar.batches,
            "sql": sql_columnar.batches}

__all__ = ["Announcement", "DumpSource", "detect_format", "expand_paths", "fingerprint"]
