"""Which release ids the store may hold already: a Bloom filter, so that new releases are inserted without a look-up.

Why: in a large ingest almost every release is new, and finding stored ones is a join over every stored id (the
releases have no index on their id, schema 9: ~0.1 s at 30 million). Ids are MD5 halves, so uniform: an id's high
bits choose a 64-bit word of the filter and its two lowest 6-bit fields two bits in it (a blocked filter: one memory
access an id, where two bits anywhere cost two; filling it with 30 million ids takes 1.3 CPU-s instead of 2.6). A
release with either bit clear is certainly not stored and is inserted plainly; one with both set may be (when the
filter is full, 5.3% are false alarms) and is looked up. The filter is read from the store by its one writer and
updated by every write, so it cannot miss a stored id; whoever writes releases by hand-written SQL through the same
connection must drop it (``Database.forget_known_ids``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

# At least this many bits per stored release: two bits an id in its own 64-bit word.
_BITS_PER_ID = 8
_SMALLEST = 1 << 20
_SIX_BITS = np.uint64(63)
_ONE = np.uint64(1)
_CHUNK = 1 << 20


class KnownIds:
    """A blocked Bloom filter (two bits an id, in one 64-bit word) covering at least every release stored."""

    def __init__(self, capacity: int) -> None:
        bits = _SMALLEST
        while bits < _BITS_PER_ID * capacity:
            bits <<= 1
        self.capacity = bits // _BITS_PER_ID
        words = bits // 64
        self._shift = np.uint64(64 - (words.bit_length() - 1))  # the id's top log2(words) bits choose its word
        self._words = np.zeros(words, dtype=np.uint64)
        self.count = 0

    @classmethod
    def of_store(cls, con: duckdb.DuckDBPyConnection, expected: int = 0) -> KnownIds:
        """Read every stored release id, with room for ``expected`` more before it must be read again."""
        stored = int(con.execute("SELECT count(*) FROM releases").fetchall()[0][0])
        known = cls(2 * (stored + expected))
        reader = con.sql("SELECT id FROM releases").to_arrow_reader(1 << 20)
        for chunk in reader:
            known.add(chunk.column(0).to_numpy())
        return known

    def maybe(self, ids: np.ndarray) -> np.ndarray:
        """For each id: whether it may be stored (False: it certainly is not)."""
        ids = np.asarray(ids, dtype=np.uint64)
        bits = _bits(ids)
        return (self._words[ids >> self._shift] & bits) == bits

    def add(self, ids: np.ndarray | pa.Array) -> None:
        """Mark ids as stored."""
        ids = ids.to_numpy() if isinstance(ids, pa.Array) else np.asarray(ids, dtype=np.uint64)
        # A million at a time: the words and bits of 30M ids at once were ~1 GB of temporaries.
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            # ``at``: exact where one batch puts several ids into one word (a fancy-index OR would keep the last).
            np.bitwise_or.at(self._words, part >> self._shift, _bits(part))
        self.count += len(ids)


def _bits(ids: np.ndarray) -> np.ndarray:
    """Each id's two bits within its word: the bits its lowest two 6-bit fields number."""
    return (_ONE << (ids & _SIX_BITS)) | (_ONE << ((ids >> np.uint64(6)) & _SIX_BITS))
