"""Planted races: works released by several groups in the same format with known delays, plus planted fixes
(a PROPER by another group) and dupe nukes of the losers; and the planted truth of language-scene responses.

Races draw from their own random stream, so a config with ``races=0`` produces exactly the stream it always did.
Every entry of a race is pre'd within 6 hours of the first; races touching an outage or the end of the run are
not planted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenewatch.simulate.config import SimulationConfig
from scenewatch.simulate.model import Model, day_ts, iso
from scenewatch.simulate.names import TITLE

__all__ = ["LANGUAGE_CODES", "PlantedRace", "language_truth", "plan_races"]

# Simulator language tags -> the ISO-639-1 class the name parser gives them.
LANGUAGE_CODES = {"GERMAN": "de", "FRENCH": "fr", "NORDiC": "da+fi+no+sv", "SWEDiSH": "sv", "POLiSH": "pl",
                  "DUTCH": "nl", "SPANiSH": "es", "iTALiAN": "it", "DANiSH": "da", "FiNNiSH": "fi",
                  "NORWEGiAN": "no", "CZECH": "cs"}  # fmt: skip
_FORMATS = (
    ("X264-HD", "movies_x264", "1080p.BluRay.x264", "1080p bluray h264", (4500.0, 48)),
    ("TV-X264", "tv_x264", "1080p.WEB.h264", "1080p web h264", (1100.0, 24)),
)


@dataclass(slots=True)
class PlantedRace:
    """One planted race: rows to emit (release tuples), nukes (heap rows) and its truth record."""

    rows: list[tuple] = field(default_factory=list)
    nukes: list[tuple[int, tuple]] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


def plan_races(config: SimulationConfig, model: Model) -> list[PlantedRace]:
    """The planted races of ``config`` (deterministic; independent of the rest of the stream)."""
    if not config.races:
        return []
    g = model.groups
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0x7ACE]))
    out: list[PlantedRace] = []
    used: set[str] = set()
    for j in range(config.races):
        di = int(rng.integers(0, config.n_days))
        section, profile, tail, fmt, (size, files) = _FORMATS[j % len(_FORMATS)]
        active = model.multipliers(di) * g.rate
        pool = np.array([i for i, p in enumerate(g.profile) if p == profile and not g.language[i] and active[i] > 0])
        if len(pool) < 3:
            continue
        k = int(min(len(pool) - 1, 2 + rng.integers(0, 3)))  # 2-4 racers, one group left over as a fixer
        w = np.sqrt(active[pool])
        racers = rng.choice(pool, size=k, replace=False, p=w / w.sum()).tolist()
        fixer = int(rng.choice([i for i in pool.tolist() if i not in racers]))
        while True:
            words = [TITLE[int(x)] for x in rng.integers(0, len(TITLE), 3)]
            if section == "X264-HD":
                year = model.day(di).year - int(rng.integers(0, 2))
                stem, work = f"{'.'.join(words)}.{year}", f"movie|{' '.join(words).lower()}|{year}"
            else:
                show = ".".join(words[:2])
                se, ep = 1 + int(rng.integers(0, 9)), 1 + int(rng.integers(0, 20))
                stem = f"{show}.S{se:02d}E{ep:02d}"
                work = f"tv|{_norm(show)}|s{se}e{ep}"
            if work not in used:
                used.add(work)
                break
        t0 = day_ts(model.day(di)) + int(rng.integers(3600, 20 * 3600))
        delays = np.concatenate([[0], np.cumsum(np.clip(rng.lognormal(math.log(900), 1.2, k - 1), 5, 3 * 3600))])
        times = (t0 + delays.astype(np.int64)).tolist()
        names = [f"{stem}.{tail}-{g.names[i]}" for i in racers]
        proper_at = times[0] + int(np.clip(rng.lognormal(math.log(6 * 3600), 0.8), 1800, 3 * 86400))
        with_proper = bool(rng.random() < 0.4)
        nuke_losers = [bool(x < 0.5) for x in rng.random(k - 1)]
        nuke_at = [t + int(rng.integers(600, 7200)) for t in times[1:]]
        last = max([*times, proper_at if with_proper else 0, *nuke_at])
        if last >= model.end_ts or model.in_outage(np.array([*times, proper_at, *nuke_at])).any():
            continue
        race = PlantedRace()
        for t, i, name in zip(times, racers, names, strict=True):
            race.rows.append(("release", t, name, section, g.names[i], float(size), files, None, None))
        winner = g.names[racers[0]]
        nuked = []
        for t, name, flag in zip(nuke_at, names[1:], nuke_losers, strict=True):
            if flag:
                race.nukes.append((t, ("nuke", t, name, None, None, None, None, f"dupe.{winner}", None)))
                nuked.append(name)
        proper = None
        if with_proper:
            pname = f"{stem}.PROPER.{tail}-{g.names[fixer]}"
            race.rows.append(("release", proper_at, pname, section, g.names[fixer], float(size), files, None, None))
            proper = {"name": pname, "group": g.names[fixer], "fixes": winner, "at": iso(proper_at),
                      "hours": round((proper_at - times[0]) / 3600, 4)}  # fmt: skip
        race.truth = {
            "work": work, "format": fmt, "section": section, "names": names,
            "groups": [g.names[i] for i in racers], "times": [iso(t) for t in times],
            "winner": winner, "runner_up": g.names[racers[1]], "gap_seconds": int(times[1] - times[0]),
            "nuked": nuked, "proper": proper,
        }  # fmt: skip
        out.append(race)
    return out


def _norm(show: str) -> str:
    return show.lower().replace(".", " ")


def language_truth(config: SimulationConfig, model: Model, days: int = 56) -> list[dict[str, Any]]:
    """Per raid and language tag: the planted relative change of the tag's groups over ``days`` after the raid
    (expected with all planted events / expected with none − 1), untagged groups as ``untagged``."""
    g = model.groups
    out = []
    tags = sorted({t for t in g.language if t})
    for plan in model.raids:
        lo, hi = max(plan.day_index, 0), min(plan.day_index + days, config.n_days)
        if lo >= hi:
            continue
        with_raid = np.zeros(len(g))
        without = np.zeros(len(g))
        for di in range(lo, hi):
            f = model.day_factor(model.day(di))
            with_raid += g.rate * f * model.multipliers(di)
            without += g.rate * f
        factors = dict(config.language_responses)
        for tag in [*tags, ""]:
            members = np.array([x == tag for x in g.language])
            if not members.any() or without[members].sum() <= 0:
                continue
            out.append({
                "raid": plan.event.day.isoformat(), "tag": tag or "untagged",
                "language": LANGUAGE_CODES.get(tag, tag.lower()) if tag else "untagged",
                "groups": [g.names[i] for i in np.flatnonzero(members)] if tag else None,
                "response": factors.get(tag, 1.0) if tag else 1.0,
                "planted_change": round(float(with_raid[members].sum() / without[members].sum() - 1.0), 4),
            })  # fmt: skip
    return out
