"""Records as Arrow columns: the shape a columnar source builds and the store reads.

Like :mod:`scenewatch.records` it depends on nothing else of scenewatch, so sources and the store may both use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from scenewatch.records import Announcement, NukeAction, NukeEvent

__all__ = [
    "ANNOUNCEMENT_SCHEMA",
    "NUKE_SCHEMA",
    "UTC_MICROS",
    "announcement_table",
    "announcements_of",
    "nuke_table",
    "nukes_of",
]

UTC_MICROS = pa.timestamp("us", tz="UTC")
# Announcements as columns, before their names are parsed: what announcement_table builds from records and a
# columnar source builds from its input directly. ``announced_group`` is the group the source gave, if any.
ANNOUNCEMENT_SCHEMA = pa.schema([
    ("name", pa.string()),
    ("seen_at", UTC_MICROS),
    ("time_trusted", pa.bool_()),
    ("scene", pa.bool_()),
    ("section", pa.string()),
    ("size_mb", pa.float64()),
    ("files", pa.int32()),
    ("feed", pa.string()),
    ("origin", pa.string()),
    ("announced_group", pa.string()),
])  # fmt: skip
NUKE_SCHEMA = pa.schema([
    ("key_name", pa.string()),
    ("name", pa.string()),
    ("action", pa.string()),
    ("reason", pa.string()),
    ("network", pa.string()),
    ("nuked_at", UTC_MICROS),
    ("feed", pa.string()),
])  # fmt: skip


def announcement_table(announcements: Sequence[Announcement], origin: str | Sequence[str | None] | None) -> pa.Table:
    """Announcements as columns (``ANNOUNCEMENT_SCHEMA``); ``origin`` is one value or one per announcement."""
    count = len(announcements)
    return pa.table(
        {
            "name": pa.array([a.name for a in announcements], pa.string()),
            "seen_at": pa.array([a.pre_at for a in announcements], UTC_MICROS),
            "time_trusted": pa.array([a.time_trusted for a in announcements], pa.bool_()),
            "scene": pa.array([a.scene for a in announcements], pa.bool_()),
            "section": pa.array([a.section for a in announcements], pa.string()),
            "size_mb": pa.array([a.size_mb for a in announcements], pa.float64()),
            "files": pa.array([a.files for a in announcements], pa.int32()),
            "feed": pa.array([a.feed for a in announcements], pa.string()),
            "origin": (
                pa.repeat(pa.scalar(origin, pa.string()), count)
                if origin is None or isinstance(origin, str)
                else pa.array(origin, pa.string())
            ),
            "announced_group": pa.array([a.group for a in announcements], pa.string()),
        },
        schema=ANNOUNCEMENT_SCHEMA,
    )


def nuke_table(nukes: Sequence[NukeEvent]) -> pa.Table:
    """Nuke events as the columns the store's nuke insert reads."""
    return pa.table(
        {
            "key_name": pa.array([n.name.strip().lower() for n in nukes], pa.string()),
            "name": pa.array([n.name for n in nukes], pa.string()),
            "action": pa.array([n.action.value for n in nukes], pa.string()),
            "reason": pa.array([n.reason for n in nukes], pa.string()),
            "network": pa.array([n.network for n in nukes], pa.string()),
            "nuked_at": pa.array([n.at for n in nukes], UTC_MICROS),
            "feed": pa.array([n.feed for n in nukes], pa.string()),
        },
        schema=NUKE_SCHEMA,
    )


def announcements_of(table: pa.Table) -> list[Announcement]:
    """The records of an ``ANNOUNCEMENT_SCHEMA`` table (without the nukes they carried: those are separate)."""
    rows = table.to_pylist()
    return [
        Announcement(
            name=row["name"],
            pre_at=row["seen_at"],
            section=row["section"],
            group=row["announced_group"],
            size_mb=row["size_mb"],
            files=row["files"],
            feed=row["feed"],
            time_trusted=row["time_trusted"],
            scene=row["scene"],
        )
        for row in rows
    ]


def nukes_of(table: pa.Table) -> list[NukeEvent]:
    """The records of a ``NUKE_SCHEMA`` table."""
    return [
        NukeEvent(row["name"], NukeAction(row["action"]), row["reason"], row["network"], row["nuked_at"], row["feed"])
        for row in table.to_pylist()
    ]
