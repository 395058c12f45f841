"""The parse workers' memory: what keeps an ingest's process tree under issue #21's 1.5 GiB."""

from __future__ import annotations

import pyarrow as pa

from scenewatch.names import _tokens, parse_columns
from scenewatch.parse_pool import parser_pool


def _allocator() -> str:
    return str(pa.default_memory_pool().backend_name)


def test_a_worker_keeps_arrow_on_the_c_heap() -> None:
    pool = parser_pool(1)
    assert pool is not None
    with pool:
        assert pool.submit(_allocator).result(timeout=120) == "system"


def test_the_token_cache_stays_bounded() -> None:
    limit = _tokens._CACHE_MAX
    names = [f"Title{k}.Word{k}.2019.1080p.WEB.x264-GRP{k}" for k in range(limit // 2 + 10)]
    parse_columns(names)  # three new tokens a name: more than the cache holds
    assert 0 < len(_tokens._cache) <= limit
