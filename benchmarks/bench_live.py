"""Live ingest benchmark: announces/s end to end through the websocket source, and announce-to-queryable latency.

A websocket server in a separate process (so it does not share our GIL) sends predb.ovh-style insert frames,
either paced (``--rate``, default 1,000/s) or flat out; each row's ``preAt`` is its send time. The listener runs
the real runtime (websocket source → store writer thread → name parsing → ``Database.write``); the write function
is wrapped to stamp the commit time of every announcement, so latency = commit (queryable) - send.

The baseline, measured in the same run on the same machine: the same announcements written directly with
``parse_columns`` + ``Database.write`` in batches of the same size (no network, no queue, no timers).

A multi-source run (``--multi SECONDS``, default 120; 0 skips it) listens to four sources at once, served by one
child process: predb.net-, predb.club- and xREL-shaped APIs (polled, no websocket) that enforce their real limits
(30 / 60 s, 30 / 60 s, 900 / h) and each gain a release a second, plus a websocket feed at 1,000 announces/s
(``--multi-rate``). It reports announce→queryable latency p50/p99 per source, the requests the server counted per
limit window, and the listener's CPU per 1,000 announces.

    .venv/bin/python benchmarks/bench_live.py     # paced at 1, 100 and 1,000/s, 20,000 flat out, 120 s multi-source
    .venv/bin/python benchmarks/bench_live.py --rates 2000 --seconds 5 --multi 60

Each paced rate runs ``--seconds`` (at least ``--min-announces`` announces, so 1/s still has a median and a p99);
every line reports wall time and the CPU-seconds this process and its children used meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def cpu_seconds() -> float:
    """User + system CPU-seconds of this process and its finished children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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


# -- the multi-source run --------------------------------------------------------------------------------------------
MULTI_LIMITS = {"predb.net": (30, 60.0), "predb.club": (30, 60.0), "xrel": (900, 3600.0)}


def serve_providers(port_out: mp.Queue, ws_rate: float) -> None:  # type: ignore[type-arg]
    """In a child process: three rate-limited list APIs (a release a second each) and a websocket at ``ws_rate``."""
    import collections

    from aiohttp import web

    rows: dict[str, list[dict[str, object]]] = {"predb.net": [], "predb.club": [], "xrel": [], "feed": []}
    hits: dict[str, list[float]] = collections.defaultdict(list)
    windows: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
    counter = [0]

    def new_row(kind: str) -> dict[str, object]:
        counter[0] += 1
        i, now = counter[0], time.time()  # fractional times, so latency is measured to the millisecond
        name, group, section = release_name(i), GROUPS[i % len(GROUPS)], SECTIONS[i % 10]
        if kind == "predb.net":
            return {"id": i, "pretime": now, "release": name, "section": section, "files": 1, "size": 10, "status": 0,
                    "reason": "", "group": group, "genre": "", "nfo": ""}  # fmt: skip
        if kind == "xrel":
            return {"id": f"{i:013x}", "dirname": name, "time": now, "group_name": group,
                    "size": {"number": 700, "unit": "MB"}, "ext_info": {"type": "movie"}, "flags": {}}  # fmt: skip
        return {"id": i, "name": name, "team": group, "cat": section, "genre": "", "url": "", "size": 10, "files": 1,
                "preAt": now, "nuke": None}  # fmt: skip

    def limited(kind: str) -> web.Response | None:
        now = time.monotonic()
        hits[kind].append(now)
        if kind not in MULTI_LIMITS:
            return None
        calls, per = MULTI_LIMITS[kind]
        window = windows[kind]
        while window and now - window[0] >= per:
            window.popleft()
        if len(window) >= calls:
            return web.json_response({"error": "rate limit"}, status=429,
                                     headers={"Retry-After": str(int(window[0] + per - now) + 1)})  # fmt: skip
        window.append(now)
        return None

    def page(kind: str, request: web.Request, size_key: str) -> list[dict[str, object]]:
        size = int(request.query.get(size_key) or 100)
        number = int(request.query.get("page") or 1)
        newest = rows[kind][::-1]
        return newest[(number - 1) * size : number * size]

    async def net(request: web.Request) -> web.Response:
        return limited("predb.net") or web.json_response({"status": "success", "data": page("predb.net", request,
                                                                                              "limit")})  # fmt: skip

    async def club(request: web.Request) -> web.Response:
        kind = "feed" if request.path.startswith("/feed") else "predb.club"
        body = {"status": "success", "data": {"rows": page(kind, request, "count")}}
        return limited(kind) or web.json_response(body)

    async def xrel(request: web.Request) -> web.Response:
        return limited("xrel") or web.json_response({"list": page("xrel", request, "per_page")})

    async def feed(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)

        async def read() -> None:  # reading is what answers the client's pings
            async for _ in ws:
                pass

        reader = asyncio.create_task(read())
        began, n = time.perf_counter(), 0
        while not ws.closed:
            n += 1
            delay = began + n / ws_rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            row = new_row("feed")
            rows["feed"].append(row)
            try:
                await ws.send_str(json.dumps({"action": "insert", "row": row}))
            except ConnectionError:
                break
        reader.cancel()
        return ws

    async def stats(request: web.Request) -> web.Response:
        busiest = {}
        for kind, (_, per) in MULTI_LIMITS.items():
            stamps, best, start = sorted(hits[kind]), 0, 0
            for end, moment in enumerate(stamps):
                while moment - stamps[start] >= per:
                    start += 1
                best = max(best, end - start + 1)
            busiest[kind] = {"requests": len(stamps), "busiest_window": best}
        return web.json_response(busiest)

    async def grow() -> None:
        while True:
            await asyncio.sleep(1.0)
            for kind in ("predb.net", "predb.club", "xrel"):
                rows[kind].append(new_row(kind))

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/net/", net)
        app.router.add_get("/club/api/v1/", club)
        app.router.add_get("/feed/api/v1/", club)
        app.router.add_get("/feed/api/v1/ws", feed)
        app.router.add_get("/xrel/v2/release/latest.json", xrel)
        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await grow()

    asyncio.run(main())


def run_multi(seconds: float, ws_rate: float) -> dict[str, object]:
    """Listen to the four sources for ``seconds``; latency per source, server-side request counts, CPU."""
    import dataclasses

    import httpx

    from scenewatch.sources.live.presets import find_preset
    from scenewatch.sources.live.provider import ProviderSource

    ctx = mp.get_context("spawn")
    ports: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    server = ctx.Process(target=serve_providers, args=(ports, ws_rate), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=30)}"
    specs = {
        "predb.net": {"api": f"{base}/net/", "websocket": None},
        "predb.club": {"api": f"{base}/club/api/v1/", "websocket": None},
        "xrel": {"api": f"{base}/xrel/v2/release/latest.json"},
    }
    sources = []
    for name, override in specs.items():
        spec = find_preset(name, {name: {k: v for k, v in override.items() if v is not None}})
        assert spec is not None
        sources.append(ProviderSource(dataclasses.replace(spec, websocket=override.get("websocket", spec.websocket))))
    club = find_preset("predb.club")
    assert club is not None
    feed_spec = dataclasses.replace(club, name="feed-ws", feed="feed-ws", api=f"{base}/feed/api/v1/",
                                    websocket=f"{base.replace('http', 'ws')}/feed/api/v1/ws")  # fmt: skip
    sources.append(ProviderSource(feed_spec))
    latencies: dict[str, list[float]] = {s.origin: [] for s in sources}
    original = live_runtime.parsing_write

    def timed_write(db: Database, anns: Sequence[Announcement], nukes: Sequence[NukeEvent], origin: str):  # type: ignore[no-untyped-def]
        result = original(db, anns, nukes, origin)
        now = time.time()
        latencies[origin].extend(now - a.pre_at.timestamp() for a in anns if a.pre_at is not None)
        return result

    live_runtime.parsing_write = timed_write  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "multi.duckdb")
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        try:
            with LiveRunner(db, sources):
                time.sleep(seconds)
        finally:
            live_runtime.parsing_write = original
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        stored = db.scalar("SELECT count(*) FROM releases")
        duplicates = db.scalar("SELECT count(*) - count(DISTINCT (release_id, feed, seen_at)) FROM sightings")
        db.close()
    counts = httpx.get(f"{base}/stats").json()
    server.kill()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    announces = sum(len(v) for v in latencies.values())
    return {"latencies": latencies, "server": counts, "cpu": cpu, "wall": wall, "announces": announces,
            "stored": stored, "duplicates": duplicates}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,100,1000", help="paced announces per second, comma-separated")
    parser.add_argument("--rate", type=float, default=None, help="one paced rate (same as --rates RATE)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each paced run")
    parser.add_argument("--min-announces", type=int, default=30, help="fewest announces per paced run")
    parser.add_argument("--burst", type=int, default=20_000, help="announces sent flat out (0: skip)")
    parser.add_argument("--flush-events", type=int, default=500)
    parser.add_argument("--flush-seconds", type=float, default=1.0)
    parser.add_argument("--multi", type=float, default=120.0, help="seconds of the multi-source run (0: skip)")
    parser.add_argument("--multi-rate", type=float, default=1000.0, help="announces/s of its websocket feed")
    args = parser.parse_args()
    rates = [args.rate] if args.rate else [float(r) for r in args.rates.split(",") if r.strip()]

    print(f"cpus: {os.cpu_count()}  flush: {args.flush_events} events / {args.flush_seconds}s", flush=True)
    largest = 0
    for rate in rates:
        count = max(args.min_announces, int(rate * args.seconds))
        largest = max(largest, count)
        wall, cpu = time.perf_counter(), cpu_seconds()
        paced = run_live(count, rate, 1, args.flush_events, args.flush_seconds)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(
            f"live, paced {rate:,.0f}/s: {paced['announces']:,.0f} announces, latency p50 {paced['median_ms']:.0f} ms, "
            f"p99 {paced['p99_ms']:.0f} ms, max {paced['max_ms']:.0f} ms; all committed {paced['tail_ms']:.0f} ms "
            f"after the last send ({paced['batches']:.0f} writes, {paced['stored']:.0f} stored; "
            f"{wall:.1f} s wall, {cpu:.1f} CPU-s)",
            flush=True,
        )
    if args.burst:
        wall, cpu = time.perf_counter(), cpu_seconds()
        burst = run_live(args.burst, 0.0, 10_000_000, args.flush_events, args.flush_seconds)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(
            f"live, {args.burst:,} flat out: {burst['per_second']:,.0f} announces/s, "
            f"latency p50 {burst['median_ms']:.0f} ms, p99 {burst['p99_ms']:.0f} ms "
            f"({burst['batches']:.0f} writes, {burst['stored']:.0f} stored; {wall:.1f} s wall, {cpu:.1f} CPU-s)",
            flush=True,
        )
    for size in (args.flush_events, args.flush_events * 10):
        wall, cpu = time.perf_counter(), cpu_seconds()
        base = run_baseline(max(largest, args.burst), 20_000_000, size)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(
            f"baseline, direct parse + Database.write in batches of {size:,}: {base['per_second']:,.0f}/s, "
            f"per-batch write median {base['batch_median_ms']:.0f} ms, p99 {base['batch_p99_ms']:.0f} ms "
            f"({wall:.1f} s wall, {cpu:.1f} CPU-s)",
            flush=True,
        )
    if args.multi:
        report_multi(run_multi(args.multi, args.multi_rate), args.multi, args.multi_rate)


def report_multi(multi: dict[str, Any], seconds: float, rate: float) -> None:
    """Print the multi-source figures: per source latency and server-side request counts, then CPU."""
    print(f"multi-source, {seconds:.0f} s: 3 APIs at their real limits (a release a second each) + a {rate:,.0f}/s "
          f"websocket: {multi['announces']:,} announces committed, {multi['stored']:,} releases, "
          f"{multi['duplicates']} duplicate sightings")  # fmt: skip
    for origin, values in multi["latencies"].items():
        if not values:
            print(f"  {origin:<11} nothing committed")
            continue
        limit = MULTI_LIMITS.get(origin)
        served = multi["server"].get(origin) if limit else None
        extra = (f"; server: {served['requests']} requests, busiest {limit[1]:.0f} s window {served['busiest_window']}"
                 f" of {limit[0]} allowed") if served and limit else ""  # fmt: skip
        print(f"  {origin:<11} {len(values):>8,} announces, latency p50 {percentile(values, 50) * 1000:>7,.0f} ms, "
              f"p99 {percentile(values, 99) * 1000:>7,.0f} ms{extra}")  # fmt: skip
    cpu, announces = float(multi["cpu"]), int(multi["announces"])
    print(f"  listener CPU {cpu:.1f} s in {float(multi['wall']):.1f} s wall: "
          f"{cpu / max(announces, 1) * 1000:.2f} CPU-s per 1,000 announces")


if __name__ == "__main__":
    main()
