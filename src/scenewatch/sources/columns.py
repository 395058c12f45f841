"""Mapping raw dump rows (dicts keyed by the dump's own column names) onto typed records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.sources.base import SourceError
from scenewatch.sources.rules import IngestRules

# Target field → column names tried in order (case-insensitive). Data, not code: extend freely.
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "release", "releasename", "rlsname", "title", "dirname"),
    "pre_at": ("pre_at", "preat", "pretime", "predate", "time", "unixtime", "ctime", "date", "timestamp"),
    "section": ("section", "cat", "category", "sec"),
    "group": ("group", "team", "grp", "groupname"),
    "size": ("size_mb", "size", "sizemb"),
    "files": ("files", "file_count"),
    "nuke": ("nuke", "nuked", "is_nuked"),
    "status": ("status",),
    "reason": ("reason", "nukereason", "nuke_reason"),
    "network": ("network", "net", "nukenet"),
    "action": ("action", "event"),
    "at": ("at", "nuke_at", "nukeat", "nuked_at"),
    "feed": ("feed", "source", "src"),
}

# predb.net-style status codes.
STATUS_ACTIONS: dict[int, NukeAction | None] = {
    0: None,
    1: NukeAction.NUKE,
    2: NukeAction.UNNUKE,
    3: NukeAction.MODNUKE,
    4: NukeAction.DELPRE,
}

# Words that make a row a nuke-type event (the columnar mapper reads the same table).
ACTION_WORDS = {a.value: a for a in NukeAction} | {"nuked": NukeAction.NUKE, "unnuked": NukeAction.UNNUKE}
_ANNOUNCE_WORDS = {"", "pre", "insert", "update", "add", "new"}
# A nuke flag that says "not nuked", in any letter case and spacing (exports write False, FALSE, no, NULL...).
_NO_FLAG_WORDS = {"", "0", "false", "no", "\\n", "null", "none"}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNIT_MB = {"": 1.0, "k": 1 / 1024, "m": 1.0, "g": 1024.0, "t": 1024.0 * 1024}
_FILES = re.compile(r"^\s*([0-9]+)\s*f?\s*$", re.IGNORECASE)
_CONTROL = re.compile("[\r\n\t\x00]")
# A time some announce bots append to the name they relay ("Artist-Album-WEB-2020-GRP [11:37:51]": 3,664 rows of
# nZEDb's "#pre@corrupt" feed). A scene name never holds a space or a bracket, so it is noise, and kept it would count
# the release twice (93% of those names are announced clean by another feed too).
ANNOUNCED_TIME = re.compile(r" \[[0-9]{2}:[0-9]{2}:[0-9]{2}\]$")
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)


def parse_mapping(spec: str | None) -> dict[str, str]:
    """Parse ``--map name=release,pre_at=pretime`` into {target: column}."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        target, sep, column = part.partition("=")
        target, column = target.strip(), column.strip()
        if not sep or not target or not column:
            raise SourceError(f"--map: {part!r} is not TARGET=COLUMN")
        if target not in DEFAULT_ALIASES:
            raise SourceError(f"--map: unknown target {target!r} (known: {', '.join(DEFAULT_ALIASES)})")
        mapping[target] = column
    return mapping


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which input column feeds which field, resolved once per input from its header."""

    columns: dict[str, str]

    @classmethod
    def resolve(cls, header: Iterable[str], explicit: Mapping[str, str] | None = None) -> ColumnMap:
        """Match a header against explicit mappings first, then the default aliases."""
        present = {h.lower().strip(): h for h in header}
        chosen: dict[str, str] = {}
        for target, aliases in DEFAULT_ALIASES.items():
            if explicit and target in explicit:
                wanted = explicit[target]
                if wanted.lower() not in present:
                    raise SourceError(f"--map: column {wanted!r} is not in the input (has: {', '.join(present)})")
                chosen[target] = present[wanted.lower()]
                continue
            for alias in aliases:
                if alias in present and present[alias] not in chosen.values():
                    chosen[target] = present[alias]
                    break
        return cls(chosen)


def parse_time(value: Any, rules: IngestRules) -> datetime | None:
    """Read unix seconds (or milliseconds) or ISO 8601; naive times are local per the rules."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"unparseable time {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        if not text or text in ("\\N", "0000-00-00 00:00:00"):
            return None
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"unparseable time {text[:40]!r}") from None
            moment = rules.to_utc(moment) if moment.tzinfo is None else moment.astimezone(UTC)
            return _plausible(moment)
    if seconds > 1e11:
        seconds /= 1000.0
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"unparseable time {value!r}") from None
    return _plausible(moment)


def _plausible(moment: datetime) -> datetime:
    if not EARLIEST_PLAUSIBLE <= moment < LATEST_PLAUSIBLE:
        raise ValueError(f"implausible time {moment.isoformat()}")
    return moment


def parse_size_mb(value: Any) -> float | None:
    """Read a size such as ``3480MB``, ``1.2 GB`` or a bare number of megabytes."""
    if value is None or value == "" or value == "\\N":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _SIZE.match(str(value))
    if not match:
        return None
    return float(match.group(1)) * _SIZE_UNIT_MB[(match.group(2) or "")[:1].lower()]


def parse_files(value: Any) -> int | None:
    """Read a file count such as ``52`` or ``52F``."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _FILES.match(str(value))
    return int(match.group(1)) if match else None


def no_flag(value: Any) -> bool:
    """Whether a nuke flag is absent or says "not nuked": none, NaN, 0, False, or a word such as ``False``/``no``."""
    if value is None or value is False:
        return True
    if isinstance(value, int | float):
        return value == 0 or value != value  # NaN is an absence too
    return isinstance(value, str) and value.strip().lower() in _NO_FLAG_WORDS


def _nuke_action(nuke: Any, status: Any) -> tuple[NukeAction | None, str | None, str | None]:
    """Read a row's nuke state: a flag, an action word, a predb.ovh object, or a status code."""
    reason = network = None
    action: NukeAction | None = None
    if isinstance(nuke, Mapping):
        word = str(nuke.get("type") or nuke.get("action") or "nuke").lower()
        action = ACTION_WORDS.get(word, NukeAction.NUKE)
        reason = nuke.get("reason")
        network = nuke.get("net") or nuke.get("network")
    elif isinstance(nuke, str) and nuke.strip().lower() in ACTION_WORDS:
        action = ACTION_WORDS[nuke.strip().lower()]
    elif not no_flag(nuke):
        action = NukeAction.NUKE
    if action is None and status not in (None, "", "\\N"):
        try:
            action = STATUS_ACTIONS.get(int(status))
        except (TypeError, ValueError):
            action = ACTION_WORDS.get(str(status).strip().lower())
    return action, reason, network


class RowMapper:
    """Turn raw rows into an Announcement (with any nuke it carries) or a standalone NukeEvent."""

    def __init__(self, columns: ColumnMap, rules: IngestRules) -> None:
        self.columns = columns.columns
        self.rules = rules
        if "name" not in self.columns:
            raise SourceError("no release-name column (tried: " + ", ".join(DEFAULT_ALIASES["name"]) + "; use --map)")
        # The input column of each target, or None (``row.get(None)`` is None): one dict look-up per field per row.
        get = self.columns.get
        self._name, self._feed, self._action, self._at = get("name"), get("feed"), get("action"), get("at")
        self._pre_at, self._nuke, self._status = get("pre_at"), get("nuke"), get("status")
        self._reason, self._network, self._section = get("reason"), get("network"), get("section")
        self._group, self._size, self._files = get("group"), get("size"), get("files")

    def map(self, row: Mapping[str, Any]) -> Announcement | NukeEvent:
        """Map one row; raise ValueError with a short reason when it is not usable."""
        get = row.get
        name = get(self._name)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("empty release name")
        name = name.strip()
        if name[-1] == "]":
            name = ANNOUNCED_TIME.sub("", name).rstrip()
        if len(name) > 512 or _CONTROL.search(name):
            raise ValueError("release name has control characters or is over 512 characters")
        feed = get(self._feed)
        feed = str(feed) if feed not in (None, "") else None
        action_word = get(self._action)
        if action_word not in (None, ""):
            word = str(action_word).strip().lower()
            if word in ACTION_WORDS:
                at = parse_time(get(self._at) or get(self._pre_at), self.rules)
                return NukeEvent(
                    name=name,
                    action=ACTION_WORDS[word],
                    reason=_text(get(self._reason)),
                    network=_text(get(self._network)),
                    at=self.rules.apply(at, feed) if at else None,
                    feed=feed,
                )
            if word not in _ANNOUNCE_WORDS:
                raise ValueError(f"unknown action {word[:20]!r}")
        pre_at = parse_time(get(self._pre_at), self.rules)
        if pre_at is not None:
            pre_at = self.rules.apply(pre_at, feed)
        rule = self.rules.feed(feed)
        nuke_value, status = get(self._nuke), get(self._status)
        nuke = None
        if not no_flag(nuke_value) or status not in (None, "", 0, "0"):
            action, reason, network = _nuke_action(nuke_value, status)
            if action is not None:
                nuke = NukeEvent(
                    name=name,
                    action=action,
                    reason=_text(reason or get(self._reason)),
                    network=_text(network or get(self._network)),
                    at=None,
                    feed=feed,
                )
        return Announcement(
            name=name,
            pre_at=pre_at,
            section=_text(get(self._section)),
            group=_text(get(self._group)),
            size_mb=parse_size_mb(get(self._size)),
            files=parse_files(get(self._files)),
            feed=feed,
            time_trusted=rule.time_is_pre and pre_at is not None,
            scene=rule.scene,
            nuke=nuke,
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text != "\\N" else None
