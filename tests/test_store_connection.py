"""The store's DuckDB connections never draw DuckDB's progress bar on stdout (it would corrupt JSON/CSV output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenewatch.store import Database
from scenewatch.store.backends import connect

# Long enough for DuckDB to report progress once it is told to report at once.
_SLOW = "SELECT count(*) FROM range(200000000) t(x) WHERE x % 7 = 3"


def test_the_store_turns_the_bar_off_and_that_keeps_stdout_clean(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with Database(tmp_path / "s.duckdb") as db:
        assert db.scalar("SELECT current_setting('enable_progress_bar')") is False
        # Why it matters: made to report at once (which turns the bar on), a query draws it on stdout...
        db.con.execute("SET progress_bar_time = 0").fetchall()
        db.scalar(_SLOW)
        assert "%" in capfd.readouterr().out
        # ... and with the bar off, as the store sets it, nothing.
        db.con.execute("SET enable_progress_bar = false").fetchall()
        capfd.readouterr()  # the SET itself ran with the bar on
        db.scalar(_SLOW)
        assert capfd.readouterr().out == ""


def test_the_duckdb_backend_has_no_progress_bar(tmp_path: Path) -> None:
    Database(tmp_path / "s.duckdb").close()
    con = connect(f"duckdb:///{tmp_path / 's.duckdb'}")
    assert con.raw_sql("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]


def test_a_failed_statement_s_error_is_the_one_raised_not_the_unregister_after_it() -> None:
    import duckdb
    import pyarrow as pa

    from scenewatch.store import views

    con = duckdb.connect()
    con.register("incoming", pa.table({"a": [1]}))
    con.register("other", pa.table({"a": [1]}))
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.Error, match="boom"):
        try:
            con.execute("SELECT error('boom') FROM incoming").fetchall()
        finally:
            views.unregister(con, "incoming")
    # Why it matters: DuckDB's own unregister refuses in an aborted transaction, which would mask 'boom'.
    with pytest.raises(duckdb.TransactionException):
        con.unregister("other")
