"""The owner's side of reading while writing: other scenewatch commands' queries, and what the owner is doing.

``POST /internal/query`` runs one read-only SQL statement on a read cursor and answers Arrow (the client is
:class:`scenewatch.store.remote.RemoteDatabase`). It is open only when the app was given the owner file's secret
(``query_secret``), only from loopback, only with that secret as bearer token, and only for a single SELECT;
it is left out of the OpenAPI document: it is plumbing between scenewatch processes of the same user, who can
read the database file anyway (the owner file that holds the secret is ``0600``).

``GET /api/status`` says which process serves, since when, and (for a live listener) each source's counters.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import duckdb
import pyarrow as pa
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from scenewatch import __version__
from scenewatch.store.remote import ARROW_STREAM, QUERY_PATH, decode_params
from scenewatch.web import errors
from scenewatch.web.params import access

router = APIRouter()
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_STARTED = time.time()


class QueryIn(BaseModel):
    """One SQL statement and its parameters (tagged JSON, see ``scenewatch.store.remote``)."""

    sql: str = Field(max_length=1_000_000)
    params: Any = None


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"message": message, "error": "PermissionError"})


@router.post(QUERY_PATH, include_in_schema=False)
def run_query(
    request: Request, body: QueryIn, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Run one SELECT for another scenewatch process (see the module docstring)."""
    secret: str | None = request.app.state.query_secret
    if not secret:
        return _refuse(404, "this server does not answer queries")
    host = request.client.host if request.client else ""
    offered = (authorization or "").removeprefix("Bearer ").encode()
    if host not in _LOOPBACK or not secrets.compare_digest(offered, secret.encode()):
        return _refuse(403, "queries are for scenewatch commands on this machine (the owner file's secret)")
    with access(request).reader() as view:
        con = view.con
        try:
            statements = con.extract_statements(body.sql)
            if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
                return _refuse(403, "only one SELECT statement may be run through the owner")
            try:
                con.execute("SET SESSION arrow_lossless_conversion = true")  # this cursor only
            except duckdb.Error:  # older DuckDB: HUGEINT and UUID come back as DECIMAL and text
                pass
            table = con.sql(body.sql, params=decode_params(body.params)).to_arrow_table()
        except duckdb.InterruptException:  # the owner is stopping: the client goes on with the file itself
            return _refuse(503, "the store's owner is stopping")
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return JSONResponse(status_code=400, content={"message": message, "error": type(exc).__name__})
        except (ValueError, TypeError) as exc:
            return JSONResponse(status_code=400, content={"message": str(exc), "error": "InvalidInputException"})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return Response(sink.getvalue().to_pybytes(), media_type=ARROW_STREAM)


class Status(BaseModel):
    """Which process serves this store, and what its live sources are doing."""

    version: str
    pid: int
    database: str
    read_only: bool
    started_at: datetime
    uptime_seconds: float
    writes: bool = Field(description="Whether the write endpoints are enabled (a token was configured)")
    sources: list[dict[str, Any]] = Field(default_factory=list, description="Per live source: its counters")
    writer: dict[str, Any] | None = Field(None, description="The store writer's counters, when one runs")


@router.get("/api/status", tags=["status"], responses=errors.READ)
def get_status(request: Request) -> Status:
    """This server: version, process, store, uptime; for a live listener, each source's counters."""
    store = access(request)
    extra: dict[str, Any] = {}
    provider = request.app.state.status
    if provider is not None:
        extra = dict(provider())
    writer = store.writer
    writer_state = None
    if writer is not None:
        writer_state = {"flushes": int(writer.flushes), "events_written": int(writer.events_written),
                        "write_errors": int(writer.write_errors)}  # fmt: skip
    return Status(
        version=__version__, pid=os.getpid(), database=str(store.db.path), read_only=bool(store.db.read_only),
        started_at=datetime.fromtimestamp(_STARTED, UTC), uptime_seconds=round(time.time() - _STARTED, 3),
        writes=bool(request.app.state.token), sources=list(extra.get("sources", [])), writer=writer_state,
    )  # fmt: skip
