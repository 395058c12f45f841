"""When each category's volume came back after an event, measured against the fitted counterfactual.

The counterfactual is the quasi-Poisson weekday model of :mod:`scenewatch.analysis.impact`, fitted on the
``before`` period; by default without a linear trend, because a trend fitted on eight weeks is not to be trusted
half a year ahead. For each day after the event the trailing 7-day observed sum is compared to the 7-day expected sum.
The recovery date is the first day from which the ratio is at or above ``threshold`` for ``sustain`` days in a row
and *stays recovered*: it never again falls below ``threshold`` for ``relapse_days`` days in a row, and is not below
it on the last ``sustain`` days of the data. A one-week burst followed by months at a fifth of the counterfactual is
a relapse, not a recovery (``relapsed`` says a threshold was reached and lost). The interval brackets the date with
the same rule applied to ``threshold`` times the lower and upper 95% bounds of the expected 7-day sum (parameter
uncertainty plus overdispersed noise). Never reached: ``recovered`` is False and the dates are null ("not yet").
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from scenewatch.analysis._common import with_warnings
from scenewatch.analysis.impact import Fit, fits

_Z = 1.959963984540054


def _rolling(values: np.ndarray, width: int = 7) -> np.ndarray:
    c = np.cumsum(np.concatenate([np.zeros((1, *values.shape[1:])), values]), axis=0)
    out = c[width:] - c[:-width]
    return np.concatenate([np.full((width - 1, *values.shape[1:]), np.nan), out])


def _first_lasting(ok: np.ndarray, start: int, sustain: int, relapse_days: int) -> tuple[int | None, bool]:
    """First index from ``start`` opening a run of ``sustain`` ok days after which ``ok`` is never False for
    ``relapse_days`` days in a row nor on the last ``sustain`` days; and whether an earlier run was lost."""
    n = len(ok)
    if n - start < sustain or not ok[max(n - sustain, start):].all():
        lasting_from = None
    else:
        lasting_from = n  # walk back from the end while no relapse run is met
        bad = 0
        for i in range(n - 1, start - 1, -1):
            bad = 0 if ok[i] else bad + 1
            if bad >= relapse_days:
                break
            lasting_from = i
    run, reached = 0, False
    for i in range(start, n):
        run = run + 1 if ok[i] else 0
        if run >= sustain:
            first = i - sustain + 1
            if lasting_from is not None and first >= lasting_from:
                return first, reached
            reached = True
    return None, reached


def recovery_curve(fit: Fit) -> pd.DataFrame:
    """Per day: 7-day observed and expected sums, the expected sum's 95% bounds and the ratio."""
    used = fit.used.astype(float)
    obs7 = _rolling(fit.observed * used)
    exp7 = _rolling(fit.expected * used)
    grads = _rolling(fit.expected[:, None] * fit.design * used[:, None])
    var = np.einsum("ij,jk,ik->i", np.nan_to_num(grads), fit.cov, np.nan_to_num(grads))
    sd = np.sqrt(var + fit.dispersion * fit.inflation * np.nan_to_num(exp7))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = obs7 / exp7
    return pd.DataFrame({"day": fit.days.date, "observed_7d": obs7, "expected_7d": exp7,
                         "expected_7d_low": np.maximum(exp7 - _Z * sd, 0), "expected_7d_high": exp7 + _Z * sd,
                         "ratio": ratio})  # fmt: skip


def recovery(
    db, event: date, threshold: float = 0.9, before: str = "8w", horizon: str = "26w",
    by: str | None = "category", *, trend: bool = False, sustain: int = 3, relapse_days: int = 14,
) -> pd.DataFrame:  # fmt: skip
    """Per category (+ ``all``): first date the 7-day volume is back at ``threshold`` of the counterfactual for good
    (see the module's docstring); ``recovered`` is never True while the last ratio is below ``threshold``."""
    if not 0 < threshold <= 2:
        raise ValueError("threshold must be within (0, 2]")
    fitted, warns = fits(db, event, before, horizon, by, trend=trend)
    rows = []
    for key, fit in fitted.items():
        curve = recovery_curve(fit)
        post = np.flatnonzero(~fit.pre)
        row: dict[str, object] = {"category": key, "threshold": threshold}
        if len(post) < 7 or float(np.nansum(curve["expected_7d"].to_numpy()[post])) <= 0:
            rows.append(row | {"recovered": False, "not_yet": True, "note": "no counterfactual volume"})
            continue
        first = int(post[0]) + 6  # first window lying wholly after the event
        obs7 = curve["observed_7d"].to_numpy()
        after = curve.iloc[first:]
        trough = after["ratio"].idxmin() if after["ratio"].notna().any() else None
        found: dict[str, object] = {}
        relapsed = False
        for name, column in (("recovery_date", "expected_7d"), ("recovery_earliest", "expected_7d_low"),
                             ("recovery_latest", "expected_7d_high")):  # fmt: skip
            ok = obs7 >= threshold * curve[column].to_numpy()
            i, lost = _first_lasting(np.nan_to_num(ok, nan=False).astype(bool), first, sustain, relapse_days)
            found[name] = curve["day"].iloc[i] if i is not None else None
            relapsed = relapsed or (name == "recovery_date" and lost and i is None)
        recovered = found["recovery_date"] is not None
        rows.append(row | found | {
            "recovered": recovered, "not_yet": not recovered, "relapsed": relapsed,
            "days_to_recovery": (found["recovery_date"] - event).days if recovered else None,
            "trough_ratio": float(curve["ratio"].loc[trough]) if trough is not None else None,
            "trough_date": curve["day"].loc[trough] if trough is not None else None,
            "last_ratio": float(curve["ratio"].iloc[-1]), "last_day": curve["day"].iloc[-1],
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    order = ["category", "threshold", "recovered", "recovery_date", "recovery_earliest", "recovery_latest",
             "days_to_recovery", "trough_ratio", "trough_date", "last_ratio", "last_day", "not_yet",
             "relapsed"]  # fmt: skip
    # Always every column: a series with nothing to recover from has them empty, not missing.
    frame = frame.reindex(columns=order + [c for c in frame if c not in order])
    if fitted and max(f.days[-1].date() for f in fitted.values()) < event + timedelta(days=14):
        warns.append("less than two weeks of data after the event")
    return with_warnings(frame, warns)
