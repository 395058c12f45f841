"""The public face of the parser: ``ParsedName`` and the ``parse*`` functions over ``_core``.

Design (for speed, >100k names/s): one ``re.split`` per name, one dict look-up per token (cached),
a handful of anchored regexes only for tokens the tables do not know (their verdict is cached too).
The interface (ParsedName, parse, parse_many, parse_columns, STORE_COLUMNS) is what the rest of
scenewatch relies on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, make_dataclass
from typing import Any

from scenewatch.names._core import (
    _core,
)
from scenewatch.names._fields import (
    _clean,
)
from scenewatch.names._prior import DEFAULT_PRIOR, GroupPrior
from scenewatch.names._tokens import (
    _REVISION_FLAGS,
    _section_category,
)

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


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, slots=True)
class ParsedName:
    """Structured fields of one release name (all optional except ``name``)."""

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
    language: tuple[str, ...] = ()
    group: str | None = None
    category: str | None = None
    flags: tuple[str, ...] = ()
    service: str | None = None
    platform: str | None = None
    version: str | None = None
    seasons: tuple[int, ...] = ()
    episodes: tuple[int, ...] = ()
    episode_title: str | None = None
    edition: tuple[str, ...] = ()
    hdr: tuple[str, ...] = ()
    audio_codecs: tuple[str, ...] = ()
    audio_channels: str | None = None
    source_detail: str | None = None
    artist: str | None = None
    album: str | None = None
    publisher: str | None = None
    format: str | None = None
    type: str | None = None
    subtitles: tuple[str, ...] = ()

    @property
    def proper(self) -> bool:
        """True when the release is a revision (PROPER, REPACK, RERIP, REAL, v2 ...)."""
        return any(f in _REVISION_FLAGS or f == "V2" for f in self.flags)

    def to_dict(self) -> dict[str, Any]:
        """Answer in the common vocabulary (``../shared/data/parser/README.md``), empty fields left out."""
        d: dict[str, Any] = {}
        for key, value in (
            ("title", self.title),
            ("year", self.year),
            ("season", _one_or_list(self.seasons)),
            ("episode", _one_or_list(self.episodes)),
            ("date", self.air_date),
            ("resolution", self.resolution),
            ("source", self.source),
            ("source_detail", self.source_detail),
            ("video_codec", self.video_codec),
            ("audio_codec", list(self.audio_codecs)),
            ("audio_channels", self.audio_channels),
            ("hdr", list(self.hdr)),
            ("release_group", self.group),
            ("edition", list(self.edition)),
            ("language", list(self.language)),
            ("subtitle_language", list(self.subtitles)),
            ("type", self.type),
            ("category", self.category),
            ("episode_title", self.episode_title),
            ("service", self.service),
            ("platform", self.platform),
            ("version", self.version),
            ("flags", list(self.flags)),
            ("artist", self.artist),
            ("album", self.album),
            ("publisher", self.publisher),
            ("format", self.format),
        ):
            if value is not None and value != []:
                d[key] = value
        d["proper"] = self.proper
        return d


def _one_or_list(values: tuple[int, ...]) -> int | list[int] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(ParsedName) if f.name != "name"}
# A mutable twin of ParsedName with the same slots in the same order: its generated __init__ fills all 31
# slots with plain attribute stores (the frozen class's __init__ calls object.__setattr__ 31 times), then the
# object becomes a ParsedName, which the identical layout allows. About 3x cheaper than setting the non-empty
# slots one by one through their descriptors (1.5 us a name of 12; issue #18).
_Draft = make_dataclass("_Draft", [(f.name, Any) for f in fields(ParsedName)], slots=True)


def _build(values: tuple) -> ParsedName:
    """ParsedName from the tuple ``_core`` returns (``ParsedName.__slots__`` order)."""
    obj = _Draft(*values)
    obj.__class__ = ParsedName
    return obj  # type: ignore[return-value]


def _fallback(name: str, section: str | None) -> tuple:
    """The minimal reading of a name the parser failed on: group after the last dash, the rest as title."""
    values: list[Any] = [_DEFAULTS.get(slot) for slot in ParsedName.__slots__]
    values[ParsedName.__slots__.index("name")] = name
    stem, dash, group = name.rpartition("-")
    if not dash or not group or any(c in group for c in ". "):
        stem, group = name, ""
    values[ParsedName.__slots__.index("title")] = _clean(stem.replace(".", " ").replace("_", " "))
    values[ParsedName.__slots__.index("group")] = group or None
    values[ParsedName.__slots__.index("category")] = _section_category(section)
    return tuple(values)


_DEFAULT_VERDICTS = DEFAULT_PRIOR.verdicts


def _verdicts(prior: GroupPrior | Mapping[str, str] | None) -> dict:
    """The group -> category dict ``_core`` reads: the shipped default for None."""
    if prior is None:
        return _DEFAULT_VERDICTS
    if prior.__class__ is GroupPrior:
        return prior.verdicts  # type: ignore[union-attr]
    return {str(g).lower(): c for g, c in prior.items()}


def _absent(value: object) -> bool:
    """None, NaN, ``pd.NA`` and ``NaT`` alike: the value is missing."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except TypeError:  # pd.NA: a comparison with it is NA, whose truth is undefined
        return True
    except ValueError:  # an array: present, whatever it holds
        return False


def _as_text(value: object) -> str:
    """A name or section as text: itself when a str, "" when missing, else ``str(value)``."""
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    return "" if _absent(value) else str(value)


def _safe_core(name: str, section: str | None, prior: dict) -> tuple:
    """``_core``, except that a parser bug on one odd name degrades that name instead of stopping an ingest."""
    if section is not None and section.__class__ is not str:
        section = _as_text(section) or None  # a DataFrame's NaN or pd.NA for "no section"
    try:
        return _core(name, section, True, prior)
    except Exception:  # the contract is "never raises on a str"; the property tests hunt the bugs
        return _fallback(name, section)


def parse(name: str, section: str | None = None, prior: GroupPrior | Mapping[str, str] | None = None) -> ParsedName:
    """Parse one release name; the announced section and a group prior (None: the shipped one) are hints.

    Never raises on a str; a missing name or section (None, NaN, pd.NA) is an empty one.
    """
    if name.__class__ is not str:
        name = _as_text(name)
    verdicts = _DEFAULT_VERDICTS if prior is None else _verdicts(prior)
    obj = _Draft(*_safe_core(name, section, verdicts))  # as _build(), without the call
    obj.__class__ = ParsedName
    return obj  # type: ignore[return-value]


def parse_dict(name: str) -> dict[str, Any]:
    """``parse(name).to_dict()``, for tools that want plain dictionaries."""
    return parse(name).to_dict()


def parse_many(
    names: Sequence[str],
    sections: Sequence[str | None] | None = None,
    prior: GroupPrior | Mapping[str, str] | None = None,
) -> list[ParsedName]:
    """Parse a batch of names (sections aligned with names, or None; the prior as for ``parse``)."""
    core = _safe_core
    build = _build
    verdicts = _verdicts(prior)
    enabled = gc.isenabled()
    gc.disable()  # many small objects that never form cycles
    try:
        if sections is None:
            return [build(core(n if n.__class__ is str else _as_text(n), None, verdicts)) for n in names]
        return [
            build(core(n if n.__class__ is str else _as_text(n), s, verdicts))
            for n, s in zip(names, sections, strict=True)
        ]
    finally:
        if enabled:
            gc.enable()


def format_rows(parsed: Iterable[ParsedName]) -> list[dict[str, Any]]:
    """Rows for display (CLI table or JSON lines): ``{"name": ..., **to_dict()}``."""
    return [{"name": p.name, **p.to_dict()} for p in parsed]


def parse_columns(
    names: Sequence[str],
    sections: Sequence[str | None] | None = None,
    prior: GroupPrior | Mapping[str, str] | None = None,
) -> dict[str, list[Any]]:
    """Parse a batch into columns keyed by ``STORE_COLUMNS`` (the shape the store inserts; prior as for ``parse``).

    The ingest hot path: no ParsedName per row, values appended straight into the column lists.
    """
    if sections is not None and len(sections) != len(names):
        raise ValueError("sections must be aligned with names")
    cols: list[list[Any]] = [[] for _ in STORE_COLUMNS]
    (
        title,
        year,
        season,
        episode,
        air_date,
        resolution,
        source,
        video_codec,
        audio_codec,
        language,
        group,
        category,
        flags,
        service,
        platform,
        version,
    ) = (c.append for c in cols)
    core = _safe_core
    verdicts = _verdicts(prior)
    enabled = gc.isenabled()
    gc.disable()  # many small objects that never form cycles
    try:
        for k, n in enumerate(names):
            r = core(n if n.__class__ is str else _as_text(n), None if sections is None else sections[k], verdicts)
            title(r[1])
            year(r[2])
            season(r[3])
            episode(r[4])
            air_date(r[5])
            resolution(r[6])
            source(r[7])
            video_codec(r[8])
            audio_codec(r[9])
            language(list(r[10]))
            group(r[11])
            category(r[12])
            flags(list(r[13]))
            service(r[14])
            platform(r[15])
            version(r[16])
    finally:
        if enabled:
            gc.enable()
    return dict(zip(STORE_COLUMNS, cols, strict=True))
