"""Would a year-on-year term help the impact counterfactual? The placebo error a year earlier, as a predictor.

    python benchmarks/bench_seasonal.py /tmp/nzedb.duckdb                      # the real slice
    python benchmarks/bench_seasonal.py /tmp/nzedb.duckdb --worlds /tmp/cal1   # and bench_calibration's kept worlds

The shipped counterfactual (level and weekday, fitted on the 8 weeks before) cannot know a seasonal rise or fall
over the 8 weeks after. A year-on-year correction would subtract the same model's log error on the window 52 weeks
earlier (same weekdays). It helps exactly when those two errors are correlated. For every series with enough volume
this prints, over every placebo date (one a day) whose window and year-ago window both lie outside the 26 weeks
after a known or planted event: the correlation r of the two errors, the RMS error as shipped, with the year-ago
error subtracted (``diff``) and with half of it (``half``). On the real slice only dates of 2020 have a year before
them (the validation half of bench_calibration). CPU seconds are printed next to wall time.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from scenewatch.analysis.calibration import AFTERMATH, _placebo_errors
from scenewatch.analysis.impact import history
from scenewatch.store import Database

WINDOW = 56  # days before and after, as impact's default
YEAR = 364  # 52 weeks: the same weekdays
MIN_RELEASES = 5000  # series smaller than this over the history are skipped


def year_on_year(path: Path, planted: list[date]) -> pd.DataFrame:
    """One row per series of the store at ``path``: pairs, r, and RMS log error as shipped / diff / half."""
    with Database(path, read_only=True) as db:
        hist = history(db, "category")
    days = pd.DatetimeIndex(pd.to_datetime(hist.wide.index))
    weekday = np.asarray(days.day_of_week)
    rows = []
    for key in hist.wide.columns:
        counts = hist.wide[key].to_numpy(dtype=float)
        if counts.sum() < MIN_RELEASES:
            continue
        # the level-only counterfactual's post-window log error at every day with a full window
        anchors, errors, _ = _placebo_errors(counts, hist.used, weekday, WINDOW, WINDOW, trend=False, spacing=1,
                                             key=None)
        starts, ends = days[anchors] - pd.Timedelta(days=WINDOW), days[anchors] + pd.Timedelta(days=WINDOW)
        clean = np.isfinite(errors)
        for event in [*hist.known, *planted]:
            start = pd.Timestamp(event)
            clean &= ~np.asarray((starts < start + pd.Timedelta(AFTERMATH)) & (ends > start))
        position = {int(a): i for i, a in enumerate(anchors)}
        pairs = [(i, position[int(a) - YEAR]) for i, a in enumerate(anchors) if int(a) - YEAR in position]
        pairs = [(i, j) for i, j in pairs if clean[i] and clean[j]]
        if len(pairs) < 30:
            continue
        now, ago = errors[[i for i, _ in pairs]], errors[[j for _, j in pairs]]
        rows.append({"series": key, "pairs": len(pairs), "r": float(np.corrcoef(now, ago)[0, 1]),
                     "rmse_shipped": float(np.sqrt(np.mean(now**2))),
                     "rmse_diff": float(np.sqrt(np.mean((now - ago) ** 2))),
                     "rmse_half": float(np.sqrt(np.mean((now - ago / 2) ** 2)))})  # fmt: skip
    return pd.DataFrame(rows)


def planted_days(store: Path) -> list[date]:
    """The planted events of a world kept by bench_calibration (its truth file sits beside the store)."""
    truth = store.with_name(store.stem + ".ndjson.gz.truth.json")
    if not truth.exists():
        return []
    return [date.fromisoformat(event["day"]) for event in json.loads(truth.read_text())["events"]]


def main() -> None:
    """Print the year-on-year table for each store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, nargs="?", help="A store of the real nZEDb slice.")
    parser.add_argument("--worlds", type=Path, help="A folder of worlds kept by bench_calibration.py --keep.")
    args = parser.parse_args()
    stores = ([args.store] if args.store else []) + (sorted(args.worlds.glob("world-*.duckdb")) if args.worlds else [])
    pooled = []
    for store in stores:
        started, cpu = time.perf_counter(), time.process_time()
        table = year_on_year(store, planted_days(store))
        print(f"\n{store.name} ({time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU)")
        print(table.round(3).to_string(index=False) if len(table) else "(no series with 30 clean year-ago pairs)")
        pooled.append(table.assign(store=store.name))
    frame = pd.concat(pooled, ignore_index=True) if pooled else pd.DataFrame()
    if len(frame):
        wins = (frame["rmse_diff"] < frame["rmse_shipped"]).groupby(frame["store"]).agg(["sum", "size"])
        print("\nseries where subtracting the year-ago error lowers the RMS error:")
        print(wins.rename(columns={"sum": "better", "size": "series"}).to_string())


if __name__ == "__main__":
    main()
