"""A batch prepared without its origins (what a parse worker is sent), given them back: the batch prepared whole."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from scenewatch.columnar import announcement_table
from scenewatch.ingest import prepare_announcements
from scenewatch.records import Announcement
from scenewatch.store import batch as store_batch

START = datetime(2021, 3, 1, tzinfo=UTC)


def _files(seed: int, repeat_sightings: bool) -> pa.Table:
    """Three files' announcements, as the writer queues them (one table a file): releases repeated across files,
    with the same sighting (release, feed, time) in two files when ``repeat_sightings``."""
    rng = random.Random(seed)
    tables = []
    for file in range(3):
        rows = []
        for _ in range(400):
            number = rng.randrange(600)
            at = START + timedelta(minutes=number if repeat_sightings else rng.randrange(10**6))
            rows.append(
                Announcement(
                    f"Title.{number}.2021.1080p.WEB.H264-GRP{number % 5}", at,
                    section=rng.choice([None, "X264", "TV"]), feed=rng.choice(["a", "b"]),
                )
            )  # fmt: skip
        tables.append(announcement_table(rows, f"/dumps/file-{file}.csv.gz"))
    return pa.concat_tables(tables)


@pytest.mark.parametrize("repeat_sightings", [False, True])
def test_origins_put_back_give_the_batch_prepared_whole(repeat_sightings: bool) -> None:
    table = _files(7, repeat_sightings)
    whole = prepare_announcements(table)
    sent = store_batch.without_origins(table)
    assert "origin" not in sent.column_names
    back = prepare_announcements(sent)
    assert store_batch.ORIGIN_ROW in back.sightings.column_names
    restored = store_batch.with_origins(back, table.column("origin"))
    if repeat_sightings:  # the same sighting in two files: the first file's row is kept
        assert restored.sightings.num_rows < table.num_rows
    assert restored.sightings.combine_chunks().equals(whole.sightings.combine_chunks())
    assert restored.releases.equals(whole.releases)
    assert restored.announcements == whole.announcements
    # Each file's origin is on the sightings it read, not only somewhere in the batch.
    assert len(set(restored.sightings.column("origin").to_pylist())) == 3


def test_a_batch_prepared_with_its_origins_is_left_as_it_is() -> None:
    table = _files(3, False)
    prepared = prepare_announcements(table)
    assert store_batch.with_origins(prepared, table.column("origin")) is prepared
