#!/usr/bin/env python
"""Throughput and worst-case timing of ``scenewatch.names`` against guessit and parsett.

Run from the repository root:  .venv/bin/python benchmarks/bench_names.py [--seconds 3] [--sample 300] [--no-accuracy]

The parser is compiled by Cython at install time when a C compiler is there (setup.py); the header says
which parser ran, and a compiled run also times the same source uncompiled, in a child process.

Names are real predb names (a fixed sample of benchmarks/names_sets.py's labelled set, from
``../shared/data/predb-nzedb``) and the development corpora in ``../shared/data/parser/`` when those folders
exist (read at run time, never copied), otherwise a synthetic set built here. Throughput is CPU time of this
process (one core), best of several rounds, with wall time beside it; guessit and parsett are slow, so they are
timed on a sample of a few hundred of the same names. The worst-case section feeds 10 KB adversarial inputs and
reports the maximum time of a single call. The accuracy section is benchmarks/names_eval.py's tables: tuned
and validation halves, per field and per category, beside guessit and parsett.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from scenewatch.names import implementation, parse, parse_columns  # noqa: E402

CORPUS_DIR = ROOT.parent / "shared" / "data" / "parser"
REAL_SAMPLE = 50_000


def real_names(count: int = REAL_SAMPLE) -> list[str]:
    """A fixed sample of real predb names (both halves of the labelled set), or none without the shared data."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import names_sets

    if not names_sets.DUMPS.is_dir():
        return []
    rows = names_sets.predb_labelled()
    return [r.name for r in rows[:: max(1, len(rows) // count)]][:count]


def real_announcements(count: int = REAL_SAMPLE) -> list[tuple[str, str]]:
    """The same fixed sample as :func:`real_names`, each name with the section it was announced in."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import names_sets

    if not names_sets.DUMPS.is_dir():
        return []
    rows = names_sets.predb_labelled()
    return [(r.name, r.section) for r in rows[:: max(1, len(rows) // count)]][:count]


def cold_ingest_rate(announcements: Sequence[tuple[str, str]]) -> float:
    """parse_columns() on real names with their sections, the token and section caches emptied first: what a parse
    worker of an ingest meets (every token and section first seen), not the warm best round of the rows above."""
    from scenewatch.names import _tokens

    names = [a[0] for a in announcements]
    sections = [a[1] for a in announcements]
    _tokens._cache.clear()
    _tokens._section_cache.clear()
    gc.collect()
    t0 = time.process_time()
    parse_columns(names, sections)
    dt = time.process_time() - t0
    return len(names) / dt if dt > 0 else 0.0


def load_names() -> tuple[list[str], str]:
    names: set[str] = set()
    for path in sorted(CORPUS_DIR.glob("corpus_*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                names.add(json.loads(line)["name"])
    if names:
        return sorted(names), f"development corpora ({CORPUS_DIR})"
    return synthetic_names(3000), "synthetic names (corpora not found)"


def synthetic_names(count: int) -> list[str]:
    rnd = random.Random(7)
    words = "the of night dark river city last king house star blue road fire lost world time".split()
    tech = ["1080p", "720p", "2160p", "BluRay", "WEB-DL", "WEB", "HDTV", "x264", "x265", "H.264", "DDP5.1"]
    groups = ["GRP", "NTb", "FLUX", "SPARKS", "KOGi", "VENOM", "CODEX"]
    out = []
    for i in range(count):
        title = ".".join(rnd.choice(words).title() for _ in range(rnd.randint(1, 5)))
        kind = i % 5
        if kind == 0:
            mid = f"{rnd.randint(1950, 2024)}.{rnd.choice(tech[:3])}.{rnd.choice(tech[3:7])}.{rnd.choice(tech[7:])}"
        elif kind == 1:
            mid = f"S{rnd.randint(1, 20):02d}E{rnd.randint(1, 24):02d}.{rnd.choice(tech[:3])}.WEB.h264"
        elif kind == 2:
            mid = f"{rnd.randint(2015, 2024)}.{rnd.randint(1, 12):02d}.{rnd.randint(1, 28):02d}.720p.HDTV.x264"
        elif kind == 3:
            mid = f"Update.v{rnd.randint(1, 9)}.{rnd.randint(0, 9)}.{rnd.randint(0, 99)}_NSW"
        else:
            title = title.replace(".", "_")
            mid = f"-{title}-WEB-{rnd.randint(1990, 2024)}"
        out.append(f"{title}.{mid}-{rnd.choice(groups)}")
    return out


def throughput(fn: Callable[[str], object], names: Sequence[str], seconds: float) -> float:
    """Names per CPU second, best round of at least ``seconds`` of work."""
    return timed(fn, names, seconds)[0]


def timed(fn: Callable[[str], object], names: Sequence[str], seconds: float) -> tuple[float, float]:
    """(names per CPU second, names per wall second) of the best round of at least ``seconds`` of work."""
    for n in names[:200]:
        fn(n)  # warm-up
    gc.collect()
    best = wall = 0.0
    spent = 0.0
    rounds = 0
    while spent < seconds or rounds < 3:
        t0, w0 = time.process_time(), time.perf_counter()
        for n in names:
            fn(n)
        dt, dw = time.process_time() - t0, time.perf_counter() - w0
        spent += dt
        rounds += 1
        if dt > 0 and len(names) / dt > best:
            best, wall = len(names) / dt, len(names) / dw if dw > 0 else 0.0
    return best, wall


def unseen_throughput(count: int = 20_000) -> float:
    """Names whose title words were never seen (real ingest): every new token is classified once."""
    rnd = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = []
    for i in range(count):
        words = [
            "".join(rnd.choice(letters) for _ in range(rnd.randint(3, 9))).title() for _ in range(rnd.randint(1, 4))
        ]
        group = "".join(rnd.choice(letters) for _ in range(5)).upper()
        tail = ("S01E02.1080p.WEB.h264", "2019.1080p.BluRay.x264", "2021.06.14.720p.HDTV.x264")[i % 3]
        names.append(".".join(words) + "." + tail + "-" + group)
    gc.collect()
    t0 = time.process_time()
    for n in names:
        parse(n)
    dt = time.process_time() - t0
    return len(names) / dt if dt > 0 else 0.0


def columns_throughput(names: Sequence[str], seconds: float) -> float:
    batch = list(names) * max(1, 50_000 // max(1, len(names)))
    best = 0.0
    spent = 0.0
    rounds = 0
    while spent < seconds or rounds < 2:
        t0 = time.process_time()
        parse_columns(batch, None)
        dt = time.process_time() - t0
        spent += dt
        rounds += 1
        if dt > 0:
            best = max(best, len(batch) / dt)
    return best


def adversarial_inputs(size: int = 10_000) -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (size // max(1, len(unit)) + 1))[:size]

    rnd = random.Random(11)
    alphabet = "aZ09._- []()/\\&+#~!x\u202e\u0301\U0001f600\x00\t\n-"
    return {
        "separators only": fill(".-_ "),
        "dashes": fill("-"),
        "open brackets": fill("["),
        "nested brackets": fill("([{"),
        "one long token": fill("a"),
        "digits": fill("1"),
        "dotted digits": fill("1."),
        "version chain": "v1" + fill(".1"),
        "episode markers": fill("S01E01."),
        "episode ranges": fill("E01-"),
        "dates": fill("2020.01.02."),
        "dash numbers": fill(" - 01"),
        "group dashes": fill("a-b"),
        "crc brackets": fill("[ABCDEF12]"),
        "tech tokens": fill("1080p.x264.WEB-DL.DDP5.1."),
        "language words": fill("French.German."),
        "slashes": fill("a/"),
        "backslashes": fill("a\\"),
        "control chars": fill("\x00\x01\x1f"),
        "emoji": fill("\U0001f600."),
        "right-to-left": fill("\u05e9\u05dc\u05d5\u05dd.\u202e"),
        "random mix": "".join(rnd.choice(alphabet) for _ in range(size)),
        "100 KB": fill("Title.") * 10,
    }


def worst_case(repeats: int = 5) -> list[tuple[str, float]]:
    rows = []
    for label, text in adversarial_inputs().items():
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            parse(text)
            best = min(best, time.perf_counter() - t0)
        rows.append((label, best))
    return rows


def python_rate(seconds: float, real: bool = False) -> float:
    """parse()'s names/s with the pure-Python parser, measured in a child process (SCENEWATCH_PURE_PYTHON=1)."""
    out = subprocess.run(
        [sys.executable, __file__, "--rate-only", "--seconds", str(seconds), *(["--real"] if real else [])],
        env={**os.environ, "SCENEWATCH_PURE_PYTHON": "1"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum CPU seconds timed for scenewatch")
    ap.add_argument("--sample", type=int, default=300, help="names timed for guessit / parsett")
    ap.add_argument("--rate-only", action="store_true", help="print only parse()'s names/s (used for the Python run)")
    ap.add_argument("--real", action="store_true", help="with --rate-only: on the real names")
    ap.add_argument("--no-accuracy", action="store_true", help="skip the accuracy tables (they take a few minutes)")
    args = ap.parse_args()

    names, origin = load_names()
    if args.rate_only:
        print(f"{throughput(parse, real_names() if args.real else names, args.seconds):.0f}")
        return
    real = real_names()
    sample = random.Random(3).sample(names, min(args.sample, len(names)))
    print(f"names: {len(names)} from {origin}; {len(real)} real predb names; python {sys.version.split()[0]}; "
          f"parser: {implementation()}")  # fmt: skip
    print()
    print("## Throughput (one core; names per CPU second, best round; wall time beside it)")
    rates: dict[str, float] = {}
    if real:
        cpu, wall = timed(parse, real, args.seconds)
        print(f"scenewatch parse(), real    {cpu:>12,.0f} names/s  ({implementation()}; wall {wall:,.0f}/s)")
        if implementation() == "compiled":
            python = python_rate(args.seconds, real=True)
            print(f"scenewatch parse(), real    {python:>12,.0f} names/s  (python: the same source, uncompiled)")
    cpu, wall = timed(parse, names, args.seconds)
    rates["scenewatch"] = cpu
    print(f"scenewatch parse(), corpora {cpu:>12,.0f} names/s  ({implementation()}; wall {wall:,.0f}/s)")
    if implementation() == "compiled":
        python = python_rate(args.seconds)
        print(f"scenewatch parse(), corpora {python:>12,.0f} names/s  (python: the same source, uncompiled)")
    cols = columns_throughput(real or names, args.seconds / 2)
    print(f"scenewatch parse_columns()  {cols:>12,.0f} names/s  (ingest hot path, batches of ~50k)")
    print(f"scenewatch unseen names     {unseen_throughput():>12,.0f} names/s  (new title words and groups, cold)")
    announced = real_announcements() if real else []
    if announced:
        cold = cold_ingest_rate(announced)
        print(f"scenewatch real, sections   {cold:>12,.0f} names/s  (parse_columns, caches emptied: a parse worker)")
    sw_sample = throughput(parse, sample, 0.5)
    print(f"scenewatch on the sample    {sw_sample:>12,.0f} names/s  ({len(sample)} names)")
    try:
        from guessit import guessit

        rates["guessit"] = throughput(lambda n: guessit(n), sample, 1.0)
        print(f"guessit                     {rates['guessit']:>12,.0f} names/s  ({len(sample)} names)")
    except ImportError:
        print("guessit                     not installed")
    try:
        from PTT import parse_title

        rates["parsett"] = throughput(lambda n: parse_title(n), sample, 1.0)
        print(f"parsett                     {rates['parsett']:>12,.0f} names/s  ({len(sample)} names)")
    except ImportError:
        print("parsett                     not installed")
    for other in ("guessit", "parsett"):
        if other in rates and rates[other] > 0:
            print(f"ratio scenewatch / {other:8s} {sw_sample / rates[other]:>10,.0f}x  (same sample)")
    print()
    print("## Worst case (10 KB adversarial inputs; max time of one call, best of 5)")
    rows = worst_case()
    for label, secs in rows:
        print(f"  {label:18s} {secs * 1e6:8.1f} µs")
    worst = max(rows, key=lambda r: r[1])
    verdict = "OK" if worst[1] < 1e-3 else "OVER 1 ms"
    print(f"max: {worst[1] * 1e6:.1f} µs ({worst[0]}) -> {verdict} (limit 1 ms)")
    if not args.no_accuracy and (CORPUS_DIR.is_dir()):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import names_eval

        print()
        print("## Accuracy (benchmarks/names_eval.py: tuned vs validation halves, beside guessit and parsett)")
        started = time.process_time()
        result = names_eval.evaluate()
        print("\n".join(names_eval.corpus_tables(result) + names_eval.predb_tables(result)))
        print("\n".join(names_eval.prior_table(result)))
        print(f"\n(accuracy: {time.process_time() - started:.0f} CPU-s)")


if __name__ == "__main__":
    main()
