"""Benchmark `scenewatch serve`: latency (p50/p99) and requests/s for search and volume under concurrent clients.

    python benchmarks/bench_web.py                    # 1M simulated rows, 50 clients
    python benchmarks/bench_web.py --rows 1000000 --replicate 20   # the 20M target, from 20 time-shifted copies

The server runs as its own process (`scenewatch serve`, owning the database) on 127.0.0.1; aiohttp clients in this
process drive the load. The baseline, measured in the same run, is the same work straight on DuckDB in this process
(the same two-step page query for search, the same analysis function for volume): sequentially, and with the same
number of concurrent threads each on its own cursor. The server is measured three times: as it runs by default
(answers cached until the next write, so repeated questions are served from memory); the same while 20 new
releases are uploaded every second (``writes``: each upload makes every cached answer stale, as a live feed does);
and with ``--no-cache`` (every request computed). The server and the baseline never have the file open at the same time
(DuckDB: one process per file while it is open for writing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent

SEARCHES = [
    "1080p", "x264 -720p", "@group SPARKS", "@category game @year 2020", "@section X264-HD @since 2020-08-01",
    "S01E01", "@category tv @until 2019-06-30", "bluray @resolution 1080p", "@nuked", "web @category music",
    '"The" @category movie', "@year 2019 @since 2019-03-01 @until 2019-03-31",
]  # fmt: skip
VOLUMES = [
    {"by": "day"}, {"by": "week", "split": "category"}, {"by": "day", "split": "category", "since": "2020-06-01",
    "until": "2020-10-31"}, {"by": "month", "split": "section"}, {"by": "day", "category": "tv"},
]  # fmt: skip


def build(rows: int, folder: Path) -> Path:
    """A store of about ``rows`` simulated releases over two years (cached by row target)."""
    db_path = folder / f"bench-web-{rows}.duckdb"
    if db_path.exists():
        return db_path
    from scenewatch.ingest import ingest_paths
    from scenewatch.simulate import PlantedEvent, SimulationConfig, write
    from scenewatch.store import Database

    start, days = date(2019, 1, 1), 731
    scale = max(rows / (1800 * days), 0.01)
    dump = folder / f"bench-web-{rows}.ndjson.gz"
    print(f"simulating ~{rows:,} releases (scale {scale:.2f}) …", flush=True)
    config = SimulationConfig(start=start, end=start + timedelta(days=days - 1), scale=scale, seed=5,
                              events=(PlantedEvent(day=date(2020, 8, 25), kind="raid"),))  # fmt: skip
    write(config, dump)
    print("ingesting …", flush=True)
    t = time.perf_counter()
    with Database(db_path) as db:
        summary = ingest_paths(db, [dump])
        db.con.execute("INSERT INTO events VALUES ('SPARKS raid', DATE '2020-08-25', '', [])")
    print(f"ingested {summary.inserted:,} releases in {time.perf_counter() - t:.0f} s", flush=True)
    dump.unlink()
    return db_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return p50 * 1000, p99 * 1000


async def load(url: str, paths: list[tuple[str, dict[str, Any]]], clients: int) -> tuple[list[float], float, int]:
    """Send every request with ``clients`` concurrent keep-alive connections; latencies (s), wall time (s), errors.

    aiohttp drives the load: httpx's async client tops out near 200 requests/s here, which would measure the client.
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for item in paths:
        queue.put_nowait(item)
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(base_url=url, connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                path, params = queue.get_nowait()
                t = time.perf_counter()
                async with session.get(path, params=params) as response:
                    await response.read()
                    status = response.status
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return latencies, time.perf_counter() - started, errors


class Writes:
    """While it runs: every ``interval`` s, upload a small dump of new releases (what a live feed adds) to the server.

    Each upload is a committed write, which makes every cached answer stale: the load then measures the cache as
    it behaves while the store keeps changing, not only repeated questions.
    """

    def __init__(self, url: str, interval: float = 1.0, releases: int = 20) -> None:
        self.url, self.interval, self.releases = url, interval, releases
        self.run = int(time.time())  # new names each run: every upload adds releases
        self.done = 0
        self.latencies: list[float] = []
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-writes", daemon=True)

    def __enter__(self) -> Writes:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"an upload failed during the 'writes' run: {self.error}")

    def _run(self) -> None:
        try:
            self._upload_until_stopped()
        except Exception as exc:  # reported by __exit__, in the main thread
            self.error = exc

    def _upload_until_stopped(self) -> None:
        headers = {"Authorization": f"Bearer {WRITE_TOKEN}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=60) as client:
            while not self._stop.wait(self.interval):
                lines = [
                    f'{{"name": "Bench.Write.{self.run}.{self.done}.{i}.2021.1080p.WEB.H264-BENCH", '
                    f'"section": "X264-HD", "pre_at": {1_609_459_200 + 60 * self.done + i}}}'
                    for i in range(self.releases)
                ]  # fmt: skip
                t = time.perf_counter()
                files = {"file": ("live.ndjson", "\n".join(lines).encode(), "application/x-ndjson")}
                response = client.post("/api/ingest/upload", files=files)
                response.raise_for_status()
                self.latencies.append(time.perf_counter() - t)
                self.done += 1


WRITE_TOKEN = "bench-write-token"


def serve(db_path: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SCENEWATCH_TOKEN", None)
    log = db_path.with_suffix(".serve.log")
    process = subprocess.Popen(
        [sys.executable, "-m", "scenewatch", "serve", "--db", str(db_path), "--host", "127.0.0.1", "--port", str(port),
         *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}), see {log}")
        try:
            if httpx.get(url + "/api/events", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)


def baseline(db_path: Path, work: list[tuple[str, dict[str, Any]]], clients: int) -> dict[str, tuple]:
    """The same queries straight on DuckDB: sequential latencies and throughput with ``clients`` threads."""
    from scenewatch.analysis import volume
    from scenewatch.store import Database
    from scenewatch.web.access import CursorView
    from scenewatch.web.search_sql import search_page

    db = Database(db_path, read_only=True)
    local = threading.local()

    def run(item: tuple[str, dict[str, Any]]) -> float:
        if not hasattr(local, "view"):
            local.view = CursorView(db)
        view = local.view
        path, params = item
        t = time.perf_counter()
        if path == "/api/releases":
            search_page(view, params["q"], "newest", None, 51)
        else:
            since = date.fromisoformat(params["since"]) if "since" in params else None
            until = date.fromisoformat(params["until"]) if "until" in params else None
            volume(view, params["by"], params.get("split"), category=params.get("category"), since=since, until=until)
        return time.perf_counter() - t

    out: dict[str, tuple] = {}
    for name in ("/api/releases", "/api/volume"):
        items = [w for w in work if w[0] == name]
        sequential = [run(item) for item in items[: max(50, len(items) // 4)]]
        with ThreadPoolExecutor(clients) as pool:
            started = time.perf_counter()
            list(pool.map(run, items))
            wall = time.perf_counter() - started
        out[name] = (*percentiles(sequential), len(items) / wall)
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="simulated releases in the store")
    parser.add_argument("--clients", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint")
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "bench", help="where the store is kept")
    parser.add_argument(
        "--write-every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="in the 'writes' run, upload 20 new releases this often (0: skip that run)",
    )
    parser.add_argument(
        "--replicate",
        type=int,
        default=1,
        help="serve N time-shifted copies of the --rows store (20 × 1M for the 20M target)",
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db_path = build(args.rows, args.dir)
    if args.replicate > 1:
        from bench_queries import _replicate

        big = args.dir / f"bench-web-{args.rows}x{args.replicate}.duckdb"
        if not big.exists():
            _replicate(db_path, big, args.replicate)
        db_path = big
    rng = random.Random(7)
    work = {
        "/api/releases": [("/api/releases", {"q": rng.choice(SEARCHES)}) for _ in range(args.requests)],
        "/api/volume": [("/api/volume", rng.choice(VOLUMES)) for _ in range(args.requests)],
    }
    from scenewatch.store import Database

    with Database(db_path, read_only=True) as db:
        total = db.count_releases()
    print(f"store: {total:,} releases; {args.clients} clients; {args.requests} requests per endpoint", flush=True)

    results: dict[tuple[str, str], tuple] = {}
    modes = (("cached", ()), ("writes", ("--token", WRITE_TOKEN)), ("no cache", ("--no-cache",)))
    writes: list[float] = []
    for mode, extra in modes:
        if mode == "writes" and args.write_every <= 0:
            continue
        port = free_port()
        process = serve(db_path, port, *extra)
        try:
            url = f"http://127.0.0.1:{port}"
            for name, items in work.items():
                asyncio.run(load(url, items[: args.clients], args.clients))  # warm-up
                writing = Writes(url, args.write_every) if mode == "writes" else contextlib.nullcontext()
                if isinstance(writing, Writes):
                    # Long enough for writes to land during the load: the same mix, repeated for ~20 s at the
                    # cached run's rate.
                    rate = results[(name, "cached")][2]
                    items = items * max(1, round(20 * rate / len(items)))
                with writing:
                    latencies, wall, errors = asyncio.run(load(url, items, args.clients))
                if isinstance(writing, Writes):
                    writes.extend(writing.latencies)
                if process.poll() is not None:
                    log = db_path.with_suffix(".serve.log")
                    raise RuntimeError(f"server exited ({process.returncode}), see {log}")
                results[(name, mode)] = (*percentiles(latencies), len(items) / wall, errors)
        finally:
            process.terminate()
            process.wait()
    base = baseline(db_path, [item for items in work.values() for item in items], args.clients)

    print()
    print(f"{'endpoint':<16}{'server':<10}{'HTTP p50 ms':>12}{'HTTP p99 ms':>12}{'HTTP req/s':>12}{'errors':>8}"
          f"{'DuckDB p50 ms':>15}{'DuckDB p99 ms':>15}{'DuckDB q/s':>12}")  # fmt: skip
    for (name, mode), (p50, p99, rps, errors) in results.items():
        b50, b99, bqs = base[name]
        print(
            f"{name:<16}{mode:<10}{p50:>12.1f}{p99:>12.1f}{rps:>12.0f}{errors:>8}{b50:>15.1f}{b99:>15.1f}{bqs:>12.0f}"
        )
    if writes:
        w50, w99 = percentiles(writes)
        print(f"\nwrites: {len(writes)} uploads of 20 releases during the 'writes' runs (p50 {w50:.0f} ms, "
              f"p99 {w99:.0f} ms), each making every cached answer stale.")  # fmt: skip
    print("\nHTTP: under load from all clients at once; DuckDB p50/p99: one query at a time; DuckDB q/s: the same "
          f"{args.clients} concurrent threads, each on its own cursor.")  # fmt: skip


if __name__ == "__main__":
    main()
