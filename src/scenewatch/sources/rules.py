"""Ingest rules kept as data: time zones of naive timestamps and per-feed trust."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scenewatch.sources.base import SourceError


@dataclass(frozen=True, slots=True)
class FeedRule:
    """How far to trust one feed's announcements."""

    offset_hours: float = 0.0
    time_is_pre: bool = True
    scene: bool = True


@dataclass(frozen=True)
class IngestRules:
    """Time zone and feed rules for one input format."""

    timezone: str = "UTC"
    timezone_before: tuple[tuple[date, str], ...] = ()
    feeds: dict[str, FeedRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        zones: dict[str, ZoneInfo] = {}
        for name in [self.timezone, *(zone for _, zone in self.timezone_before)]:
            try:
                zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise SourceError(f"unknown time zone {name!r} in ingest rules") from None
        object.__setattr__(self, "_zones", zones)
        object.__setattr__(self, "_history", sorted(self.timezone_before))

    def feed(self, name: str | None) -> FeedRule:
        """The rule for a feed (the neutral rule for feeds not listed)."""
        return self.feeds.get(name or "", _NEUTRAL)

    def zone_on(self, day: date) -> ZoneInfo:
        """The zone of naive timestamps on a (local) day."""
        zone_name = self.timezone
        for until, name in self._history:  # type: ignore[attr-defined]
            if day < until:
                zone_name = name
                break
        return self._zones[zone_name]  # type: ignore[attr-defined,no-any-return]

    def to_utc(self, local: datetime) -> datetime:
        """Convert a naive local timestamp to aware UTC with the zone in force at that date."""
        return local.replace(tzinfo=self.zone_on(local.date())).astimezone(UTC)

    def with_timezone(self, zone: str) -> IngestRules:
        """The same rules with every naive time read in ``zone``."""
        return replace(self, timezone=zone, timezone_before=())

    def apply(self, moment: datetime, feed: str | None) -> datetime:
        """Correct a feed's time by its known offset."""
        rule = self.feed(feed)
        return moment + timedelta(hours=rule.offset_hours) if rule.offset_hours else moment


_NEUTRAL = FeedRule()


def _rules_from_table(table: dict[str, Any], base: IngestRules | None = None) -> IngestRules:
    base = base or IngestRules()
    history = tuple(
        (date.fromisoformat(str(item["until"])), str(item["timezone"])) for item in table.get("timezone_before", [])
    )
    feeds = dict(base.feeds)
    for name, spec in table.get("feeds", {}).items():
        feeds[name] = replace(feeds.get(name, _NEUTRAL), **spec)
    return IngestRules(
        timezone=str(table.get("timezone", base.timezone)),
        timezone_before=history or (base.timezone_before if "timezone" not in table else ()),
        feeds=feeds,
    )


def load_rules(fmt: str, user_file: Path | None = None, timezone: str | None = None) -> IngestRules:
    """The shipped rules for a format, overlaid by a user's TOML file and a ``--tz`` override."""
    shipped = tomllib.loads(resources.files("scenewatch.sources").joinpath("data/rules.toml").read_text())
    rules = _rules_from_table(shipped.get("default", {}))
    if fmt in shipped:
        rules = _rules_from_table(shipped[fmt], rules)
    if user_file is not None:
        try:
            user = tomllib.loads(user_file.read_text())
        except FileNotFoundError:
            raise SourceError(f"{user_file}: no such rules file") from None
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"{user_file}: not valid TOML: {exc}") from None
        try:
            rules = _rules_from_table(user.get("default", {}), rules)
            if fmt in user:
                rules = _rules_from_table(user[fmt], rules)
        except (TypeError, KeyError, ValueError) as exc:
            raise SourceError(f"{user_file}: bad rule: {exc}") from None
    if timezone:
        rules = rules.with_timezone(timezone)
    return rules
