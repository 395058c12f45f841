"""The search query language of ``GET /api/releases``, in the spirit of predb search syntax.

``ubuntu 2020 -remux "x264-grp" @group SPARKS @section X264-HD @since 2020-08-01 @until 2020-08-31 @nuked``

* free words must all occur in the release name (case-insensitive substring); ``-word`` must not occur;
  ``"a phrase"`` keeps spaces;
* ``@field value`` filters on a parsed or announced field; ``@nuked`` / ``@unnuked`` take no value.

The parser produces a :class:`SearchQuery`; :meth:`SearchQuery.where` turns it into a SQL ``WHERE`` text made only
of fixed fragments, with every value the user typed bound as a parameter — never spliced into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 30


class SearchError(ValueError):
    """The query cannot be read; the message says what and where, for a 422 answer."""


# field -> (column expression, kind); kinds: text (case-insensitive equality), int, date, flag
FIELDS: dict[str, tuple[str, str]] = {
    "group": ("grp", "text"),
    "section": ("section", "text"),
    "category": ("category", "text"),
    "year": ("year", "int"),
    "season": ("season", "int"),
    "episode": ("episode", "int"),
    "resolution": ("resolution", "text"),
    "source": ("source", "text"),
    "codec": ("video_codec", "text"),
    "audio": ("audio_codec", "text"),
    "language": ("language", "list"),
    "flag": ("flags", "list"),
    "service": ("service", "text"),
    "platform": ("platform", "text"),
    "title": ("title", "contains"),
    "since": ("at", "since"),
    "until": ("at", "until"),
    "nuked": ("", "flag"),
    "unnuked": ("", "flag"),
}
ALIASES = {"grp": "group", "cat": "category", "sec": "section", "lang": "language", "from": "since", "to": "until"}

# The time a release is ordered and paginated by: its pre time, else when it was first seen.
AT = "coalesce(pre_at, first_seen_at, TIMESTAMP '1970-01-01')"

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(slots=True)
class SearchQuery:
    """A parsed query: words to include and exclude, and field filters (field -> list of values)."""

    words: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, list[Any]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when the query selects everything."""
        return not (self.words or self.excluded or self.filters)

    def where(self, at: str = AT) -> tuple[str, list[Any]]:
        """SQL WHERE text over ``releases`` (fixed fragments only) and its bound parameters.

        ``at`` is the time expression ``@since``/``@until`` compare with: a caller that already split releases by
        whether they have a pre time passes the plain column, which DuckDB can prune row groups on.
        """
        clauses: list[str] = []
        params: list[Any] = []
        for word in self.words:
            clauses.append("contains(lower(name), ?)")  # ILIKE ... ESCAPE is ~20x slower at scale
            params.append(word.lower())
        for word in self.excluded:
            clauses.append("NOT contains(lower(name), ?)")
            params.append(word.lower())
        for name, values in self.filters.items():
            column, kind = FIELDS[name]
            for value in values:
                if kind == "text":
                    clauses.append(f"lower({column}) = lower(?)")
                    params.append(value)
                elif kind == "contains":
                    clauses.append(f"contains(lower({column}), ?)")
                    params.append(str(value).lower())
                elif kind == "list":
                    clauses.append(f"list_contains(list_transform({column}, lambda x: lower(x)), lower(?))")
                    params.append(value)
                elif kind == "int":
                    clauses.append(f"{column} = ?")
                    params.append(value)
                elif kind == "since":
                    clauses.append(f"{at} >= ?")
                    params.append(datetime.combine(value, datetime.min.time()))
                elif kind == "until":
                    clauses.append(f"{at} < ?")
                    params.append(datetime.combine(value + timedelta(days=1), datetime.min.time()))
                elif name == "nuked":
                    clauses.append("releases.nuked")  # kept by every write (scenewatch.store.nuked)
                elif name == "unnuked":
                    clauses.append("NOT releases.nuked")
        return (" AND ".join(clauses) if clauses else "TRUE"), params

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether a live record (name, group, section, category, year, pre_at ISO text) fits the query.

        Used for the websocket feed; filters that need the store (nuke state, parsed lists) are not applied.
        """
        name = str(record.get("name") or "").lower()
        if any(w.lower() not in name for w in self.words) or any(w.lower() in name for w in self.excluded):
            return False
        for key, values in self.filters.items():
            column, kind = FIELDS[key]
            field_name = "group" if column == "grp" else key
            for value in values:
                got = record.get(field_name)
                if kind == "text" and field_name in record and str(got or "").lower() != str(value).lower():
                    return False
                if kind == "int" and field_name in record and got != value:
                    return False
                if kind in ("since", "until") and record.get("pre_at"):
                    day = date.fromisoformat(str(record["pre_at"])[:10])
                    if (kind == "since" and day < value) or (kind == "until" and day > value):
                        return False
        return True


def parse_query(text: str | None) -> SearchQuery:
    """Read the search syntax; raise :class:`SearchError` with a clear message on anything unreadable."""
    query = SearchQuery()
    if not text or not text.strip():
        return query
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(f"query is longer than {MAX_QUERY_LENGTH} characters")
    if "\x00" in text:
        raise SearchError("query contains a NUL character")
    tokens: list[tuple[bool, str, bool]] = []  # (negated, text, quoted)
    for match in _TOKEN.finditer(text):
        if match.group(3) is not None:
            raw = match.group(3)
            negated = raw.startswith("-") and len(raw) > 1
            tokens.append((negated, raw[1:] if negated else raw, False))
        else:
            tokens.append((bool(match.group(1)), match.group(2), True))
    if len(tokens) > MAX_TERMS:
        raise SearchError(f"query has more than {MAX_TERMS} terms")
    i = 0
    while i < len(tokens):
        negated, token, quoted = tokens[i]
        i += 1
        if quoted or not token.startswith("@"):
            if token.strip():
                (query.excluded if negated else query.words).append(token)
            continue
        key = token[1:].lower()
        value: str | None = None
        if ":" in key:  # @group:SPARKS is accepted too
            key, _, value = token[1:].partition(":")
            key = key.lower()
        key = ALIASES.get(key, key)
        if key not in FIELDS:
            known = ", ".join("@" + f for f in FIELDS)
            raise SearchError(f"unknown field @{key}: use one of {known}")
        kind = FIELDS[key][1]
        if kind == "flag":
            if value:
                raise SearchError(f"@{key} takes no value")
            query.filters.setdefault(key, []).append(True)
            continue
        if value is None:
            if i >= len(tokens) or (not tokens[i][2] and tokens[i][1].startswith("@")):
                raise SearchError(f"@{key} needs a value, e.g. @{key} {_EXAMPLES[kind]}")
            value = ("-" if tokens[i][0] else "") + tokens[i][1]
            i += 1
        query.filters.setdefault(key, []).append(_convert(key, kind, value))
    return query


_EXAMPLES = {"text": "X264-HD", "contains": "word", "list": "GERMAN", "int": "2020", "since": "2020-08-01",
             "until": "2020-08-31"}  # fmt: skip


def _convert(key: str, kind: str, value: str) -> Any:
    if kind in ("since", "until"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise SearchError(f"@{key} {value!r} is not a date (YYYY-MM-DD)") from None
    if kind == "int":
        if not re.fullmatch(r"\d{1,4}", value):
            raise SearchError(f"@{key} {value!r} is not a number from 0 to 9999")
        return int(value)
    if not value.strip():
        raise SearchError(f"@{key} needs a non-empty value")
    return value
