"""Calibration of impact intervals: false-positive rate on real placebo dates, coverage of simulated raids.

    python benchmarks/bench_calibration.py --real /tmp/nzedb.duckdb          # real slice + simulated worlds
    python benchmarks/bench_calibration.py --worlds 2 --keep /tmp/cal        # fewer worlds, keep them for reruns
    python benchmarks/bench_calibration.py --scale 1 --keep /tmp/cal         # worlds four times larger
    python benchmarks/bench_calibration.py --level-only --keep /tmp/cal      # counterfactual never with a trend
    python benchmarks/bench_calibration.py --trend --keep /tmp/cal           # always with one (before 2026-12)

Real data (``--real``, a store of the nZEDb slice): placebo dates are every day whose 8+8-week window fits in the
data and lies more than 8 weeks from a catalogued event, a recorded gap or a detected outage of a day or more;
dates before 2020 are the ones the method was chosen on ("tune"), later ones were looked at to report
("validation"). Printed: the share significant at 5% with the model's own interval (before calibration), with the
placebo-t interval of one width per series ("plain") and with the shipped one, scaled by each window's pre-period
volatility ("after").

Simulated worlds: two years each with one planted raid; seeds 101–103 were used while choosing the method, 201–204
only for this report. For every world and category with enough volume: the planted relative change over the 8
weeks after the raid (from the simulator's rate model, with the raid vs without it), the estimate, and whether the
calibrated 95% interval covers the planted value. CPU seconds are printed next to wall time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from scenewatch.analysis import calibration
from scenewatch.analysis.batchfit import log_error
from scenewatch.analysis.gaps import gaps
from scenewatch.analysis.impact import false_positive_rate, impact
from scenewatch.analysis.volume import data_span
from scenewatch.events import catalogue_events
from scenewatch.ingest import ingest_paths
from scenewatch.simulate import PlantedEvent, SimulationConfig, write
from scenewatch.simulate.model import Model
from scenewatch.simulate.names import CATEGORIES
from scenewatch.store import Database

TUNE_SEEDS = (101, 102, 103)
REPORT_SEEDS = (201, 202, 203, 204)
RAID_DAYS = (date(2020, 3, 10), date(2020, 6, 16), date(2020, 9, 22), date(2020, 11, 3))
WINDOW = timedelta(weeks=8)


def placebo_days(db: Database) -> list[date]:
    """Every day with a full 8+8-week window, more than 8 weeks from catalogued events, recorded gaps and detected
    outages of a day or more (shorter dips only lose their days, as in every impact)."""
    first, last = data_span(db)
    assert first and last
    avoid = [e.day for e in catalogue_events()]
    found = gaps(db)
    for row in found.itertuples():
        if row.kind == "recorded" or row.hours >= 24:
            avoid += [row.start.date(), row.end.date()]
    days = []
    day = first + WINDOW
    while day + WINDOW - timedelta(days=1) <= last:
        if all(abs((day - a).days) > 56 for a in avoid):
            days.append(day)
        day += timedelta(days=1)
    return days


def real(path: Path, trend: bool | None = None) -> None:
    """False-positive rates on the real slice, before and after calibration, and the placebo prediction error."""
    with Database(path, read_only=True) as db:
        days = placebo_days(db)
        for by in (None, "category"):
            started, cpu = time.perf_counter(), time.process_time()
            after = false_positive_rate(db, days, by=by, trend=trend)
            before = false_positive_rate(db, days, by=by, model_only=True, trend=trend)
            shipped, calibration.LOCAL = calibration.LOCAL, False
            try:
                plain = false_positive_rate(db, days, by=by, trend=trend)
            finally:
                calibration.LOCAL = shipped
            for frame in (after, before, plain):
                frame["split"] = np.where(pd.to_datetime(frame["day"]) < pd.Timestamp("2020-01-01"), "tune",
                                          "validation")  # fmt: skip
            table = pd.DataFrame({
                "before": before.groupby(["category", "split"])["significant"].mean(),
                "plain": plain.groupby(["category", "split"])["significant"].mean(),
                "after": after.groupby(["category", "split"])["significant"].mean(),
                "dates": after.groupby(["category", "split"])["significant"].size(),
                # how far the counterfactual missed on a no-event date: root mean square of log(observed/expected)
                "rmse_log": pd.Series(log_error(after["observed"].to_numpy(float), after["expected"].to_numpy(float)),
                                      index=after.index).pow(2).groupby([after["category"], after["split"]])
                .mean().pow(0.5),
            }).unstack("split")  # fmt: skip
            print(f"\nreal slice, placebo dates at nominal 5% ({'per category' if by else 'all releases'}; "
                  f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU)")  # fmt: skip
            print(table.round(3).to_string())
            if by:
                pooled = {name: frame[frame["category"] != "all"].groupby("split")["significant"].mean()
                          for name, frame in (("before", before), ("plain", plain), ("after", after))}  # fmt: skip
                print("pooled over the categories:", ", ".join(
                    f"{name} {v['tune']:.1%} tune / {v['validation']:.1%} validation" for name, v in pooled.items()))


def _world(work: Path, seed: int, raid: date, scale: float) -> tuple[Path, SimulationConfig]:
    config = SimulationConfig(start=date(2019, 1, 1), end=date(2020, 12, 31), scale=scale, seed=seed,
                              events=(PlantedEvent(day=raid, kind="raid"),))  # fmt: skip
    name = f"world-{seed}" if scale == 0.25 else f"world-{seed}-x{scale:g}"
    db = work / f"{name}.duckdb"
    if not db.exists():
        summary = write(config, work / f"{name}.ndjson.gz")
        with Database(db) as store:
            ingest_paths(store, [summary.path])
    return db, config


def confusion(db: Database) -> pd.DataFrame:
    """Share of each simulator category's releases the parser files under each category (rows: simulator)."""
    from scenewatch.simulate.names import SECTION_CATEGORY

    counts = db.query("SELECT upper(section) AS section, category, count(*) AS n FROM releases "
                      "WHERE scene AND pre_at IS NOT NULL GROUP BY ALL")  # fmt: skip
    counts["sim"] = counts["section"].map({k.upper(): v for k, v in SECTION_CATEGORY.items()})
    table = counts.dropna(subset=["sim"]).pivot_table(index="sim", columns="category", values="n", aggfunc="sum",
                                                       fill_value=0)  # fmt: skip
    return table.div(table.sum(axis=1), axis=0).reindex(CATEGORIES, fill_value=0.0)


def planted(config: SimulationConfig, start: date, end: date, mix: pd.DataFrame) -> dict[str, float]:
    """Planted relative change per parser category and ``all`` over ``start``..``end`` (holidays left out): the
    simulator's expected counts with the raid and without it, carried into parser categories by ``mix``."""
    with_raid, without = Model(config), Model(replace(config, events=()))
    offsets = range((start - config.start).days, (end - config.start).days + 1)
    keep = [i for i in offsets if ((d := config.start + timedelta(days=i)).month, d.day) not in
            {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}]  # fmt: skip
    a = np.array([with_raid.expected_by_category(i) for i in keep]).sum(axis=0) @ mix.to_numpy()
    b = np.array([without.expected_by_category(i) for i in keep]).sum(axis=0) @ mix.to_numpy()
    out = {str(c): float(a[j] / b[j] - 1) for j, c in enumerate(mix.columns) if b[j] > 0}
    out["all"] = float(a.sum() / b.sum() - 1)
    return out


def simulated(
    work: Path, seeds: tuple[int, ...], label: str, scale: float = 0.25, trend: bool | None = None
) -> pd.DataFrame:
    """Estimate vs planted drop for each world of ``seeds``."""
    rows = []
    for k, seed in enumerate(seeds):
        raid = RAID_DAYS[k % len(RAID_DAYS)]
        path, config = _world(work, seed, raid, scale)
        with Database(path, read_only=True) as db:
            truth = planted(config, raid, raid + WINDOW - timedelta(days=1), confusion(db))
            frame = impact(db, raid, trend=trend)
        for row in frame.itertuples():
            if row.category not in truth or row.expected < 500:
                continue
            planted_change = truth[row.category]
            rows.append({"set": label, "seed": seed, "raid": raid, "category": row.category,
                         "planted": planted_change, "estimate": row.relative_change,
                         "error_points": 100 * (row.relative_change - planted_change),
                         "ci_low": row.ci_low, "ci_high": row.ci_high,
                         "covered": row.ci_low <= planted_change <= row.ci_high,
                         "model_covered": row.model_ci_low <= planted_change <= row.model_ci_high})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    """Run the calibration checks and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, help="A store of the real nZEDb slice.")
    parser.add_argument("--worlds", type=int, default=len(REPORT_SEEDS), help="Reported worlds to simulate.")
    parser.add_argument("--keep", type=Path, help="Folder for the simulated worlds (reused when present).")
    parser.add_argument("--scale", type=float, default=0.25,
                        help="Size of the worlds (0.25: about a quarter of the real slice's volume).")
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--level-only", dest="trend", action="store_false", default=None,
                       help="Always fit the counterfactual without its linear trend (impact's trend=False).")
    model.add_argument("--trend", dest="trend", action="store_true", default=None,
                       help="Always extrapolate the linear trend (impact's trend=True; the default before 2026-12).")
    args = parser.parse_args()
    trend = args.trend  # None: impact's default, level only where the history calibrates it
    if args.real:
        real(args.real, trend)
    work = args.keep or Path(tempfile.mkdtemp(prefix="scenewatch-bench-cal-"))
    work.mkdir(parents=True, exist_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    frame = pd.concat([simulated(work, TUNE_SEEDS, "tune", args.scale, trend),
                       simulated(work, REPORT_SEEDS[: args.worlds], "report", args.scale, trend)],
                      ignore_index=True)  # fmt: skip
    print(f"\nsimulated raids ({time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")
    pd.set_option("display.width", 200)
    print(frame.round(3).to_string(index=False))
    summary = frame.groupby("set").agg(
        estimates=("covered", "size"), coverage=("covered", "mean"), model_coverage=("model_covered", "mean"),
        mean_abs_error_points=("error_points", lambda v: float(np.mean(np.abs(v)))),
        max_abs_error_points=("error_points", lambda v: float(np.max(np.abs(v)))),
    )  # fmt: skip
    print()
    print(summary.round(3).to_string())
    by_category = frame.groupby("category")["error_points"].agg(
        estimates="size", mean_error_points="mean", max_abs_error_points=lambda v: float(np.max(np.abs(v))))
    print()
    print(by_category.round(2).to_string())


if __name__ == "__main__":
    main()
