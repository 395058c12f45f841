#!/usr/bin/env python
"""Accuracy of ``scenewatch.names`` beside guessit and parsett, on the tuned and the validation half of each set.

Run from the repository root:  .venv/bin/python benchmarks/names_eval.py [--sample 150] [--json FILE]

Sets and halves come from benchmarks/names_sets.py: the development corpora split by a hash of the name, real
predb names split by time (tuned on 2019, reported on 2020-H2). Scoring is the shared evaluator's own
(``../shared/tools/parser-eval/measure.py``: its canonicalisation and field comparison), so a figure here is the
figure ``measure.py --add scenewatch=scenewatch.names:parse_dict`` prints for the same names.

* Corpora: share of asserted fields right, per suite and field, all three parsers on every name of each half.
* Real names: category right, per category, parsed **without** their section (the hard case: a feed that gives
  none) and with the group prior learned from the tune half only (2019: nothing of the validation period leaks
  in). scenewatch is scored on every name; guessit and parsett (slow) on a sample of up to ``--sample`` names per
  category, and their "all" rows are re-weighted to the full set's category shares. scenewatch's sample figure is
  printed beside theirs. A TV section's name counts as right when it is answered ``tv`` or ``sports`` (sports
  broadcasts are announced in TV sections; sports is a category of its own, see docs/names.md).
* The prior's effect alone: the same section-less real names with and without the prior.

``--src DIR`` parses with another checkout's ``src`` (e.g. the code before a change) for a before/after table.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVALUATOR = ROOT.parent / "shared" / "tools" / "parser-eval"
CATEGORIES = ("movie", "tv", "anime", "sports", "game", "software", "music", "musicvideo", "ebook", "audiobook", "xxx")
HALVES = (("tuned", "tune"), ("validation", "validation"))  # (corpus half, real-data split)
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import names_sets  # noqa: E402 - benchmarks/ is not a package


def _measure():
    """The shared evaluator (``measure.py``), imported as it is."""
    if not (EVALUATOR / "measure.py").exists():
        raise SystemExit(f"the shared evaluator is not at {EVALUATOR}")
    if str(EVALUATOR) not in sys.path:
        sys.path.insert(0, str(EVALUATOR))
    return importlib.import_module("measure")


def reference_parsers() -> dict[str, Callable[[str], dict]]:
    """guessit and parsett through the evaluator's adapters (those installed)."""
    measure = _measure()
    out = {}
    for label, key in (("guessit", "guessit"), ("parsett", "ptt")):
        try:
            out[label] = measure.BUILTIN[key]()
        except ImportError:
            pass
    return out


def scenewatch_parser(prior=None, section_of: dict[str, str] | None = None) -> Callable[[str], dict]:
    """scenewatch in the evaluator's common vocabulary, with an optional prior and sections (by name)."""
    measure = _measure()
    from scenewatch.names import parse

    def run(name: str) -> dict:
        section = section_of.get(name) if section_of else None
        p = parse(name, section) if prior is None else parse(name, section, prior=prior)
        return measure.canon_common(p.to_dict())

    return run


def score_suites(fn: Callable[[str], dict], suites: dict[str, list[dict]]) -> dict[str, dict[str, list[int]]]:
    """Per suite and field: [asserted, right], by the evaluator's rules."""
    measure = _measure()
    out: dict[str, dict[str, list[int]]] = {}
    for suite, cases in suites.items():
        per = out.setdefault(suite, {})
        for case in cases:
            got, _ = measure.safe(fn, case["name"])
            for field, expected in case["expected"].items():
                ok = measure.field_ok(field, expected, got, (case.get("match") or {}).get(field))
                cell = per.setdefault(field, [0, 0])
                cell[0] += 1
                cell[1] += bool(ok)
    return out


def category_right(expected: str, got: str | None) -> bool:
    """Whether an answer counts as the labelled category (a TV section's sports broadcast may be ``sports``)."""
    return got == expected or got in names_sets.ALSO_RIGHT.get(expected, ())


def score_categories(fn: Callable[[str], dict], rows) -> dict[str, list[int]]:
    """Per labelled category: [names, right]."""
    measure = _measure()
    out: dict[str, list[int]] = {}
    for r in rows:
        got, _ = measure.safe(fn, r.name)
        cell = out.setdefault(r.category, [0, 0])
        cell[0] += 1
        cell[1] += category_right(r.category, got.get("category"))
    return out


def category_of(rows, parse_category: Callable[[str], str | None]) -> dict[str, list[int]]:
    """Like ``score_categories`` for scenewatch's own ``parse(...).category`` (fast: no canonicalisation)."""
    out: dict[str, list[int]] = {}
    for r in rows:
        cell = out.setdefault(r.category, [0, 0])
        cell[0] += 1
        cell[1] += category_right(r.category, parse_category(r))
    return out


def overall(per: dict[str, list[int]], weights: dict[str, int] | None = None) -> float:
    """Share right over all categories (re-weighted to ``weights``' shares when given)."""
    if weights is None:
        n = sum(v[0] for v in per.values())
        return sum(v[1] for v in per.values()) / n if n else float("nan")
    total = sum(weights[c] for c in per if c in weights)
    return sum(weights[c] / total * per[c][1] / per[c][0] for c in per if c in weights and per[c][0])


# ----------------------------------------------------------------------------- run
def evaluate(sample: int = 150, with_references: bool = True) -> dict:
    """Every table of this module as one JSON-able dict."""
    import scenewatch.names
    from scenewatch.names import implementation, parse

    has_prior = hasattr(scenewatch.names, "GroupPrior")  # older parsers (a --src before the prior) have none
    halves = names_sets.corpus_halves()
    labelled = names_sets.predb_labelled()
    refs = reference_parsers() if with_references else {}
    result: dict = {"implementation": implementation(), "corpora": {}, "predb": {}, "prior": {}, "counts": {}}
    prior = None
    if has_prior:
        from scenewatch.names import GroupPrior

        prior = GroupPrior.from_labelled((r.name, r.category) for r in labelled if r.split == "tune")
        result["prior_groups"] = len(prior)
    for half, split in HALVES:
        suites = halves[half]
        started = time.process_time()
        table = {"scenewatch": score_suites(scenewatch_parser(), suites)}
        for label, fn in refs.items():
            table[label] = score_suites(fn, suites)
        result["corpora"][half] = table
        rows = [r for r in labelled if r.split == split]
        weights = collections.Counter(r.category for r in rows)
        result["counts"][split] = dict(weights)
        if prior is not None:
            with_prior = category_of(rows, lambda r: parse(r.name, prior=prior).category)
        else:
            with_prior = category_of(rows, lambda r: parse(r.name).category)
        no_prior = (
            category_of(rows, lambda r: parse(r.name, prior=NO_PRIOR()).category) if prior is not None else with_prior
        )
        with_section = category_of(rows, lambda r: parse(r.name, r.section).category)
        picked = names_sets.stratified_sample(rows, sample)
        sampled = {"scenewatch": score_categories(scenewatch_parser(prior), picked)}
        for label, fn in refs.items():
            sampled[label] = score_categories(fn, picked)
        result["predb"][split] = {"full": with_prior, "with_section": with_section, "sample": sampled}
        result["prior"][split] = {"with": with_prior, "without": no_prior}
        result.setdefault("classes", {})[split] = class_scores(rows, prior)
        print(f"# {half}: {time.process_time() - started:.0f} CPU-s", file=sys.stderr)
    return result


def class_scores(rows, prior) -> dict[str, dict[str, int | None]]:
    """Per class of names (``names_sets.CLASSES``): names, and how many are right with the prior, without it, with
    the section."""
    from scenewatch.names import parse

    out: dict[str, dict[str, int | None]] = {}
    for label, members in names_sets.class_rows(rows).items():
        cell: dict[str, int | None] = {"names": len(members), "with_prior": None, "without_prior": None}
        if prior is not None:
            cell["with_prior"] = sum(category_right(r.category, parse(r.name, prior=prior).category) for r in members)
            cell["without_prior"] = sum(
                category_right(r.category, parse(r.name, prior=NO_PRIOR()).category) for r in members
            )
        cell["with_section"] = sum(category_right(r.category, parse(r.name, r.section).category) for r in members)
        out[label] = cell
    return out


def class_table(result: dict) -> list[str]:
    """Markdown: category right on the issue's classes of names, both halves, with and without the prior."""
    out = ["", "### Classes of names (issue #18): category right, names parsed without their section", ""]
    out += [
        "| class | tune names | tune, prior | tune, no prior | valid. names | valid., prior | valid., no prior |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    tune, valid = result.get("classes", {}).get("tune", {}), result.get("classes", {}).get("validation", {})
    for label in tune:
        cells = []
        for c in (tune[label], valid.get(label)):
            if not c or not c["names"]:
                cells += ["0", "-", "-"]
                continue
            cells.append(str(c["names"]))
            for key in ("with_prior", "without_prior"):
                cells.append("-" if c[key] is None else f"{c[key] / c['names']:.1%}")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def NO_PRIOR():  # noqa: N802 - the parser's "no prior" value, imported late (older parsers have none)
    import scenewatch.names

    return scenewatch.names.NO_PRIOR


# ----------------------------------------------------------------------------- print
def _pct(cell: list[int] | None) -> str:
    return f"{cell[1] / cell[0]:.1%}" if cell and cell[0] else "-"


def corpus_tables(result: dict) -> list[str]:
    """Markdown: per suite (all fields) and per suite × field, tuned and validation half side by side."""
    out = []
    parsers = list(result["corpora"]["validation"])
    head = "| suite | field | n | " + " | ".join(f"{p} tuned" for p in parsers) + " | "
    head += " | ".join(f"{p} valid." for p in parsers) + " |"
    out += ["### Development corpora: share of asserted fields right (tuned half · validation half)", "", head]
    out.append("|---|---|---:|" + "---:|" * (2 * len(parsers)))
    suites = result["corpora"]["validation"][parsers[0]]
    for suite in suites:
        fields = list(suites[suite])
        rows = [("all", None), *((f, f) for f in fields)]
        for label, field in rows:
            cells = []
            for half in ("tuned", "validation"):
                for p in parsers:
                    per = result["corpora"][half][p].get(suite, {})
                    if field is None:
                        cell = [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]
                    else:
                        cell = per.get(field)
                    cells.append(_pct(cell))
            n = result["corpora"]["validation"][parsers[0]][suite]
            count = sum(v[0] for v in n.values()) if field is None else n.get(field, [0])[0]
            out.append(f"| {suite} | {label} | {count} | " + " | ".join(cells) + " |")
    return out


def predb_tables(result: dict) -> list[str]:
    """Markdown: category right per labelled category, tune (2019) and validation (2020-H2)."""
    out = []
    for split in ("tune", "validation"):
        r = result["predb"][split]
        sample_parsers = list(r["sample"])
        counts = result["counts"][split]
        out += [
            "",
            f"### Real predb names, {'tune half (2019)' if split == 'tune' else 'validation half (2020-H2)'}: "
            "category right, names parsed without their section",
            "",
            "| category | names | scenewatch (all names) | with section | "
            + " | ".join(f"{p} (sample)" for p in sample_parsers)
            + " |",
            "|---|---:|---:|---:|" + "---:|" * len(sample_parsers),
        ]
        for c in CATEGORIES:
            if c not in counts:
                continue
            cells = [_pct(r["sample"][p].get(c)) for p in sample_parsers]
            head = f"| {c} | {counts[c]} | {_pct(r['full'].get(c))} | {_pct(r['with_section'].get(c))} | "
            out.append(head + " | ".join(cells) + " |")
        cells = [f"{overall(r['sample'][p], counts):.1%}" for p in sample_parsers]
        out.append(
            f"| **all** | {sum(counts.values())} | {overall(r['full']):.1%} | {overall(r['with_section']):.1%} | "
            + " | ".join(cells)
            + " |"
        )
    return out


def prior_table(result: dict) -> list[str]:
    """Markdown: category right on section-less real names with and without the group prior."""
    out = ["", "### The group prior alone: real names without their section", ""]
    out += ["| half | names | without prior | with prior (learned from 2019) |", "|---|---:|---:|---:|"]
    for split in ("tune", "validation"):
        p = result["prior"][split]
        names = sum(v[0] for v in p["with"].values())
        out.append(f"| {split} | {names} | {overall(p['without']):.1%} | {overall(p['with']):.1%} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=150, help="real names per category timed for guessit / parsett")
    ap.add_argument("--no-references", action="store_true", help="scenewatch only (fast)")
    ap.add_argument("--src", type=Path, help="parse with the scenewatch in this src folder (before/after tables)")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    args = ap.parse_args()
    if args.src:
        sys.path.insert(0, str(args.src.resolve()))
    result = evaluate(args.sample, not args.no_references)
    print(f"parser: {result['implementation']}" + (f" from {args.src}" if args.src else ""))
    print("\n".join(corpus_tables(result) + predb_tables(result) + prior_table(result) + class_table(result)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
