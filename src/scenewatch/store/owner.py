"""Who owns a store file, and where to ask it: the owner file beside the database.

DuckDB lets one process open a file for writing, and then no other process can open it at all, not even
read-only. So the process that writes (``listen``, ``serve`` with writes, ``ingest``) publishes ``<db>.owner``: a
small JSON file naming its command, its PID and the loopback URL where it answers reads, plus a random secret.
It holds an exclusive ``flock`` on that file for as long as it lives; the kernel drops the lock when the process
ends however it ends (SIGKILL included), so a file left behind by a dead owner is recognised as stale and ignored.
A read command that finds the file *held* sends its queries there (:mod:`scenewatch.store.remote`) instead of
opening the database.

The file is created ``0600``: whoever can read it (the owner's user, or root) can open the database file anyway, and
the secret is what the owner's query endpoint asks for.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

try:  # POSIX only; elsewhere the owner file is still written, and a reader trusts it if the PID is alive
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

OWNER_SUFFIX = ".owner"


@dataclass(frozen=True, slots=True)
class Owner:
    """The process that holds a store file open for writing, and where it answers."""

    pid: int
    command: str  # listen, serve, ingest …
    url: str  # http://127.0.0.1:PORT, where its read API and query endpoint answer ("" if it answers nothing)
    secret: str
    started_at: str
    writes: str = ""  # how to write through it, if it can, e.g. "POST http://…/api/ingest with its bearer token"

    def describe(self) -> str:
        """One phrase for error messages: ``scenewatch listen (pid 123, answering at http://…)``."""
        where = f", answering at {self.url}" if self.url else ""
        return f"`scenewatch {self.command}` (pid {self.pid}{where})"


def owner_path(db_path: str | Path) -> Path:
    """``<db>.owner`` beside the database file."""
    return Path(f"{db_path}{OWNER_SUFFIX}")


class Published:
    """An owner file this process holds (see :func:`publish`); ``close()`` removes it."""

    def __init__(self, path: Path, fd: int, owner: Owner) -> None:
        self.path = path
        self.owner = owner
        self._fd: int | None = fd

    def close(self) -> None:
        """Remove the file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> Published:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def new_secret() -> str:
    """A secret for an owner file (what its query endpoint asks for)."""
    return secrets.token_urlsafe(32)


def publish(db_path: str | Path, command: str, url: str = "", *, writes: str = "", secret: str | None = None
            ) -> Published:  # fmt: skip
    """Write and hold ``<db>.owner`` for this process (call once the database is open for writing)."""
    path = owner_path(db_path)
    owner = Owner(os.getpid(), command, url, secret or new_secret(), datetime.now(UTC).isoformat(), writes)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a reader only ever holds it for an instant
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(asdict(owner)).encode())
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    return Published(path, fd, owner)


def current_owner(db_path: str | Path, *, wait: float = 0.0) -> Owner | None:
    """The live owner of ``db_path`` from its owner file, or None (no file, or left by a process that ended).

    ``wait`` gives an owner that has just taken the lock a moment to write its file.
    """
    path = owner_path(db_path)
    deadline = time.monotonic() + wait
    while True:
        found = _read(path)
        if found is not _STARTING:
            return found  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


_STARTING = object()


def _read(path: Path) -> Owner | object | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not _held(fd):
            return None
        raw = b""
        while chunk := os.read(fd, 65536):
            raw += chunk
    finally:
        os.close(fd)
    try:
        data = json.loads(raw)
        owner = Owner(**data)
    except (ValueError, TypeError):
        return _STARTING  # locked but not written yet
    if fcntl is None and not _pid_alive(owner.pid):  # pragma: no cover - without flock, trust a live PID
        return None
    return owner


def _held(fd: int) -> bool:
    """Whether another process holds the owner lock on ``fd``'s file."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_LOCK_PID = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def lock_holder(message: str) -> str | None:
    """From DuckDB's "Conflicting lock is held in PROGRAM (PID N)" error: ``PID N (command line)``, else None."""
    match = _LOCK_PID.search(message)
    if not match:
        return None
    pid = int(match.group("pid"))
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmdline = match.group("program")
    return f"PID {pid} ({cmdline[:120]})" if cmdline else f"PID {pid}"


@contextlib.contextmanager
def published(db_path: str | Path, command: str, url: str = "", *, writes: str = "", secret: str | None = None
              ) -> Iterator[Published]:  # fmt: skip
    """:func:`publish` for the length of a ``with`` block."""
    handle = publish(db_path, command, url, writes=writes, secret=secret)
    try:
        yield handle
    finally:
        handle.close()
