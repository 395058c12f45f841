"""The Source interface: anything that yields batches of announcements and nuke events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pyarrow as pa

from scenewatch.records import Announcement, NukeEvent, Reject


class SourceError(Exception):
    """An input cannot be read at all (missing file, unknown format); the message is one line."""


class InputError(SourceError):
    """One input cannot be read (further): corrupt or truncated compression, binary data, no permission.

    The other inputs of the same ingest still can be: the ingest reports this one, keeps what it read of it and
    goes on with the rest (a plain SourceError, such as a bad ``--map`` or a missing file, stops the ingest).
    """


@dataclass(slots=True)
class SourceBatch:
    """A slice of one input: what it announced, what it could not read, and how far it got.

    ``records_done`` counts every input record consumed so far (rejects included), so a restart
    can resume after the last committed batch. A columnar source gives its announcements as ``table``
    (``scenewatch.columnar.ANNOUNCEMENT_SCHEMA``, in input order) instead of as records; ``carried_nukes``
    then says how many of ``nukes`` came with an announcement rather than as records of their own.
    """

    announcements: list[Announcement] = field(default_factory=list)
    nukes: list[NukeEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    records_done: int = 0
    table: pa.Table | None = None
    carried_nukes: int = 0

    def announced(self) -> int:
        """How many announcements the batch holds."""
        return self.table.num_rows if self.table is not None else len(self.announcements)

    def standalone_nukes(self) -> int:
        """How many nuke events were records of their own (not carried by an announcement)."""
        if self.table is not None:
            return len(self.nukes) - self.carried_nukes
        return len(self.nukes) - sum(1 for a in self.announcements if a.nuke is not None)


@runtime_checkable
class Source(Protocol):
    """One method: stream batches, starting after ``skip`` records already committed."""

    origin: str

    def batches(self, skip: int = 0, batch_size: int = 50_000) -> Iterator[SourceBatch]:
        """Yield batches in input order, each ending on a record boundary."""
        ...
