"""Calibrated intervals, the rhythm null model, discover, study and recovery's definition on planted truth."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from analysis_data import OUTAGE, RAID, affiliated_groups, simulated
from typer.testing import CliRunner

from scenewatch.analysis.affiliation import vanished_clusters
from scenewatch.analysis.batchfit import design, fit_windows
from scenewatch.analysis.calibration import calibrate, effect, event_fit
from scenewatch.analysis.discover import discover, tail_probability
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.impact import impact
from scenewatch.analysis.recovery import _first_lasting, recovery
from scenewatch.analysis.rhythm import active_days, rhythms, silence_chance
from scenewatch.analysis.study import study
from scenewatch.cli import app
from scenewatch.store import Database


@pytest.fixture(scope="module")
def db() -> Database:
    """The shared simulated store, read-only."""
    database = simulated().open()
    yield database
    database.close()


def _drifting_series(seed: int, years: int = 6) -> pd.Series:
    """Daily counts whose level wanders (a random walk of weekly steps) with a weekday pattern: what real feeds do."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2014-01-01", periods=365 * years, freq="D")
    level = np.repeat(np.cumsum(rng.normal(0, 0.05, len(days) // 7 + 1)), 7)[: len(days)]
    weekday = np.array([1.06, 1.08, 1.08, 1.07, 1.04, 0.85, 0.82])[days.day_of_week]
    return pd.Series(rng.poisson(800 * np.exp(level) * weekday), index=days.date)


def test_batched_fit_is_the_glm_maximum_likelihood() -> None:
    series = _drifting_series(3, years=1)
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    used = np.ones(len(days), dtype=bool)
    fits = fit_windows(series.to_numpy(float), used, np.asarray(days.day_of_week), np.array([120]), 56, 56,
                       trend=True, max_drift=100.0)  # fmt: skip
    x = design(np.arange(-56, 0, dtype=float), np.asarray(days.day_of_week[64:120]))
    glm = sm.GLM(series.to_numpy(float)[64:120], x, family=sm.families.Poisson()).fit()
    assert np.allclose(fits.expected[0, :56], glm.fittedvalues, rtol=1e-6)


def test_calibration_holds_where_the_model_interval_does_not() -> None:
    """On drifting series the model's own interval calls far more than 5% of no-event dates significant; the
    placebo-calibrated one stays near the nominal level (seeds not used while choosing the method)."""
    calibrated, model = [], []
    for seed in (11, 12, 13):
        series = _drifting_series(seed)
        days = pd.DatetimeIndex(pd.to_datetime(series.index))
        used = np.ones(len(days), dtype=bool)
        anchors = np.arange(56, len(days) - 56, 17)
        fits = fit_windows(series.to_numpy(float), used, np.asarray(days.day_of_week), anchors, 56, 56)
        observed, expected, sd_log = fits.post_sums()
        log_ratio = np.log(observed / expected)
        volatility = fits.pre_volatility()
        model += list(np.abs(log_ratio / sd_log) > 1.96)
        for k, anchor in enumerate(anchors):
            cal = calibrate(series, used, days[anchor].date(), 56, 56, key=("drift", seed))
            calibrated.append(cal.p_value(float(log_ratio[k]), float(volatility[k])) < 0.05)
    assert len(calibrated) >= 300
    assert np.mean(model) > 0.2
    assert np.mean(calibrated) <= 0.07


def test_a_wandering_before_period_widens_the_interval_and_a_calm_one_never_narrows_it() -> None:
    """The interval scales with the analysed window's own pre-period volatility, floored at the plain width."""
    series = _drifting_series(21)
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    used = np.ones(len(days), dtype=bool)
    event = days[900].date()
    cal = calibrate(series, used, event, 56, 56)
    assert cal.usable and cal.typical > 0
    plain = cal.rmse * np.sqrt(1 + 1 / cal.n_eff)
    assert cal.scale(0.0) >= plain - 1e-12
    assert cal.scale(4 * cal.typical) > 2 * cal.scale(cal.typical)
    # a level that jumps by half in the middle of the before-period: its fit strays, and the same log ratio is
    # judged less significant than after a calm before-period
    jumped = series.copy()
    jumped.iloc[900 - 28 : 900] = (jumped.iloc[900 - 28 : 900] * 1.5).round()
    calm_fit = event_fit(series, used, event, 56, 56)
    jumped_fit = event_fit(jumped, used, event, 56, 56)
    calm, wandering = float(calm_fit.pre_volatility()[0]), float(jumped_fit.pre_volatility()[0])
    assert wandering > 2 * calm
    assert cal.p_value(-0.3, wandering) > cal.p_value(-0.3, calm)


def test_a_collapse_to_a_few_releases_gets_the_counts_own_noise() -> None:
    """Eight weeks at about 1% of the level: the interval on the log scale is wider than the placebo errors alone
    (which only ever saw counts near the expected), and it holds the planted 99% drop."""
    series = _drifting_series(22)
    days = pd.DatetimeIndex(pd.to_datetime(series.index))
    used = np.ones(len(days), dtype=bool)
    anchor = 1200
    rng = np.random.default_rng(5)
    collapsed = series.copy()
    collapsed.iloc[anchor : anchor + 56] = rng.poisson(collapsed.iloc[anchor : anchor + 56].to_numpy() * 0.01)
    event = days[anchor].date()
    fit = event_fit(collapsed, used, event, 56, 56)
    cal = calibrate(collapsed, used, event, 56, 56, known_events=[event])
    found = effect(fit, cal)
    ratio = np.log(max(found["observed"], 0.5) / found["expected"])
    low, high = cal.interval(ratio, float(fit.pre_volatility()[0]))
    assert np.log1p(found["ci_high"]) - np.log1p(found["ci_low"]) > np.log1p(high) - np.log1p(low)
    assert found["ci_low"] <= -0.99 <= found["ci_high"]


def test_impact_reports_its_calibration_and_refuses_an_event_without_history(db: Database) -> None:
    frame = impact(db, RAID)
    assert "placebo" in frame.attrs["calibration"] or "no calibration" in frame.attrs["calibration"]
    assert {"model_ci_low", "model_p_value", "placebo_dates", "calibrated"} <= set(frame.columns)
    with pytest.raises(ValueError, match="usable day"):
        impact(db, simulated().config.start + timedelta(days=5))


def test_bursty_group_is_not_silent_after_nine_days(db: Database) -> None:
    """Two groups with the same number of active days: one daily for months, one in bursts with month-long pauses."""
    bursts = [date(2020, 3, 1) + timedelta(days=d) for m in range(5) for d in range(m * 35, m * 35 + 6)]
    daily = [date(2020, 3, 1) + timedelta(days=d) for d in range(30)] + [date(2020, 3, 31) + timedelta(days=150)]
    rows = [("BURSTY", d) for d in bursts] + [("DAILY", d) for d in daily[:30]]
    frame = pd.DataFrame(rows, columns=["group", "day"]).assign(releases=3)
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[s]")
    frame["last_at"] = (frame["day"] + pd.Timedelta(hours=12)).astype("datetime64[us]")
    r = rhythms(db, date(2021, 1, 1), days=frame.sort_values(["group", "day"], ignore_index=True))
    chance, _ = silence_chance(r, np.array([9.0, 9.0]))
    by_group = dict(zip(r.groups, -np.log10(chance), strict=True))
    assert by_group["BURSTY"] < 1.0  # nine days into a pause is ordinary for it
    assert by_group["DAILY"] > 3.0  # never silent for more than a day before


def test_silence_inside_a_feed_gap_is_not_silence(db: Database) -> None:
    after = OUTAGE + timedelta(days=2)
    frame = dormancy(db, after)
    before_outage = frame["last_pre"] < pd.Timestamp(OUTAGE)
    assert frame.loc[before_outage, "feed_gap_days"].gt(1.4).all()  # the 36-hour outage is taken out
    assert frame.loc[before_outage & frame["last_pre"].ge(pd.Timestamp(OUTAGE - timedelta(days=1))),
                     "score"].max() < 3  # fmt: skip
    assert vanished_clusters(db, after).empty


def test_discover_finds_the_raid_and_not_the_outage(db: Database) -> None:
    frame = discover(db)
    top = frame.iloc[0]
    assert abs((top["date"] - RAID).days) <= 1
    assert top["matched_event"] == "SPARKS raid"
    assert top["volume_change"]["relative_change"] < -0.3
    assert len(set(top["groups"]) & affiliated_groups()) >= 0.8 * len(affiliated_groups())
    assert not any(abs((d - OUTAGE).days) <= 7 for d in frame["date"])
    assert frame["p_adjusted"].is_monotonic_increasing and (frame["p_adjusted"] <= 0.05).all()


def test_tail_probability() -> None:
    assert tail_probability(0, 3.0, 2.0) == 1.0
    assert tail_probability(10, 3.0, 1.0) == pytest.approx(1 - 0.9988975, abs=1e-6)
    assert tail_probability(10, 3.0, 3.0) > tail_probability(10, 3.0, 1.0)  # overdispersion widens the tail


def test_study_measures_events_inside_the_data_and_lists_the_rest(db: Database) -> None:
    frame = study(db)
    sparks = frame[(frame["event_name"] == "SPARKS raid") & (frame["series"] == "all")].iloc[0]
    assert sparks["status"] == "analysed" and sparks["ci_high"] < 0
    assert sparks["vanished_groups"] >= 15
    old = frame[frame["event_name"] == "Operation Buccaneer"].iloc[0]
    assert old["status"] == "before the data" and pd.isna(old["relative_change"])
    assert set(frame.loc[frame["status"] == "analysed", "split"]) <= {"all", "category", "language"}


def test_recovery_is_never_claimed_below_the_threshold(db: Database) -> None:
    for threshold in (0.5, 0.9, 1.1):
        frame = recovery(db, RAID, threshold=threshold)
        recovered = frame[frame["recovered"]]
        assert (recovered["last_ratio"] >= threshold).all(), threshold
    ok = np.array([False] * 10 + [True] * 5 + [False] * 20 + [True] * 10)
    assert _first_lasting(ok, 0, 3, 14) == (35, True)  # the first burst relapsed
    assert _first_lasting(np.r_[ok, [False] * 3], 0, 3, 14) == (None, True)  # below at the end: not recovered


def test_cli_discover_and_study_json(db: Database) -> None:
    runner = CliRunner()
    path = str(simulated().db_path)
    result = runner.invoke(app, ["discover", "--db", path, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"date", "window_days", "groups", "volume_share", "p_adjusted", "volume_change", "matched_event"} <= set(
        rows[0]
    )
    assert "windows" in result.stderr
    result = runner.invoke(app, ["study", "--db", path, "--event", "sparks", "--json"])
    assert result.exit_code == 0, result.output
    assert {r["event_name"] for r in json.loads(result.stdout)} == {"SPARKS raid"}
    refused = runner.invoke(app, ["impact", "--db", path, "--event", str(simulated().config.start)])
    assert refused.exit_code != 0


def test_active_days_ignore_relistings(db: Database) -> None:
    frame = active_days(db, RAID)
    assert frame["releases"].min() >= 1 and frame["day"].max() < pd.Timestamp(RAID)
