"""The embedded store: one DuckDB file, one writer, idempotent batch writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from scenewatch.columnar import announcement_table, nuke_table
from scenewatch.records import Announcement, Gap, NukeEvent
from scenewatch.store import apply, batch, bulk, nuked, rollup, views
from scenewatch.store.batch import PARSED_COLUMNS as PARSED_COLUMNS
from scenewatch.store.known import KnownIds
from scenewatch.store.schema import SCHEMA_VERSION, migrate

if TYPE_CHECKING:  # pandas is imported by the first query, not by every process that writes (parse workers)
    import pandas as pd


class StoreError(Exception):
    """The database could not be opened or used; the message is one line for the user."""


def default_db_path() -> Path:
    """Where the database lives when neither ``--db`` nor ``SCENEWATCH_DB`` says otherwise."""
    env = os.environ.get("SCENEWATCH_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "scenewatch" / "scenewatch.duckdb"


def release_key(name: str) -> int:
    """Stable 64-bit identity of a release: the low half of the MD5 of its stripped, lower-cased name.

    The store computes the same value in SQL (``md5_number_lower``), a standard function that does not
    change between DuckDB versions.
    """
    digest = hashlib.md5(key_name(name).encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
    return int.from_bytes(digest[8:], "little")


def key_name(name: str) -> str:
    """The form of a name that identifies a release: stripped and lower-cased."""
    return name.strip().lower()


_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip
# Measured: DuckDB's primary-key (ART) indexes take ~35 bytes a key in a store opened afresh (966 MiB for 29 M
# releases) and ~49 while an ingest grows them (48.9 at 5.66 M); a write with random keys touches all of the index,
# so it stays in memory. The cap must grow with the keyed table that grows with the store (nukes) or a write into a
# large store runs out of memory. Releases (schema 9) and sightings (schema 6) have no key for this reason.
INDEX_BYTES_PER_ROW = 50
# The working allowance during a bulk ingest (Database.bulk_memory). Measured at 5.66M rows: 192MB suffices,
# 128MB runs out of memory (transactions of ~200,000 records hold their appends and index entries until commit).
BULK_WORKING_MEMORY = "256MB"
# Batches of at least this many releases use the bitmap of stored ids (store.known): a bulk ingest's, not a live one's.
_KNOWN_IDS_FROM = 5000


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def refuse_url(path: str | Path) -> None:
    """Raise StoreError for a URL given as a store file (``foo://bar`` would create the folder ``foo:``)."""
    scheme = _SCHEME.match(str(path))
    if scheme:
        raise StoreError(
            f"{path}: unknown scheme {scheme.group(1)!r} (a database is a file path; the analysis commands "
            "also take duckdb://, chdb://, clickhouse:// and spark://)"
        )


def _memory_bytes(value: str) -> int:
    """Parse a size such as ``1GB`` or ``512MiB`` (SCENEWATCH_MEMORY_LIMIT) into bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.IGNORECASE)
    if not match:
        raise StoreError(f"SCENEWATCH_MEMORY_LIMIT: {value!r} is not a size such as 1GB or 512MiB")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one batch write changed."""

    releases_inserted: int
    releases_present: int
    sightings_inserted: int
    nukes_inserted: int


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an input has been ingested, committed together with the rows it produced."""

    origin: str
    fingerprint: str
    records_done: int
    complete: bool


def _note_progress(con: duckdb.DuckDBPyConnection, progresses: Sequence[Progress]) -> None:
    """Store the inputs' progress (the last one given for each input) in one statement.

    Why: a statement a file cost ~2 ms, as much as the rest of a small daily dump's write. ``now()`` is the
    transaction's start, so the rows are the ones a statement each would store.
    """
    latest = {done.origin: done for done in progresses}
    if not latest:
        return
    rows = pa.table({
        "origin": pa.array([done.origin for done in latest.values()], pa.string()),
        "fingerprint": pa.array([done.fingerprint for done in latest.values()], pa.string()),
        "records_done": pa.array([done.records_done for done in latest.values()], pa.int64()),
        "complete": pa.array([done.complete for done in latest.values()], pa.bool_()),
    })  # fmt: skip
    con.register("progress_rows", rows)
    try:
        con.execute(
            "INSERT OR REPLACE INTO ingest_progress "
            "SELECT origin, fingerprint, records_done, complete, now()::TIMESTAMP FROM progress_rows"
        ).fetchall()
    finally:
        views.unregister(con, "progress_rows")


# A prepared batch, its nuke events and the inputs' progress it completes.
PreparedWrite = tuple["batch.PreparedBatch | None", "pa.Table | None", "list[Progress]"]


class Database:
    """A scenewatch store in one DuckDB file (or ``:memory:``).

    DuckDB allows one writing process per file; a Database opened for writing is that process.
    """

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
        refuse_url(self.path)
        if self.path != ":memory:":
            target = Path(self.path)
            if read_only and not target.exists():
                raise StoreError(f"{self.path}: no such database (ingest or run `scenewatch demo` first)")
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"{self.path}: cannot open database: {first_line}") from None
        self.con.execute("SET TimeZone = 'UTC'").fetchall()
        # DuckDB draws its own progress bar on stdout for queries over 2 s, even into a pipe, where it corrupts JSON
        # and CSV output (seen during a schema migration): the CLI shows its own progress, on stderr.
        self.con.execute("SET enable_progress_bar = false").fetchall()
        self.read_only = read_only
        self._known: KnownIds | None = None
        self._bulk: bulk.BulkLoad | None = None
        # Batches applied in the open transaction (write_prepared commit=False): a count, not the batches themselves,
        # which a 600,000-record transaction would hold in memory until its commit for nothing (~400 MB).
        self._open = 0
        if not read_only:
            # Checkpointing every 16 MiB of WAL (the default) costs a third of bulk-ingest time; a cap on
            # DuckDB's memory keeps a long ingest's footprint flat (its default is 80% of RAM, all kept as cache).
            self.con.execute("SET checkpoint_threshold = '256MB'").fetchall()
            self._working_memory = _memory_bytes(os.environ.get("SCENEWATCH_MEMORY_LIMIT", "1GB"))
            self._memory_limit = 0
            migrate(self.con)
            if bulk.in_progress(self.con):  # left by an ingest that stopped mid-way: finish it before anything else
                self._finish_bulk_load()
            self.fit_memory()

    def fit_memory(self, extra_rows: int = 0) -> None:
        """Cap DuckDB's memory at the working allowance plus what the nukes' primary-key index needs.

        The allowance is SCENEWATCH_MEMORY_LIMIT (default 1GB). Called after every commit: the index grows with the
        store, and a cap that does not grow with it would make the next write fail. ``extra_rows`` makes room for
        rows about to arrive in one large statement (an import). Releases and sightings have no index (schema 9, 6).
        """
        if self.read_only:
            return
        rows = int(self.scalar("SELECT count(*) FROM nukes"))
        limit = self._working_memory + INDEX_BYTES_PER_ROW * (rows + extra_rows)
        # Re-set only when it moves by 64 MiB or more: the setting is cheap, but not free on every small batch.
        if abs(limit - self._memory_limit) >= 64 << 20:
            self.con.execute(f"SET memory_limit = '{limit // 2**20}MiB'").fetchall()
            self._memory_limit = limit

    @contextlib.contextmanager
    def bulk_memory(self, working: str = BULK_WORKING_MEMORY) -> Iterator[None]:
        """Shrink the working allowance for a bulk ingest (unless SCENEWATCH_MEMORY_LIMIT sets it), then restore it.

        Why: over a long ingest DuckDB fills whatever allowance it has with cached table blocks that the ingest never
        reads again; at 30 million rows the default allowance alone would put the process past 2 GiB.
        """
        if self.read_only:
            yield
            return
        saved = self._working_memory
        if "SCENEWATCH_MEMORY_LIMIT" not in os.environ:
            self._working_memory = min(saved, _memory_bytes(working))
            self.fit_memory()
        try:
            yield
        finally:
            self._working_memory = saved
            self.fit_memory()

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Write a large input with the stored ids held in memory, merging releases seen again at the end (store.bulk).

        Only batches written through :meth:`write_prepared` may run inside; the end runs however the block ends.
        """
        if self.read_only or self._bulk is not None:
            yield
            return
        self._known = None  # not kept up to date during the load
        self._bulk = bulk.begin(self.con)
        try:
            yield
        finally:
            if self._bulk is not None:
                self._bulk = None
                if self._open:  # an error left batches uncommitted: they are lost, as after any failed write
                    self._abandon()
                self._finish_bulk_load()
                self.fit_memory()

    def _finish_bulk_load(self) -> None:
        bulk.finish(self.con)

    def close(self) -> None:
        """Checkpoint and close the connection."""
        self.con.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version this scenewatch writes."""
        return SCHEMA_VERSION

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run a query that returns one value."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def count_releases(self) -> int:
        """How many distinct releases the store holds."""
        return int(self.scalar("SELECT count(*) FROM releases"))

    # -- progress of inputs ---------------------------------------------------------------------------
    def progress(self, origin: str) -> Progress | None:
        """The committed progress of one input, if any."""
        rows = self.con.execute(
            "SELECT origin, fingerprint, records_done, complete FROM ingest_progress WHERE origin = ?", [origin]
        ).fetchall()
        return Progress(*rows[0]) if rows else None

    # -- writes -----------------------------------------------------------------------------------------
    def write(
        self,
        announcements: Sequence[Announcement],
        parsed: dict[str, list[Any]] | None = None,
        nukes: Sequence[NukeEvent] = (),
        *,
        origin: str | Sequence[str | None] | None = None,
        progress: Progress | Sequence[Progress] | None = None,
        parser_version: int | None = None,
    ) -> WriteResult:
        """Write one batch in one transaction, with the inputs' progress: all of it lands, or none.

        ``origin`` names where the announcements came from (one value, or one per announcement).
        """
        prepared = None
        if announcements:
            table = batch.with_parsed(
                announcement_table(announcements, origin), parsed, parser_version, [a.name for a in announcements]
            )
            prepared = batch.prepare(self.con, table)
        return self.write_prepared(prepared, nuke_table(nukes), progress)

    def write_prepared(
        self,
        prepared: batch.PreparedBatch | None,
        nukes: pa.Table | None = None,
        progress: Progress | Sequence[Progress] | None = None,
        *,
        commit: bool = True,
    ) -> WriteResult:
        """Apply a prepared batch (:func:`scenewatch.store.batch.prepare`), its nuke events and the inputs' progress.

        With ``commit=False`` the transaction stays open and the next write joins it, until a write with
        ``commit=True`` or :meth:`commit_prepared`: all of them land, or none (their progress with them, so an
        interrupted ingest resumes before them). Each batch is applied as it would be alone, so the store ends up
        the same; fewer commits cost less, and DuckDB writes appends of a row group or more straight to the file.
        """
        progresses = [progress] if isinstance(progress, Progress) else list(progress or [])
        item = (prepared, nukes, progresses)
        known = None if self._bulk is not None else self._known_ids(prepared.releases.num_rows if prepared else 0)
        con = self.con
        try:
            if not self._open:
                con.execute("BEGIN TRANSACTION").fetchall()
            result = self._apply(item, known)
            self._open += 1
            if commit:
                self.commit_prepared()
            return result
        except BaseException:
            self._abandon()
            raise

    def commit_prepared(self) -> None:
        """Commit the batches written with ``commit=False`` (nothing to do when there are none)."""
        if not self._open:
            return
        self.con.execute("COMMIT").fetchall()
        self._open = 0
        self.fit_memory()

    def _abandon(self) -> None:
        """Roll back the open transaction: its batches are lost, and so is their progress."""
        self._open = 0
        self._known = None  # it may hold ids of releases rolled back
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK").fetchall()
        if self._bulk is not None:  # the same: read the stored ids again
            self._bulk = bulk.BulkLoad(self.con)

    def _known_ids(self, releases: int) -> KnownIds | None:
        """The filter of stored release ids, built for the first batch large enough to pay for it (a bulk ingest's),
        then kept up to date by every write."""
        if self._known is None and releases < _KNOWN_IDS_FROM:
            return None
        if self._known is None or self._known.count + releases > self._known.capacity:
            self._known = KnownIds.of_store(self.con, expected=releases)
        return self._known

    def _apply(self, write: PreparedWrite, known: KnownIds | None) -> WriteResult:
        """Apply one batch inside the open transaction and say what it changed."""
        prepared, nukes, progresses = write
        con = self.con
        before = self.count_releases()
        sightings_before = int(self.scalar("SELECT count(*) FROM sightings"))
        nukes_before = int(self.scalar("SELECT count(*) FROM nukes"))
        apply.apply(con, prepared, nukes, known, self._bulk)
        _note_progress(con, progresses)
        inserted = self.count_releases() - before
        sightings = int(self.scalar("SELECT count(*) FROM sightings")) - sightings_before
        nukes_added = int(self.scalar("SELECT count(*) FROM nukes")) - nukes_before
        # Every announcement that did not create a release was already present (in the store or the batch).
        announced = prepared.announcements if prepared is not None else 0
        return WriteResult(inserted, announced - inserted, sightings, nukes_added)

    def forget_known_ids(self) -> None:
        """Drop the bitmap of stored release ids (after writing releases with hand-written SQL; rebuilt when needed).

        Needed: the releases have no primary key (schema 9), and a stale bitmap would let a release be stored twice.
        """
        self._known = None

    def refresh_rollups(self) -> None:
        """Recount ``daily_volume`` and ``releases.nuked``: after writing the store with hand-written SQL."""
        self._known = None
        rollup.rebuild(self.con)
        nuked.recompute_all(self.con)

    def update_parsed(self, ids: Sequence[int], parsed: dict[str, Any], parser_version: int) -> int:
        """Replace the parsed columns of existing releases (after a parser upgrade); return rows changed."""
        table = pa.table(
            {
                "id": pa.array(ids, pa.uint64()),
                **{
                    column: values.cast(kind) if isinstance(values, pa.Array) else pa.array(values, kind)
                    for column, kind in PARSED_COLUMNS.items()
                    for values in [parsed[column]]
                },
            }
        )
        assignments = ", ".join(
            f'{"grp" if c == "group" else c} = u."{c}"'
            if c != "air_date"
            else "air_date = TRY_CAST(u.air_date AS DATE)"
            for c in PARSED_COLUMNS
        )
        con = self.con
        con.register("reparsed", table)
        try:
            con.execute("BEGIN TRANSACTION").fetchall()
            # A new category moves a counted release from one roll-up row of its day to another.
            moved = con.execute(f"""
                SELECT CAST(pre_at AS DATE), coalesce(was, ''), coalesce(now, ''), coalesce(section, '') FROM (
                    SELECT r.pre_at, r.scene, r.section, r.category AS was, u.category AS now
                    FROM releases r JOIN reparsed u ON r.id = u.id
                ) WHERE was IS DISTINCT FROM now AND {rollup.COUNTED}
            """).fetchall()
            changed = con.execute(
                f"UPDATE releases SET {assignments}, parser_version = ? FROM reparsed u WHERE releases.id = u.id",
                [parser_version],
            ).fetchall()
            delta: Counter[tuple[Any, str, str]] = Counter()
            for day, was, now, section in moved:
                delta[(day, was, section)] -= 1
                delta[(day, now, section)] += 1
            rollup.apply(con, delta)
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
        finally:
            con.unregister("reparsed")
        return int(changed[0][0]) if changed else 0

    def add_gap(self, gap: Gap) -> None:
        """Record a period during which a source was not listening."""
        self.con.execute(
            "INSERT INTO gaps VALUES (?, ?, ?, ?)",
            [gap.source, _naive_utc(gap.start), _naive_utc(gap.end), gap.reason],
        )
