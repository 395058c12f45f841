"""store.lookup: ids as literal lists, a few hundred a statement, finding exactly the stored ones."""

from __future__ import annotations

import numpy as np

from scenewatch.store import Database
from scenewatch.store.lookup import PER_STATEMENT, id_lists, stored_ids


def test_ids_are_split_into_integer_lists() -> None:
    ids = list(range(2 * PER_STATEMENT + 3))
    lists = list(id_lists(np.array(ids, dtype=np.uint64)))
    assert len(lists) == 3
    assert [int(v) for part in lists for v in part.split(", ")] == ids
    assert list(id_lists([])) == []


def test_stored_ids_finds_the_stored_ones_across_statements() -> None:
    rng = np.random.default_rng(11)
    stored = np.unique(rng.integers(0, 2**64 - 1, 3 * PER_STATEMENT, dtype=np.uint64))
    with Database() as db:
        db.con.execute("INSERT INTO releases (id, name, scene) SELECT unnest(?::UBIGINT[]), 'x', true",
                       [stored.tolist()])  # fmt: skip
        others = rng.integers(0, 2**64 - 1, 2 * PER_STATEMENT, dtype=np.uint64)
        asked = np.concatenate([stored[::2], others, stored[-1:]])
        found = stored_ids(db.con, asked)
        assert sorted(found.tolist()) == sorted({*stored[::2].tolist(), int(stored[-1])})
        assert stored_ids(db.con, np.zeros(0, dtype=np.uint64)).size == 0
