"""Minimal first parser: group after the last dash, category from the section hint.

The full parser replaces the internals; the interface (ParsedName, parse, parse_many,
parse_columns, STORE_COLUMNS) is what the rest of scenewatch relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# Columns the store keeps for every release, in this order, with their Arrow-friendly Python types.
STORE_COLUMNS: dict[str, str] = {
    "title": "str",
    "year": "int",
    "season": "int",
    "episode": "int",
    "air_date": "date",
    "resolution": "str",
    "source": "str",
    "video_codec": "str",
    "audio_codec": "str",
    "language": "list[str]",
    "group": "str",
    "category": "str",
    "flags": "list[str]",
    "service": "str",
    "platform": "str",
    "version": "str",
}

_SECTION_PREFIX_CATEGORY = (
    ("TV", "tv"),
    ("ANIME", "anime"),
    ("SPORT", "sports"),
    ("GAME", "game"),
    ("NSW", "game"),
    ("PS", "game"),
    ("XBOX", "game"),
    ("0DAY", "software"),
    ("APP", "software"),
    ("MP3", "music"),
    ("FLAC", "music"),
    ("MVID", "musicvideo"),
    ("MDVDR", "musicvideo"),
    ("EBOOK", "ebook"),
    ("ABOOK", "audiobook"),
    ("AUDIOBOOK", "audiobook"),
    ("XXX", "xxx"),
    ("X264", "movie"),
    ("X265", "movie"),
    ("MOVIE", "movie"),
    ("BLURAY", "movie"),
    ("DVDR", "movie"),
    ("XVID", "movie"),
)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """Structured fields of one release name."""

    name: str
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    air_date: str | None = None
    resolution: str | None = None
    source: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    language: tuple[str, ...] = field(default_factory=tuple)
    group: str | None = None
    category: str | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)
    service: str | None = None
    platform: str | None = None
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Answer in the common vocabulary, leaving out empty fields."""
        return {k: v for k, v in asdict(self).items() if v not in (None, (), "") and k != "name"}


def _category_from_section(section: str | None) -> str | None:
    if not section:
        return None
    upper = section.upper()
    for prefix, category in _SECTION_PREFIX_CATEGORY:
        if upper.startswith(prefix):
            return category
    return None


def parse(name: str, section: str | None = None) -> ParsedName:
    """Parse one release name, with the announced section as an optional hint."""
    stem, dash, group = name.rpartition("-")
    if not dash or not group or any(c in group for c in ". "):
        stem, group = name, ""
    title = stem.replace(".", " ").replace("_", " ").strip() or None
    return ParsedName(
        name=name, title=title, group=group or None, category=_category_from_section(section)
    )


def parse_dict(name: str) -> dict[str, Any]:
    """``parse(name).to_dict()``, for tools that want plain dictionaries."""
    return parse(name).to_dict()


def parse_many(names: Sequence[str], sections: Sequence[str | None] | None = None) -> list[ParsedName]:
    """Parse a batch of names (sections aligned with names, or None)."""
    if sections is None:
        return [parse(n) for n in names]
    return [parse(n, s) for n, s in zip(names, sections, strict=True)]


def parse_columns(
    names: Sequence[str], sections: Sequence[str | None] | None = None
) -> dict[str, list[Any]]:
    """Parse a batch into columns keyed by ``STORE_COLUMNS`` (the shape the store inserts)."""
    parsed = parse_many(names, sections)
    columns: dict[str, list[Any]] = {key: [] for key in STORE_COLUMNS}
    for p in parsed:
        for key, kind in STORE_COLUMNS.items():
            value = getattr(p, key)
            columns[key].append(list(value) if kind.startswith("list") else value)
    return columns
