"""Loopback providers for the live presets: predb.net, predb.club, xREL and srrDB on 127.0.0.1 (aiohttp).

Each server answers in its provider's documented shape, enforces its documented rate limit itself (a sliding window;
past it: HTTP 429 with Retry-After), and can play the failure modes of issue #19. Shapes and limits follow, per
provider (recorded in ``tests/data/providers/README.md`` and the sample rows beside it):

- **predb.net** — predb.de/api-documentation (``data`` list; ``id, pretime, release, section, files, size (MB),
  status 0-4, reason, group, genre, nfo``); NNTmux's PredbNetSource (``limit``/``page``) and PredbStreamListener
  (websocket frames ``{"message": {pretime, release, section, group}}``); the profsync predb.net backfill (100 pages
  reachable; we answer HTTP 400 past page 100 as issue #19 records). 30 requests / 60 s.
- **predb.club** — predbdotovh/pre-api docs/index.md (v1: ``{status, message, data: {rowCount, rows, offset, reqCount,
  total, time}}``, rows ``id, name, team, cat, genre, url, size, files, preAt, nuke{id, typeID, type, preID, reason,
  net, nukeAt}``, frames ``{action, row}``, 30/60 s); NNTmux's PredbClubSource (``count`` capped at 100, silently) and
  PredbStreamListener (``hb`` heartbeat frames; their exact shape is not published: we send ``{"action": "hb"}``).
- **xREL** — xREL4J's XrelService / PaginationList / Release / ExtInfo / ReleaseDate (``release/latest.json``
  ``{total_count, pagination{current_page, per_page, total_pages}, list}``, per_page 5-100; ``search/ext_info.json``
  ``{total, results}``; ``ext_info/info.json`` with ``release_dates[{type, date}]``, types de-cine … us-web, r5);
  xrel.to wiki 2727 "API: Rate Limiting" (900 calls / hour, X-RateLimit-* headers, search 2 calls / 5 s).
- **srrDB** — NNTmux's SrrdbSource and public srrDB clients (``/v1/search/order:date-desc[/skip:N]``, 45 results a
  page, ``{results: [{release, date, hasNFO, hasSRS, …}], resultsCount}``, dates in Europe/Brussels local time). Its
  rate limit is not published: the server enforces the preset's own 20 / 60 s.

Every duration (rate windows, Retry-After, heartbeats) is multiplied by ``scale``, as the client's are.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from tests.live_servers import LoopThread

SAMPLES = Path(__file__).parent / "data" / "providers"
BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass
class Limit:
    """A server-side sliding-window limit: ``calls`` per ``per`` real seconds."""

    calls: int
    per: float
    times: collections.deque[float] = field(default_factory=collections.deque)


def sample(provider: str) -> Any:
    """The recorded-shape sample answer of a provider (``tests/data/providers/<provider>.json``)."""
    return json.loads((SAMPLES / f"{provider}.json").read_text("utf-8"))


def max_in_window(stamps: list[float], window: float) -> int:
    """The most requests that arrived within any ``window`` seconds."""
    ordered = sorted(stamps)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class ProviderServer:
    """One provider on 127.0.0.1: its list endpoint (and websocket / search / ext_info where it has them)."""

    def __init__(self, loop: LoopThread, provider: str, *, scale: float = 0.01, rate: tuple[int, float] | None = None,
                 search_rate: tuple[int, float] | None = None) -> None:  # fmt: skip
        self.loop = loop
        self.provider = provider
        self.scale = scale
        defaults = {"predb.net": (30, 60.0), "predb.club": (30, 60.0), "xrel": (900, 3600.0), "srrdb": (20, 60.0)}
        calls, per = rate or defaults[provider]
        self.limit = Limit(calls, per)
        self.search_limit = Limit(*(search_rate or (2, 5.0))) if provider == "xrel" else None
        self.rows: list[dict[str, Any]] = []  # oldest first
        self.lock = threading.Lock()
        self.next_id = 1_000_000
        self.requests: list[tuple[float, str, dict[str, str], int]] = []  # (monotonic, path, query, status)
        self.faults: collections.deque[str] = collections.deque()
        self.page_cap: int | None = 100 if provider == "predb.net" else None
        self.count_cap: int | None = 100 if provider == "predb.club" else None
        self.down = False
        self.frames_paused = False  # heartbeat-only minutes: rows land in the API, the websocket sends beats only
        self.heartbeat_every: float | None = 30.0 if provider == "predb.club" else None
        self.clients: dict[web.WebSocketResponse, Any] = {}  # websocket → its transport
        self.limit_refusals = 0
        self._log_index: dict[int, int] = {}
        self.frames_sent = 0
        self.ext_infos: dict[str, dict[str, Any]] = {}
        self._site: web.TCPSite | None = None
        self.port = 0
        loop.call(self._start())

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    async def _start(self) -> None:
        app = web.Application()
        paths = {"predb.net": "/", "predb.club": "/api/v1/", "xrel": "/v2/release/latest.json",
                 "srrdb": "/v1/search/order:date-desc"}  # fmt: skip
        app.router.add_get(paths[self.provider], self._list)
        if self.provider == "srrdb":
            app.router.add_get("/v1/search/order:date-desc/{skip}", self._list)
        if self.provider in ("predb.net", "predb.club"):
            app.router.add_get("/ws" if self.provider == "predb.net" else "/api/v1/ws", self._ws)
        if self.provider == "xrel":
            app.router.add_get("/v2/search/ext_info.json", self._search)
            app.router.add_get("/v2/ext_info/info.json", self._ext_info)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._listen()
        self._beats = asyncio.create_task(self._heartbeats())

    async def _listen(self) -> None:
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port or 0, reuse_address=True)
        await self._site.start()
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def go_down(self) -> None:
        """Refuse connections and cut every open one (the provider is down)."""

        async def stop() -> None:
            self.down = True
            if self._site is not None:
                await self._site.stop()
                self._site = None
            for transport in list(self.clients.values()):
                if transport is not None:
                    transport.abort()

        self.loop.call(stop())

    def go_up(self) -> None:
        """Listen again on the same port."""

        async def start() -> None:
            await self._listen()
            self.down = False

        self.loop.call(start())

    def close(self) -> None:
        async def stop() -> None:
            self._beats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beats
            await self._runner.cleanup()

        self.loop.call(stop())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        paths = {"predb.net": "/", "predb.club": "/api/v1/", "xrel": "/v2/release/latest.json",
                 "srrdb": "/v1/search/order:date-desc"}  # fmt: skip
        return self.base + paths[self.provider]

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}" + ("/ws" if self.provider == "predb.net" else "/api/v1/ws")

    def overrides(self, **extra: Any) -> dict[str, Any]:
        """The ``[presets."<name>"]`` table pointing the preset at this server."""
        table: dict[str, Any] = {"api": self.api_url, **extra}
        if self.provider in ("predb.net", "predb.club"):
            table["websocket"] = self.ws_url
        if self.provider == "xrel":
            table["search"] = self.base + "/v2/search/ext_info.json"
            table["ext_info"] = self.base + "/v2/ext_info/info.json"
        return table

    # -- rows ---------------------------------------------------------------------------------------------------------
    def add(self, name: str, section: str = "TV-X264", pre_at: float | None = None, *, publish: bool = True,
            **extra: Any) -> dict[str, Any]:  # fmt: skip
        """A new release in the provider's row shape (and, by default, a websocket frame for it)."""
        moment = int(pre_at if pre_at is not None else time.time())
        group = name.rsplit("-", 1)[-1]
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            if self.provider == "predb.net":
                row = {"id": ident, "pretime": moment, "release": name, "section": section, "files": 0, "size": 0,
                       "status": 0, "reason": "", "group": group, "genre": "", "nfo": ""}  # fmt: skip
            elif self.provider == "predb.club":
                row = {"id": ident, "name": name, "team": group, "cat": section, "genre": "", "url": "", "size": 0,
                       "files": 0, "preAt": moment, "nuke": None}  # fmt: skip
            elif self.provider == "xrel":
                row = {"id": f"{ident:013x}", "dirname": name, "link_href": f"https://www.xrel.to/release/{ident}",
                       "time": moment, "group_name": group, "size": {"number": 700, "unit": "MB"},
                       "video_type": "", "audio_type": "", "num_ratings": 0, "ext_info": {"type": "movie", "id": "",
                       "title": "", "link_href": ""}, "tv_season": 0, "tv_episode": 0, "comments": 0,
                       "flags": {}}  # fmt: skip
            else:
                local = datetime.fromtimestamp(moment, UTC).astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M:%S")
                row = {"release": name, "date": local, "hasNFO": "yes", "hasSRS": "no", "size": 0, "isForeign": 0}
            row.update(extra)
            self.rows.append(row)
        if publish:
            self.publish(row)
        return row

    def publish(self, row: dict[str, Any], action: str = "insert") -> None:
        """Send a row's frame to every websocket client (nothing while frames are paused)."""
        if self.provider not in ("predb.net", "predb.club") or self.frames_paused:
            return
        if self.provider == "predb.net":
            frame = {"message": {k: row[k] for k in ("pretime", "release", "section", "group")}}
        else:
            frame = {"action": action, "row": row}
        self.send(json.dumps(frame))

    def send(self, text: str) -> None:
        async def broadcast() -> None:
            for ws in list(self.clients):
                try:
                    await ws.send_str(text)
                    self.frames_sent += 1
                except (ConnectionError, RuntimeError):
                    pass

        self.loop.call(broadcast())

    def drop_mid_frame(self) -> None:
        """Cut every websocket client halfway through a frame: a header promising 300 bytes, then 40 of them."""

        async def cut() -> None:
            for transport in list(self.clients.values()):
                if transport is not None:
                    transport.write(b"\x81\x7e\x01\x2c" + b'{"action": "insert", "row": {"id": 99999')
                    transport.abort()

        self.loop.call(cut())

    # -- handlers ---
    def _admit(self, request: web.Request, limit: Limit | None = None) -> web.Response | None:
        """Log the request; answer for a fault, the outage, or a limit passed (None: serve it)."""
        now = time.monotonic()
        query = dict(request.query)
        fault = self.faults.popleft() if self.faults else None
        status = 200
        answer: web.Response | None = None
        if self.down:
            request.transport.abort()  # type: ignore[union-attr]
            status = 0
            answer = web.Response(status=503)
        elif fault is not None and fault.startswith("429"):
            wait = fault.partition(":")[2] or "30"
            status, answer = 429, web.json_response({"status": "error", "message": "rate limit"}, status=429,
                                                    headers={"Retry-After": wait})  # fmt: skip
        elif fault == "403":
            status, answer = 403, web.Response(status=403, text="forbidden")
        elif fault == "500":
            status, answer = 500, web.Response(status=500, text="internal error")
        else:
            for bucket in (self.limit, limit):
                if bucket is None:
                    continue
                window = bucket.per * self.scale
                while bucket.times and now - bucket.times[0] >= window:
                    bucket.times.popleft()
                if len(bucket.times) >= bucket.calls:
                    retry = math.ceil((bucket.times[0] + window - now) / self.scale)
                    status = 429
                    self.limit_refusals += 1
                    answer = web.json_response({"error": "rate_limit_exceeded"}, status=429,
                                               headers={"Retry-After": str(max(1, retry))})  # fmt: skip
                    break
            if answer is None:
                for bucket in (self.limit, limit):
                    if bucket is not None:
                        bucket.times.append(now)
        with self.lock:
            self._log_index[id(request)] = len(self.requests)
            self.requests.append((now, request.path, query, status))
        return answer

    def _logged(self, request: web.Request, status: int) -> None:
        with self.lock:
            index = self._log_index[id(request)]
            self.requests[index] = (*self.requests[index][:3], status)

    async def _list(self, request: web.Request) -> web.StreamResponse:
        refused = self._admit(request)
        if refused is not None:
            return refused
        query = request.query
        with self.lock:
            newest_first = self.rows[::-1]
        if self.provider == "srrdb":
            skip = int(request.match_info.get("skip", "skip:0").partition(":")[2] or 0)
            chunk = newest_first[skip : skip + 45]
            return web.json_response({"results": chunk, "resultsCount": len(newest_first), "warning": ""})
        if self.provider == "predb.net":
            size, page = int(query.get("limit") or 20), int(query.get("page") or 1)
            if self.page_cap is not None and page > self.page_cap:
                self._logged(request, 400)
                return web.json_response({"status": "error", "message": f"page is limited to {self.page_cap}",
                                          "data": None}, status=400)  # fmt: skip
            chunk = newest_first[(page - 1) * size : page * size]
            return web.json_response({"status": "success", "message": "", "data": chunk, "page": page,
                                      "results": len(chunk), "time": 0.01})  # fmt: skip
        if self.provider == "predb.club":
            asked, page = int(query.get("count") or 20), int(query.get("page") or 1)
            size = min(asked, self.count_cap) if self.count_cap else asked  # silently capped, no error
            chunk = newest_first[(page - 1) * size : page * size]
            data = {"rowCount": len(chunk), "rows": chunk, "offset": (page - 1) * size, "reqCount": asked,
                    "total": len(newest_first), "time": 0.01}  # fmt: skip
            return web.json_response({"status": "success", "message": "", "data": data})
        per_page = max(5, min(100, int(query.get("per_page") or 25)))
        page = int(query.get("page") or 1)
        chunk = newest_first[(page - 1) * per_page : page * per_page]
        total_pages = max(1, math.ceil(len(newest_first) / per_page))
        return web.json_response(
            {"total_count": len(newest_first), "pagination": {"current_page": page, "per_page": per_page,
             "total_pages": total_pages}, "list": chunk},
            headers=self._rate_headers(),
        )  # fmt: skip

    def _rate_headers(self) -> dict[str, str]:
        remaining = max(0, self.limit.calls - len(self.limit.times))
        return {"X-RateLimit-Limit": str(self.limit.calls), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(time.time() + self.limit.per * self.scale))}  # fmt: skip

    async def _search(self, request: web.Request) -> web.StreamResponse:
        refused = self._admit(request, self.search_limit)
        if refused is not None:
            return refused
        words = _key(request.query.get("q", ""))
        kind = request.query.get("type")
        limit = int(request.query.get("limit") or 25)
        found = [
            {k: v for k, v in info.items() if k not in ("release_dates", "externals")}
            for info in self.ext_infos.values()
            if words and words in _key(info["title"]) and (not kind or info["type"] == kind)
        ]
        return web.json_response({"total": len(found), "results": found[:limit]}, headers=self._rate_headers())

    async def _ext_info(self, request: web.Request) -> web.StreamResponse:
        refused = self._admit(request)
        if refused is not None:
            return refused
        info = self.ext_infos.get(request.query.get("id", ""))
        if info is None:
            return web.json_response({"error": "invalid_argument", "error_description": "id"}, status=404)
        return web.json_response(info, headers=self._rate_headers())

    def add_ext_info(self, ident: str, kind: str, title: str, dates: dict[str, str], **extra: Any) -> None:
        """An xREL ext_info (a movie, series or game) with its release dates (type → YYYY-MM-DD)."""
        self.ext_infos[ident] = {
            "type": kind, "id": ident, "title": title, "link_href": f"https://www.xrel.to/{kind}/{ident}.html",
            "rating": 0, "num_ratings": 0, "uris": [], "genre": "", "alt_title": "", "cover_url": "",
            "release_dates": [{"type": t, "date": d} for t, d in dates.items()], "externals": [], **extra,
        }  # fmt: skip

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            request.transport.abort()  # type: ignore[union-attr]
            return web.Response(status=503)
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self.clients[ws] = request.transport
        try:
            async for message in ws:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self.clients.pop(ws, None)
        return ws

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep((self.heartbeat_every or 30.0) * self.scale)
            if self.heartbeat_every is None:
                continue
            for ws in list(self.clients):
                try:
                    await ws.send_str(json.dumps({"action": "hb"}))
                except (ConnectionError, RuntimeError):
                    pass

    # -- what the tests assert ----------------------------------------------------------------------------------------
    def list_requests(self) -> list[tuple[float, str, dict[str, str], int]]:
        with self.lock:
            return [r for r in self.requests if "ext_info" not in r[1]]

    def busiest_window(self, limit: Limit | None = None, path: Callable[[str], bool] | None = None) -> int:
        """The most requests (served or refused) that reached the server within one limit window."""
        limit = limit or self.limit
        with self.lock:
            stamps = [r[0] for r in self.requests if r[3] != 0 and (path is None or path(r[1]))]
        return max_in_window(stamps, limit.per * self.scale)

    def refused(self) -> int:
        """Requests the server answered 429 for because the client went past the limit (faults excluded)."""
        return self.limit_refusals


def _key(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def real_releases(count: int, dumps: Path | None = None, skip_files: int = 580) -> list[tuple[str, str, int]]:
    """``count`` real (name, section, unix pre time) from the nZEDb slice, oldest first; synthetic when it is absent.

    Read from the dump files themselves (Europe/Berlin local times, as the slice's README says), distinct names only.
    """
    import gzip

    from scenewatch.sources.columns import ANNOUNCED_TIME
    from tests.conftest import NZEDB_DUMPS

    folder = dumps or NZEDB_DUMPS
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    if folder.is_dir():
        berlin = ZoneInfo("Europe/Berlin")
        for path in sorted(folder.glob("*_predb_dump.csv.gz"))[skip_files:]:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    parts = line.rstrip("\r\n").split("\t\t")
                    if len(parts) != 12 or parts[9] != "'#pre@corrupt'":
                        continue
                    name, section = ANNOUNCED_TIME.sub("", parts[0].strip("'")), parts[7].strip("'")
                    if name.lower() in seen or "\\" in name:  # one release per name, as the store keys it
                        continue
                    moment = datetime.strptime(parts[8].strip("'"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=berlin)
                    seen.add(name.lower())
                    out.append((name, section if section not in ("", "PRE") else "PRE", int(moment.timestamp())))
                    if len(out) >= count:
                        return sorted(out, key=lambda r: r[2])
    start = 1_597_800_000
    while len(out) < count:
        i = len(out)
        out.append((f"Synthetic.Show.{i // 20}.S01E{i % 20 + 1:02d}.720p.HDTV.x264-GRP{i % 7}", "TV-X264", start + i))
    return sorted(out, key=lambda r: r[2])
