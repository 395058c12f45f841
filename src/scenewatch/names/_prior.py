"""The group prior: what each release group releases, learned from announced sections.

``parse(name, section=None, prior=None)`` consults it only when the name carries no section that names one
category and the name's own evidence is weak ("Hero.Rush.Mad.King-SiMPLEX" is a game because SiMPLEX releases
games). The prior is an input, so parsing stays pure: ``None`` means the default shipped in
``data/group_prior.tsv`` (learned from the real nZEDb slice; its header says how it was built and the command that
rebuilds it), :data:`NO_PRIOR` means none, and a store's own counts (``scenewatch.store.group_prior``) make another.

A group gets a verdict when enough of its releases were announced in sections that name one category
(``one`` in ``data/sections.tsv``) and nearly all of them name the same category.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files

from scenewatch.names._tables import CATEGORIES, _rows

# A verdict needs this many labelled releases of the group, this share of them in one category. Chosen on 2019
# alone (learned from 2019-H1, scored on 2019-H2, benchmarks/names_eval.py's sets): the prior only speaks when the
# name's own evidence is weak, so one release in a section that names one category is already worth hearing.
MIN_RELEASES = 1
MIN_SHARE = 0.6
DEFAULT_FILE = "group_prior.tsv"


class GroupPrior(Mapping[str, str]):
    """Release group (any case) -> the one category it releases; built from labelled counts."""

    __slots__ = ("counts", "verdicts")

    def __init__(self, counts: Mapping[str, Mapping[str, int]] | None = None, *, min_releases: int = MIN_RELEASES,
                 min_share: float = MIN_SHARE) -> None:  # fmt: skip
        self.counts: dict[str, dict[str, int]] = {g: dict(c) for g, c in (counts or {}).items()}
        self.verdicts: dict[str, str] = {}
        for group, by in self.counts.items():
            total = sum(by.values())
            if total < min_releases or (len(group) == 4 and group.isdecimal() and group[:2] in ("19", "20")):
                continue  # a year read as a group ("Artist-Album-WEB-2019") says nothing about a group
            category, top = max(by.items(), key=lambda kv: (kv[1], kv[0]))
            if top >= min_share * total:
                self.verdicts[group] = category

    # Mapping: the verdicts, keyed by lower-cased group
    def __getitem__(self, group: str) -> str:
        return self.verdicts[group.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.verdicts)

    def __len__(self) -> int:
        return len(self.verdicts)

    def __repr__(self) -> str:
        return f"GroupPrior({len(self.counts)} groups, {len(self.verdicts)} verdicts)"

    @classmethod
    def from_counts(cls, rows: Iterable[tuple[str, str, int]], **thresholds: float) -> GroupPrior:
        """From ``(group, category, releases)`` rows (a group may come in several rows; they add up)."""
        counts: dict[str, dict[str, int]] = {}
        for group, category, releases in rows:
            if not group or category not in _KNOWN:
                continue
            by = counts.setdefault(group.lower(), {})
            by[category] = by.get(category, 0) + int(releases)
        return cls(counts, **thresholds)  # type: ignore[arg-type]

    @classmethod
    def from_labelled(cls, names: Iterable[tuple[str, str]], **thresholds: float) -> GroupPrior:
        """From ``(release name, labelled category)`` pairs: the group is the one the parser reads in the name."""
        from scenewatch.names._core import _core

        groups = ((_core(name, None, True, NO_PRIOR.verdicts)[11], category, 1) for name, category in names)
        return cls.from_counts(groups, **thresholds)

    def overlay(self, other: GroupPrior) -> GroupPrior:
        """This prior's counts, with ``other``'s replacing them for every group ``other`` knows."""
        merged = dict(self.counts)
        merged.update(other.counts)
        out = GroupPrior.__new__(GroupPrior)
        out.counts = merged
        out.verdicts = {**self.verdicts, **other.verdicts}
        for group in other.counts:
            if group not in other.verdicts:
                out.verdicts.pop(group, None)  # the store knows this group and finds it mixed
        return out

    def rows(self) -> list[tuple[str, str, int]]:
        """``(group, category, releases)`` rows, by group then count (the TSV's body)."""
        return [(g, c, n) for g in sorted(self.counts) for c, n in sorted(self.counts[g].items(), key=_by_count)]


_KNOWN = frozenset(CATEGORIES)


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def load_tsv(text: str) -> GroupPrior:
    """A prior from TSV text: ``group<TAB>category<TAB>releases`` lines, ``#`` comments."""
    rows = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        group, category, releases = line.split("\t")[:3]
        rows.append((group, category, int(releases)))
    return GroupPrior.from_counts(rows)


def dump_tsv(prior: GroupPrior, header: Iterable[str] = ()) -> str:
    """TSV text of ``prior``'s counts, with ``header`` lines as ``#`` comments first."""
    lines = [f"# {h}" if h else "#" for h in header]
    lines.append("# group\tcategory\treleases")
    lines += [f"{g}\t{c}\t{n}" for g, c, n in prior.rows()]
    return "\n".join(lines) + "\n"


def _default() -> GroupPrior:
    """The shipped prior (learned) with the hand-kept ``groups.tsv`` for groups it has no verdict on."""
    learned = load_tsv(files("scenewatch.names").joinpath("data", DEFAULT_FILE).read_text(encoding="utf-8"))
    curated = {row[0].lower(): row[1] for row in _rows("groups.tsv")}
    for group, category in curated.items():
        if group not in learned.counts:
            learned.verdicts[group] = category
    return learned


NO_PRIOR = GroupPrior()
DEFAULT_PRIOR = _default()
