"""Write the simulated stream as NDJSON or CSV (optionally gzip) plus the planted-truth sidecar."""

from __future__ import annotations

import csv
import gzip
import io
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from scenewatch.simulate.config import PlantedEvent, SimulationConfig
from scenewatch.simulate.generate import RunStats, iter_batches
from scenewatch.simulate.model import Model, iso
from scenewatch.simulate.names import CATEGORIES
from scenewatch.simulate.races import language_truth, plan_races

__all__ = ["CSV_HEADER", "SimulationSummary", "detect_format", "run_cli", "truth", "write"]

CSV_HEADER = ("name", "pre_at", "section", "group", "size_mb", "files", "action", "at", "reason", "network")
TRUTH_FORMAT = "scenewatch-simulate-truth/1"


@dataclass(slots=True)
class SimulationSummary:
    """What ``write`` produced: paths, format, counts and speed."""

    path: Path
    truth_path: Path
    format: str
    rows: int
    releases: int
    nukes: int
    unnukes: int
    modnukes: int
    seconds: float
    first_at: int | None = None
    last_at: int | None = None
    releases_by_category: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        """One line for the CLI: counts, speed, paths."""
        return (
            f"{self.rows:,} rows ({self.releases:,} releases, {self.nukes:,} nukes, {self.unnukes:,} unnukes, "
            f"{self.modnukes:,} modnukes) → {self.path} [{self.format}] in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s); truth → {self.truth_path}"
        )

    @property
    def rows_per_second(self) -> float:
        """Rows written per second of wall time."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def detect_format(path: Path, fmt: str | None = None) -> tuple[str, bool]:
    """Return ``(format, gzip)`` from ``fmt`` or the suffix (.ndjson/.jsonl/.json/.csv, optional .gz)."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    if fmt is None:
        last = suffixes[-1] if suffixes else ""
        fmt = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "ndjson", ".csv": "csv"}.get(last)
        if fmt is None:
            raise ValueError(f"cannot tell the format of {path.name!r}; use .ndjson, .jsonl, .csv (+ .gz)")
    fmt = fmt.lower()
    if fmt in ("jsonl", "json"):
        fmt = "ndjson"
    if fmt not in ("ndjson", "csv"):
        raise ValueError(f"unknown format {fmt!r} (expected ndjson or csv)")
    return fmt, gz


GZIP_LEVEL = 3  # ~1.2x larger than level 6 but 2x faster to write


class _BackgroundWriter:
    """Write (and gzip) byte chunks on a thread, in order; zlib and file I/O release the GIL."""

    def __init__(self, path: Path, gz: bool) -> None:
        """Open ``path`` (gzip with a byte-stable header when ``gz``) and start the writer thread."""
        self._raw = open(path, "wb")
        self._fh: IO[bytes] = self._raw
        if gz:  # filename="" and mtime=0 keep the gzip header byte-identical between runs
            self._fh = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=GZIP_LEVEL, mtime=0
            )
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="simulate-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._fh.write(chunk)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def write(self, chunk: bytes) -> None:
        """Queue ``chunk`` for writing."""
        if self._error is not None:
            raise self._error
        if chunk:
            self._queue.put(chunk)

    def close(self) -> None:
        """Flush everything, close the file and re-raise any write error."""
        self._queue.put(None)
        self._thread.join()
        try:
            if self._fh is not self._raw:
                self._fh.close()
        finally:
            self._raw.close()
        if self._error is not None:
            raise self._error


def _ndjson_lines(rows: list[tuple]) -> bytes:
    """Serialise one batch as NDJSON with a single orjson call (the array is split at ``},{``)."""
    if not rows:
        return b""
    dicts = [
        {"name": name, "pre_at": at, "section": section, "group": group, "size_mb": size, "files": files}
        if kind == "release"
        else {"action": kind, "name": name, "at": at, "reason": reason, "network": network}
        for kind, at, name, section, group, size, files, reason, network in rows
    ]
    blob = orjson.dumps(dicts)
    if blob.count(b"},{") == len(rows) - 1:  # no value contains "},{": safe to split there
        return blob[1:-1].replace(b"},{", b"}\n{") + b"\n"
    return b"".join(orjson.dumps(d, option=orjson.OPT_APPEND_NEWLINE) for d in dicts)


def _csv_rows(rows: list[tuple]) -> list[tuple]:
    return [
        (name, at, section, group, size, files, "", "", "", "")
        if kind == "release"
        else (name, "", "", "", "", "", kind, at, reason, network or "")
        for kind, at, name, section, group, size, files, reason, network in rows
    ]


def truth(
    config: SimulationConfig, model: Model | None = None, stats: RunStats | None = None
) -> dict[str, Any]:
    """Return the planted truth for ``config`` (expected counts; simulated ones too when ``stats`` given)."""
    model = model or Model(config)
    g = model.groups
    n_days = config.n_days
    expected = np.array([model.expected_by_category(i) for i in range(n_days)])  # (days, cats), small

    def window(arr: np.ndarray | None, a: int, b: int) -> dict[str, float] | None:
        if arr is None or a < 0 or b > n_days:
            return None
        part = arr[a:b].sum(0)
        return {c: round(float(v), 1) for c, v in zip(CATEGORIES, part, strict=True)} | {
            "total": round(float(part.sum()), 1)
        }

    sim = stats.daily if stats is not None else None
    raids = []
    for plan in model.raids:
        di = plan.day_index
        weeks = {}
        for label, a in (("week_before", di - 7), ("week_after", di), ("week_2_after", di + 7),
                         ("week_16_after", di + 112)):  # fmt: skip
            weeks[label] = {
                "start": (config.start + timedelta(days=a)).isoformat(),
                "expected": window(expected, a, a + 7),
                "simulated": window(sim, a, a + 7),
            }
        drop = {}
        eb, ea = weeks["week_before"]["expected"], weeks["week_after"]["expected"]
        if eb and ea:
            drop = {c: round(1.0 - ea[c] / eb[c], 3) if eb[c] else None for c in eb}
        day0 = plan.event.day
        paused = [
            {"group": g.names[i],
             "pause_start": iso(_ts(day0) + 86400 * float(s)),
             "resume_start": iso(_ts(day0) + 86400 * float(r)),
             "full_recovery": iso(_ts(day0) + 86400 * float(f))}
            for i, s, r, f in zip(plan.paused, plan.pause_start, plan.resume, plan.recovered, strict=True)
        ]  # fmt: skip
        raids.append({
            "day": day0.isoformat(),
            "stop_at": iso(_ts(day0)),
            "named_groups": [n for n in plan.event.groups],
            "affiliated_groups": [g.names[i] for i in plan.affiliated],
            "affiliated_categories": sorted({g.profile[i] for i in plan.affiliated}),
            "pause_fraction": round(plan.pause_fraction, 4),
            "paused_groups": paused,
            "weeks": weeks,
            "expected_drop_week_after": drop,
        })  # fmt: skip
    weekly = []
    for a in range(0, n_days - 6, 7):
        weekly.append({"start": (config.start + timedelta(days=a)).isoformat(),
                       "expected": round(float(expected[a:a + 7].sum()), 1),
                       **({"simulated": int(sim[a:a + 7].sum())} if sim is not None else {})})  # fmt: skip
    out: dict[str, Any] = {
        "format": TRUTH_FORMAT,
        "seed": config.seed,
        "config": config.to_dict(),
        "events": [e.to_dict() for e in config.events],
        "raids": raids,
        "outages": [{"start": iso(s), "end": iso(e), "start_ts": s, "end_ts": e} for s, e in model.outages],
        "groups": [
            {"name": g.names[i], "profile": g.profile[i], "language": g.language[i] or None,
             "rate_per_day": round(float(g.rate[i] * config.scale), 3)}
            for i in range(len(g))
        ],
        "expected_releases": round(float(expected.sum()), 1),
        "weekly": weekly,
    }
    if config.races:
        out["races"] = [race.truth for race in plan_races(config, model)]
    if config.language_responses:
        out["languages"] = language_truth(config, model)
    if stats is not None:
        out["simulated"] = {"rows": sum(stats.kinds.values()), **stats.kinds}
    return out


def _ts(d: date) -> int:
    return (d - date(1970, 1, 1)).days * 86400


def truth_path_for(path: Path) -> Path:
    """The sidecar path for output ``path``: ``<out>.truth.json``."""
    return path.with_name(path.name + ".truth.json")


def write(config: SimulationConfig, path: Path | str, fmt: str | None = None) -> SimulationSummary:
    """Stream the simulation into ``path`` (NDJSON or CSV, gzip if .gz) and write ``<path>.truth.json``."""
    path = Path(path)
    kind, gz = detect_format(path, fmt)
    model = Model(config)
    stats = RunStats(daily=np.zeros((config.n_days, len(CATEGORIES)), dtype=np.int64))
    t_start = time.perf_counter()
    out = _BackgroundWriter(path, gz)
    try:
        if kind == "ndjson":
            for rows in iter_batches(config, stats, model):
                out.write(_ndjson_lines(rows))
        else:
            out.write((",".join(CSV_HEADER) + "\n").encode())
            for rows in iter_batches(config, stats, model):
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(_csv_rows(rows))
                out.write(buf.getvalue().encode())
    finally:
        out.close()
    seconds = time.perf_counter() - t_start
    tpath = truth_path_for(path)
    tpath.write_bytes(orjson.dumps(truth(config, model, stats), option=orjson.OPT_INDENT_2))
    k = stats.kinds
    return SimulationSummary(
        path=path, truth_path=tpath, format=kind + (".gz" if gz else ""),
        rows=sum(k.values()), releases=k["release"], nukes=k["nuke"], unnukes=k["unnuke"],
        modnukes=k["modnuke"], seconds=seconds, first_at=stats.first_at, last_at=stats.last_at,
        releases_by_category={c: int(v) for c, v in zip(CATEGORIES, stats.daily.sum(0), strict=True)},
    )  # fmt: skip


def run_cli(
    out: Path,
    start: date | str = date(2019, 1, 1),
    end: date | str = date(2021, 1, 31),
    seed: int = 42,
    scale: float = 1.0,
    events: list[str] | None = None,
    fmt: str | None = None,
) -> SimulationSummary:
    """Entry point for ``scenewatch simulate``: build the config from CLI values and ``write``."""
    evs = ["2020-08-25:raid"] if events is None else events
    config = SimulationConfig(
        start=date.fromisoformat(start) if isinstance(start, str) else start,
        end=date.fromisoformat(end) if isinstance(end, str) else end,
        seed=seed,
        scale=scale,
        events=tuple(PlantedEvent.parse(e) for e in evs),
    )
    return write(config, Path(out), fmt)
