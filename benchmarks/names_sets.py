"""Evaluation sets for the release-name parser, each split into a half we tune on and a half we only report.

* **Real predb names** (``../shared/data/predb-nzedb/dumps``): one release per lower-cased name, labelled with the
  category of the sections it was announced in, when those sections name one category (``one`` in
  ``scenewatch/names/data/sections.tsv``; mixed ones such as ``X264``, ``0DAY`` or ``MP3/FLAC`` label nothing, and a
  release whose sections disagree is left out). Split by the day it was first seen: **tune on 2019, report on
  2020-07-01 … 2020-12-31**; the months between are used for neither. docs/names-eval.md says which sections were
  excluded and why.
* **Development corpora** (``../shared/data/parser/corpus_*.jsonl``): a fixed half of every suite by a hash of the
  name (``corpus_half``), the same on every machine and every run.

The shared data is read where it lies and never copied into the repository; what is built from it is cached under
``build/names-eval/`` (git-ignored) and rebuilt when the dumps or the sections table change.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DUMPS = SHARED / "data" / "predb-nzedb" / "dumps"
CORPUS_DIR = SHARED / "data" / "parser"
CACHE = ROOT / "build" / "names-eval"

TUNE = (date(2019, 1, 1), date(2019, 12, 31))
VALIDATION = (date(2020, 7, 1), date(2020, 12, 31))
# srrDB's times are when a file reached srrDB and its rows carry no section: they say nothing about a release's day.
UNTIMED_FEEDS = frozenset({"srrdb"})
# A TV section's sports broadcasts are `sports` by the parser's rule (docs/names.md): either answer is right there.
ALSO_RIGHT = {"tv": frozenset({"sports"})}

# The classes issue #18 names, picked out of the labelled set by the name alone (the label is still the section's):
# (class, the labelled category its names must carry, the pattern). Written from the description of each class,
# not from the parser's rules, so a class holds the names the parser gets wrong as well as those it gets right.
CLASSES = (
    ("music video (MBluRay, MDVDR, MVID …)", "musicvideo", r"(?i)[._-](mbluray|mdvdr|mdvd-r|mvid|mdvd|mbd|mhd)[._-]"),
    ("music video (any name)", "musicvideo", r"."),
    (
        "tutorial (Lynda, Udemy, Pluralsight …)",
        "software",
        r"(?i)^(lynda|udemy|pluralsight|linkedin[._]learning|o\.?reilly|packt|skillshare|team[._]?treehouse|treehouse"
        r"|infinite[._]?skills|cbt[._]?nuggets|ine|pearson|sonic[._]academy|groove3|ask[._]video|masterclass"
        r"|coursera|edx|udacity|cloud[._]academy|acloudguru|a[._]cloud[._]guru|digital[._]tutors|cg[._]?cookie)[._-]",
    ),
    ("game update, patch, repack", "game", r"(?i)[._-](update|patch|hotfix|repack|build)[._-]?v?\d"),
    ("game with a version (v1.0440 …)", "game", r"(?i)[._-]v\d+(\.\d+)+[._-]"),
    ("software with a version", "software", r"(?i)[._-]v?\d+\.\d+(\.\d+)*[a-z]?[._-]"),
)


@dataclass(frozen=True, slots=True)
class Labelled:
    """One real release with the category its sections name and the half it falls in."""

    name: str
    section: str
    category: str
    day: date
    split: str  # "tune" or "validation"


def split_of(day: date) -> str | None:
    """``"tune"`` for 2019, ``"validation"`` for 2020-H2, None for the days in between and after."""
    if TUNE[0] <= day <= TUNE[1]:
        return "tune"
    if VALIDATION[0] <= day <= VALIDATION[1]:
        return "validation"
    return None


def corpus_half(name: str) -> str:
    """The fixed half of a development-corpus case: ``"tuned"`` or ``"validation"`` by a hash of its name."""
    return "validation" if hashlib.sha1(name.encode("utf-8")).digest()[0] & 1 else "tuned"


# ----------------------------------------------------------------------------- real predb names
SECTIONS_TSV = ROOT / "src" / "scenewatch" / "names" / "data" / "sections.tsv"


def _fingerprint(dumps: Path) -> str:
    digest = hashlib.sha1(SECTIONS_TSV.read_bytes())
    for path in sorted(dumps.iterdir()):
        digest.update(f"{path.name}:{path.stat().st_size}".encode())
    digest.update(repr((TUNE, VALIDATION, sorted(UNTIMED_FEEDS))).encode())
    return digest.hexdigest()[:16]


def _sightings(dumps: Path) -> Iterator[tuple[str, str | None, str | None, str | None]]:
    """(name, section, feed, predate) of every row of every dump, read by scenewatch's own nZEDb reader."""
    from scenewatch.sources.formats import nzedb
    from scenewatch.sources.lines import read_lines

    for path in sorted(dumps.glob("*_predb_dump.csv*")):
        for _, row in nzedb.records(read_lines(path), str(path)):
            if isinstance(row, str):  # a broken line: nothing to learn from it
                continue
            yield row["title"] or "", row["category"], row["source"], row["predate"]


def class_rows(rows: list[Labelled]) -> dict[str, list[Labelled]]:
    """The labelled rows of each of :data:`CLASSES` (a name may be in several)."""
    out: dict[str, list[Labelled]] = {}
    for label, category, pattern in CLASSES:
        rx = re.compile(pattern)
        out[label] = [r for r in rows if r.category == category and rx.search(r.name)]
    return out


def label_releases(sightings: Iterable[tuple[str, str | None, str | None, str | None]]) -> list[Labelled]:
    """One labelled release per lower-cased name from (name, section, feed, predate) rows, in first-seen order."""
    from scenewatch.names import section_label

    first: dict[str, list] = {}  # lower name -> [name, first day, sections in order]
    for name, section, feed, predate in sightings:
        if not name or feed in UNTIMED_FEEDS or not predate:
            continue
        day = predate[:10]
        key = name.lower()
        seen = first.get(key)
        if seen is None:
            first[key] = [name, day, [section] if section else []]
            continue
        if day < seen[1]:
            seen[1] = day
        if section and section not in seen[2]:
            seen[2].append(section)
    out = []
    for name, day, sections in first.values():
        split = split_of(date.fromisoformat(day))
        if split is None:
            continue
        labels = [(s, section_label(s)) for s in sections]
        categories = {c for _, c in labels if c is not None}
        if len(categories) != 1:
            continue  # no section names one category, or two sections disagree
        section, category = next((s, c) for s, c in labels if c is not None)
        out.append(Labelled(name, section, category, date.fromisoformat(day), split))
    return out


def predb_labelled(dumps: Path = DUMPS, cache: Path = CACHE) -> list[Labelled]:
    """The labelled real names of both halves (built once from the dumps, then read from ``cache``)."""
    path = cache / f"predb-{_fingerprint(dumps)}.jsonl.gz"
    if not path.exists():
        rows = label_releases(_sightings(dumps))
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps([r.name, r.section, r.category, r.day.isoformat(), r.split]) + "\n")
        tmp.replace(path)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [Labelled(n, s, c, date.fromisoformat(d), p) for n, s, c, d, p in map(json.loads, fh)]


def stratified_sample(rows: list[Labelled], per_category: int) -> list[Labelled]:
    """Up to ``per_category`` releases of every category, chosen by a hash of the name (the same on every run)."""
    by: dict[str, list[Labelled]] = {}
    for r in sorted(rows, key=lambda r: hashlib.sha1(r.name.encode("utf-8")).digest()):
        got = by.setdefault(r.category, [])
        if len(got) < per_category:
            got.append(r)
    return [r for category in sorted(by) for r in by[category]]


# ----------------------------------------------------------------------------- development corpora
def corpora(corpus_dir: Path = CORPUS_DIR) -> dict[str, list[dict]]:
    """Every ``corpus_<suite>.jsonl`` as a list of cases ``{"name", "expected", ...}``."""
    suites = {}
    for path in sorted(corpus_dir.glob("corpus_*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            suites[path.stem.removeprefix("corpus_")] = [json.loads(line) for line in fh if line.strip()]
    return suites


def corpus_halves(corpus_dir: Path = CORPUS_DIR) -> dict[str, dict[str, list[dict]]]:
    """``{"tuned": {suite: cases}, "validation": {suite: cases}}``."""
    halves: dict[str, dict[str, list[dict]]] = {"tuned": {}, "validation": {}}
    for suite, cases in corpora(corpus_dir).items():
        for half in halves:
            halves[half][suite] = [c for c in cases if corpus_half(c["name"]) == half]
    return halves


def write_halves(out: Path = CACHE / "corpora", corpus_dir: Path = CORPUS_DIR) -> dict[str, Path]:
    """Write each half as ``<out>/<half>/corpus_<suite>.jsonl``, the layout ``measure.py --corpus-dir`` reads."""
    written = {}
    for half, suites in corpus_halves(corpus_dir).items():
        folder = out / half
        folder.mkdir(parents=True, exist_ok=True)
        for suite, cases in suites.items():
            with (folder / f"corpus_{suite}.jsonl").open("w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
        written[half] = folder
    return written


if __name__ == "__main__":
    import collections

    labelled = predb_labelled()
    counts = collections.Counter((r.split, r.category) for r in labelled)
    for split in ("tune", "validation"):
        by = {c: n for (s, c), n in counts.items() if s == split}
        print(split, sum(by.values()), by)
    for half, folder in write_halves().items():
        print(half, folder)
