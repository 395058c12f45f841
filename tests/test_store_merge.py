"""Releases seen again are merged by updating only the rows the merge changes (store.apply._merge); the result is
the one replacing every row seen again by its merged row (the same rules, batch.MERGED_COLUMNS) gives, batch for
batch."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from scenewatch.ingest import write_batch
from scenewatch.records import Announcement
from scenewatch.store import Database, batch, rollup
from scenewatch.store import apply as store_apply
from tests.test_store_rollup import assert_rollup_exact

NAMES = ["Merge.Movie.{n}.2020.1080p.BluRay.x264-SPARKS", "Merge.Show.{n}.S01E02.720p.WEB.h264-GECKOS"]


def sightings(rng: random.Random, count: int) -> list[Announcement]:
    """Announcements of a few names whose fields come and go: earlier and later times, missing sections and sizes."""
    start = datetime(2020, 8, 1, tzinfo=UTC)
    return [
        Announcement(
            name=rng.choice(NAMES).format(n=rng.randrange(60)),
            pre_at=None if rng.random() < 0.1 else start + timedelta(seconds=rng.randrange(40 * 86400)),
            section=rng.choice(["X264-HD", "TV-X265", None, None]),
            size_mb=rng.choice([None, 700.5, 1400.0]),
            files=rng.choice([None, 12, 30]),
            time_trusted=rng.random() > 0.2,
            scene=rng.random() > 0.2,
            feed=rng.choice(["a", "b"]),
        )
        for _ in range(count)
    ]


def counted(con: duckdb.DuckDBPyConnection, ids: list[int]) -> Counter[tuple[Any, str, str]]:
    """How many of these releases each roll-up row counts now (the former merge read it before and after)."""
    con.register("rollup_ids", pa.table({"id": pa.array(ids, pa.uint64())}))
    try:
        return Counter(con.execute(
            "SELECT CAST(pre_at AS DATE), coalesce(category, ''), coalesce(section, '') FROM releases "
            f"SEMI JOIN rollup_ids USING (id) WHERE {rollup.COUNTED}"
        ).fetchall())  # fmt: skip
    finally:
        con.unregister("rollup_ids")


def replacing_merge(con: duckdb.DuckDBPyConnection, merged: pa.Table) -> None:
    """Every stored row seen again deleted and stored again with its merged values (roll-up compared around it)."""
    ids = merged.column("id").to_pylist()
    before = counted(con, ids)
    con.register("merged", merged)
    rules = ", ".join(f"{rule.format(old='releases', new='merged')} AS {column}"
                      for column, rule in batch.MERGED_COLUMNS.items())  # fmt: skip
    con.execute(
        f"CREATE TEMP TABLE replaced AS SELECT releases.* REPLACE ({rules}) FROM releases JOIN merged USING (id)"
    ).fetchall()
    con.execute("DELETE FROM releases WHERE id IN (SELECT id FROM merged)").fetchall()
    con.execute("INSERT INTO releases SELECT * FROM replaced").fetchall()
    con.execute("DROP TABLE replaced").fetchall()
    con.unregister("merged")
    after = counted(con, ids)
    after.subtract(before)
    rollup.apply(con, after)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merge_by_update_matches_replacing_the_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    batches = [sightings(rng, rng.choice([1, 5, 40, 120])) for _ in range(25)]
    with Database(tmp_path / "update.duckdb") as db:
        for announcements in batches:
            write_batch(db, announcements, [], origin="feed")
        assert_rollup_exact(db)
        by_update = db.query("SELECT * FROM releases ORDER BY id")
    monkeypatch.setattr(store_apply, "_merge", replacing_merge)
    with Database(tmp_path / "replacing.duckdb") as db:
        for announcements in batches:
            write_batch(db, announcements, [], origin="feed")
        by_replacing = db.query("SELECT * FROM releases ORDER BY id")
    assert len(by_update) < sum(map(len, batches))  # names were seen again
    pd.testing.assert_frame_equal(by_update, by_replacing)


def test_merge_fills_and_narrows_fields(tmp_path: Path) -> None:
    name = "Merge.Case.2020.1080p.WEB.h264-GECKOS"
    late = datetime(2020, 8, 26, 12, tzinfo=UTC)
    with Database(tmp_path / "case.duckdb") as db:
        write_batch(db, [Announcement(name=name, pre_at=late, scene=False)], [], origin="a")
        again = Announcement(
            name=name, pre_at=late - timedelta(days=2), section="X264-HD", size_mb=1400.0, files=30, scene=True
        )
        write_batch(db, [again], [], origin="b")
        row = db.query("SELECT pre_at, section, size_mb, files, scene FROM releases").iloc[0]
        assert (row["section"], row["size_mb"], row["files"], bool(row["scene"])) == ("X264-HD", 1400.0, 30, True)
        assert row["pre_at"].to_pydatetime().replace(tzinfo=UTC) == late - timedelta(days=2)
        assert_rollup_exact(db)
        # Seen once more with other values: the stored ones stay (earliest time, first section and size).
        write_batch(db, [Announcement(name=name, pre_at=late, section="TV-X265", size_mb=9.0)], [], origin="c")
        assert db.query("SELECT section, size_mb FROM releases").iloc[0].tolist() == ["X264-HD", 1400.0]
        assert_rollup_exact(db)
