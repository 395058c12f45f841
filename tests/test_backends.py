"""The portable analyses give identical results on DuckDB (store and Parquet), chDB and Spark over one export."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scenewatch.analysis import portable
from scenewatch.analysis.affiliation import vanished_clusters, vanished_with
from scenewatch.analysis.changepoints import changepoints
from scenewatch.analysis.compare import compare, event_windows
from scenewatch.analysis.dormancy import dormancy
from scenewatch.analysis.impact import impact
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import volume
from scenewatch.ingest import ingest_paths
from scenewatch.simulate import SimulationConfig, write
from scenewatch.store import Database, StoreError
from scenewatch.store.backends import CLICKHOUSE_SCHEMA, clickhouse_client, connect, load_clickhouse
from scenewatch.store.parquet import export_parquet

# Ibis 12 calls DuckDB's deprecated fetch_arrow_table and pandas' future.infer_string: noise, not our code.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning",
                                        "ignore:.*infer_string.*")  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A simulated store (four months around a planted raid), its Parquet export and the reference results."""
    work = tmp_path_factory.mktemp("backends")
    dump = work / "sim.ndjson"
    write(SimulationConfig(start=date(2020, 7, 1), end=date(2020, 10, 31), scale=0.1, seed=11), dump)
    path = work / "store.duckdb"
    with Database(path) as db:
        ingest_paths(db, [dump])
        export_parquet(db, work / "export")
        top = db.scalar("SELECT grp FROM releases WHERE scene GROUP BY grp ORDER BY count(*) DESC, grp LIMIT 1")
    return {"path": path, "export": work / "export", "top_group": top, "work": work}


def _cases(top_group: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [
        ("day", None, {}),
        ("week", "category", {}),
        ("month", "group", {}),
        ("day", "section", {"category": "tv", "since": date(2020, 8, 1), "until": date(2020, 8, 31)}),
        ("week", None, {"group": top_group.lower()}),
        ("day", "category", {"section": "x264", "since": date(2020, 9, 3), "until": date(2020, 9, 9)}),
        ("month", None, {"since": date(2021, 1, 1)}),  # nothing there: empty frame
    ]


def _windows() -> list[tuple[str, date, date]]:
    return event_windows(date(2020, 8, 26), after_weeks=2, later_weeks=6)


def _check_backend(con: Any, store: dict[str, Any]) -> None:
    with Database(store["path"], read_only=True) as db:
        for by, split, filters in _cases(store["top_group"]):
            expected = volume(db, by, split, **filters)  # type: ignore[arg-type]
            got = portable.volume(con, by, split, **filters)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=f"volume {by} {split} {filters}")
            assert list(got.dtypes) == list(expected.dtypes) or expected.empty
        top = db.query(
            "SELECT grp AS \"group\", count(*) AS count FROM releases WHERE scene AND pre_at >= '2020-08-01' "
            "AND pre_at < '2020-09-01' AND grp IS NOT NULL GROUP BY grp ORDER BY count DESC, grp LIMIT 7"
        )
        got_top = portable.top_groups(con, date(2020, 8, 1), date(2020, 8, 31), limit=7)
        assert got_top["group"].tolist() == top["group"].tolist()
        assert got_top["count"].tolist() == top["count"].tolist()
        for by in ("category", "group", None):
            expected = compare(db, _windows(), by)
            got = portable.compare(con, _windows(), by)
            pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), obj=f"compare by {by}")
        assert portable.data_span(con) == (date(2020, 7, 1), date(2020, 10, 31))
        for by in ("category", None):
            expected = impact(db, date(2020, 8, 26), "4w", "4w", by)
            assert not expected.attrs["warnings"]  # no gaps: the store's impact drops no day the backend keeps
            got = portable.impact(con, date(2020, 8, 26), "4w", "4w", by)
            pd.testing.assert_frame_equal(got, expected, obj=f"impact by {by}")
        expected = recovery(db, date(2020, 8, 26), before="4w", horizon="8w")
        pd.testing.assert_frame_equal(portable.recovery(con, date(2020, 8, 26), before="4w", horizon="8w"), expected)
        expected = changepoints(db)
        assert len(expected) > 0  # breaks to compare, not two empty frames
        pd.testing.assert_frame_equal(portable.changepoints(con), expected, obj="changepoints")
        expected = dormancy(db, date(2020, 9, 15))
        assert len(expected) > 20
        pd.testing.assert_frame_equal(portable.dormancy(con, date(2020, 9, 15)), expected, obj="dormancy")
        for got, want in (
            (portable.vanished_clusters(con, date(2020, 9, 15), min_score=1.0),
             vanished_clusters(db, date(2020, 9, 15), min_score=1.0)),
            (portable.vanished_with(con, store["top_group"], 30, as_of=date(2020, 9, 15), min_score=0.0),
             vanished_with(db, store["top_group"], 30, as_of=date(2020, 9, 15), min_score=0.0)),
        ):  # fmt: skip
            assert len(want) > 0
            pd.testing.assert_frame_equal(got, want, obj="affiliation")


def test_duckdb_store(store: dict[str, Any]) -> None:
    _check_backend(connect(store["path"]), store)
    _check_backend(connect(f"duckdb:///{store['path']}"), store)


def test_duckdb_over_parquet(store: dict[str, Any]) -> None:
    _check_backend(connect("duckdb://", parquet=store["export"]), store)


def test_chdb_mergetree(store: dict[str, Any]) -> None:
    dsn = f"chdb://{store['work'] / 'chdb'}"
    con = load_clickhouse(store["export"], dsn)
    _check_backend(con, store)
    client = clickhouse_client(dsn)
    ddl = client.command("SHOW CREATE TABLE releases")
    assert "PARTITION BY toYYYYMM(pre_at)" in ddl and "ORDER BY (category, pre_at, id)" in ddl
    with Database(store["path"], read_only=True) as db:
        assert client.command("SELECT count() FROM releases") == db.count_releases()
        assert client.command("SELECT count() FROM nukes") == db.scalar("SELECT count(*) FROM nukes")
    # Loading again replaces the tables: same counts, nothing doubled.
    load_clickhouse(store["export"], dsn)
    _check_backend(connect(dsn), store)
    assert set(CLICKHOUSE_SCHEMA) <= set(connect(dsn).list_tables())


def test_chdb_is_one_per_process(store: dict[str, Any]) -> None:
    clickhouse_client(f"chdb://{store['work'] / 'chdb'}")
    with pytest.raises(StoreError, match="one per process"):
        clickhouse_client(f"chdb://{store['work'] / 'elsewhere'}")


def test_connect_errors(store: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown backend"):
        connect("oracle://x")
    with pytest.raises(StoreError, match="parquet=DIR"):
        connect("spark://local")
    with pytest.raises(StoreError, match="not a scenewatch Parquet export"):
        connect("duckdb://", parquet=tmp_path)
    with pytest.raises(StoreError, match="no such database"):
        connect(tmp_path / "missing.duckdb")


@pytest.mark.slow
def test_spark_local(store: dict[str, Any]) -> None:
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark local mode needs Java 17+ (no java on PATH and no JAVA_HOME)")
    con = connect("spark://local[1]", parquet=store["export"])
    try:
        _check_backend(con, store)
    finally:
        con._session.stop()


def test_cli_runs_the_series_analyses_on_a_backend(store: dict[str, Any]) -> None:
    """`--db duckdb:// --parquet DIR` gives the rows the embedded store gives; other commands refuse a backend."""
    import json

    from typer.testing import CliRunner

    from scenewatch.cli import app

    runner = CliRunner()
    backend = ["--db", "duckdb://", "--parquet", str(store["export"])]
    commands = [
        ["volume", "--by", "week", "--split", "category", "--json"],
        ["compare", "--event", "2020-08-26", "--json"],
        ["impact", "--event", "2020-08-26", "--before", "4w", "--after", "4w", "--json"],
        ["recovery", "--event", "2020-08-26", "--before", "4w", "--horizon", "8w", "--json"],
        ["changepoints", "--top", "0", "--json"],
        ["groups", "--dormant", "--as-of", "2020-09-15", "--json"],
        ["groups", "--clusters", "--as-of", "2020-09-15", "--json"],
    ]
    for args in commands:
        on_store = runner.invoke(app, [*args, "--db", str(store["path"])])
        on_backend = runner.invoke(app, [*args, *backend])
        assert on_store.exit_code == 0 and on_backend.exit_code == 0, on_backend.output
        assert json.loads(on_backend.stdout) == json.loads(on_store.stdout), args
    refused = runner.invoke(app, ["nukes", "--db", "chdb:///nowhere"])
    # (main() turns these into one line on stderr and exit code 2; the runner hands back the exception)
    assert "reads the embedded store" in str(refused.exception)
    bad = runner.invoke(app, ["volume", "--db", "spark://local[1]"])
    assert "--db spark://local[1]: spark:// reads a Parquet export" in str(bad.exception)


def test_cli_on_chdb_in_its_own_process(store: dict[str, Any]) -> None:
    """A real chDB MergeTree store, loaded and queried by `scenewatch volume --db chdb:///DIR` (one chDB a process)."""
    import json
    import subprocess
    import sys

    folder = store["work"] / "chdb-cli"
    load = "import sys; from scenewatch.store.backends import load_clickhouse as load; load(sys.argv[1], sys.argv[2])"
    subprocess.run([sys.executable, "-c", load, str(store["export"]), f"chdb://{folder}"], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "scenewatch", "volume", "--by", "month", "--json", "--db", f"chdb://{folder}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    with Database(store["path"], read_only=True) as db:
        expected = volume(db, "month")
    assert [row["count"] for row in json.loads(done.stdout)] == expected["count"].tolist()
