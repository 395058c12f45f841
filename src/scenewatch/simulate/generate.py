"""Day-by-day generation of releases and nuke events, streamed in time order (constant memory)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

import numpy as np

from scenewatch.simulate.config import SimulationConfig
from scenewatch.simulate.model import DIURNAL, Model, day_ts
from scenewatch.simulate.names import BUILDERS, CATEGORIES, SECTION_CATEGORY, SECTIONS
from scenewatch.simulate.races import plan_races

__all__ = ["RunStats", "SimRow", "iter_batches", "simulate"]


class SimRow(NamedTuple):
    """One line of the stream: a release (``kind == "release"``) or a nuke/unnuke/modnuke event."""

    kind: str
    at: int  # unix seconds UTC: pre time of a release, time of a nuke event
    name: str
    section: str | None = None
    group: str | None = None
    size_mb: float | None = None
    files: int | None = None
    reason: str | None = None
    network: str | None = None


# section -> (median MB, lognormal sigma, MB per archive volume or 0 for track-based, extra files)
_SIZES: dict[str, tuple[float, float, float, int]] = {
    "X264-HD": (4500, 0.5, 100, 2), "X264-SD": (900, 0.3, 50, 2), "X265": (6000, 0.6, 100, 2),
    "UHD": (45000, 0.35, 250, 2), "BLURAY": (35000, 0.4, 250, 2), "DVDR": (6500, 0.4, 100, 2),
    "TV-X264": (1100, 0.6, 50, 2), "TV-X265": (1500, 0.6, 100, 2), "TV-HD": (1300, 0.5, 50, 2),
    "TV-SD": (300, 0.5, 15, 2), "TV-UHD": (6000, 0.5, 100, 2),
    "GAMES": (9000, 1.4, 500, 2), "NSW": (3000, 1.0, 250, 2), "PS4": (15000, 0.9, 500, 2),
    "PS5": (30000, 0.8, 500, 2), "0DAY": (60, 1.3, 5, 1), "APPS": (2500, 1.0, 100, 2),
    "EBOOK": (12, 1.0, 50, 1), "MP3": (95, 0.5, 0, 3), "FLAC": (420, 0.5, 0, 3),
    "MVID": (250, 0.6, 50, 2), "XXX": (1500, 0.9, 100, 2),
}  # fmt: skip
_MED = np.array([_SIZES[s][0] for s in SECTIONS])
_SIG = np.array([_SIZES[s][1] for s in SECTIONS])
_VOL = np.array([_SIZES[s][2] for s in SECTIONS])
_EXTRA = np.array([_SIZES[s][3] for s in SECTIONS])
_SEC_CAT = np.array([CATEGORIES.index(SECTION_CATEGORY[s]) for s in SECTIONS])

# Relative nuke likelihood per category (normalised so the overall rate is about config.nuke_rate).
_NUKE_WEIGHT = {"movies": 1.8, "tv": 1.5, "games": 1.2, "apps": 0.6, "ebook": 0.8,
                "music": 0.7, "mvid": 1.0, "xxx": 0.6}  # fmt: skip
_COMMON_REASONS = ("mislabeled", "get.reqid", "stolen.from.P2P", "dupe.P2P.{y}", "bad.dirname",
                   "missing.nfo", "incomplete", "grp.req", "corrupt.rar")  # fmt: skip
_REASONS: dict[str, tuple[str, ...]] = {
    "movies": ("bad.ar", "bad.ar_2.40:1", "dupe.P2P.{y}", "upscaled", "out.of.sync", "no.sample",
               "get.reqid", "mislabeled", "stolen.from.P2P", "bad.ivtc", "invalid.lang.tag"),
    "tv": ("bad.ar", "dupe.P2P.{y}", "get.reqid", "mislabeled", "stolen.from.P2P", "out.of.sync",
           "bad.aspect.ratio", "missing.scenes", "invalid.lang.tag", "dupe.{d}"),
    "games": ("crack.doesnt.work", "dupe.P2P.{y}", "stolen.from.P2P", "get.reqid", "missing.files"),
    "apps": ("no.keygen.included", "bad.crack", "dupe.{d}", "mislabeled", "stolen.from.P2P"),
    "ebook": ("dupe.P2P.{y}", "stolen.from.P2P", "mislabeled", "get.reqid", "not.retail"),
    "music": ("dupe.{d}", "mislabeled", "bad.tags", "stolen.from.P2P", "transcode", "get.reqid"),
    "mvid": ("dupe.{d}", "upscaled", "mislabeled", "bad.ar"),
    "xxx": ("dupe.{d}", "mislabeled", "get.reqid", "stolen.from.P2P", "bad.ar"),
}  # fmt: skip
_REASON_TABLE = [_REASONS[c] + _COMMON_REASONS for c in CATEGORIES]
_REASON_LEN = np.array([len(t) for t in _REASON_TABLE])
_UNNUKE_REASONS = ("fixed", "nuked.in.error", "not.dupe", "proper.reason", "allowed", "valid.reqid")
_NETWORKS = ("LocalNet", "NukeNet", "ZoNeNET", "oneNET", "XNET", "SanctityNet", "PreNet")
_TOP = np.int64(2**30)  # 30-bit randoms are single-digit Python ints (cheap to create)
_HOUR_CUM = np.cumsum(DIURNAL)
_HOUR_START = np.concatenate([[0.0], _HOUR_CUM[:-1]])
_KINDS = ("release", "nuke", "unnuke", "modnuke")


@dataclass(slots=True)
class RunStats:
    """Counts gathered while streaming; ``daily`` is (days, categories) releases emitted."""

    daily: np.ndarray
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))
    first_at: int | None = None
    last_at: int | None = None


def _nuke_prob(config: SimulationConfig, model: Model) -> np.ndarray:
    """Per-section nuke probability, normalised so the volume-weighted mean is ``config.nuke_rate``."""
    share = model.groups.rate @ model.groups.cat_mix
    w = np.array([_NUKE_WEIGHT[c] for c in CATEGORIES])
    w = w / float((share * w).sum() / share.sum())
    return np.minimum(0.9, config.nuke_rate * w[_SEC_CAT])


def _nuke_events(config: SimulationConfig, rng: np.random.Generator, nk: np.ndarray, ts: np.ndarray,
                 sid: np.ndarray, names: list[str], ctx: tuple[int, str, str]) -> list[tuple[int, tuple]]:
    """Nuke (and later modnuke/unnuke) events for the releases at positions ``nk``."""
    m = len(nk)
    if not m:
        return []
    y, d = ctx[0], ctx[1].replace(".", "-")
    tables = [[r.format(y=y, d=d) if "{" in r else r for r in t] for t in _REASON_TABLE]
    cat = _SEC_CAT[sid[nk]]
    ri = rng.integers(0, _TOP, (m, 3))
    reason_ix = (ri[:, 0] % _REASON_LEN[cat]).tolist()
    nets = [_NETWORKS[k % len(_NETWORKS)] if k % 10 < 4 else None for k in ri[:, 1].tolist()]
    at = (ts[nk] + np.clip(rng.lognormal(math.log(1800), 1.6, m), 60, 14 * 86400).astype(np.int64)).tolist()
    cat_l, nk_l = cat.tolist(), nk.tolist()
    out = [(a, ("nuke", a, names[i], None, None, None, None, tables[c][k], net))
           for a, i, c, k, net in zip(at, nk_l, cat_l, reason_ix, nets, strict=True)]  # fmt: skip
    later = rng.random((m, 2))
    extra = np.clip(rng.lognormal(math.log(6 * 3600), 1.2, (m, 2)), 120, 30 * 86400).astype(np.int64)
    for j in np.flatnonzero(later[:, 0] < config.modnuke_rate).tolist():
        a, c = at[j] + int(extra[j, 0]) // 4, cat_l[j]
        reason = tables[c][int(ri[j, 2]) % len(tables[c])]
        out.append((a, ("modnuke", a, names[nk_l[j]], None, None, None, None, reason, nets[j])))
    for j in np.flatnonzero(later[:, 1] < config.unnuke_rate).tolist():
        a = at[j] + int(extra[j, 1])
        reason = _UNNUKE_REASONS[int(ri[j, 2]) % len(_UNNUKE_REASONS)]
        out.append((a, ("unnuke", a, names[nk_l[j]], None, None, None, None, reason, nets[j])))
    return out


def iter_batches(config: SimulationConfig, stats: RunStats | None = None, model: Model | None = None
                 ) -> Iterator[list[tuple]]:  # fmt: skip
    """Yield each day's rows (as plain tuples in ``SimRow`` field order), globally in time order."""
    model = model or Model(config)
    g = model.groups
    names, langs = g.names, [f"{x}." if x else "" for x in g.language]
    n_groups, k_max = len(g), g.sec_ids.shape[1]
    nuke_p = _nuke_prob(config, model)
    heap: list[tuple[int, int, tuple]] = []
    seq = 0
    planted: dict[int, list[tuple]] = {}  # day index -> planted race rows (releases and their nukes)
    for race in plan_races(config, model):
        for row in race.rows:
            planted.setdefault((row[1] - model.start_ts) // 86400, []).append(row)
        for at, row in race.nukes:
            planted.setdefault((row[1] - model.start_ts) // 86400, []).append(("heap", at, row))
    for di in range(config.n_days):
        d = model.day(di)
        t0 = day_ts(d)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([config.seed, 1, d.toordinal()])))
        ctx = (d.year, f"{d:%Y.%m.%d}", f"{d:%y.%m.%d}")
        counts = rng.poisson(model.lam(di))
        gidx = np.repeat(np.arange(n_groups), counts)
        n = len(gidx)
        u = rng.random(n)  # inverse CDF of the piecewise-uniform diurnal profile
        hour = np.minimum(np.searchsorted(_HOUR_CUM, u, side="right"), 23)
        ts = t0 + hour * 3600 + ((u - _HOUR_START[hour]) / DIURNAL[hour] * 3600).astype(np.int64).clip(0, 3599)
        k = np.minimum((rng.random(n)[:, None] > g.sec_cum[gidx]).sum(1), k_max - 1)
        sid = g.sec_ids[gidx, k]
        size = np.round(_MED[sid] * np.exp(_SIG[sid] * rng.standard_normal(n)), 2)
        vol = _VOL[sid]
        files = np.where(vol > 0, np.ceil(size / np.maximum(vol, 1)), rng.integers(1, 21, n)) + _EXTRA[sid]
        rnd = rng.integers(0, _TOP, (5, n))  # transposed: zip(*tolist()) is the cheapest way to rows
        nuked = rng.random(n) < nuke_p[sid]
        keep = ~model.in_outage(ts) if model.outages else np.ones(n, dtype=bool)
        order = np.argsort(ts, kind="stable")
        order = order[keep[order]]
        gidx, ts, sid, size, files, nuked = (a[order] for a in (gidx, ts, sid, size, files, nuked))
        g_l, s_l, r_l = gidx.tolist(), sid.tolist(), list(zip(*rnd[:, order].tolist(), strict=True))
        rel_names = [BUILDERS[s](r, names[x], langs[x], ctx) for s, r, x in zip(s_l, r_l, g_l, strict=True)]
        ts_l = ts.tolist()
        sec_l, grp_l = [SECTIONS[s] for s in s_l], [names[x] for x in g_l]
        files_l = files.astype(np.int64).tolist()
        rows: list[tuple] = list(zip(repeat("release"), ts_l, rel_names, sec_l, grp_l, size.tolist(), files_l,
                                     repeat(None), repeat(None)))  # fmt: skip
        if stats is not None and n:
            stats.daily[di] += np.bincount(_SEC_CAT[sid], minlength=len(CATEGORIES))
        # Nukes of today's releases go on the heap; they surface on the day they happen.
        for at, row in _nuke_events(config, rng, np.flatnonzero(nuked), ts, sid, rel_names, ctx):
            if at < model.end_ts and not any(s <= at < e for s, e in model.outages):
                heapq.heappush(heap, (at, seq, row))
                seq += 1
        if di in planted:  # planted races: merge their releases in time order, queue their nukes
            extra = [r for r in planted[di] if r[0] == "release"]
            for _, at, row in (r for r in planted[di] if r[0] == "heap"):
                heapq.heappush(heap, (at, seq, row))
                seq += 1
            rows = sorted(rows + extra, key=lambda r: r[1])
            rel_names = rel_names + [r[2] for r in extra]
            ts = np.array([r[1] for r in rows], dtype=np.int64)
            if stats is not None:
                for r in extra:
                    stats.daily[di, _SEC_CAT[SECTIONS.index(r[3])]] += 1
        due: list[tuple] = []
        t1 = t0 + 86400
        while heap and heap[0][0] < t1:
            due.append(heapq.heappop(heap)[2])
        if due:
            pos = np.searchsorted(ts, np.array([r[1] for r in due]), side="right").tolist()
            merged: list[tuple] = []
            last = 0
            for p, row in zip(pos, due, strict=True):
                merged.extend(rows[last:p])
                merged.append(row)
                last = p
            merged.extend(rows[last:])
            rows = merged
        if stats is not None and rows:
            stats.kinds["release"] += len(rel_names)
            for row in due:
                stats.kinds[row[0]] += 1
            stats.first_at = rows[0][1] if stats.first_at is None else stats.first_at
            stats.last_at = rows[-1][1]
        yield rows


def simulate(config: SimulationConfig) -> Iterator[SimRow]:
    """Stream the simulated announcements for ``config`` as ``SimRow``s in time order."""
    make = SimRow._make
    for batch in iter_batches(config):
        yield from map(make, batch)
