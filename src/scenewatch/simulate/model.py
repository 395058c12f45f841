"""The rate model: seasonality, growth, planted raids and outages, expected counts.

Everything here is computed from the config alone (no rows), so the planted truth is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from scenewatch.simulate.config import PlantedEvent, SimulationConfig
from scenewatch.simulate.groups import GroupTable, affiliated_candidates, build_groups
from scenewatch.simulate.names import CATEGORIES

__all__ = ["DIURNAL", "Model", "RaidPlan", "day_ts"]

_WEEKDAY = np.array([1.06, 1.08, 1.08, 1.07, 1.04, 0.85, 0.82])  # Mon..Sun, mean 1
_HOLIDAYS = {(12, 24): 0.70, (12, 25): 0.55, (12, 26): 0.70, (12, 31): 0.70, (1, 1): 0.60}
_GROWTH_ANCHOR = date(2020, 7, 1)
# Share of announcements per UTC hour (quiet in the European night, busy in its evening).
_HOURLY = np.array([5, 4, 3.5, 3, 2.6, 2.5, 2.8, 3.2, 3.8, 4.3, 4.6, 4.9,
                    5.2, 5.5, 5.8, 6, 6.2, 6.3, 6.3, 6.2, 6, 5.8, 5.5, 5.2])  # fmt: skip
DIURNAL = _HOURLY / _HOURLY.sum()
# Overall volume after a raid relative to the no-raid baseline, by days since the raid
# (the real 2020 raid: ~12,800/week before, ~3,700 and ~4,500 the two weeks after, ~back after 4 months).
_TARGET_T = np.array([0, 1, 6, 7, 13, 21, 35, 60, 90, 120, 200], dtype=float)
_TARGET_V = np.array([0.42, 0.27, 0.27, 0.31, 0.39, 0.50, 0.62, 0.78, 0.90, 0.97, 1.0])
_HORIZON = 240  # days after a raid with a computed market factor; later days reuse the last one
_EPOCH = date(1970, 1, 1)


def day_ts(d: date) -> int:
    """Unix seconds of ``d`` 00:00 UTC."""
    return (d - _EPOCH).days * 86400


@dataclass(slots=True)
class RaidPlan:
    """A raid resolved against the group table: who vanishes, who pauses, and the market factor."""

    event: PlantedEvent
    day_index: int  # index of the raid day relative to config.start (may be outside the run)
    affiliated: list[int]
    paused: list[int]
    pause_start: np.ndarray  # days after the raid day 00:00 when the group goes quiet
    resume: np.ndarray  # days after the raid when it starts ramping back
    recovered: np.ndarray  # days after the raid when it is back at full rate
    pause_fraction: float
    market: np.ndarray = field(default_factory=lambda: np.ones(_HORIZON))
    language_factor: np.ndarray | None = None  # per-group multiplier of planted language responses (None: all 1)

    def own(self, n: int, t: float) -> np.ndarray:
        """Multiplier this raid alone applies to each group at ``t`` days after the raid."""
        out = np.ones(n)
        if t < 0:
            return out
        p = np.asarray(self.paused, dtype=np.int64)
        if len(p):
            ramp = np.clip((t - self.resume) / np.maximum(self.recovered - self.resume, 1e-9), 0.0, 1.0)
            out[p] = np.where(t < self.pause_start, 1.0, ramp)
        if self.language_factor is not None:
            out *= self.language_factor
        out[self.affiliated] = 0.0
        return out


class Model:
    """Expected daily release rate per group for a config, with planted events applied."""

    def __init__(self, config: SimulationConfig) -> None:
        """Resolve groups, raids and outages for ``config``."""
        self.config = config
        self.groups: GroupTable = build_groups(config)
        self.start_ts = day_ts(config.start)
        self.end_ts = day_ts(config.end) + 86400
        self.outages: list[tuple[int, int]] = []
        for e in config.outages:
            assert e.duration is not None
            s = day_ts(e.day) + int(e.offset.total_seconds())
            self.outages.append((s, s + int(e.duration.total_seconds())))
        self.raids: list[RaidPlan] = []
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0x72]))
        gone: set[int] = set()
        for e in config.raids:
            plan = self._plan_raid(e, rng, gone)
            gone.update(plan.affiliated)
            self._calibrate(plan)
            self.raids.append(plan)

    def _plan_raid(self, e: PlantedEvent, rng: np.random.Generator, gone: set[int]) -> RaidPlan:
        g = self.groups
        named = [g.index(name) for name in e.groups if g.index(name) not in gone]
        extra = [i for i in affiliated_candidates(g, gone | set(named))][: e.extra_affiliated]
        affiliated = named + extra
        others = np.array([i for i in range(len(g)) if i not in gone and i not in set(affiliated)])
        q = e.pause_fraction if e.pause_fraction is not None else float(rng.uniform(0.3, 0.6))
        k = round(q * len(others))
        w = np.sqrt(g.rate[others])
        paused = sorted(rng.choice(others, size=k, replace=False, p=w / w.sum()).tolist()) if k else []
        start = rng.uniform(0.0, 1.5, k)
        quiet = np.clip(rng.lognormal(math.log(10.0), 0.7, k), 2.0, 60.0)
        ramp = rng.uniform(7.0, 45.0, k)
        plan = RaidPlan(e, (e.day - self.config.start).days, affiliated, paused,
                        start, start + quiet, start + quiet + ramp, q)  # fmt: skip
        if self.config.language_responses:
            factors = dict(self.config.language_responses)
            plan.language_factor = np.array([factors.get(tag, 1.0) if tag else 1.0 for tag in g.language])
        return plan

    def _calibrate(self, plan: RaidPlan) -> None:
        """Set the market factor so overall volume follows the target curve relative to no raid."""
        n = len(self.groups)
        target = 1.0 - plan.event.size * (1.0 - np.interp(np.arange(_HORIZON) + 0.5, _TARGET_T, _TARGET_V))
        for t in range(_HORIZON):
            prior = self.multipliers(plan.day_index + t)  # raids planned so far (not this one)
            base = float((self.groups.rate * prior).sum())
            now = float((self.groups.rate * prior * plan.own(n, t + 0.5)).sum())
            plan.market[t] = min(3.0, target[t] * base / now) if now > 0 else 1.0

    def multipliers(self, day_index: int) -> np.ndarray:
        """Per-group multiplier from all planned raids on day ``day_index``."""
        out = np.ones(len(self.groups))
        for plan in self.raids:
            t = day_index - plan.day_index
            if t < 0:
                continue
            out *= plan.own(len(self.groups), t + 0.5) * plan.market[min(t, _HORIZON - 1)]
        return out

    def day_factor(self, d: date) -> float:
        """Seasonality (weekday, holidays, annual cycle) times growth times scale for day ``d``."""
        f = _WEEKDAY[d.weekday()] * _HOLIDAYS.get((d.month, d.day), 1.0)
        f *= 1.0 + 0.05 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 15) / 365.25)
        f *= (1.0 + self.config.growth_per_year) ** ((d - _GROWTH_ANCHOR).days / 365.25)
        return float(f * self.config.scale)

    def day(self, day_index: int) -> date:
        """The date of ``day_index``."""
        return self.config.start + timedelta(days=day_index)

    def lam(self, day_index: int) -> np.ndarray:
        """Expected releases per group on ``day_index`` (before outages)."""
        d = self.day(day_index)
        return self.groups.rate * self.day_factor(d) * self.multipliers(day_index)

    def keep_fraction(self, day_index: int) -> float:
        """Expected share of a day's releases that fall outside outages."""
        t0 = day_ts(self.day(day_index))
        kept = 1.0
        for h, p in enumerate(DIURNAL):
            a, b = t0 + 3600 * h, t0 + 3600 * (h + 1)
            cut = sum(max(0, min(b, e) - max(a, s)) for s, e in self.outages)
            kept -= p * min(1.0, cut / 3600)
        return max(0.0, kept)

    def expected_by_category(self, day_index: int) -> np.ndarray:
        """Expected releases per category on ``day_index`` (after outages)."""
        lam = self.lam(day_index)
        return (lam[:, None] * self.groups.cat_mix).sum(0) * self.keep_fraction(day_index)

    def in_outage(self, ts: np.ndarray) -> np.ndarray:
        """Boolean mask of timestamps inside an outage."""
        mask = np.zeros(len(ts), dtype=bool)
        for s, e in self.outages:
            mask |= (ts >= s) & (ts < e)
        return mask


def iso(ts: float) -> str:
    """Render unix seconds as an ISO-8601 UTC string."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


assert len(CATEGORIES) == 8
