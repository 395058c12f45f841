"""`scenewatch retail pull`: look up stored titles on xREL and keep their retail dates in the store.

The titles come from the store (movies, TV shows and games the parser found a title for, the most released first);
each lookup — a search, then the chosen ext_info's dates — is committed on its own with the provider's id and the
time it was fetched, and a title the provider does not know is remembered as looked up, so an interrupted pull
resumes with the next title and a finished one asks nothing again. A search hit is taken only when its title is the
release's title under the leak analysis' normalisation (so a different film of a similar name is not matched); when
several films share that title, the one with a date within a year of the release's year is taken (xREL's ext_info
has no year of its own), and none when no candidate has one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scenewatch.analysis.leaks import normalise_title, title_key_sql
from scenewatch.records import RetailDate
from scenewatch.sources.xrel_retail import ExtInfoHit, XrelRetail
from scenewatch.store import Database
from scenewatch.store.retail import record_lookup, titles_to_look_up

DEFAULT_KINDS = ("movie", "tv", "game")


@dataclass
class RetailSummary:
    """What one pull looked up and found."""

    looked_up: int = 0
    found: int = 0
    dates: int = 0
    requests: int = 0
    remaining: int = 0
    seconds: float = 0.0


def choose(client: XrelRetail, hits: Sequence[ExtInfoHit], title_key: str, kind: str,
           year: int) -> tuple[ExtInfoHit | None, list[RetailDate]]:  # fmt: skip
    """The hit for a title and its dates: the same normalised title and, for a film with a year, a date within a
    year of it (at most three candidates are read); (None, []) when nothing fits."""
    same = [hit for hit in hits if normalise_title(hit.title) == title_key][:3]
    if not same:
        return None, []
    if kind != "movie" or not year or len(same) == 1:
        dates = client.dates(same[0])
        if kind == "movie" and year and dates and not any(abs(d.day.year - year) <= 1 for d in dates):
            return None, []  # the only film of that name is another one
        return same[0], dates
    for hit in same:
        dates = client.dates(hit)
        if any(abs(d.day.year - year) <= 1 for d in dates):
            return hit, dates
    return None, []


def pull_retail(
    db: Database,
    client: XrelRetail,
    *,
    kinds: Sequence[str] = DEFAULT_KINDS,
    limit: int | None = None,
    on_title: Callable[[RetailSummary, str], None] | None = None,
) -> RetailSummary:
    """Look up to ``limit`` titles not looked up yet; store each title's dates as it goes."""
    started = time.perf_counter()
    summary = RetailSummary()
    provider = client.spec.name
    todo = titles_to_look_up(db, provider, kinds, title_key_sql("title"))
    summary.remaining = len(todo)
    rows = todo.head(limit) if limit else todo
    for row in rows.itertuples(index=False):
        hits = client.search(str(row.title), str(row.kind))
        hit, dates = choose(client, hits, str(row.title_key), str(row.kind), int(row.year))
        record_lookup(db, provider, str(row.kind), str(row.title_key), int(row.year),
                      hit.ext_id if hit else None, hit.title if hit else None, dates)  # fmt: skip
        summary.looked_up += 1
        summary.remaining -= 1
        summary.found += hit is not None
        summary.dates += len(dates)
        summary.requests = client.requests
        if on_title is not None:
            on_title(summary, str(row.title))
    summary.seconds = time.perf_counter() - started
    return summary
