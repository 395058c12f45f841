"""Configuration of a simulation run: dates, seed, scale, planted events."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = ["DEFAULT_RAID_GROUPS", "PlantedEvent", "SimulationConfig"]

# The real-style affiliated set hit by the 2020-08-25 raid; default targets of a "raid" event.
DEFAULT_RAID_GROUPS: tuple[str, ...] = ("SPARKS", "GECKOS", "DRONES", "ROVERS", "SPRiNTER")
EVENT_KINDS = ("raid", "outage")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as ``36h``, ``90m``, ``2d`` or ``1w``."""
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise ValueError(f"bad duration {text!r} (expected e.g. 36h, 90m, 2d)")
    return timedelta(seconds=float(m.group(1)) * _UNIT_SECONDS[m.group(2)])


@dataclass(frozen=True, slots=True)
class PlantedEvent:
    """An event planted in the simulated stream: a ``raid`` or a feed ``outage``.

    raid: ``groups`` plus ``extra_affiliated`` other big affiliated groups stop for good on ``day``;
    a ``pause_fraction`` of the remaining groups (None: random 30–60%) go quiet and ramp back; ``size`` scales
    how far overall volume falls (1: as after the 2020 raid, about −58% the first days; 0.5: half as deep).
    outage: nothing is announced from ``day`` 00:00 UTC + ``offset`` for ``duration``.
    """

    day: date
    kind: str = "raid"
    duration: timedelta | None = None
    groups: tuple[str, ...] = DEFAULT_RAID_GROUPS
    extra_affiliated: int = 20
    pause_fraction: float | None = None
    offset: timedelta = timedelta(0)
    size: float = 1.0

    def __post_init__(self) -> None:
        """Validate the kind and normalise the fields."""
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r} (expected one of {EVENT_KINDS})")
        object.__setattr__(self, "groups", tuple(self.groups))
        if self.kind == "outage" and self.duration is None:
            object.__setattr__(self, "duration", timedelta(hours=24))
        if self.pause_fraction is not None and not 0.0 <= self.pause_fraction <= 1.0:
            raise ValueError("pause_fraction must be within [0, 1]")
        if self.extra_affiliated < 0:
            raise ValueError("extra_affiliated must be >= 0")
        if not 0.0 < self.size <= 1.0:
            raise ValueError("size must be within (0, 1]")

    @classmethod
    def parse(cls, spec: str) -> PlantedEvent:
        """Parse ``DAY:KIND[:DURATION][:key=value...]``, e.g. ``2020-03-10:outage:36h``.

        Keys: ``groups=A+B+C`` (raid targets), ``extra=N``, ``pause=0.4``, ``size=0.5`` (raid depth),
        ``from=14h`` (outage start).
        """
        parts = [p for p in spec.strip().split(":") if p]
        if not parts:
            raise ValueError("empty event spec")
        try:
            day = date.fromisoformat(parts[0])
        except ValueError as exc:
            raise ValueError(f"bad event day in {spec!r}: {exc}") from None
        kind = parts[1].lower() if len(parts) > 1 else "raid"
        kw: dict[str, Any] = {}
        for part in parts[2:]:
            if "=" not in part:
                kw["duration"] = parse_duration(part)
                continue
            key, value = part.split("=", 1)
            key = key.strip().lower()
            if key == "groups":
                kw["groups"] = tuple(g for g in re.split(r"[+,]", value) if g)
            elif key == "extra":
                kw["extra_affiliated"] = int(value)
            elif key == "pause":
                kw["pause_fraction"] = float(value)
            elif key == "size":
                kw["size"] = float(value)
            elif key == "from":
                kw["offset"] = parse_duration(value)
            elif key == "duration":
                kw["duration"] = parse_duration(value)
            else:
                raise ValueError(f"unknown event option {key!r} in {spec!r}")
        return cls(day=day, kind=kind, **kw)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description of the event."""
        out: dict[str, Any] = {"day": self.day.isoformat(), "kind": self.kind}
        if self.kind == "raid":
            out.update(
                groups=list(self.groups),
                extra_affiliated=self.extra_affiliated,
                pause_fraction=self.pause_fraction,
                **({"size": self.size} if self.size != 1.0 else {}),  # plain runs keep their sidecar
            )
        else:
            assert self.duration is not None
            out.update(
                duration_s=int(self.duration.total_seconds()), offset_s=int(self.offset.total_seconds())
            )
        return out


def _default_events() -> tuple[PlantedEvent, ...]:
    return (PlantedEvent(day=date(2020, 8, 25), kind="raid"),)


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """Everything that determines a simulated stream; same config ⇒ byte-identical output.

    ``end`` is inclusive. ``scale`` 1.0 means about 1,800 releases/day in 2020.
    ``nuke_rate`` is the share of releases nuked; ``unnuke_rate``/``modnuke_rate`` are shares of nukes.
    ``races`` and ``language_responses`` plant races and language scenes (off by default: output unchanged).
    """

    start: date = date(2019, 1, 1)
    end: date = date(2021, 1, 31)
    seed: int = 42
    scale: float = 1.0
    n_groups: int = 300
    events: tuple[PlantedEvent, ...] = field(default_factory=_default_events)
    nuke_rate: float = 0.045
    unnuke_rate: float = 0.06
    modnuke_rate: float = 0.05
    growth_per_year: float = 0.04
    # Planted races (see simulate/races.py): this many works released by 2-4 groups with known delays.
    races: int = 0
    # Language scenes with their own raid response: (tag, multiplier from each raid day on), e.g. ("GERMAN", 0.3);
    # every listed tag gets at least 3 groups (the biggest untagged ones of the XXX / TV-SD / HEVC profiles).
    language_responses: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        """Validate ranges and normalise ``events`` to a tuple sorted by day."""
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if self.scale <= 0:
            raise ValueError("scale must be > 0")
        if self.n_groups < 30:
            raise ValueError("n_groups must be >= 30")
        if not 0 <= self.nuke_rate < 1:
            raise ValueError("nuke_rate must be within [0, 1)")
        if self.races < 0:
            raise ValueError("races must be >= 0")
        responses = tuple((str(tag), float(factor)) for tag, factor in self.language_responses)
        if any(factor < 0 for _, factor in responses):
            raise ValueError("language response multipliers must be >= 0")
        object.__setattr__(self, "language_responses", responses)
        events = tuple(PlantedEvent.parse(e) if isinstance(e, str) else e for e in self.events)
        object.__setattr__(self, "events", tuple(sorted(events, key=lambda e: (e.day, e.kind))))

    @property
    def n_days(self) -> int:
        """Number of simulated days (``end`` inclusive)."""
        return (self.end - self.start).days + 1

    @property
    def raids(self) -> tuple[PlantedEvent, ...]:
        """The raid events, by day."""
        return tuple(e for e in self.events if e.kind == "raid")

    @property
    def outages(self) -> tuple[PlantedEvent, ...]:
        """The outage events, by day."""
        return tuple(e for e in self.events if e.kind == "outage")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description of the config."""
        d = asdict(self)
        d["start"] = self.start.isoformat()
        d["end"] = self.end.isoformat()
        d["events"] = [e.to_dict() for e in self.events]
        d["language_responses"] = [list(r) for r in self.language_responses]
        if not self.races and not self.language_responses:  # keep the sidecar of plain runs unchanged
            del d["races"], d["language_responses"]
        return d
