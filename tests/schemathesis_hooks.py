"""schemathesis hooks for the rules of the API that an OpenAPI schema cannot carry (``SCHEMATHESIS_HOOKS``).

Each rule is documented on its parameter and in docs/web.md, and the server answers 422 when it is broken; these
hooks make the *schema-valid* requests schemathesis generates keep them, so its ``positive_data_acceptance`` check
judges what the schema can judge:

- ``until`` is not before ``since`` (a relation between two parameters);
- ``q`` follows the search syntax (judged by the server's own parser, ``scenewatch.web.search.parse_query``);
- ``cursor`` is the ``next_cursor`` of a page of the same ``sort`` (an opaque token: generated here as the server
  would make it, for a random position, which keyset pagination accepts);
- the body of ``POST /api/leaks`` is a retail CSV (format ``retail-csv``: a header naming title, year, kind, date
  and optionally country, then rows);
- the file of ``POST /api/ingest/upload`` with ``format=auto`` is a text dump (judged by the server's own
  ``scenewatch.sources.detect_format``: random bytes are "binary data, not a text dump", a 422).

Nothing else is filtered or rewritten: every other generated value goes to the server as drawn, invalid ones
(negative mode) included.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime, timedelta
from typing import Any

import schemathesis
from hypothesis import strategies as st

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURSOR = re.compile(r"^[A-Za-z0-9_-]+$")


def _day(value: Any) -> date | None:
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return mode is None or bool(getattr(mode, "is_positive", False))


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Drop a schema-valid case whose ``until`` comes before its ``since``, or whose ``q`` does not parse."""
    query = case.query or {}
    if not _positive(case) or not isinstance(query, dict):
        return True
    since, until = _day(query.get("since")), _day(query.get("until"))
    if since and until and until < since:
        return False
    if isinstance(query.get("q"), str):
        from scenewatch.web.search import SearchError, parse_query

        try:
            parse_query(query["q"])
        except SearchError:
            return False
    if case.path == "/api/ingest/upload" and isinstance(case.body, dict):
        return _detectable_dump(case.body)
    return True


def _detectable_dump(body: dict[str, Any]) -> bool:
    """Whether the server can tell the uploaded file's format (``format=auto``), as it names the file it keeps."""
    import tempfile
    from pathlib import Path

    from scenewatch.sources import SourceError, detect_format

    data = body.get("file")
    if body.get("format", "auto") != "auto" or data is None:
        return True
    raw = data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.ndjson"
        path.write_bytes(raw)
        try:
            detect_format(path)
        except SourceError:
            return False
    return True


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Turn a schema-valid ``cursor`` into one the server could have issued for the case's ``sort``."""
    query = case.query
    if not _positive(case) or not isinstance(query, dict) or not isinstance(query.get("cursor"), str):
        return case
    if not _CURSOR.match(query["cursor"]):
        return case
    from scenewatch.web.search_sql import encode_cursor

    sort = query.get("sort") if query.get("sort") in ("newest", "oldest", "name", "-name") else "newest"
    seed = int.from_bytes(hashlib.sha256(query["cursor"].encode()).digest()[:8], "little")
    key: Any = datetime(2020, 1, 1) + timedelta(seconds=seed % (400 * 86400)) if sort in ("newest", "oldest") else (
        f"Some.Release.{seed % 10_000}-GRP")  # fmt: skip
    case.query = {**query, "cursor": encode_cursor(sort, key, str(seed))}
    return case


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
_ROW = st.tuples(
    _TEXT,
    st.integers(1950, 2030),
    st.sampled_from(["movie", "tv", "game", "music", "ebook", "software"]),
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    st.one_of(st.none(), st.sampled_from(["US", "GB", "DE", "FR", "JP"])),
)


@st.composite
def retail_csv(draw: Any) -> bytes:
    """A retail-dates CSV as ``scenewatch leaks`` reads it."""
    with_country = draw(st.booleans())
    rows = draw(st.lists(_ROW, max_size=8))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "year", "kind", "date", *(["country"] if with_country else [])])
    for title, year, kind, day, country in rows:
        writer.writerow([title, year, kind, day.isoformat(), *([country or ""] if with_country else [])])
    return out.getvalue().encode()


schemathesis.openapi.media_type("text/csv", retail_csv())
schemathesis.openapi.format("retail-csv", retail_csv().map(bytes.decode))
