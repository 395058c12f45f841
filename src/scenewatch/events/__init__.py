"""The event catalogue: enforcement actions and downstream shocks sourced from public reporting (shipped in
``catalogue.toml``, each with its sources, countries, agencies, groups, the precision of its day and a confidence)
plus events stored in a database's ``events`` table, and the resolution of an ``--event`` argument (a date or a
name) to a day.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

import pandas as pd

from scenewatch.missing import is_missing
from scenewatch.records import Event

if TYPE_CHECKING:
    from scenewatch.store import Database

__all__ = ["add_event", "catalogue", "catalogue_events", "events", "resolve_event"]

_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_COLUMNS = ["name", "day", "kind", "confidence", "precision", "description", "sources", "origin"]
DETAILS = ("precision", "kind", "confidence", "countries", "agencies", "groups")
KINDS = ("enforcement", "downstream", "closure")
CONFIDENCES = ("high", "medium", "low")
PRECISIONS = ("day", "week", "month")


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[Event, tuple[str, ...], dict[str, object]], ...]:
    data = tomllib.loads(files("scenewatch.events").joinpath("catalogue.toml").read_text(encoding="utf-8"))
    out = []
    for entry in data.get("event", []):
        day = entry["day"]
        if not isinstance(day, date):
            day = date.fromisoformat(str(day))
        event = Event(entry["name"], day, " ".join(entry.get("description", "").split()), tuple(entry["sources"]))
        details = {"precision": entry.get("precision", "day"), "kind": entry.get("kind", "enforcement"),
                   "confidence": entry.get("confidence", "medium"), "countries": list(entry.get("countries", [])),
                   "agencies": list(entry.get("agencies", [])), "groups": list(entry.get("groups", []))}  # fmt: skip
        out.append((event, tuple(a.lower() for a in entry.get("aliases", [])), details))
    return tuple(out)


def catalogue_events() -> list[Event]:
    """The shipped catalogue as ``Event`` records, by day."""
    return sorted((e for e, _, _ in _load()), key=lambda e: e.day)


def catalogue() -> pd.DataFrame:
    """The shipped catalogue: name, day, description, sources (list of URLs), aliases, and the details precision,
    kind, confidence, countries, agencies, groups; by day."""
    rows = [{"name": e.name, "day": e.day, "description": e.description, "sources": list(e.sources),
             "aliases": list(a), **d} for e, a, d in _load()]  # fmt: skip
    columns = ["name", "day", "description", "sources", "aliases", *DETAILS]
    return pd.DataFrame(rows, columns=columns).sort_values("day", ignore_index=True)


def _validate(name: str, day: date | str, sources: list[str] | tuple[str, ...]) -> date:
    if not name or not name.strip():
        raise ValueError("event name must not be empty")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", name.strip()):
        raise ValueError("event name must not be a date")
    try:
        parsed = day if isinstance(day, date) else date.fromisoformat(str(day))
    except ValueError:
        raise ValueError(f"event day: {day!r} is not a date (YYYY-MM-DD)") from None
    for url in sources:
        if not _URL.match(url):
            raise ValueError(f"event source: {url!r} is not an http(s) URL")
    return parsed


def add_event(db: Database, name: str, day: date | str, description: str = "",
              sources: list[str] | tuple[str, ...] = ()) -> Event:  # fmt: skip
    """Store an event in ``db`` (replacing one of the same name, case-insensitively) and return it."""
    parsed = _validate(name, day, sources)
    event = Event(name.strip(), parsed, description, tuple(sources))
    db.con.execute("DELETE FROM events WHERE lower(name) = lower(?)", [event.name])
    db.con.execute("INSERT INTO events VALUES (?, ?, ?, ?)",
                   [event.name, event.day, event.description, list(event.sources)])  # fmt: skip
    return event


def events(db: Database | None = None) -> pd.DataFrame:
    """The catalogue plus the events stored in ``db`` (``origin`` catalogue or database), by day."""
    frame = catalogue().drop(columns=["aliases", "countries", "agencies", "groups"])
    frame["origin"] = "catalogue"
    if db is not None:
        stored = db.query("SELECT name, day, description, sources FROM events ORDER BY day")
        if not stored.empty:
            stored["day"] = pd.to_datetime(stored["day"]).dt.date
            stored["sources"] = stored["sources"].map(lambda v: [] if is_missing(v) else list(v))
            stored["origin"] = "database"
            stored["kind"], stored["confidence"], stored["precision"] = None, None, "day"
            known = set(stored["name"].str.lower())
            frame = pd.concat([frame[~frame["name"].str.lower().isin(known)], stored], ignore_index=True)
    return frame[_COLUMNS].sort_values(["day", "name"], ignore_index=True)


def _default_db_events() -> dict[str, date]:
    """Events of the default database (SCENEWATCH_DB or the per-user one), if it can be opened read-only now."""
    import os
    from pathlib import Path

    from scenewatch.store import default_db_path
    from scenewatch.store.remote import open_shared

    path = Path(os.environ.get("SCENEWATCH_DB") or default_db_path())
    if not path.is_file():
        return {}
    try:
        with open_shared(path, read_only=True, wait=0.0) as db:  # through its owner, if a process writes it
            rows = db.con.execute("SELECT name, day FROM events").fetchall()
    except Exception:  # locked by a writer, older schema...: fall back to the catalogue only
        return {}
    return {re.sub(r"[\s._\-]+", "", str(n).lower()): d for n, d in rows}


def resolve_event(db: Database | None, name_or_date: str | date) -> date:
    """The day of an event given as ``YYYY-MM-DD``, a stored event's name, or a catalogue name/alias.

    Names match case-insensitively, ignoring spaces, dots, dashes and underscores; a database event wins over a
    catalogue one of the same name. Raises ``ValueError`` naming the known events when nothing matches.
    """
    if isinstance(name_or_date, date):
        return name_or_date
    text = name_or_date.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"--event: {text!r} is not a date (YYYY-MM-DD)") from None

    def squash(s: str) -> str:
        return re.sub(r"[\s._\-]+", "", s.lower())

    wanted = squash(text)
    if db is not None:
        for name, day in db.con.execute("SELECT name, day FROM events").fetchall():
            if squash(name) == wanted:
                return day if isinstance(day, date) else date.fromisoformat(str(day))
    for event, aliases, _ in _load():
        if wanted == squash(event.name) or wanted in {squash(a) for a in aliases}:
            return event.day
    if db is None:
        stored = _default_db_events()
        if wanted in stored:
            return stored[wanted]
    known = ", ".join(e.name for e in catalogue_events())
    raise ValueError(f"--event: {text!r} is neither a date (YYYY-MM-DD) nor a known event ({known})")
