"""Compare, impact, placebo, recovery and gaps on the shared simulation with planted truth."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from analysis_data import OUTAGE, RAID, planted_change, planted_recovery, simulated

from scenewatch.analysis.compare import compare, event_windows
from scenewatch.analysis.gaps import gaps
from scenewatch.analysis.impact import counterfactual, impact, placebo, treatment_intensity
from scenewatch.analysis.recovery import recovery
from scenewatch.store import Database


@pytest.fixture(scope="module")
def db() -> Database:
    """The shared simulated store, read-only."""
    database = simulated().open()
    yield database
    database.close()


def test_event_windows_match_the_published_weeks() -> None:
    windows = event_windows(date(2020, 8, 25))
    assert [(w[1], w[2]) for w in windows[:3]] == [
        (date(2020, 8, 17), date(2020, 8, 23)), (date(2020, 8, 31), date(2020, 9, 6)),
        (date(2020, 9, 7), date(2020, 9, 13)),
    ]  # fmt: skip
    assert windows[3][1].weekday() == 0


def test_compare_counts_and_changes(db: Database) -> None:
    frame = compare(db, event_windows(RAID))
    total = frame[frame["category"] == "all"].set_index("window")
    assert total.loc["week_before", "count"] == frame[(frame["window"] == "week_before")
                                                      & (frame["category"] != "all")]["count"].sum()  # fmt: skip
    planted = planted_change(date(2020, 8, 31), date(2020, 9, 6))["all"]
    assert total.loc["week_1_after", "relative_change"] == pytest.approx(planted, abs=0.06)
    assert total.loc["week_before", "change_vs_first"] == 0


def test_impact_recovers_planted_drops(db: Database) -> None:
    frame = impact(db, RAID).set_index("category")
    planted = planted_change(RAID, RAID + timedelta(weeks=8, days=-1))
    for category in ("all", "tv", "music", "game"):
        assert frame.loc[category, "relative_change"] == pytest.approx(planted[category], abs=0.04), category
    # the parser files some other releases under ebook, which dilutes its near-total planted drop
    assert frame.loc["ebook", "relative_change"] == pytest.approx(planted["ebook"], abs=0.08)
    row = frame.loc["all"]
    assert row["ci_low"] < row["relative_change"] < row["ci_high"]
    assert row["ci_low"] <= planted["all"] + 0.02 and planted["all"] - 0.02 <= row["ci_high"]
    assert row["p_value"] < 1e-6
    assert row["cumulative_missing"] == pytest.approx(row["expected"] - row["observed"])


def test_placebo_dates_show_no_event(db: Database) -> None:
    frame = placebo(db, RAID)
    assert len(frame) == 8
    assert frame.attrs["false_positive_rate"] <= 0.125
    assert frame["relative_change"].abs().max() < 0.06


def test_a_history_too_short_to_calibrate_keeps_the_trend(db: Database) -> None:
    """Ten months hold too few placebo windows; the model's own interval is then the one reported, and only the
    trend model's is honest there (level only flagged 6 of the 8 placebo dates above)."""
    frame = impact(db, RAID)
    assert not frame["calibrated"].any()
    assert "no calibration" in frame.attrs["calibration"] and "weekday + trend" in frame.attrs["calibration"]
    forced = impact(db, RAID, trend=True)
    pd.testing.assert_series_equal(frame["relative_change"], forced["relative_change"])
    level = impact(db, RAID, trend=False)
    assert "level only" in level.attrs["calibration"]
    assert not (level["relative_change"] == frame["relative_change"]).all()
    # the report hands the impact rows' choices to the daily counterfactual: the same days as choosing afresh
    chosen = counterfactual(db, RAID, trend=dict(zip(frame["category"], frame["trend"].astype(bool), strict=True)))
    pd.testing.assert_frame_equal(chosen, counterfactual(db, RAID))
    assert not chosen.equals(counterfactual(db, RAID, trend=False))
    from scenewatch.report.analysis_sections import impact_section

    text = impact_section(db, RAID, gaps(db)).text
    assert "trend" in text and "level only" not in text.split("Warnings")[0]


def test_treatment_intensity_ranks_wiped_out_categories(db: Database) -> None:
    frame = treatment_intensity(db, RAID).set_index("category")
    assert frame.loc["game", "vanished_share"] > 0.8 and frame.loc["ebook", "vanished_share"] > 0.8
    assert frame.attrs["correlation"] < -0.5


def test_counterfactual_band_covers_pre_period(db: Database) -> None:
    frame = counterfactual(db, RAID)
    pre = frame[(frame["category"] == "all") & (frame["period"] == "before") & ~frame["gap_day"]]
    inside = (pre["observed"] >= pre["expected_low"]) & (pre["observed"] <= pre["expected_high"])
    assert inside.mean() > 0.85


def test_recovery_dates_near_planted(db: Database) -> None:
    frame = recovery(db, RAID, threshold=0.5).set_index("category")
    for category in ("all", "music", "xxx", "software", "movie"):
        planted = planted_recovery(category, 0.5)
        assert planted is not None
        assert abs((frame.loc[category, "recovery_date"] - planted).days) <= 3, category
    late = recovery(db, RAID, threshold=0.9).set_index("category")
    for category in ("game", "ebook"):
        assert late.loc[category, "not_yet"] and late.loc[category, "recovery_date"] is None
    assert abs((late.loc["all", "recovery_date"] - planted_recovery("all", 0.9)).days) <= 28


def test_gaps_find_the_planted_outage_and_warn(db: Database) -> None:
    found = gaps(db)
    detected = found[found["kind"] == "detected"]
    assert len(detected) == 1
    row = detected.iloc[0]
    planted = simulated().truth["outages"][0]
    assert abs((row["start"] - pd.Timestamp(planted["start"][:-1])).total_seconds()) <= 3600
    assert abs(row["hours"] - 36) <= 2
    warned = impact(db, OUTAGE + timedelta(days=20), before="4w", after="2w")
    assert any("feed gap" in w for w in warned.attrs["warnings"])
    assert not any("feed gap" in w for w in impact(db, RAID).attrs["warnings"])
