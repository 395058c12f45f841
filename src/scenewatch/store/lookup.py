"""Finding stored releases by id through the primary-key index.

DuckDB looks an ``id IN (...)`` list up in the index only when the list holds constants: with bound parameters,
or more than about a thousand values, it scans the whole table (~200 ms at 30 million releases against ~4 ms for
500 ids). So the ids are written into the statement as integer literals, a few hundred at a time; they are
integers, so nothing user-supplied is spliced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import duckdb
import numpy as np

# Ids per statement: well under the list length at which DuckDB gives up the index (between 1,000 and 2,000).
PER_STATEMENT = 500


def id_lists(ids: Iterable[int]) -> Iterator[str]:
    """The ids as comma-separated integer literals, ``PER_STATEMENT`` at a time, for ``WHERE id IN (...)``."""
    listed = [str(int(i)) for i in ids]
    for start in range(0, len(listed), PER_STATEMENT):
        yield ", ".join(listed[start : start + PER_STATEMENT])


def stored_ids(con: duckdb.DuckDBPyConnection, ids: np.ndarray) -> np.ndarray:
    """Which of these release ids the store holds."""
    found = [
        np.asarray(con.execute(f"SELECT id FROM releases WHERE id IN ({listed})").fetchnumpy()["id"], np.uint64)
        for listed in id_lists(ids)
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
