"""Typed records that flow between the stages: sources → store → analysis.

They depend on nothing else in scenewatch, so every stage may use them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = ["Announcement", "Event", "Gap", "NukeAction", "NukeEvent", "Reject", "RetailDate", "Sighting"]


class NukeAction(enum.StrEnum):
    """What a nuke-type announcement did to a release."""

    NUKE = "nuke"
    UNNUKE = "unnuke"
    MODNUKE = "modnuke"
    DELPRE = "delpre"
    UNDELPRE = "undelpre"


@dataclass(frozen=True, slots=True)
class Announcement:
    """One sighting of a release as a feed announced it (before deduplication).

    ``pre_at`` is timezone-aware UTC, or None when the feed gave no usable time.
    ``time_trusted`` says whether ``pre_at`` may be taken as the pre time (srrDB add times are not).
    ``scene`` is False for feeds known to list non-scene (P2P) releases.
    """

    name: str
    pre_at: datetime | None
    section: str | None = None
    group: str | None = None
    size_mb: float | None = None
    files: int | None = None
    feed: str | None = None
    time_trusted: bool = True
    scene: bool = True
    nuke: NukeEvent | None = None


@dataclass(frozen=True, slots=True)
class NukeEvent:
    """A nuke, unnuke, modnuke, delpre or undelpre of a release, kept as history."""

    name: str
    action: NukeAction
    reason: str | None = None
    network: str | None = None
    at: datetime | None = None
    feed: str | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where and when a release was seen: one feed, one time."""

    name: str
    feed: str | None
    seen_at: datetime | None
    source_file: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """A period during which a source was not listening (an outage, not a lull in releases)."""

    source: str
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """A real-world event, such as a raid, that analyses measure against."""

    name: str
    day: date
    description: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RetailDate:
    """When a title came out outside the scene, as a provider lists it: one date of one type in one country.

    ``date_type`` is the provider's kind of date without the country (xREL: cine, retail, rental, hd, web, r5);
    ``country`` is a lower-case code, or ``""`` when the date has none.
    """

    provider: str
    ext_id: str
    kind: str
    title: str
    date_type: str
    country: str
    day: date


@dataclass(frozen=True, slots=True)
class Reject:
    """An input record that could not be read: where it was and why."""

    origin: str
    line: int
    reason: str

    def __str__(self) -> str:
        """Render as the one-line error users see: ``file:line: reason``."""
        return f"{self.origin}:{self.line}: {self.reason}"
