"""Impact of an event on daily release volume, against a counterfactual fitted on the pre-event period.

Model (per category and for all releases): daily counts ``y_t`` before the event follow a quasi-Poisson GLM
``log E[y_t] = a + b·t + weekday_t`` (six weekday dummies, ``t`` in weeks, trend optional; a trend that would move
the expectation by more than 1.5× over the post window is dropped for that series); dispersion φ is the
Pearson χ²/df of the fit, inflated by the Bartlett-weighted autocorrelation of the residuals (lags 1–7) because the
effect is a sum over many correlated days. The fit is extrapolated into the post period to give the expected count.
Relative change = observed/expected − 1; its 95% interval combines parameter uncertainty (delta method on
log(expected), from the scaled covariance) with the counterfactual's own noise (variance φ·expected). The p-value is
the two-sided normal test of observed − expected. Days losing ≥2 hours to a feed gap are dropped from fit and
comparison (and a warning is attached).
"""

from __future__ import annotations

import math
import warnings as _warnings
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from scenewatch.analysis._common import ALL, parse_span, with_warnings
from scenewatch.analysis.gaps import gap_days, gap_warnings
from scenewatch.analysis.volume import daily_series, data_span
from scenewatch.store import Database

_Z = 1.959963984540054


@dataclass(slots=True)
class Fit:
    """A fitted counterfactual for one series: per-day expectation and what the intervals need."""

    days: pd.DatetimeIndex
    observed: np.ndarray
    expected: np.ndarray
    design: np.ndarray
    cov: np.ndarray
    dispersion: float
    inflation: float
    pre: np.ndarray  # mask of pre-event days
    used: np.ndarray  # mask of days not touched by gaps
    trend: bool = True  # whether the linear trend was kept


def _design(days: pd.DatetimeIndex, event: date, trend: bool) -> np.ndarray:
    t = np.asarray((days - pd.Timestamp(event)).days, dtype=float) / 7.0
    weekday = np.asarray(days.day_of_week)
    columns = [np.ones(len(days))]
    if trend:
        columns.append(t)
    columns += [(weekday == k).astype(float) for k in range(1, 7)]
    return np.column_stack(columns)


def fit_counterfactual(
    series: pd.Series, event: date, *, trend: bool = True, skip: set[date] | None = None, max_drift: float = 1.5
) -> Fit:
    """Fit the quasi-Poisson weekday(+trend) model on the days before ``event`` and predict every day.

    A trend that would move the expectation by more than ``max_drift``× (either way) between the event and the end
    of the window is not trusted: the series is refitted without it (``Fit.trend`` is then False).
    """
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    y = series.to_numpy(dtype=float)
    x = _design(days, event, trend)
    pre = np.asarray(days < pd.Timestamp(event))
    used = np.array([d.date() not in (skip or set()) for d in days])
    fit_mask = pre & used
    k = x.shape[1]
    if y[fit_mask].sum() == 0 or fit_mask.sum() <= k + 2:
        return Fit(days, y, np.zeros(len(y)), x, np.zeros((k, k)), 1.0, 1.0, pre, used, trend)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        result = sm.GLM(y[fit_mask], x[fit_mask], family=sm.families.Poisson()).fit(scale="X2")
    if trend:
        drift = math.exp(abs(float(result.params[1])) * max(float(x[:, 1].max()), 0.0))
        if drift > max_drift:
            refit = fit_counterfactual(series, event, trend=False, skip=skip)
            return refit
    mu = np.exp(x @ result.params)
    resid = (y[fit_mask] - mu[fit_mask]) / np.sqrt(np.maximum(mu[fit_mask], 1e-9))
    inflation = 1.0
    if len(resid) > 20 and resid.std() > 0:
        r = resid - resid.mean()
        acf = [float(np.dot(r[:-lag], r[lag:]) / np.dot(r, r)) for lag in range(1, 8)]
        inflation = max(1.0, 1.0 + 2.0 * sum((1 - lag / 8) * a for lag, a in enumerate(acf, start=1)))
    cov = np.asarray(result.cov_params()) * inflation
    return Fit(days, y, mu, x, cov, max(float(result.scale), 1.0), inflation, pre, used, trend)


def summarise(fit: Fit, mask: np.ndarray) -> dict[str, float]:
    """Observed vs expected over the days in ``mask`` with the 95% interval and p-value of the relative change."""
    m = mask & fit.used
    observed = float(fit.observed[m].sum())
    expected = float(fit.expected[m].sum())
    out = {"expected": expected, "observed": observed, "absolute_change": observed - expected,
           "relative_change": math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "cumulative_missing": expected - observed, "p_value": math.nan}  # fmt: skip
    if expected <= 0:
        return out
    grad = (fit.expected[m, None] * fit.design[m]).sum(axis=0)
    var_expected = float(grad @ fit.cov @ grad)
    noise = fit.dispersion * fit.inflation * expected
    sd_log = math.sqrt(var_expected / expected**2 + noise / expected**2)
    ratio = max(observed, 0.5) / expected
    out["relative_change"] = observed / expected - 1.0
    out["ci_low"] = min(ratio * math.exp(-_Z * sd_log) - 1.0, out["relative_change"])
    out["ci_high"] = ratio * math.exp(_Z * sd_log) - 1.0
    z = (observed - expected) / math.sqrt(var_expected + noise)
    out["p_value"] = float(2 * stats.norm.sf(abs(z)))
    return out


def prediction_band(fit: Fit) -> tuple[np.ndarray, np.ndarray]:
    """Per-day 95% prediction band of the counterfactual (parameter uncertainty plus overdispersed noise)."""
    se_log2 = np.einsum("ij,jk,ik->i", fit.design, fit.cov, fit.design)
    sd = np.sqrt(fit.expected**2 * se_log2 + fit.dispersion * fit.expected)
    return np.maximum(fit.expected - _Z * sd, 0.0), fit.expected + _Z * sd


def _window(db: Database, event: date, before: str | timedelta, after: str | timedelta) -> tuple[date, date]:
    return _clip(event, before, after, *data_span(db))


def _clip(
    event: date, before: str | timedelta, after: str | timedelta, first: date | None, last: date | None
) -> tuple[date, date]:
    start, end = event - parse_span(before), event + parse_span(after) - timedelta(days=1)
    if first is not None and last is not None:
        start, end = max(start, first), min(end, last)
    return start, end


def event_window(
    event: date, before: str | timedelta, after: str | timedelta, first: date | None, last: date | None
) -> tuple[date, date]:
    """The days around ``event`` an impact looks at, clipped to the data's first and last day."""
    if first is None or last is None:
        raise ValueError("the store holds no counted releases to measure an event against")
    if not first < event <= last:
        raise ValueError(f"event {event} is outside the data ({first} … {last}): it needs days before and after it")
    return _clip(event, before, after, first, last)


def fit_all(wide: pd.DataFrame, event: date, *, trend: bool = True, skip: set[date] | None = None) -> dict[str, Fit]:
    """A counterfactual fit for every column of a wide daily frame (see :func:`fit_counterfactual`)."""
    return {key: fit_counterfactual(wide[key], event, trend=trend, skip=skip) for key in wide.columns}


def fits(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    by: str | None = "category", *, trend: bool = True,
) -> tuple[dict[str, Fit], list[str]]:  # fmt: skip
    """Counterfactual fits per key (plus ``all``) over the window around ``event``, and gap warnings."""
    start, end = event_window(event, before, after, *data_span(db))
    wide = daily_series(db, start, end, by)
    skip = gap_days(db, start, end)
    warns = gap_warnings(db, start, end)
    if skip:
        warns.append(f"{len(skip)} day(s) touched by feed gaps were left out of the fit and the comparison")
    return fit_all(wide, event, trend=trend, skip=skip), warns


def counterfactual(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    by: str | None = "category", *, trend: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Per day and category: observed, expected, expected_low, expected_high (95% prediction band), period."""
    fitted, warns = fits(db, event, before, after, by, trend=trend)
    parts = []
    for key, fit in fitted.items():
        low, high = prediction_band(fit)
        parts.append(pd.DataFrame({
            "day": fit.days.date, "category": key, "observed": fit.observed.astype("int64"),
            "expected": fit.expected, "expected_low": low, "expected_high": high,
            "period": np.where(fit.pre, "before", "after"), "gap_day": ~fit.used,
        }))  # fmt: skip
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return with_warnings(frame, warns)


def impact(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    by: str | None = "category", *, trend: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Per category (+ ``all``): expected, observed, changes with 95% CI, cumulative_missing, p_value."""
    fitted, warns = fits(db, event, before, after, by, trend=trend)
    return impact_frame(fitted, event, warns)


def impact_frame(fitted: dict[str, Fit], event: date, warns: list[str]) -> pd.DataFrame:
    """The table :func:`impact` returns, from fits made on any backend's series."""
    rows = []
    for key, fit in fitted.items():
        rows.append({"category": key, "pre_days": int((fit.pre & fit.used).sum()),
                     "post_days": int((~fit.pre & fit.used).sum()), **summarise(fit, ~fit.pre),
                     "dispersion": fit.dispersion * fit.inflation, "trend": fit.trend})  # fmt: skip
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["_all"] = frame["category"] == ALL
        frame = frame.sort_values(["_all", "expected"], ascending=[True, False]).drop(columns="_all")
    frame.insert(0, "event", event)
    return with_warnings(frame.reset_index(drop=True), warns)


def placebo(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    by: str | None = None, *, n: int = 8, spacing_days: int = 7, alpha: float = 0.05, trend: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """The same impact on ``n`` earlier dates whose post window ends before ``event``; attrs: false_positive_rate."""
    first, _ = data_span(db)
    frames = []
    for j in range(n):
        day = event - parse_span(after) - timedelta(days=j * spacing_days)
        if first is None or day - parse_span(before) < first:
            break
        result = impact(db, day, before, after, by, trend=trend)
        frames.append(result.rename(columns={"event": "placebo_day"}))
    if not frames:
        return with_warnings(pd.DataFrame(), ["no placebo date has a full window of data before the event"])
    frame = pd.concat(frames, ignore_index=True)
    frame["significant"] = frame["p_value"] < alpha
    frame.attrs["false_positive_rate"] = float(frame["significant"].mean())
    warns = [w for f in frames for w in f.attrs.get("warnings", [])]
    return with_warnings(frame, warns)


def treatment_intensity(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    *, min_releases: int = 5,
) -> pd.DataFrame:  # fmt: skip
    """Per category: pre-event share of releases by groups that vanished after ``event``, next to its drop."""
    start, end = _window(db, event, before, after)
    sql = """
        WITH w AS (
            SELECT grp, category, pre_at < ? AS pre FROM releases
            WHERE scene AND pre_at IS NOT NULL AND pre_at >= ? AND pre_at < ?
        ),
        gone AS (
            SELECT grp FROM w WHERE grp IS NOT NULL GROUP BY grp
            HAVING count(*) FILTER (WHERE pre) >= ? AND count(*) FILTER (WHERE NOT pre) = 0
        )
        SELECT coalesce(category, '(none)') AS category, count(*) AS releases_before,
               count(DISTINCT w.grp) FILTER (WHERE gone.grp IS NOT NULL) AS vanished_groups,
               count(*) FILTER (WHERE gone.grp IS NOT NULL) / count(*) AS vanished_share
        FROM w LEFT JOIN gone USING (grp) WHERE w.pre GROUP BY 1 ORDER BY releases_before DESC
    """
    bound = [pd.Timestamp(d).to_pydatetime() for d in (event, start, end + timedelta(days=1))]
    shares = db.query(sql, [*bound, min_releases])
    effects = impact(db, event, before, after, "category")
    frame = shares.merge(effects[["category", "relative_change", "ci_low", "ci_high"]], on="category", how="left")
    valid = frame.dropna(subset=["relative_change"])
    if len(valid) >= 3 and valid["vanished_share"].std() > 0:
        frame.attrs["correlation"] = float(np.corrcoef(valid["vanished_share"], valid["relative_change"])[0, 1])
    return with_warnings(frame, effects.attrs.get("warnings", []))
