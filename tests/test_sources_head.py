"""Format sniffing reads a compressed dump's first bytes only, and exactly as many as it asks for."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
import zstandard

from scenewatch.sources.base import InputError
from scenewatch.sources.lines import head


def _write(path: Path, data: bytes) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", [".gz", ".zst", ".csv"])
def test_head_gives_the_first_bytes_asked_for_however_the_file_compresses(tmp_path: Path, suffix: str) -> None:
    # Random bytes barely compress: a 16 KiB compressed read then yields far less than the 64 KiB asked for.
    data = os.urandom(200_000) + b"\n" + b"x" * 300_000
    path = _write(tmp_path / f"dump{suffix}", data)
    assert head(path) == data[:65536]
    assert head(path, 10) == data[:10]
    short = _write(tmp_path / f"short{suffix}", b"one line\n")
    assert head(short) == b"one line\n"


def test_head_of_a_truncated_file_keeps_what_it_could_decode(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(data)[:150_000])  # damage past the first 64 KiB is the reader's to report
    assert head(path) == data[:65536]
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(data)[:10] + b"\x00" * 100)
    with pytest.raises(InputError, match="cannot decompress"):
        head(broken)
