"""The counterfactual of :mod:`scenewatch.analysis.impact` fitted for many windows of one daily series at once.

Model: the daily counts of the ``before`` days of a window follow a quasi-Poisson GLM
``log E[y_t] = a + b·t + weekday_t`` (six weekday dummies, ``t`` in weeks from the window's anchor day), fitted by
iteratively reweighted least squares on all windows together (numpy, batched). A trend that would move the
expectation by more than ``max_drift``× over the post part of the window is dropped for that window. Dispersion φ is
the Pearson χ²/df, inflated by the Bartlett-weighted autocorrelation of the residuals (lags 1–7). Days in ``used`` =
False (feed gaps, holidays) are left out of fit and comparison.

One fit of one window is what :func:`scenewatch.analysis.impact.fit_counterfactual` returns; thousands of windows
(every placebo date of ten years) are what :mod:`scenewatch.analysis.calibration` needs, in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

K = 8  # intercept, trend, six weekday dummies
_ITERATIONS = 30


@dataclass(slots=True)
class WindowFits:
    """Fits of ``B`` windows of ``W`` days each (``before`` days before the anchor, ``after`` from it)."""

    anchors: np.ndarray  # (B,) index of each window's anchor (event) day in the full series
    observed: np.ndarray  # (B, W)
    expected: np.ndarray  # (B, W)
    design: np.ndarray  # (B, W, K); the trend column is 0 where the trend was dropped
    cov: np.ndarray  # (B, K, K) scaled parameter covariance
    dispersion: np.ndarray  # (B,) Pearson φ (≥ 1)
    inflation: np.ndarray  # (B,) autocorrelation inflation (≥ 1)
    used: np.ndarray  # (B, W) days entering fit and comparison
    trend: np.ndarray  # (B,) whether the trend was kept
    valid: np.ndarray  # (B,) whether the window had enough pre-event volume to fit
    before: int
    after: int

    @property
    def pre(self) -> np.ndarray:
        """(W,) mask of the days before the anchor."""
        return np.arange(self.before + self.after) < self.before

    def post_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per window: observed and expected sums over the used post days, and the model's sd of log(expected)
        plus the counterfactual's own noise (behind the model-only interval of
        :func:`scenewatch.analysis.calibration.effect`)."""
        mask = self.used & ~self.pre[None, :]
        observed = (self.observed * mask).sum(axis=1)
        expected = (self.expected * mask).sum(axis=1)
        grad = np.einsum("bw,bwk->bk", self.expected * mask, self.design)
        var_expected = np.einsum("bk,bkl,bl->b", grad, self.cov, grad)
        noise = self.dispersion * self.inflation * expected
        with np.errstate(divide="ignore", invalid="ignore"):
            sd_log = np.sqrt(var_expected + noise) / expected
        return observed, expected, np.where(expected > 0, sd_log, np.nan)

    def pre_volatility(self) -> np.ndarray:
        """Per window: RMS of the weekly log errors of the fit over its own whole weeks before the anchor (NaN with
        fewer than two weeks that hold four used days): how far the series strays from its model where it is known."""
        weeks = self.before // 7
        if weeks < 2:
            return np.full(len(self.anchors), np.nan)
        start = self.before - 7 * weeks
        part = slice(start, self.before)
        mask = self.used[:, part]
        shape = (len(self.anchors), weeks, 7)
        observed = (self.observed[:, part] * mask).reshape(shape).sum(axis=2)
        expected = (self.expected[:, part] * mask).reshape(shape).sum(axis=2)
        enough = (mask.reshape(shape).sum(axis=2) >= 4) & (expected > 0)
        errors = np.where(enough, log_error(observed, expected), 0.0)
        count = enough.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(count >= 2, np.sqrt((errors**2).sum(axis=1) / count), np.nan)


def design(days_from_anchor: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Design rows (..., K) for days given as offsets from the anchor (days) and their weekday (0 = Monday)."""
    columns = [np.ones(days_from_anchor.shape), days_from_anchor / 7.0]
    columns += [(weekday == k).astype(float) for k in range(1, 7)]
    return np.stack(columns, axis=-1)


def _irls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson log-link MLE per window: coefficients (B, K) and the information matrix X'WX (B, K, K)."""
    b_count, _, k = x.shape
    mean = (y * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1.0)
    beta = np.zeros((b_count, k))
    beta[:, 0] = np.log(np.maximum(mean, 1e-3))
    ridge = 1e-9 * np.eye(k)[None, :, :]
    info = np.zeros((b_count, k, k))
    for _ in range(_ITERATIONS):
        eta = np.clip(np.matmul(x, beta[..., None])[..., 0], -30.0, 30.0)
        mu = np.exp(eta)
        weight = w * mu
        z = eta + (y - mu) / mu
        xw = x * weight[..., None]
        info = np.matmul(xw.transpose(0, 2, 1), x) + ridge
        rhs = np.einsum("bni,bn->bi", xw, z)
        new = np.linalg.solve(info, rhs[..., None])[..., 0]
        done = np.max(np.abs(new - beta)) < 1e-9
        beta = new
        if done:
            break
    return beta, info


def _inflation(resid: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Bartlett-weighted autocorrelation inflation (lags 1–7) of each window's residuals on its fit days."""
    out = np.ones(len(resid))
    for i in range(len(resid)):
        r = resid[i][fit[i]]
        if len(r) <= 20 or r.std() <= 0:
            continue
        r = r - r.mean()
        denominator = float(np.dot(r, r))
        acf = [float(np.dot(r[:-lag], r[lag:]) / denominator) for lag in range(1, 8)]
        out[i] = max(1.0, 1.0 + 2.0 * sum((1 - lag / 8) * a for lag, a in enumerate(acf, start=1)))
    return out


def fit_windows(
    counts: np.ndarray, used: np.ndarray, weekday: np.ndarray, anchors: np.ndarray, before: int, after: int,
    *, trend: bool = True, max_drift: float = 1.5,
) -> WindowFits:  # fmt: skip
    """Fit the counterfactual on the ``before`` days of every window anchored at ``anchors`` (indices into the
    full daily ``counts``; each window must lie inside the series) and predict all its days."""
    anchors = np.asarray(anchors, dtype=np.int64)
    offsets = np.arange(-before, after)
    rows = anchors[:, None] + offsets[None, :]
    y = counts[rows].astype(float)
    use = used[rows]
    x = design(np.broadcast_to(offsets.astype(float), rows.shape), weekday[rows])
    pre = offsets < 0
    fit_mask = (use & pre[None, :]).astype(float)
    valid = ((y * fit_mask).sum(axis=1) > 0) & (fit_mask.sum(axis=1) > K + 2)
    kept = np.zeros(len(anchors), dtype=bool)
    if trend:
        beta, info = _irls(x, y, fit_mask)
        drift = np.exp(np.abs(beta[:, 1]) * max(after - 1, 0) / 7.0)
        kept = drift <= max_drift
    x_flat = x.copy()
    x_flat[..., 1] = 0.0
    beta_flat, info_flat = _irls(x_flat, y, fit_mask)
    if trend:
        beta = np.where(kept[:, None], beta, beta_flat)
        info = np.where(kept[:, None, None], info, info_flat)
        x = np.where(kept[:, None, None], x, x_flat)
    else:
        beta, info, x = beta_flat, info_flat, x_flat
    mu = np.exp(np.clip(np.einsum("bnk,bk->bn", x, beta), -30.0, 30.0))
    params = np.where(kept, K, K - 1)
    resid = (y - mu) / np.sqrt(np.maximum(mu, 1e-9))
    df = np.maximum(fit_mask.sum(axis=1) - params, 1.0)
    dispersion = np.maximum((resid**2 * fit_mask).sum(axis=1) / df, 1.0)
    inverse = np.linalg.inv(info)
    if not trend:
        inverse[:, 1, :] = inverse[:, :, 1] = 0.0
    else:
        inverse[~kept, 1, :] = 0.0
        inverse[~kept, :, 1] = 0.0
    inflation = _inflation(resid, fit_mask.astype(bool))
    cov = inverse * (dispersion * inflation)[:, None, None]
    mu = np.where(valid[:, None], mu, 0.0)
    return WindowFits(anchors, y, mu, x, np.where(valid[:, None, None], cov, 0.0), np.where(valid, dispersion, 1.0),
                      np.where(valid, inflation, 1.0), use, kept, valid, before, after)  # fmt: skip


def log_error(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """log(observed / expected) with a half count floor (NaN where nothing was expected)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, np.log(np.maximum(observed, 0.5) / expected), np.nan)


def normal_two_sided(z: float) -> float:
    """Two-sided normal tail probability of ``z``."""
    return math.erfc(abs(z) / math.sqrt(2.0))
