"""store.lookup: a hash join of the ids asked for against the stored ones, finding exactly the stored ones."""

from __future__ import annotations

import numpy as np

from scenewatch.store import Database
from scenewatch.store.lookup import stored_ids


def test_stored_ids_finds_exactly_the_stored_ones() -> None:
    rng = np.random.default_rng(11)
    stored = np.unique(rng.integers(0, 2**64 - 1, 1500, dtype=np.uint64))  # ids above 2**63 included
    with Database() as db:
        db.con.execute("INSERT INTO releases (id, name, scene) SELECT unnest(?::UBIGINT[]), 'x', true",
                       [stored.tolist()])  # fmt: skip
        others = rng.integers(0, 2**64 - 1, 1000, dtype=np.uint64)
        asked = np.concatenate([stored[::2], others, stored[-1:], stored[:1]])  # some asked twice
        found = stored_ids(db.con, asked)
        assert sorted(found.tolist()) == sorted({*stored[::2].tolist(), int(stored[-1])})
        assert stored_ids(db.con, np.zeros(0, dtype=np.uint64)).size == 0
