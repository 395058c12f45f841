"""The whole store as a folder of Parquet files, and back: the portable form other engines read.

Layout of an export (``scenewatch export --parquet DIR``)::

    DIR/manifest.json                       format, schema version, row counts per table
    DIR/releases/pre_year=2020/pre_month=8/data_0.parquet   releases, Hive-partitioned by the UTC month of pre_at
    DIR/releases/pre_year=NULL/pre_month=NULL/...           releases without a pre time
    DIR/nukes/nukes.parquet, DIR/sightings/sightings.parquet, DIR/events/events.parquet, DIR/gaps/gaps.parquet

The partition columns are ``pre_year``/``pre_month`` (``year`` is already the title's year); the data files
hold every column of the table except them. Importing is idempotent: ids are kept, rows already present are
merged the way the ingest path merges them (earliest pre time wins), so importing twice adds nothing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scenewatch.store import nuked, rollup
from scenewatch.store.batch import merged_assignments
from scenewatch.store.database import Database, StoreError
from scenewatch.store.schema import SCHEMA_VERSION

FORMAT = "scenewatch-parquet"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PARTITION_COLUMNS = ("pre_year", "pre_month")
TABLES = ("releases", "sightings", "nukes", "events", "gaps")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: dict[str, int]
    bytes: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import read and added."""

    read: dict[str, int]
    added: dict[str, int]

    def add_to(self, summary: Any) -> None:
        """Add these counts to an ``IngestSummary``: a release row read is new (inserted) or stored (a duplicate)."""
        summary.read += self.read.get("releases", 0)
        summary.inserted += self.added.get("releases", 0)
        summary.duplicates += self.read.get("releases", 0) - self.added.get("releases", 0)
        summary.sightings += self.added.get("sightings", 0)
        summary.nukes += self.added.get("nukes", 0)


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def table_glob(directory: Path | str, table: str) -> str:
    """The glob of one table's Parquet files in an export."""
    return str(Path(directory) / table / "**" / "*.parquet") if table == "releases" else str(
        Path(directory) / table / f"{table}.parquet"
    )


def read_manifest(directory: Path | str) -> dict[str, Any] | None:
    """The manifest of a scenewatch Parquet export, or None if ``directory`` is not one."""
    path = Path(directory) / MANIFEST
    if not Path(directory).is_dir() or not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def is_parquet_export(path: Path | str) -> bool:
    """Whether ``path`` is a folder written by :func:`export_parquet`."""
    return read_manifest(path) is not None


def export_parquet(db: Database, directory: Path | str) -> ExportResult:
    """Write the store to ``directory`` as partitioned Parquet plus ``manifest.json``; return the counts.

    The folder must be empty, absent, or an earlier export (which is replaced). All tables are read in one
    transaction, so the export is a consistent snapshot even while nothing else may write.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise StoreError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not is_parquet_export(out):
        raise StoreError(f"{out}: folder is not empty and holds no scenewatch export; choose an empty one")
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # an interrupted export must not look complete
    for table in TABLES:
        shutil.rmtree(out / table, ignore_errors=True)
    con = db.con
    rows: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for table in TABLES:
            rows[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            (out / table).mkdir()
            if table == "releases":
                if rows[table]:
                    con.execute(
                        f"""COPY (SELECT *, year(pre_at) AS pre_year, month(pre_at) AS pre_month FROM releases
                                  ORDER BY pre_at, id)
                            TO {_quote(out / table)}
                            (FORMAT parquet, PARTITION_BY (pre_year, pre_month), COMPRESSION zstd,
                             OVERWRITE_OR_IGNORE true)"""
                    ).fetchall()
            else:
                # Sightings in time order: an import keeps it, and the store then finds repeated sightings by seen_at.
                order = {"gaps": "start_at, source", "events": "name", "sightings": "seen_at, id"}.get(table, "id")
                con.execute(
                    f"COPY (SELECT * FROM {table} ORDER BY {order}) TO {_quote(table_glob(out, table))} "
                    "(FORMAT parquet, COMPRESSION zstd)"
                ).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "partition_by": {"releases": list(PARTITION_COLUMNS)},
        "tables": {table: {"rows": rows[table], "path": table} for table in TABLES},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return ExportResult(out, rows, size)


def _columns(db: Database, table: str) -> list[str]:
    rows = db.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
    ).fetchall()
    return [r[0] for r in rows]


def import_parquet(db: Database, directory: Path | str) -> ImportResult:
    """Load an export into ``db`` in one transaction; rows already present are kept (releases merged)."""
    src = Path(directory)
    manifest = read_manifest(src)
    if manifest is None:
        raise StoreError(f"{src}: not a scenewatch Parquet export (no {MANIFEST} of format {FORMAT})")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise StoreError(f"{src}: export format {manifest['format_version']} is newer than this scenewatch")
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise StoreError(
            f"{src}: exported with schema version {manifest['schema_version']}, newer than this scenewatch "
            f"({SCHEMA_VERSION}): upgrade scenewatch"
        )
    tables = manifest.get("tables", {})
    con = db.con
    read: dict[str, int] = {}
    added: dict[str, int] = {}
    # Room for the nukes' index (the one that grows with the store) before the one transaction that adds them.
    db.fit_memory(extra_rows=int(tables.get("nukes", {}).get("rows", 0)))
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for table in TABLES:
            expected = int(tables.get(table, {}).get("rows", 0))
            read[table] = added[table] = 0
            if not expected:
                continue
            files = table_glob(src, table)
            if table == "releases" and not any((src / table).rglob("*.parquet")):
                raise StoreError(f"{src}: manifest lists {expected} releases but there are no Parquet files")
            # Only the store's columns, by name: an export of an older schema leaves newer columns NULL.
            source = f"read_parquet({_quote(files)}, hive_partitioning = false, union_by_name = true)"
            present = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
            columns = ", ".join(f'"{c}"' for c in _columns(db, table) if c in present)
            read[table] = int(con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0])
            if read[table] != expected:
                raise StoreError(f"{src}: {table} has {read[table]} rows, the manifest says {expected}")
            before = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            select = f"SELECT {columns} FROM {source}"
            if table == "releases":
                # No primary key (schema 9): merge the stored ones by the store's rules, then add the others.
                incoming = f"(SELECT DISTINCT ON (id) * FROM ({select})) incoming"
                con.execute(
                    f"UPDATE releases SET {merged_assignments('releases', 'incoming')} FROM {incoming} "
                    "WHERE releases.id = incoming.id"
                ).fetchall()
                con.execute(
                    f"INSERT INTO releases BY NAME SELECT * FROM {incoming} "
                    "ANTI JOIN (SELECT id FROM releases) stored USING (id)"
                ).fetchall()
            elif table == "gaps":
                # Gaps have no key: add only the rows not already there (NULL-safe comparison of every column).
                con.execute(
                    f"INSERT INTO gaps BY NAME SELECT DISTINCT * FROM ({select}) g WHERE NOT EXISTS "
                    "(SELECT 1 FROM gaps h WHERE h.source = g.source AND h.start_at = g.start_at "
                    "AND h.end_at = g.end_at AND h.reason IS NOT DISTINCT FROM g.reason)"
                ).fetchall()
            elif table == "sightings":
                # No primary key (store.apply): add the sightings whose id is not stored yet.
                con.execute(
                    f"INSERT INTO sightings BY NAME SELECT * FROM (SELECT DISTINCT ON (id) * FROM ({select})) s "
                    "ANTI JOIN (SELECT id FROM sightings) stored USING (id) ORDER BY seen_at, id"
                ).fetchall()
            else:
                con.execute(f"INSERT INTO {table} BY NAME {select} ON CONFLICT DO NOTHING").fetchall()
            added[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) - before
        db.forget_known_ids()
        if read.get("releases") or read.get("nukes"):
            rollup.rebuild(con)  # an import may add and merge anywhere in time: count every day again
            nuked.recompute_all(con)
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    return ImportResult(read, added)
