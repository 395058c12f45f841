"""``scenewatch serve`` as a user runs it: a real process on 127.0.0.1, port 0, stopped with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_SERVING = re.compile(r"serving .* on (http://127\.0\.0\.1:\d+)/")


@dataclass
class ServeProcess:
    """A running ``scenewatch serve``: its process, base URL and the stderr it wrote."""

    process: subprocess.Popen[str]
    url: str
    log: Path

    def stop(self, timeout: float = 15.0) -> float:
        """SIGTERM, then wait; returns the seconds it took to exit (SIGKILL after ``timeout``)."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - started


def start_serve(db: Path, log: Path, *args: str, token: str | None = None, timeout: float = 60.0) -> ServeProcess:
    """Start ``scenewatch serve --db DB --port 0 ARGS`` and wait for the line naming the port it bound."""
    env = {**os.environ, "SCENEWATCH_TOKEN": token or ""}
    if not token:
        env.pop("SCENEWATCH_TOKEN")
    stream = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scenewatch", "serve", "--db", str(db), "--port", "0", *args],
        stdout=subprocess.DEVNULL, stderr=stream, env=env, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _SERVING.search(log.read_text())
        if found:
            return ServeProcess(process, found.group(1), log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"serve did not start: {log.read_text()[-2000:]}")
