"""The embedded store: one DuckDB file, one writer, idempotent batch writes."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from scenewatch.records import Announcement, Gap, NukeEvent
from scenewatch.store import nuked, rollup
from scenewatch.store.schema import SCHEMA_VERSION, migrate

PARSED_COLUMNS: dict[str, pa.DataType] = {
    "title": pa.string(),
    "year": pa.int16(),
    "season": pa.int16(),
    "episode": pa.int16(),
    "air_date": pa.string(),
    "resolution": pa.string(),
    "source": pa.string(),
    "video_codec": pa.string(),
    "audio_codec": pa.string(),
    "language": pa.list_(pa.string()),
    "group": pa.string(),
    "category": pa.string(),
    "flags": pa.list_(pa.string()),
    "service": pa.string(),
    "platform": pa.string(),
    "version": pa.string(),
}


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
# Measured: DuckDB's primary-key (ART) indexes take ~35 bytes a key and stay in memory (1,253 MiB for 18.6 M
# releases + 18.6 M sightings); the cap must grow with them or a write into a large store runs out of memory.
INDEX_BYTES_PER_ROW = 48


def _memory_bytes(value: str) -> int:
    """Parse a size such as ``1GB`` or ``512MiB`` (SCENEWATCH_MEMORY_LIMIT) into bytes."""
    import re

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


class Database:
    """A scenewatch store in one DuckDB file (or ``:memory:``).

    DuckDB allows one writing process per file; a Database opened for writing is that process.
    """

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
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
        self.read_only = read_only
        if not read_only:
            # Checkpointing every 16 MiB of WAL (the default) costs a third of bulk-ingest time; a cap on
            # DuckDB's memory keeps a long ingest's footprint flat (its default is 80% of RAM, all kept as cache).
            self.con.execute("SET checkpoint_threshold = '256MB'").fetchall()
            self._working_memory = _memory_bytes(os.environ.get("SCENEWATCH_MEMORY_LIMIT", "1GB"))
            self._memory_limit = 0
            migrate(self.con)
            self.fit_memory()

    def fit_memory(self, extra_rows: int = 0, *, rows: int | None = None) -> None:
        """Cap DuckDB's memory at the working allowance plus what the primary-key indexes of the current rows need.

        The allowance is SCENEWATCH_MEMORY_LIMIT (default 1GB). Called after every write: the indexes grow with the
        store, and a cap that does not grow with them would make the next write fail. ``extra_rows`` makes room
        for rows about to arrive in one large statement (an import, a bulk copy); ``rows`` is the store's row count
        when the caller has just counted it.
        """
        if self.read_only:
            return
        if rows is None:
            rows = int(self.scalar(
                "SELECT (SELECT count(*) FROM releases) + (SELECT count(*) FROM sightings) "
                "+ (SELECT count(*) FROM nukes)"
            ))  # fmt: skip
        limit = self._working_memory + INDEX_BYTES_PER_ROW * (rows + extra_rows)
        # Re-set only when it moves by 64 MiB or more: the setting is cheap, but not free on every small batch.
        if abs(limit - self._memory_limit) >= 64 << 20:
            self.con.execute(f"SET memory_limit = '{limit // 2**20}MiB'").fetchall()
            self._memory_limit = limit

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
        table = _announcement_table(announcements, parsed, origin)
        if table.num_rows:
            table = table.append_column(
                "parser_version", pa.repeat(pa.scalar(parser_version, pa.int32()), table.num_rows)
            )
        progresses = [progress] if isinstance(progress, Progress) else list(progress or [])
        nuke_table = _nuke_table(nukes)
        con = self.con
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            before = self.count_releases()
            sightings_before = int(self.scalar("SELECT count(*) FROM sightings"))
            nukes_before = int(self.scalar("SELECT count(*) FROM nukes"))
            nuke_targets: set[int] = set()
            if nuke_table.num_rows:  # nukes first: releases created below are then stored with their nuke state
                con.register("incoming_nukes", nuke_table)
                con.execute(_INSERT_NUKES).fetchall()
                nuke_targets = {
                    int(row[0])
                    for row in con.execute("SELECT DISTINCT md5_number_lower(key_name) FROM incoming_nukes").fetchall()
                }
                con.unregister("incoming_nukes")
            created: list[int] = []
            if table.num_rows:
                con.register("incoming", table)
                con.execute(_STAGE).fetchall()
                con.execute(_INSERT_SIGHTINGS).fetchall()
                created = self._merge_releases()
                con.execute("DROP TABLE staged").fetchall()
                con.unregister("incoming")
            nuked.refresh(con, nuke_targets.difference(created))  # releases stored before that got nuke events
            for done in progresses:
                con.execute(
                    "INSERT OR REPLACE INTO ingest_progress VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                    [done.origin, done.fingerprint, done.records_done, done.complete],
                ).fetchall()
            releases_after = self.count_releases()
            sightings_after = int(self.scalar("SELECT count(*) FROM sightings"))
            nukes_after = int(self.scalar("SELECT count(*) FROM nukes"))
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
        self.fit_memory(rows=releases_after + sightings_after + nukes_after)
        inserted = releases_after - before
        sightings = sightings_after - sightings_before
        nukes_added = nukes_after - nukes_before
        # Every announcement that did not create a release was already present (in the store or the batch).
        return WriteResult(inserted, len(announcements) - inserted, sightings, nukes_added)

    def _merge_releases(self) -> list[int]:
        """Insert the staged batch's new releases and merge the ones already stored; keep ``daily_volume`` exact.

        Two statements instead of one upsert, because the roll-up needs to know which releases are new (their
        counts are added as they are) and which were updated (their roll-up rows, before and after, are compared).
        Return the ids of the releases created.
        """
        con = self.con
        con.execute(_BATCH_RELEASES).fetchall()
        try:
            nuked.mark_batch(con, "batch_releases")
            created = con.execute(
                "INSERT INTO releases BY NAME SELECT * FROM batch_releases ON CONFLICT DO NOTHING RETURNING id"
            ).fetchnumpy()["id"]
            batch = int(con.execute("SELECT count(*) FROM batch_releases").fetchall()[0][0])
            present: list[int] = []
            if len(created) == batch:  # the common case in a bulk ingest: every release is new
                rollup.add_created(con, "batch_releases")
            else:
                con.register("created_ids", pa.table({"id": pa.array(created, pa.uint64())}))
                try:
                    rollup.add_created(con, "(SELECT * FROM batch_releases SEMI JOIN created_ids USING (id))")
                    present = [int(row[0]) for row in con.execute(
                        "SELECT id FROM batch_releases ANTI JOIN created_ids USING (id)"
                    ).fetchall()]  # fmt: skip
                finally:
                    con.unregister("created_ids")
            if present:
                before = rollup.counted(con, present)
                con.register("present_ids", pa.table({"id": pa.array(present, pa.uint64())}))
                try:
                    con.execute(
                        "INSERT INTO releases BY NAME SELECT * FROM batch_releases SEMI JOIN present_ids USING (id) "
                        + MERGE_RELEASES
                    ).fetchall()
                finally:
                    con.unregister("present_ids")
                after = rollup.counted(con, present)
                after.subtract(before)
                rollup.apply(con, after)
        finally:
            con.execute("DROP TABLE batch_releases").fetchall()
        return [int(i) for i in created]

    def refresh_rollups(self) -> None:
        """Recount ``daily_volume`` and ``releases.nuked``: after writing the store with hand-written SQL."""
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


# Identities are MD5-based (stable across engines and versions); the unit separator keeps fields apart.
_STAGE = """
CREATE OR REPLACE TEMP TABLE staged AS
SELECT
    md5_number_lower(key_name) AS id,
    md5_number_lower(concat_ws(chr(31), key_name, coalesce(feed, ''), coalesce(CAST(epoch_us(seen_at) AS VARCHAR), '')))
        AS sighting_id,
    * EXCLUDE (seen_at), CAST(seen_at AS TIMESTAMP) AS seen_at,
    CASE WHEN time_trusted AND scene THEN CAST(seen_at AS TIMESTAMP) END AS pre_at
FROM incoming
"""

_INSERT_SIGHTINGS = """
INSERT INTO sightings
SELECT DISTINCT ON (sighting_id) sighting_id, id, feed, seen_at, time_trusted, section, origin
FROM staged
ON CONFLICT DO NOTHING
"""

_BATCH_RELEASES = """
CREATE OR REPLACE TEMP TABLE batch_releases AS
SELECT
    id,
    arg_min(name, coalesce(seen_at, TIMESTAMP '9999-01-01')) AS name,
    min(pre_at) AS pre_at,
    min(seen_at) AS first_seen_at,
    arg_min(section, coalesce(seen_at, TIMESTAMP '9999-01-01')) FILTER (WHERE section IS NOT NULL) AS section,
    bool_or(scene) AS scene,
    max(size_mb) AS size_mb,
    max(files) AS files,
    any_value(title) AS title, any_value(year) AS year, any_value(season) AS season,
    any_value(episode) AS episode, any_value(TRY_CAST(air_date AS DATE)) AS air_date,
    any_value(resolution) AS resolution, any_value(source) AS source,
    any_value(video_codec) AS video_codec, any_value(audio_codec) AS audio_codec,
    any_value(language) AS language, any_value("group") AS grp,
    coalesce(any_value(category) FILTER (WHERE category IS NOT NULL), 'other') AS category,
    any_value(flags) AS flags, any_value(service) AS service, any_value(platform) AS platform,
    any_value(version) AS version,
    any_value(parser_version) AS parser_version
FROM staged
GROUP BY id
"""

# How a release seen again merges into the stored one (ingest batches and Parquet imports alike).
MERGE_RELEASES = """
ON CONFLICT (id) DO UPDATE SET
    pre_at = least(releases.pre_at, excluded.pre_at),
    first_seen_at = least(releases.first_seen_at, excluded.first_seen_at),
    section = coalesce(releases.section, excluded.section),
    scene = releases.scene OR excluded.scene,
    size_mb = coalesce(releases.size_mb, excluded.size_mb),
    files = coalesce(releases.files, excluded.files)
"""


_INSERT_NUKES = """
INSERT INTO nukes
SELECT DISTINCT ON (id) * FROM (
    SELECT
        md5_number_lower(concat_ws(chr(31), key_name, action, coalesce(CAST(epoch_us(nuked_at) AS VARCHAR), ''),
                                   coalesce(reason, ''))) AS id,
        md5_number_lower(key_name) AS release_id,
        name, action, reason, network, CAST(nuked_at AS TIMESTAMP) AS nuked_at, feed
    FROM incoming_nukes
)
ON CONFLICT DO NOTHING
"""

_UTC_MICROS = pa.timestamp("us", tz="UTC")


def _announcement_table(
    announcements: Sequence[Announcement],
    parsed: dict[str, Any] | None,
    origin: str | Sequence[str | None] | None,
) -> pa.Table:
    count = len(announcements)
    columns: dict[str, pa.Array] = {
        "key_name": pa.array([a.name.strip().lower() for a in announcements], pa.string()),
        "name": pa.array([a.name for a in announcements], pa.string()),
        "seen_at": pa.array([a.pre_at for a in announcements], _UTC_MICROS),
        "time_trusted": pa.array([a.time_trusted for a in announcements], pa.bool_()),
        "scene": pa.array([a.scene for a in announcements], pa.bool_()),
        "section": pa.array([a.section for a in announcements], pa.string()),
        "size_mb": pa.array([a.size_mb for a in announcements], pa.float64()),
        "files": pa.array([a.files for a in announcements], pa.int32()),
        "feed": pa.array([a.feed for a in announcements], pa.string()),
        "origin": (
            pa.repeat(pa.scalar(origin, pa.string()), count)
            if origin is None or isinstance(origin, str)
            else pa.array(origin, pa.string())
        ),
    }
    for column, kind in PARSED_COLUMNS.items():
        values = parsed[column] if parsed is not None else [None] * count
        columns[column] = values.cast(kind) if isinstance(values, pa.Array) else pa.array(values, kind)
    # A group announced by the source wins over the one read from the name.
    announced_groups = [a.group for a in announcements]
    if any(announced_groups):
        parsed_groups = columns["group"].to_pylist()
        columns["group"] = pa.array([a or p for a, p in zip(announced_groups, parsed_groups, strict=True)], pa.string())
    return pa.table(columns)


def _nuke_table(nukes: Sequence[NukeEvent]) -> pa.Table:
    return pa.table(
        {
            "key_name": pa.array([n.name.strip().lower() for n in nukes], pa.string()),
            "name": pa.array([n.name for n in nukes], pa.string()),
            "action": pa.array([n.action.value for n in nukes], pa.string()),
            "reason": pa.array([n.reason for n in nukes], pa.string()),
            "network": pa.array([n.network for n in nukes], pa.string()),
            "nuked_at": pa.array([n.at for n in nukes], _UTC_MICROS),
            "feed": pa.array([n.feed for n in nukes], pa.string()),
        }
    )
