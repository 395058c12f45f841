"""Analysis backends beyond the embedded store, through Ibis: DuckDB, ClickHouse (server or in-process chDB), Spark.

``connect(dsn)`` returns an Ibis backend whose ``releases`` table (and ``sightings``, ``nukes``, ``events``,
``gaps``) the portable analyses in :mod:`scenewatch.analysis.portable` query unchanged:

- ``duckdb:///path/store.duckdb`` or a plain path: a scenewatch store, opened read-only;
  ``duckdb://`` with ``parquet=DIR``: an in-memory DuckDB with views over a Parquet export.
- ``chdb://`` (in memory) or ``chdb:///path/folder`` (persistent): ClickHouse in process through chDB. Ibis's
  ClickHouse backend drives a clickhouse-connect client, and clickhouse-connect (>= 1.x) speaks chDB in
  process with the same client API, so the ClickHouse SQL Ibis compiles runs unchanged on chDB.
  Fill it with :func:`load_clickhouse`.
- ``clickhouse://user:password@host:8123/db``: a ClickHouse server (same schema, same loader).
- ``spark://local`` (or ``spark://local[4]``) with ``parquet=DIR``: a local PySpark session with temporary
  views over the Parquet export (Spark needs Java 17+).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from scenewatch.store.database import StoreError
from scenewatch.store.parquet import TABLES, read_manifest, table_glob

# The ClickHouse form of the store. Releases: one partition per month of pre time (old months are never
# rewritten, so merges stay cheap); sorted by category then time, so the common "one category, one window"
# scans read a few granules. Nullable pre_at in the keys needs allow_nullable_key.
CLICKHOUSE_SCHEMA: dict[str, str] = {
    "releases": """
        CREATE TABLE IF NOT EXISTS releases (
            id UInt64,
            name String,
            pre_at Nullable(DateTime64(6, 'UTC')),
            first_seen_at Nullable(DateTime64(6, 'UTC')),
            section LowCardinality(Nullable(String)),
            scene Bool,
            size_mb Nullable(Float64),
            files Nullable(Int32),
            title Nullable(String),
            year Nullable(Int16),
            season Nullable(Int16),
            episode Nullable(Int16),
            air_date Nullable(Date32),
            resolution LowCardinality(Nullable(String)),
            source LowCardinality(Nullable(String)),
            video_codec LowCardinality(Nullable(String)),
            audio_codec LowCardinality(Nullable(String)),
            language Array(String),
            grp LowCardinality(Nullable(String)),
            category LowCardinality(String),
            flags Array(String),
            service LowCardinality(Nullable(String)),
            platform LowCardinality(Nullable(String)),
            version Nullable(String),
            parser_version Nullable(Int32)
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(pre_at)
        ORDER BY (category, pre_at, id)
        SETTINGS allow_nullable_key = 1
    """,
    "sightings": """
        CREATE TABLE IF NOT EXISTS sightings (
            id UInt64, release_id UInt64, feed LowCardinality(Nullable(String)),
            seen_at Nullable(DateTime64(6, 'UTC')), time_trusted Bool, section LowCardinality(Nullable(String)),
            origin Nullable(String)
        ) ENGINE = MergeTree ORDER BY (release_id, id)
    """,
    "nukes": """
        CREATE TABLE IF NOT EXISTS nukes (
            id UInt64, release_id UInt64, name String, action LowCardinality(String), reason Nullable(String),
            network LowCardinality(Nullable(String)), nuked_at Nullable(DateTime64(6, 'UTC')),
            feed LowCardinality(Nullable(String))
        ) ENGINE = MergeTree ORDER BY (release_id, id)
    """,
    "events": """
        CREATE TABLE IF NOT EXISTS events (
            name String, day Date32, description Nullable(String), sources Array(String)
        ) ENGINE = MergeTree ORDER BY name
    """,
    "gaps": """
        CREATE TABLE IF NOT EXISTS gaps (
            source String, start_at DateTime64(6, 'UTC'), end_at DateTime64(6, 'UTC'), reason Nullable(String)
        ) ENGINE = MergeTree ORDER BY (source, start_at)
    """,
}

_CH_SETTINGS = {"session_timezone": "UTC"}
# chDB runs one engine per process: every chdb:// connection of a process shares one client.
_chdb_clients: dict[str, Any] = {}
_chdb_lock = threading.Lock()


SCHEMES = ("duckdb", "chdb", "clickhouse", "clickhouses", "spark")


def _kind(dsn: str) -> str:
    return dsn.split("://", 1)[0].lower() if "://" in dsn else "duckdb"


def is_dsn(text: str | Path | None) -> bool:
    """Whether ``text`` names a backend (``scheme://…`` with a scheme :func:`connect` knows) rather than a file."""
    return "://" in str(text or "") and _kind(str(text)) in SCHEMES


def connect(dsn: str | Path, *, parquet: str | Path | None = None) -> Any:
    """An Ibis backend for ``dsn`` (see the module doc); ``parquet`` names an export to read where it applies."""
    dsn = str(dsn)
    kind = _kind(dsn)
    if kind == "duckdb":
        return _connect_duckdb(dsn, parquet)
    if kind == "chdb":
        return _connect_chdb(dsn)
    if kind in ("clickhouse", "clickhouses"):
        import ibis

        return ibis.connect(dsn, settings=_CH_SETTINGS)
    if kind == "spark":
        if parquet is None:
            raise StoreError("spark:// reads a Parquet export: pass parquet=DIR (scenewatch export --parquet DIR)")
        return _connect_spark(dsn, Path(parquet))
    raise StoreError(f"{dsn}: unknown backend (use duckdb://, chdb://, clickhouse:// or spark://)")


def _connect_duckdb(dsn: str, parquet: str | Path | None) -> Any:
    import ibis

    path = dsn.split("://", 1)[1] if "://" in dsn else dsn
    path = path[1:] if path.startswith("//") else path  # duckdb:////abs as well as duckdb:///abs
    if parquet is not None:
        con = ibis.duckdb.connect()
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql("SET enable_progress_bar = false")  # no bar on stdout (see store.database)
        for table in _export_tables(Path(parquet)):
            source = f"read_parquet('{table_glob(parquet, table)}', hive_partitioning = false)"
            con.raw_sql(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {source}")
        return con
    if not path or path == ":memory:":
        raise StoreError("duckdb:// needs a database path or parquet=DIR")
    if not Path(path).exists():
        raise StoreError(f"{path}: no such database")
    con = ibis.duckdb.connect(path, read_only=True)
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")
    return con


def _export_tables(directory: Path) -> list[str]:
    manifest = read_manifest(directory)
    if manifest is None:
        raise StoreError(f"{directory}: not a scenewatch Parquet export (scenewatch export --parquet DIR)")
    return [t for t in TABLES if manifest["tables"].get(t, {}).get("rows", 0)]


def clickhouse_client(dsn: str) -> Any:
    """The clickhouse-connect client behind a ``chdb://`` or ``clickhouse://`` DSN (one per process for chDB)."""
    import clickhouse_connect

    if _kind(dsn) != "chdb":
        return clickhouse_connect.get_client(dsn=dsn, settings=_CH_SETTINGS)
    with _chdb_lock:
        if not _chdb_clients:
            client = clickhouse_connect.get_client(dsn=dsn, settings=_CH_SETTINGS)
            _chdb_clients[dsn] = client
        elif dsn not in _chdb_clients:
            other = next(iter(_chdb_clients))
            raise StoreError(f"{dsn}: this process already runs chDB on {other}; chDB allows one per process")
        return _chdb_clients[dsn]


def _connect_chdb(dsn: str) -> Any:
    import ibis

    return ibis.clickhouse.from_connection(clickhouse_client(dsn))


def load_clickhouse(parquet_dir: str | Path, dsn: str) -> Any:
    """Create the ClickHouse schema at ``dsn`` and (re)load a Parquet export into it; return the Ibis backend.

    Loading replaces what the tables held, so running it twice gives the same tables. chDB reads the
    files in process; a server gets them streamed from this machine as Arrow batches.
    """
    directory = Path(parquet_dir).resolve()
    tables = _export_tables(directory)
    client = clickhouse_client(dsn)
    for table, ddl in CLICKHOUSE_SCHEMA.items():
        client.command(ddl)
        client.command(f"TRUNCATE TABLE {table}")
    for table in tables:
        columns = [c for c in client.query(f"SELECT * FROM {table} LIMIT 0").column_names]
        if _kind(dsn) == "chdb":
            source = table_glob(directory, table).replace("'", "\\'")
            names = ", ".join(f"`{c}`" for c in columns)
            client.command(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM file('{source}', Parquet)",
                settings={"use_hive_partitioning": 0},
            )
        else:
            import pyarrow.dataset as ds

            dataset = ds.dataset(directory / table, format="parquet", partitioning=None)
            for batch in dataset.to_batches(columns=columns, batch_size=500_000):
                client.insert_arrow(table, _arrow_table(batch))
    import ibis

    return ibis.clickhouse.from_connection(client)


def _arrow_table(batch: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_batches([batch])


def _connect_spark(dsn: str, directory: Path) -> Any:
    import ibis
    from pyspark.sql import SparkSession

    master = dsn.split("://", 1)[1].strip("/") or "local"
    session = (
        SparkSession.builder.master(master if master.startswith("local") else f"spark://{master}")
        .appName("scenewatch")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    for table in _export_tables(directory):
        path = str(directory / table)
        frame = session.read.option("recursiveFileLookup", "true").parquet(path)
        frame.createOrReplaceTempView(table)
    return ibis.pyspark.connect(session)
