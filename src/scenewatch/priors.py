"""The group prior of a store: its own counts laid over the prior the parser ships, and the TSV that ships.

The store keeps releases per (group, section) at every write (scenewatch.store.group_prior); here the sections
become categories (only sections that name one category count, ``names/data/sections.tsv``) and the counts a
:class:`~scenewatch.names.GroupPrior`. A group the store has seen often enough is judged by the store alone;
every other group keeps the shipped verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from scenewatch._version import __version__
from scenewatch.names import DEFAULT_PRIOR, GroupPrior, section_label
from scenewatch.names._prior import MIN_RELEASES, MIN_SHARE, dump_tsv
from scenewatch.store import Database
from scenewatch.store import group_prior as table

REBUILD_COMMAND = (
    "scenewatch ingest ../shared/data/predb-nzedb/dumps --db /tmp/prior/nzedb.duckdb -q && "
    "scenewatch prior --db /tmp/prior/nzedb.duckdb --out src/scenewatch/names/data/group_prior.tsv"
)


def labelled_counts(rows: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """``(group, section, releases)`` rows as ``(group, category, releases)``, dropping sections that mix categories."""
    out: Counter[tuple[str, str]] = Counter()
    for group, section, releases in rows:
        category = section_label(section)
        if category is not None:
            out[(group.lower(), category)] += releases
    return [(g, c, n) for (g, c), n in out.items()]


def store_counts(db: Database) -> list[tuple[str, str, int]]:
    """The store's ``(group, category, releases)`` (none for a store from before schema 8 opened read-only)."""
    if not db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table.TABLE]):
        return []
    return labelled_counts(table.counts(db.con))


def store_prior(db: Database) -> GroupPrior:
    """The prior learned from this store alone."""
    return GroupPrior.from_counts(store_counts(db))


def effective_prior(db: Database, default: GroupPrior = DEFAULT_PRIOR) -> GroupPrior:
    """The shipped prior, overruled for every group this store has seen ``MIN_RELEASES`` times or more."""
    own = store_prior(db)
    known = {g: by for g, by in own.counts.items() if sum(by.values()) >= MIN_RELEASES}
    return default.overlay(GroupPrior(known))


def changed_groups(db: Database, default: GroupPrior = DEFAULT_PRIOR) -> set[str]:
    """Groups (lower case) whose verdict this store's prior changes."""
    effective = effective_prior(db, default)
    groups = set(effective.verdicts) | set(default.verdicts)
    return {g for g in groups if effective.verdicts.get(g) != default.verdicts.get(g)}


def export_tsv(db: Database, out: Path) -> GroupPrior:
    """Write the store's own prior as the package's TSV, headed by its provenance; return it."""
    prior = store_prior(db)
    first, last, releases = db.con.execute("SELECT min(pre_at), max(pre_at), count(*) FROM releases").fetchone()
    labelled = sum(n for by in prior.counts.values() for n in by.values())
    header = [
        "Group prior: releases per group and category, from the sections they were announced in.",
        f"Learned from {Path(db.path).name}: {releases:,} releases pre'd {first:%Y-%m-%d} .. {last:%Y-%m-%d},"
        if first
        else f"Learned from {Path(db.path).name}: {releases:,} releases,",
        f"{labelled:,} of them in sections that name one category (names/data/sections.tsv);",
        f"{len(prior.counts):,} groups, {len(prior):,} with a verdict (at least {MIN_RELEASES} labelled release(s),"
        f" {MIN_SHARE:.0%} of them in one category).",
        f"Written by scenewatch {__version__} on {datetime.now(UTC):%Y-%m-%d}. Rebuild:",
        f"  {REBUILD_COMMAND}",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_tsv(prior, header), encoding="utf-8")
    return prior


def summary(db: Database, default: GroupPrior = DEFAULT_PRIOR):  # -> pd.DataFrame
    """Per category: groups the store judges so, groups the shipped prior judges so, and groups this store moves."""
    import pandas as pd

    own = store_prior(db)
    effective = effective_prior(db, default)
    changed = changed_groups(db, default)
    categories = sorted(set(own.verdicts.values()) | set(default.verdicts.values()))
    return pd.DataFrame(
        {
            "category": categories,
            "store_groups": [sum(1 for c in own.verdicts.values() if c == cat) for cat in categories],
            "shipped_groups": [sum(1 for c in default.verdicts.values() if c == cat) for cat in categories],
            "moved_here": [sum(1 for g in changed if effective.verdicts.get(g) == cat) for cat in categories],
        }
    )
