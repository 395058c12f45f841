"""Arrow tables registered as views on the store's connection for one statement, and dropped again."""

from __future__ import annotations

import contextlib

import duckdb


def unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered view. After a failed statement DuckDB refuses (the transaction is aborted): the caller
    must see that statement's error, not this refusal."""
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)
