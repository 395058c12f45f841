"""Reading a store another process owns: the same queries, answered by the owner over loopback.

While ``listen``, ``serve`` (with writes) or ``ingest`` holds a database file, no other process may open it
(DuckDB). The owner publishes where it answers (:mod:`scenewatch.store.owner`); a :class:`RemoteDatabase` is a
read-only :class:`~scenewatch.store.database.Database` whose every query is sent there and run on one of the owner's
read cursors. Results come back as Arrow (DuckDB's lossless conversion) and are loaded into a local in-memory DuckDB,
so ``query()``, ``scalar()`` and ``con.execute(...)`` return what a direct read-only open would: the analyses and
commands run unchanged and print the same output.

The wire format is shared with the owner's endpoint (``scenewatch.web.queries``): :func:`encode_params` /
:func:`decode_params` carry SQL parameters (dates, timestamps, lists …) as tagged JSON.
"""

from __future__ import annotations

import base64
import json
import math
import urllib.error
import urllib.request
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import monotonic, sleep
from typing import Any
from uuid import UUID

import duckdb
import pyarrow as pa

from scenewatch.store.database import Database, StoreError, refuse_url
from scenewatch.store.owner import Owner

QUERY_PATH = "/internal/query"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
TIMEOUT_SECONDS = 3600.0  # a report on a large store runs long queries; the owner answers in its own time


def encode_params(params: Any) -> Any:
    """SQL parameters as JSON: plain values as they are, the rest as ``{"$": type, "v": text}``."""
    if params is None:
        return None
    if isinstance(params, dict):
        return {"$": "named", "v": {str(k): _encode(v) for k, v in params.items()}}
    return [_encode(v) for v in params]


def _encode(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict | str | bytes):  # numpy scalars
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if type(value).__name__ == "Timestamp":  # pandas, kept as one (nanoseconds bind as they would locally)
        return {"$": "timestamp", "v": value.isoformat()}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, UUID):
        return {"$": "uuid", "v": str(value)}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode()}
    if isinstance(value, list | tuple):
        return {"$": "list", "v": [_encode(v) for v in value]}
    if hasattr(value, "tolist"):  # numpy arrays
        return {"$": "list", "v": [_encode(v) for v in value.tolist()]}
    raise TypeError(f"cannot send a {type(value).__name__} as a query parameter")


def decode_params(data: Any) -> Any:
    """The parameters :func:`encode_params` sent."""
    if data is None:
        return None
    if isinstance(data, dict) and data.get("$") == "named":
        return {k: _decode(v) for k, v in data["v"].items()}
    if not isinstance(data, list):
        raise ValueError("params: expected a list or named parameters")
    return [_decode(v) for v in data]


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        if isinstance(value, list):
            raise ValueError("params: a list parameter must be tagged")
        return value
    kind, raw = value.get("$"), value.get("v")
    if kind == "float":
        return float(raw)
    if kind == "timestamp":
        import pandas as pd

        return pd.Timestamp(raw)
    if kind == "datetime":
        return datetime.fromisoformat(raw)
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "time":
        return time.fromisoformat(raw)
    if kind == "timedelta":
        days, seconds, micros = raw
        return timedelta(days=days, seconds=seconds, microseconds=micros)
    if kind == "decimal":
        return Decimal(raw)
    if kind == "uuid":
        return UUID(raw)
    if kind == "bytes":
        return base64.b64decode(raw)
    if kind == "list":
        return [_decode(v) for v in raw]
    raise ValueError(f"params: unknown tag {kind!r}")


def _local() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


class RemoteConnection:
    """The part of a DuckDB connection the analyses use (``execute``, ``sql``, ``cursor``), answered by the owner.

    If the owner stops meanwhile (it closes the file as it goes), the remaining queries open the file directly, or
    go to the next owner: a command running across the owner's stop still finishes with the same answers.
    """

    def __init__(self, owner: Owner, path: str | Path) -> None:
        self.owner = owner
        self.path = Path(path)
        self._direct: Database | None = None

    def fetch(self, sql: str, params: Any = None) -> pa.Table:
        """Run ``sql`` at the owner and return its result as an Arrow table."""
        if self._direct is not None:
            return self._direct.con.execute(sql, params).to_arrow_table()
        try:
            return self._ask(sql, params)
        except _OwnerGoneError as gone:
            self._follow(gone)
            return self.fetch(sql, params)

    def _ask(self, sql: str, params: Any) -> pa.Table:
        body = json.dumps({"sql": sql, "params": encode_params(params)}).encode()
        request = urllib.request.Request(
            self.owner.url.rstrip("/") + QUERY_PATH, data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.owner.secret}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 503:  # the owner is shutting down: its reads are cancelled
                raise _OwnerGoneError("it is stopping") from None
            raise _query_error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            raise _OwnerGoneError(str(getattr(exc, "reason", exc))) from None
        return pa.ipc.open_stream(payload).read_all()

    def _follow(self, gone: _OwnerGoneError) -> None:
        """The owner stopped answering: continue with the file itself, or with its new owner."""
        try:
            successor = open_shared(self.path, read_only=True)
        except StoreError as exc:
            raise StoreError(f"{self.owner.describe()} stopped answering ({gone}), and then: {exc}") from None
        if isinstance(successor, RemoteDatabase):
            if successor.owner == self.owner:
                raise StoreError(f"{self.owner.describe()} stopped answering ({gone}); run the command again")
            self.owner = successor.owner
        else:
            self._direct = successor

    def execute(self, sql: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        """A local connection holding the owner's result, as ``con.execute`` returns (fetchall, df, description …)."""
        if self._direct is not None:
            return self._direct.con.execute(sql, parameters)
        local = _local()
        local.register("remote_result", self.fetch(sql, parameters))
        return local.execute("SELECT * FROM remote_result")

    def sql(self, sql: str, *, params: Any = None, **_: Any) -> duckdb.DuckDBPyRelation:
        """A relation over the owner's result."""
        return _local().from_arrow(self.fetch(sql, params))

    def cursor(self) -> RemoteConnection:
        """Itself: every query is already independent."""
        return self

    def close(self) -> None:
        """Close the file, if the owner stopped and it was opened directly."""
        if self._direct is not None:
            self._direct.close()
            self._direct = None


class _OwnerGoneError(Exception):
    """The owner did not answer (it stopped, or is stopping)."""


def _query_error(exc: urllib.error.HTTPError) -> Exception:
    try:
        data = json.loads(exc.read() or b"{}")
    except ValueError:
        data = {}
    message = str(data.get("message") or exc.reason)
    kind = getattr(duckdb, str(data.get("error", "")), None)
    if isinstance(kind, type) and issubclass(kind, duckdb.Error):
        return kind(message)
    return StoreError(f"{exc.code} from the store's owner: {message}")


class RemoteDatabase(Database):
    """A read-only view of a store that another process owns, queried through that process."""

    def __init__(self, path: str, owner: Owner) -> None:  # no super().__init__: the file stays the owner's
        self.path = str(path)
        self.owner = owner
        self.read_only = True
        self.con = RemoteConnection(owner, path)  # type: ignore[assignment]
        self._known = None
        self._bulk = None
        self._open = []

    def close(self) -> None:
        """Nothing to close (unless the owner stopped meanwhile and the file was opened directly)."""
        self.con.close()


def open_shared(path: str | Path, *, read_only: bool = False, wait: float = 10.0) -> Database:
    """Open the store file at ``path``, or, for a read, reach it through the scenewatch process that owns it.

    A read (``read_only``) of a store another scenewatch process holds (its owner file is held: ``listen``,
    ``serve`` with writes, a long ``ingest``) is a :class:`RemoteDatabase`, with the same answers as a direct read.
    A write to such a store raises :class:`StoreError` naming the owner and how to write through it. An owner that is
    starting (file locked, owner file not written yet) or stopping (owner file gone, file not yet closed) is waited
    for, up to ``wait`` seconds; a lock held by anything else is reported with its PID and command line.
    """
    from scenewatch.store.owner import current_owner, lock_holder

    refuse_url(path)  # before Path() folds ``foo://bar`` into ``foo:/bar``
    target = Path(path)
    deadline = monotonic() + wait
    while True:
        owner = current_owner(target)
        if owner is not None:
            if read_only:
                return RemoteDatabase(str(target), owner)
            raise StoreError(held_message(target, owner))
        try:
            return Database(target, read_only=read_only)
        except StoreError as exc:
            if "lock" not in str(exc).lower():
                raise
            if monotonic() >= deadline:
                holder = lock_holder(str(exc)) or "another process"
                raise StoreError(
                    f"{target}: in use by {holder}, which holds it open for writing (one process at a time) and "
                    "does not say where it answers; stop it first"
                ) from None
        sleep(0.1)


def held_message(target: Path, owner: Owner) -> str:
    """Why a write cannot open a store another scenewatch process owns, and what to do instead."""
    how = f"; or write through it: {owner.writes}" if owner.writes else ""
    return (f"{target}: held by {owner.describe()}, which writes it (one process at a time); read commands "
            f"(volume, gaps, info …) answer through it, but this command writes: stop it first{how}")  # fmt: skip
