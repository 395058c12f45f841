"""Live ingest benchmark: announces/s end to end through the websocket source, and announce-to-queryable latency.

A websocket server in a separate process (so it does not share our GIL) sends predb.ovh-style insert frames,
either paced (``--rate``, default 1,000/s) or flat out; each row's ``preAt`` is its send time. The listener runs
the real runtime (websocket source → store writer thread → name parsing → ``Database.write``); the write function
is wrapped to stamp the commit time of every announcement, so latency = commit (queryable) - send.

The baseline, measured in the same run on the same machine: the same announcements written directly with
``parse_columns`` + ``Database.write`` in batches of the same size (no network, no queue, no timers).

    .venv/bin/python benchmarks/bench_live.py                 # 10 s at 1,000/s, then 20,000 flat out
    .venv/bin/python benchmarks/bench_live.py --rate 2000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from scenewatch.live import LiveRunner
from scenewatch.live import runtime as live_runtime
from scenewatch.names import parse_columns
from scenewatch.records import Announcement, NukeEvent
from scenewatch.sources.live import ApiConfig, WebsocketConfig, WebsocketSource
from scenewatch.store import Database

SECTIONS = ["TV-X264", "TV-X265", "X264", "MP3", "FLAC", "0DAY", "XXX", "GAMES", "EBOOK", "TV-SD"]
GROUPS = ["LOL", "KILLERS", "SPARKS", "DIMENSION", "FLEET", "SVA", "NTb", "RARBG", "ENTiTY", "DARKSiDERS"]


def release_name(i: int) -> str:
    """A varied, parseable scene name."""
    kind = i % 4
    group = GROUPS[i % len(GROUPS)]
    if kind == 0:
        return f"Bench.Show.{i}.S{i % 20 + 1:02d}E{i % 24 + 1:02d}.720p.HDTV.x264-{group}"
    if kind == 1:
        return f"Bench.Movie.{i}.{1990 + i % 35}.1080p.BluRay.x264-{group}"
    if kind == 2:
        return f"Bench_Artist_{i}-Some_Album-WEB-{2000 + i % 25}-{group}"
    return f"Bench.App.{i}.v{i % 9}.{i % 7}.Incl.Keygen-{group}"


def serve_frames(port_out: mp.Queue, count: int, rate: float, start: int) -> None:  # type: ignore[type-arg]
    """In a child process: serve one websocket client ``count`` insert frames at ``rate``/s (0: flat out)."""
    import websockets
    from websockets.asyncio.server import serve

    async def handler(ws: websockets.asyncio.server.ServerConnection) -> None:
        began = time.perf_counter()
        for n in range(count):
            i = start + n
            if rate:
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            row = {"id": i, "name": release_name(i), "team": GROUPS[i % len(GROUPS)], "cat": SECTIONS[i % 10],
                   "preAt": time.time(), "size": 100 + i % 900, "files": 1 + i % 60, "nuke": None}  # fmt: skip
            await ws.send(json.dumps({"action": "insert", "row": row}))
        await ws.wait_closed()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, max_queue=None) as server:
            port_out.put(next(iter(server.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def run_live(count: int, rate: float, start: int, flush_events: int, flush_seconds: float) -> dict[str, float]:
    """Stream ``count`` frames through the live runtime; return throughput and latency figures."""
    ctx = mp.get_context("spawn")
    ports: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    server = ctx.Process(target=serve_frames, args=(ports, count, rate, start), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    latencies: list[float] = []
    commits: list[float] = []
    sends: list[float] = []
    done = threading.Event()
    original = live_runtime.parsing_write

    def timed_write(db: Database, anns: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str):  # type: ignore[no-untyped-def]
        result = original(db, anns, nukes, origin)
        now = time.time()
        sent = [a.pre_at.timestamp() for a in anns if a.pre_at is not None]
        sends.extend((min(sent), max(sent)) if sent else ())
        latencies.extend(now - t for t in sent)
        commits.append(now)
        if len(latencies) >= count:
            done.set()
        return result

    live_runtime.parsing_write = timed_write  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "live.duckdb")
        catchup = ApiConfig("http://127.0.0.1:9/api/v1/")  # unused: a first connection has nothing to catch up
        source = WebsocketSource(WebsocketConfig(f"ws://127.0.0.1:{port}/", catchup=catchup))
        began = time.time()
        try:
            with LiveRunner(db, [source], flush_events=flush_events, flush_seconds=flush_seconds):
                if not done.wait(max(60.0, count / max(rate, 1) * 3)):
                    print(f"  warning: only {len(latencies)} of {count} announcements arrived")
        finally:
            live_runtime.parsing_write = original
            server.kill()
        stored = db.scalar("SELECT count(*) FROM releases")
        db.close()
    first_send = min(sends) if sends else began
    elapsed = (commits[-1] if commits else time.time()) - first_send
    return {
        "tail_ms": ((commits[-1] - max(sends)) * 1000) if sends else float("nan"),
        "connect_s": first_send - began,
        "announces": float(len(latencies)),
        "stored": float(stored),
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else float("nan"),
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "batches": float(len(commits)),
    }


def run_baseline(count: int, start: int, batch: int) -> dict[str, float]:
    """The same announcements written directly: parse + Database.write per batch."""
    now = datetime.now(UTC)
    anns = [
        Announcement(release_name(i), now, section=SECTIONS[i % 10], group=GROUPS[i % len(GROUPS)], feed="ws:bench")
        for i in range(start, start + count)
    ]
    per_batch: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "direct.duckdb")
        began = time.perf_counter()
        for offset in range(0, count, batch):
            chunk = anns[offset : offset + batch]
            t0 = time.perf_counter()
            parsed = parse_columns([a.name for a in chunk], [a.section for a in chunk])
            db.write(chunk, parsed, (), origin="bench")
            per_batch.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - began
        db.close()
    return {
        "per_second": count / elapsed,
        "batch_median_ms": statistics.median(per_batch) * 1000,
        "batch_p99_ms": percentile(per_batch, 99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="paced announces per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the paced run")
    parser.add_argument("--burst", type=int, default=20_000, help="announces sent flat out (0: skip)")
    parser.add_argument("--flush-events", type=int, default=500)
    parser.add_argument("--flush-seconds", type=float, default=1.0)
    args = parser.parse_args()

    import os

    print(f"cpus: {os.cpu_count()}  flush: {args.flush_events} events / {args.flush_seconds}s")
    paced_count = int(args.rate * args.seconds)
    paced = run_live(paced_count, args.rate, 1, args.flush_events, args.flush_seconds)
    print(
        f"live, paced {args.rate:,.0f}/s x {args.seconds:.0f}s: {paced['announces']:,.0f} announces, all committed "
        f"{paced['tail_ms']:.0f} ms after the last send ({paced['per_second']:,.0f}/s first send to last commit); "
        f"latency median {paced['median_ms']:.0f} ms, p99 {paced['p99_ms']:.0f} ms, max {paced['max_ms']:.0f} ms "
        f"({paced['batches']:.0f} writes, {paced['stored']:.0f} stored)"
    )
    if args.burst:
        burst = run_live(args.burst, 0.0, 10_000_000, args.flush_events, args.flush_seconds)
        print(
            f"live, {args.burst:,} flat out: {burst['per_second']:,.0f} announces/s, "
            f"latency median {burst['median_ms']:.0f} ms, p99 {burst['p99_ms']:.0f} ms "
            f"({burst['batches']:.0f} writes, {burst['stored']:.0f} stored)"
        )
    for size in (args.flush_events, args.flush_events * 10):
        base = run_baseline(max(paced_count, args.burst), 20_000_000, size)
        print(
            f"baseline, direct parse + Database.write in batches of {size:,}: {base['per_second']:,.0f}/s, "
            f"per-batch write median {base['batch_median_ms']:.0f} ms, p99 {base['batch_p99_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
