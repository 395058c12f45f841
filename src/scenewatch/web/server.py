"""Running the app: on a socket bound first (so ``--port 0`` can say which port it got), in the foreground with a
prompt shutdown, or in a background thread of a process that does something else (``listen``, ``ingest``).

Shutdown: on SIGTERM or SIGINT uvicorn stops accepting, then waits for the requests in flight; here it waits at most
``SHUTDOWN_SECONDS`` and, first of all, cancels every running read (their budgets are spent and their DuckDB queries
interrupted), so a long analysis does not hold the process. Writes are not interrupted: a write in flight finishes
or rolls back in DuckDB; committed writes are in the database file's write-ahead log either way.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from dataclasses import dataclass
from typing import Any

from scenewatch.web.budget import cancel_all

SHUTDOWN_SECONDS = 3
log = logging.getLogger("scenewatch.web")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: a free port, read it back with :func:`bound_port`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def bound_port(sock: socket.socket) -> int:
    """The port a socket from :func:`bind` listens on."""
    return int(sock.getsockname()[1])


def local_url(host: str, port: int) -> str:
    """The URL a process on this machine uses to reach a server bound to ``host:port``."""
    if host in ("0.0.0.0", "", "localhost", "127.0.0.1"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _interrupt_reads(app: Any) -> None:
    spent = cancel_all()
    access = getattr(app.state, "access", None)
    interrupted = access.interrupt_all() if access is not None else 0
    if spent or interrupted:
        log.info("shutdown: cancelled %d request budgets, interrupted %d reads", spent, interrupted)


def _server(app: Any, *, log_level: str = "warning") -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            _interrupt_reads(app)

    config = uvicorn.Config(app, log_level=log_level, ws="websockets-sansio", lifespan="off",
                            timeout_graceful_shutdown=SHUTDOWN_SECONDS)  # fmt: skip
    return Server(config)


def serve_forever(app: Any, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` in this (main) thread until SIGTERM or SIGINT; running reads are cancelled then.

    Returns normally after either signal, so the caller's clean-up (flush the live buffer, close the database) runs:
    uvicorn re-raises the signal it caught once it is done, and meets the no-op handlers installed here.
    """
    server = _server(app)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        _interrupt_reads(app)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class BackgroundServer:
    """A server running in a thread of this process."""

    url: str
    port: int
    server: Any
    thread: threading.Thread
    app: Any

    def stop(self, timeout: float = SHUTDOWN_SECONDS + 2) -> None:
        """Stop accepting, cancel running reads, and wait for the thread."""
        self.server.should_exit = True
        _interrupt_reads(self.app)
        self.thread.join(timeout)


def serve_in_background(app: Any, host: str = "127.0.0.1", port: int = 0) -> BackgroundServer:
    """Start serving ``app`` on ``host:port`` in a daemon thread; returns once it accepts connections."""
    sock = bind(host, port)
    server = _server(app)
    ready = threading.Event()
    failed: list[BaseException] = []

    async def run() -> None:
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        ready.set()
        await task

    def main() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:
            failed.append(exc)
        finally:
            ready.set()
            sock.close()

    # uvicorn installs signal handlers only in the main thread: the process's own handlers stay in charge.
    thread = threading.Thread(target=main, name="scenewatch-read-api", daemon=True)
    thread.start()
    ready.wait(30)
    if failed or not server.started:
        raise RuntimeError(f"the read API did not start: {failed[0] if failed else 'timed out'}")
    port = bound_port(sock)
    return BackgroundServer(local_url(host, port), port, server, thread, app)
