"""Intervals for an event's effect calibrated on the series' own history: how wrong the counterfactual is on
dates with no event.

Why: real predb counts drift — feeds join and leave, sections come and go, whole months run hot — so the level eight
weeks ahead differs from the fitted one by far more than the model's own (quasi-Poisson, autocorrelation-inflated)
uncertainty says. On the real 2019–2020 slice the model-only 95% interval excluded zero on 23% of no-event dates.

Method (chosen on placebo dates of 2019, reported on those of 2020, see docs/analyses.md): the same counterfactual
(:mod:`scenewatch.analysis.batchfit`) is fitted at every ``spacing``-th day of the data whose window fits inside it
("placebo dates"), leaving out windows that overlap the analysed window and windows that overlap the 26 weeks after
a catalogued or stored event. Each placebo window gives the log error ``e = log(observed / expected)`` over its
post part. The analysed effect's log ratio is compared with those errors as a Student-t predictive draw: scale
``s = RMS(e) · √(1 + 1/n_eff)`` and ``n_eff`` degrees of freedom, where ``n_eff`` = days covered by the placebo dates
/ post-window length is the number of independent post windows the history holds (neighbouring placebo windows
overlap, so their errors are not independent; a short history gives wide intervals, ten years give nearly normal
ones). Two corrections make ``s`` fit the analysed window rather than the average one (chosen on the 2019 dates and
the tuning worlds, see docs/analyses.md):

- *pre-period volatility* (locally weighted, as in Lei et al. 2018): each placebo error is divided by
  ``√(c² + v²)``, ``v`` being the RMS weekly log error of that window's own fit over its before-period and ``c`` the
  series' median ``v``; the analysed window's scale is ``RMS(score) · √(c² + v_event²)``, never less than the plain
  ``RMS(e)`` (a calm before-period is no promise of a calm after-period). A before-period that is itself a raid's
  aftermath or a level jump strays from its fit, and its "effect" is judged against a wider interval.
- *a sparse observed count*: releases come in clumps of about φ (the model's dispersion), so the log of a count
  ``n`` varies by about ``φ/(n + φ/2)``, which the placebo windows, where ``n`` ≈ expected, never show; a collapse
  to a handful of releases adds ``φ/(observed + φ/2) − φ/(expected + φ/2)`` to ``s²``.

The 95% interval of the relative change is ``exp(log ratio ± t₀.₉₇₅ · s) − 1`` and the p-value is the two-sided
t tail. Holidays (24–26 and 31 December, 1 January) and days touched by feed gaps are left out of every
fit and comparison. With fewer than three independent post windows of history there is nothing to calibrate on:
the model-only interval is returned with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from scenewatch.analysis.batchfit import WindowFits, fit_windows, log_error
from scenewatch.analysis.definitions import HOLIDAYS

METHOD = "placebo-t"
# scale each interval by its window's pre-period volatility (False: one width per series, the "plain" interval that
# bench_calibration prints beside; scaling alone, without the plain width as a floor, covered 85% of the tuning raids)
LOCAL = True
FLOOR = 1.0  # c = FLOOR · the series' median pre-period volatility
AFTERMATH = timedelta(weeks=26)  # how long after a known event its placebo windows are not "no event"
MIN_EFFECTIVE = 3.0
MAX_DRIFT = 1.25  # chosen on the 2019 placebo dates (1.5 before)
_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


@dataclass(frozen=True, slots=True)
class Calibration:
    """The placebo errors one effect was judged against."""

    dates: int  # placebo windows used
    first: date | None
    last: date | None
    n_eff: float
    rmse: float  # root mean square placebo log error
    spacing: int
    excluded: tuple[str, ...] = field(default_factory=tuple)
    score_rms: float = math.nan  # RMS of the placebo errors each divided by √(c² + its pre-period volatility²)
    typical: float = math.nan  # median pre-period volatility of the placebo windows; c = FLOOR · typical
    trend: bool = True  # whether the counterfactual calibrated (and the effect's) extrapolates a linear trend

    @property
    def usable(self) -> bool:
        """Whether there is enough history to calibrate on."""
        return self.n_eff >= MIN_EFFECTIVE and self.rmse > 0

    def scale(self, volatility: float = math.nan, sparse: float = 0.0) -> float:
        """Scale of the t predictive distribution of a no-event log ratio whose pre-period had ``volatility``
        (NaN: the series' typical one), plus ``sparse``: the log-scale variance an observed count far below the
        expected one adds (the placebo windows, where observed ≈ expected, never show it)."""
        base = self.rmse
        if LOCAL and math.isfinite(self.score_rms) and math.isfinite(self.typical) and self.typical > 0:
            v = volatility if math.isfinite(volatility) else self.typical
            local = self.score_rms * math.hypot(FLOOR * self.typical, v)
            base = max(base, local)
        return math.sqrt(base**2 * (1.0 + 1.0 / self.n_eff) + max(sparse, 0.0))

    def half_width(self, volatility: float = math.nan, sparse: float = 0.0) -> float:
        """Half-width of the 95% interval on the log scale."""
        return float(stats.t.ppf(0.975, self.n_eff)) * self.scale(volatility, sparse)

    def interval(self, log_ratio: float, volatility: float = math.nan, sparse: float = 0.0) -> tuple[float, float]:
        """95% interval of the relative change for an observed log ratio."""
        half = self.half_width(volatility, sparse)
        return math.exp(log_ratio - half) - 1.0, math.exp(log_ratio + half) - 1.0

    def p_value(self, log_ratio: float, volatility: float = math.nan, sparse: float = 0.0) -> float:
        """Two-sided p-value of a log ratio against no effect."""
        return float(2.0 * stats.t.sf(abs(log_ratio) / self.scale(volatility, sparse), self.n_eff))

    def describe(self) -> str:
        """One line saying what the intervals were calibrated on."""
        model = "weekday + trend" if self.trend else "weekday, level only"
        if not self.usable:
            return (f"no calibration ({self.dates} placebo dates, n_eff {self.n_eff:.1f} < {MIN_EFFECTIVE:g}; "
                    f"{model})")  # fmt: skip
        half = self.half_width()
        low, high = math.exp(-half) - 1, math.exp(half) - 1
        scaled, typical = (", scaled by pre-period volatility", " at typical volatility") if LOCAL else ("", "")
        return (f"{METHOD} ({model}): {self.dates} placebo dates {self.first}…{self.last} (every {self.spacing} days, "
                f"{self.n_eff:.1f} independent windows{scaled}); "
                f"no-event 95% range {low:+.0%}…{high:+.0%}{typical}")  # fmt: skip


def used_days(days: pd.DatetimeIndex, skip: set[date]) -> np.ndarray:
    """Days entering fits and comparisons: not touched by a feed gap and not a holiday."""
    return np.array([d.date() not in skip and (d.month, d.day) not in HOLIDAYS for d in days])


def _placebo_errors(
    counts: np.ndarray, used: np.ndarray, weekday: np.ndarray, before: int, after: int, *, trend: bool,
    spacing: int, key: tuple | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Anchor indices, log errors and pre-period volatilities of every placebo window (cached per series and
    parameters)."""
    cache_key = (key, before, after, trend, spacing) if key is not None else None
    if cache_key is not None and cache_key in _CACHE:
        return _CACHE[cache_key]
    # a placebo window [a - before, a + after) lies inside the history and holds at least its anchor day
    anchors = np.arange(before, len(counts) - max(after, 1) + 1, spacing)
    if len(anchors) == 0:
        return anchors, np.zeros(0), np.zeros(0)
    fits = fit_windows(counts, used, weekday, anchors, before, after, trend=trend, max_drift=MAX_DRIFT)
    observed, expected, _ = fits.post_sums()
    post_used = (fits.used & ~fits.pre[None, :]).sum(axis=1)
    errors = np.where(fits.valid & (post_used >= after / 2), log_error(observed, expected), np.nan)
    found = (anchors, errors, fits.pre_volatility())
    if cache_key is not None:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[cache_key] = found
    return found


def calibrate(
    series: pd.Series, used: np.ndarray, event: date, before: int, after: int, *, trend: bool = True,
    known_events: list[date] | tuple[date, ...] = (), spacing: int = 3, key: tuple | None = None,
) -> Calibration:  # fmt: skip
    """The placebo calibration of an effect at ``event`` measured with ``before``/``after`` days on ``series``
    (the whole daily history; ``used`` as from :func:`used_days`)."""
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    counts = series.to_numpy(dtype=float)
    anchors, errors, volatility = _placebo_errors(counts, used, np.asarray(days.day_of_week), before, after,
                                                  trend=trend, spacing=spacing, key=key)  # fmt: skip
    if len(anchors) == 0:
        return Calibration(0, None, None, 0.0, 0.0, spacing, trend=trend)
    anchor_days = days[anchors]
    keep = np.isfinite(errors)
    own = pd.Timestamp(event)
    keep &= np.abs((anchor_days - own).days) >= before + after  # the analysed window itself
    excluded = []
    for known in known_events:
        start = pd.Timestamp(known)
        if not days[0] <= start <= days[-1]:
            continue
        # window [a - before, a + after) overlaps [known, known + AFTERMATH)
        near = ((anchor_days - pd.Timedelta(days=before)) < start + pd.Timedelta(AFTERMATH)) & (
            (anchor_days + pd.Timedelta(days=after)) > start
        )
        if (near & keep).any():
            excluded.append(f"{known} (+26 weeks)")
        keep &= ~np.asarray(near)
    if not keep.any():
        return Calibration(0, None, None, 0.0, 0.0, spacing, tuple(excluded), trend=trend)
    pool = errors[keep]
    n_eff = len(pool) * spacing / max(after, 1)
    # locally weighted (Lei et al. 2018, "distribution-free predictive inference"): a window whose own before-period
    # strayed far from its fit is judged against a wider interval; c keeps calm windows from getting a narrow one
    spread = volatility[keep]
    typical = float(np.nanmedian(spread)) if np.isfinite(spread).any() else math.nan
    score_rms = math.nan
    if math.isfinite(typical) and typical > 0:
        spread = np.where(np.isfinite(spread), spread, typical)
        score_rms = float(np.sqrt(np.mean(pool**2 / ((FLOOR * typical) ** 2 + spread**2))))
    return Calibration(len(pool), anchor_days[keep][0].date(), anchor_days[keep][-1].date(), float(n_eff),
                       float(np.sqrt(np.mean(pool**2))), spacing, tuple(excluded), score_rms, typical,
                       trend)  # fmt: skip


def event_fit(series: pd.Series, used: np.ndarray, event: date, before: int, after: int, *,
              trend: bool = True) -> WindowFits:  # fmt: skip
    """The counterfactual of the one window around ``event`` (``before``/``after`` already clipped to the data)."""
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    anchor = int(days.get_loc(pd.Timestamp(event)))
    return fit_windows(series.to_numpy(dtype=float), used, np.asarray(days.day_of_week), np.array([anchor]), before,
                       after, trend=trend, max_drift=MAX_DRIFT)  # fmt: skip


def effect(fit: WindowFits, calibration: Calibration) -> dict[str, object]:
    """Observed vs expected over the post part of a one-window fit, with the calibrated (or, without enough
    history, the model's) 95% interval and p-value of the relative change."""
    observed, expected, sd_log = (float(v[0]) for v in fit.post_sums())
    volatility = float(fit.pre_volatility()[0])
    out: dict[str, object] = {
        "expected": expected, "observed": observed, "absolute_change": observed - expected,
        "relative_change": math.nan, "ci_low": math.nan, "ci_high": math.nan,
        "cumulative_missing": expected - observed, "p_value": math.nan, "model_ci_low": math.nan,
        "model_ci_high": math.nan, "model_p_value": math.nan, "placebo_dates": calibration.dates,
        "placebo_rmse": calibration.rmse if calibration.usable else math.nan,
        "calibrated": calibration.usable,
    }  # fmt: skip
    if expected <= 0 or not math.isfinite(sd_log):
        return out
    ratio = math.log(max(observed, 0.5) / expected)
    # releases come in clumps of about φ, so a count n is n/φ clumps and its log varies by about 1/(n/φ + ½) (the ½
    # keeps it finite at n = 0, where φ/n would claim that nothing can be said): a collapse to a few releases is
    # known far less precisely, on the log scale, than the no-event windows' errors (n ≈ expected) say
    phi = float(fit.dispersion[0] * fit.inflation[0])
    sparse = phi / (observed + phi / 2) - phi / (expected + phi / 2)
    out["relative_change"] = observed / expected - 1.0
    out["model_ci_low"] = min(math.exp(ratio - 1.959963984540054 * sd_log) - 1.0, observed / expected - 1.0)
    out["model_ci_high"] = math.exp(ratio + 1.959963984540054 * sd_log) - 1.0
    out["model_p_value"] = float(2 * stats.norm.sf(abs(observed - expected) / (sd_log * expected)))
    if calibration.usable:
        low, high = calibration.interval(ratio, volatility, sparse)
        out["ci_low"], out["ci_high"] = min(low, observed / expected - 1.0), high
        out["p_value"] = calibration.p_value(ratio, volatility, sparse)
    else:
        out["ci_low"], out["ci_high"], out["p_value"] = out["model_ci_low"], out["model_ci_high"], out["model_p_value"]
    return out
