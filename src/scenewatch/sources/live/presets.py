"""Provider presets as data: each live source's documented shape, caps and limits (``data/presets.toml``).

A :class:`ProviderSpec` says where a provider answers, how its pages and rows look and what it allows; the
:class:`~scenewatch.sources.live.provider.ProviderSource` adapter reads any provider from one. A listen config may
override any key of a preset (``[presets."predb.net"]``), so a renamed field on the provider's side is a config
change, never a code change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from typing import Any

from scenewatch.sources.base import SourceError
from scenewatch.sources.live.ratelimit import RateLimit

# The row targets a preset may map (the dump mapper's targets, plus the size's unit).
FIELD_TARGETS = ("name", "pre_at", "section", "group", "size", "size_unit", "files", "nuke", "status", "reason",
                 "network")  # fmt: skip


@dataclass(frozen=True)
class FrameSpec:
    """How a provider's websocket frames look."""

    row: str = "row"
    action: str = "action"
    heartbeat: tuple[str, ...] = ()
    fields: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: endpoints, paging, cursor, limits, field mapping (every duration in real seconds)."""

    name: str
    api: str
    feed: str
    title: str = ""
    docs: str = ""
    note: str = ""
    websocket: str | None = None
    rows: str = "data"
    paging: str = "page"
    page_param: str = "page"
    size_param: str | None = "count"
    page_size: int = 100
    first_page: int = 1
    max_pages: int = 50
    backfill_pages: int = 1
    cap_status: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    cursor: str = "id"
    id_field: str = "id"
    interval: float = 60.0
    verify_interval: float = 300.0
    stale_after: float = 180.0
    rate: RateLimit = field(default_factory=lambda: RateLimit(30, 60))
    search_rate: RateLimit | None = None
    search: str | None = None
    ext_info: str | None = None
    time_is_pre: bool = True
    scene: bool = True
    timezone: str = "UTC"
    fields: Mapping[str, str] = field(default_factory=dict)
    status_codes: Mapping[int, str] = field(default_factory=dict)
    frames: FrameSpec | None = None
    timeout: float = 20.0
    max_retry_after: float = 900.0
    forbidden_wait: float = 900.0
    backoff_base: float = 1.0
    backoff_cap: float = 120.0

    def __post_init__(self) -> None:
        where = f"preset {self.name!r}"
        if self.paging not in ("page", "skip"):
            raise SourceError(f"{where}: paging must be 'page' or 'skip', not {self.paging!r}")
        if self.cursor not in ("id", "time"):
            raise SourceError(f"{where}: cursor must be 'id' or 'time', not {self.cursor!r}")
        if "name" not in self.fields:
            raise SourceError(f"{where}: fields must map name (the release name)")
        unknown = set(self.fields) - set(FIELD_TARGETS)
        if unknown:
            raise SourceError(f"{where}: unknown field target(s) {', '.join(sorted(unknown))}")
        if self.page_size < 1 or self.max_pages < 1:
            raise SourceError(f"{where}: page_size and max_pages must be at least 1")

    def frame_fields(self) -> Mapping[str, str]:
        """The field paths of websocket frame rows."""
        if self.frames is not None and self.frames.fields:
            return self.frames.fields
        return self.fields

    def limits(self) -> str:
        """One line: rate limits and caps, for `scenewatch sources`."""
        parts = [self.rate.describe()]
        if self.search_rate is not None:
            parts.append(f"search {self.search_rate.describe()}")
        rows = f"{self.page_size} rows/page" if self.paging == "page" else f"{self.page_size} rows/page (skip)"
        parts.append(f"{rows}, catch-up ≤ {self.max_pages} pages")
        return "; ".join(parts)


_SCALARS = {f.name for f in fields(ProviderSpec)} - {"name", "rate", "search_rate", "frames", "fields",
                                                      "status_codes", "params"}  # fmt: skip


def spec_from_table(name: str, table: Mapping[str, Any], base: ProviderSpec | None = None) -> ProviderSpec:
    """Build (or override ``base`` with) one preset table; unknown keys are an error naming them."""
    where = f"preset {name!r}"
    known = _SCALARS | {"rate", "search_rate", "frames", "fields", "status_codes", "params"}
    unknown = set(table) - known
    if unknown:
        raise SourceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {k: table[k] for k in _SCALARS if k in table}
    try:
        for key in ("rate", "search_rate"):
            if key in table:
                values[key] = RateLimit.from_table(dict(table[key]), f"{where}: {key}")
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    if "fields" in table:
        values["fields"] = {**(base.fields if base else {}), **{str(k): str(v) for k, v in table["fields"].items()}}
    if "status_codes" in table:
        try:
            values["status_codes"] = {int(k): str(v) for k, v in table["status_codes"].items()}
        except ValueError:
            raise SourceError(f"{where}: status_codes keys must be numbers") from None
    if "params" in table:
        values["params"] = dict(table["params"])
    if "frames" in table:
        frames = dict(table["frames"])
        bad = set(frames) - {"row", "action", "heartbeat", "fields"}
        if bad:
            raise SourceError(f"{where}: frames: unknown key(s) {', '.join(sorted(bad))}")
        previous = (base.frames if base else None) or FrameSpec()
        values["frames"] = FrameSpec(
            row=str(frames.get("row", previous.row)),
            action=str(frames.get("action", previous.action)),
            heartbeat=tuple(str(w).lower() for w in frames.get("heartbeat", previous.heartbeat)),
            fields={**(previous.fields or {}), **{str(k): str(v) for k, v in frames.get("fields", {}).items()}}
            or None,
        )
    try:
        if base is not None:
            return replace(base, **values)
        return ProviderSpec(name=name, **values)
    except TypeError as exc:
        raise SourceError(f"{where}: {exc}") from None


def shipped_presets() -> dict[str, ProviderSpec]:
    """Every preset shipped in ``data/presets.toml``, by name."""
    text = resources.files("scenewatch.sources").joinpath("data/presets.toml").read_text("utf-8")
    return {name: spec_from_table(name, table) for name, table in tomllib.loads(text).items()}


def preset_names() -> list[str]:
    """The shipped preset names, in file order."""
    return list(shipped_presets())


def find_preset(name: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> ProviderSpec | None:
    """The preset called ``name`` (case-insensitive; ``predb-net`` finds ``predb.net``), with config overrides."""
    presets = shipped_presets()
    wanted = name.strip().lower()
    match = next((n for n in presets if n.lower() == wanted or n.lower().replace(".", "-") == wanted), None)
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    if match is None:
        if wanted in overrides:  # a provider defined entirely in the user's config
            table = overrides[wanted]
            return spec_from_table(name, table)
        return None
    spec = presets[match]
    if match.lower() in overrides:
        spec = spec_from_table(match, overrides[match.lower()], spec)
    return spec
