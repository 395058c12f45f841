"""Dump formats, one module each; this table says which exist and how to recognise them."""

from __future__ import annotations

from types import ModuleType

from scenewatch.sources.formats import csv_format, ndjson, nzedb, sql

FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (nzedb, ndjson, sql, csv_format)}
# Content is sniffed in this order; csv last because almost any text could be CSV.
SNIFF_ORDER = ("nzedb", "ndjson", "sql", "csv")
EXTENSIONS: dict[str, str] = {
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
    ".sql": "sql",
    ".csv": "csv",
    ".tsv": "csv",
}
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")

__all__ = ["COMPRESSION_SUFFIXES", "EXTENSIONS", "FORMATS", "SNIFF_ORDER"]
