"""Test servers for the live sources, all on 127.0.0.1: a real ngircd, an IRC bot, a fake predb API and websocket.

Everything here runs in background threads so tests stay plain synchronous functions.
"""

from __future__ import annotations

import asyncio
import collections
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import ServerConnection, serve

NGIRCD = shutil.which("ngircd") or next(
    (p for p in ("/usr/sbin/ngircd", "/usr/local/sbin/ngircd") if Path(p).exists()), None
)


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


# -- ngircd -------------------------------------------------------------------------------------------------------
NGIRCD_CONF = """\
[Global]
Name = irc.scenewatch.test
Info = scenewatch live tests
Listen = 127.0.0.1
Ports = {port}
MotdPhrase = scenewatch test server

[Limits]
MaxConnectionsIP = 0
# Penalties throttle a client to ~1 line/s after a burst; the test bot announces in bursts.
MaxPenaltyTime = 0
PingTimeout = 30
PongTimeout = 10

[Options]
IncludeDir = {include}
DNS = no
Ident = no
PAM = no
# Make the listener prove it answers PING before it may register.
RequireAuthPing = yes
"""


# RFC 7919 ffdhe2048, so ngircd (GnuTLS) need not generate DH parameters for seconds at every start.
FFDHE2048 = """\
-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""
OPENSSL = shutil.which("openssl")


class Ngircd:
    """A real ngircd on 127.0.0.1 with a temp config; ``restart`` keeps the port; ``tls=True`` adds a TLS port."""

    def __init__(self, directory: Path, port: int | None = None, *, tls: bool = False) -> None:
        if NGIRCD is None:
            raise RuntimeError("ngircd is not installed")
        self.port = port or free_port()
        self.tls_port: int | None = None
        self.directory = directory
        include = directory / "conf.d"
        include.mkdir(parents=True, exist_ok=True)
        self.conf = directory / "ngircd.conf"
        text = NGIRCD_CONF.format(port=self.port, include=include)
        self.cert = directory / "cert.pem"
        files = [self.conf]
        if tls:
            if OPENSSL is None:
                raise RuntimeError("openssl is not installed")
            key, dh = directory / "key.pem", directory / "dh.pem"
            subprocess.run(
                [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                 str(self.cert), "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                check=True, capture_output=True,
            )  # fmt: skip
            dh.write_text(FFDHE2048, encoding="ascii")
            self.tls_port = free_port()
            text += f"\n[SSL]\nCertFile = {self.cert}\nKeyFile = {key}\nDHFile = {dh}\nPorts = {self.tls_port}\n"
            files += [key, dh, self.cert]
        self.conf.write_text(text, encoding="utf-8")
        for path in (directory, include, *files):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.log = directory / "ngircd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([NGIRCD, "-n", "-f", str(self.conf)], stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._accepting, 10, what=f"ngircd on port {self.port}")

    def _accepting(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"ngircd exited: {self.log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the server (no goodbye to its clients: the kernel closes their connections)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self, down_for: float = 0.5) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def url(self, *channels: str) -> str:
        return f"irc://127.0.0.1:{self.port}/" + ",".join(channels)


class IrcBot:
    """A plain blocking-socket IRC client that plays the announce bot."""

    def __init__(self, port: int, nick: str = "prebot") -> None:
        self.port, self.nick = port, nick
        self.sock: socket.socket | None = None
        self.buffer = b""

    def connect(self, channels: list[str], timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        self.buffer = b""
        self.send(f"NICK {self.nick}")
        self.send(f"USER {self.nick} 0 * :announce bot")
        self.expect(lambda cmd, params: cmd == "001", timeout)
        for channel in channels:
            self.send(f"JOIN {channel}")
            self.expect(lambda cmd, params, c=channel: cmd == "JOIN" and params[:1] == [c], timeout)

    def send(self, line: str) -> None:
        assert self.sock is not None
        self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def say(self, channel: str, text: str) -> None:
        self.send(f"PRIVMSG {channel} :{text}")

    def lines(self, timeout: float) -> Iterator[str]:
        assert self.sock is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\r\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\r\n", 1)
                line = raw.decode("utf-8", "replace")
                if line.startswith("PING"):
                    self.send("PONG " + line[5:])
                    continue
                yield line
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk

    def expect(self, match: Callable[[str, list[str]], bool], timeout: float = 10.0) -> str:
        for line in self.lines(timeout):
            rest = line.split(" ", 1)[1] if line.startswith(":") else line
            head, _, trailing = rest.partition(" :")
            parts = head.split()
            params = parts[1:] + ([trailing] if trailing else [])
            if parts and match(parts[0].upper(), params):
                return line
        raise AssertionError(f"bot: no matching line within {timeout}s")

    def wait_for_nick(self, channel: str, nick_prefix: str, timeout: float = 15.0) -> None:
        """Wait until a nick starting with ``nick_prefix`` is in ``channel`` (NAMES, polled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.send(f"NAMES {channel}")
            names: list[str] = []
            try:
                for line in self.lines(1.0):
                    if " 353 " in line:
                        names += [n.lstrip("@+%&~") for n in line.rsplit(" :", 1)[-1].split()]
                    if " 366 " in line:
                        break
            except ConnectionError:
                raise
            if any(n.lower().startswith(nick_prefix.lower()) for n in names):
                return
            time.sleep(0.2)
        raise AssertionError(f"{nick_prefix} did not join {channel} within {timeout}s")

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.send("QUIT :bye")
            except OSError:
                pass
            self.sock.close()
            self.sock = None


# -- a background asyncio loop ------------------------------------------------------------------------------------
class LoopThread:
    """An event loop in a daemon thread, for servers the tests drive synchronously."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


# -- a fake predb API ---------------------------------------------------------------------------------------------
class FakePredbApi:
    """predb.ovh- or predb.net-shaped JSON API on 127.0.0.1, with injectable faults.

    ``faults`` is consumed one per request: ``429`` (Retry-After: 1), ``429-date``, ``500``, ``malformed``,
    ``drop`` (close the connection without an answer), ``error-status`` (HTTP 200 with status "error").
    """

    def __init__(self, loop: LoopThread, flavour: str = "ovh") -> None:
        self.loop = loop
        self.flavour = flavour
        self.rows: list[dict[str, Any]] = []
        self.faults: collections.deque[str] = collections.deque()
        self.requests: list[dict[str, str]] = []
        self.next_id = 1000
        self.lock = threading.Lock()
        self.server = loop.call(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/"

    def add(self, name: str, section: str = "TV-X264", pre_at: float | None = None, **extra: Any) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            moment = pre_at if pre_at is not None else time.time()
            if self.flavour == "ovh":
                row = {"id": self.next_id, "name": name, "team": name.rsplit("-", 1)[-1], "cat": section,
                       "preAt": moment, "size": 0, "files": 0, "nuke": None, **extra}  # fmt: skip
            else:
                row = {"id": self.next_id, "pretime": int(moment), "release": name, "section": section,
                       "status": 0, "reason": "", "group": name.rsplit("-", 1)[-1], **extra}  # fmt: skip
            self.rows.append(row)
            return row

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        target = request.split(b" ", 2)[1].decode()
        query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query, keep_blank_values=True).items()}
        with self.lock:
            self.requests.append(query)
            fault = self.faults.popleft() if self.faults else None
            rows = sorted(self.rows, key=lambda r: -r["id"])
        if fault == "drop":
            writer.transport.abort()
            return
        status, headers, body = 200, {"Content-Type": "application/json"}, b""
        if fault == "429":
            status, headers["Retry-After"], body = 429, "1", b'{"status":"error","message":"slow down"}'
        elif fault == "429-date":
            status, headers["Retry-After"], body = 429, "Wed, 21 Oct 2015 07:28:00 GMT", b"{}"
        elif fault == "500":
            status, body = 500, b"internal error"
        elif fault == "malformed":
            body = b'{"status": "success", "data": {"rows": [{"id": 1,'
        elif fault == "error-status":
            body = b'{"status": "error", "message": "backend down", "data": null}'
        else:
            size = int(query.get("count") or query.get("limit") or 20)
            page = int(query.get("page") or 1)
            chunk = rows[(page - 1) * size : page * size]
            if self.flavour == "ovh":
                payload = {"status": "success", "message": "", "data": {"rowCount": len(chunk), "rows": chunk}}
            else:
                payload = {"status": "success", "results": len(chunk), "data": chunk}
            body = json.dumps(payload).encode()
        reasons = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}
        head = f"HTTP/1.1 {status} {reasons[status]}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode() + b"\r\n" + body)
        try:
            await writer.drain()
        finally:
            writer.close()

    def close(self) -> None:
        self.server.close()


# -- a fake predb.ovh websocket -----------------------------------------------------------------------------------
class FakeWsFeed:
    """A websocket feed on 127.0.0.1 whose rows also land in ``api``; can drop clients and refuse new ones."""

    def __init__(self, loop: LoopThread, api: FakePredbApi) -> None:
        self.loop = loop
        self.api = api
        self.clients: set[ServerConnection] = set()
        self.refusing = False
        self.server = loop.call(self._start())
        self.port = self.server.sockets[0].getsockname()[1] if hasattr(self.server, "sockets") else None
        if self.port is None:
            self.port = next(iter(self.server.server.sockets)).getsockname()[1]

    async def _start(self) -> Any:
        return await serve(self._handler, "127.0.0.1", 0, process_request=self._process_request)

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        if self.refusing:
            return connection.respond(503, "feed down\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            async for _ in ws:
                pass
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    def publish(self, name: str, section: str = "TV-X264", **extra: Any) -> dict[str, Any]:
        row = self.api.add(name, section, **extra)
        self.send({"action": "insert", "row": row})
        return row

    def send(self, frame: Any) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)

        async def broadcast() -> None:
            for ws in list(self.clients):
                try:
                    await ws.send(text)
                except websockets.exceptions.ConnectionClosed:
                    pass

        self.loop.call(broadcast())

    def drop(self) -> None:
        """Cut every client connection without a closing handshake."""

        async def abort() -> None:
            for ws in list(self.clients):
                ws.transport.abort()

        self.loop.call(abort())

    def close(self) -> None:
        self.server.close()
