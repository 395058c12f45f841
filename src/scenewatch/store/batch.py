"""One write batch in the store's shape: built from records (or by a columnar source), prepared, then applied.

Preparing a batch (identities, sightings deduplicated, one row per release) needs nothing but the batch itself, so a
bulk ingest does it in its parse workers, each with its own in-memory DuckDB; applying it to the store (inserts,
merges, roll-ups, the commit) is the single writer's job: :meth:`scenewatch.store.Database.write_prepared`.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.columnar import ANNOUNCEMENT_SCHEMA

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


# The column a batch prepared without origins gives each sighting's row of the announcements in (with_origins).
ORIGIN_ROW = "origin_row"

# The name parser as the store calls it (names.parse_columns): names and sections in, columns of PARSED_COLUMNS out.
ParseColumns = Callable[[Sequence[str], Sequence[str | None]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch ready to apply: its sightings (one per id) and its releases (one per id, merged within the batch).

    ``table`` is the announcements as read (``scenewatch.columnar.ANNOUNCEMENT_SCHEMA``), when the writer keeps
    them for whoever publishes what was written (the web server's live feed); it never crosses to a worker.
    """

    announcements: int
    sightings: pa.Table
    releases: pa.Table
    table: pa.Table | None = None


def with_parsed(
    announcements: pa.Table,
    parsed: dict[str, Any] | None,
    parser_version: int | None,
    names: list[str] | None = None,
) -> pa.Table:
    """The staging table: announcements (``ANNOUNCEMENT_SCHEMA``) with their key and parsed columns.

    ``names`` is the name column as a list when the caller has it already (the parser needed it).
    """
    count = announcements.num_rows
    if names is None:
        names = announcements.column("name").to_pylist()
    columns: dict[str, Any] = {"key_name": pa.array([n.strip().lower() for n in names], pa.string())}
    for field in ANNOUNCEMENT_SCHEMA:
        if field.name != "announced_group":
            columns[field.name] = announcements.column(field.name)
    for column, kind in PARSED_COLUMNS.items():
        values = parsed[column] if parsed is not None else [None] * count
        columns[column] = values.cast(kind) if isinstance(values, pa.Array) else _array(values, kind)
    # A group announced by the source wins over the one read from the name (an empty one does not count).
    announced = announcements.column("announced_group")
    if announced.null_count < count:
        given = pc.fill_null(pc.not_equal(announced, ""), False)
        columns["group"] = pc.if_else(given, announced, columns["group"])
    columns["parser_version"] = pa.repeat(pa.scalar(parser_version, pa.int32()), count)
    return pa.table(columns)


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """``pa.array(values, kind)``; a list of lists is built from offsets and one flat array, four times as fast."""
    if pa.types.is_list(kind) and None not in values:
        lengths = np.fromiter(map(len, values), dtype=np.int32, count=len(values))
        offsets = np.zeros(len(values) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        flat = pa.array(list(itertools.chain.from_iterable(values)), kind.value_type)
        return pa.ListArray.from_arrays(pa.array(offsets), flat, type=kind)
    return pa.array(values, kind)


def _distinct(values: pa.ChunkedArray) -> int:
    return int(pc.count_distinct(values).as_py())


@functools.cache
def worker_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for preparing batches in a worker process (one thread: the process is the unit)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    con.execute("SET threads = 1").fetchall()
    return con


def prepare(con: duckdb.DuckDBPyConnection, incoming: pa.Table) -> PreparedBatch:
    """Compute the batch's identities, its distinct sightings and its releases merged within the batch.

    Pure: reads only ``incoming`` (a :func:`with_parsed` table), so any connection will do, in any process.
    """
    sightings, releases = _prepare(con, incoming, _RELEASES_ONCE, _RELEASES_MERGED)
    return PreparedBatch(incoming.num_rows, sightings, releases)


def prepare_parsing(
    con: duckdb.DuckDBPyConnection, announcements: pa.Table, parse: ParseColumns, parser_version: int | None
) -> PreparedBatch:
    """:func:`prepare` for announcements whose names are not parsed yet: each release is parsed once.

    Why: a release is often announced several times in a batch (other feeds, other days: 29% of the real nZEDb
    rows in batches of 50,000), and the parser is the largest cost of an ingest. A release's parsed fields come
    from its name and section as stored (the earliest name, the earliest known section); a group the source
    announced (the earliest) wins over the one read from the name. ``parse`` is ``names.parse_columns``.
    """
    staged = announcements.add_column(0, "key_name", key_names(announcements.column("name")))
    sightings, releases = _prepare(con, staged, _UNPARSED_ONCE, _UNPARSED_MERGED)
    parsed = parse(releases.column("name").to_pylist(), releases.column("section").to_pylist())
    count = releases.num_rows
    for column, kind in PARSED_COLUMNS.items():
        values = parsed[column]
        array = values.cast(kind) if isinstance(values, pa.Array) else _array(values, kind)
        if column == "group":
            announced = releases.column("announced_group")
            array = pc.if_else(pc.is_valid(announced), announced, array)
            column = "grp"
        elif column == "category":
            array = pc.fill_null(array, "other")
        elif column == "air_date":  # the cast the store has always made (SQL's TRY_CAST)
            con.register("air_dates", pa.table({"air_date": array}))
            try:
                array = con.sql("SELECT TRY_CAST(air_date AS DATE) FROM air_dates").to_arrow_table().column(0)
            finally:
                con.unregister("air_dates")
        releases = releases.append_column(column, array)
    releases = releases.drop_columns(["announced_group"])
    releases = releases.append_column("parser_version", pa.repeat(pa.scalar(parser_version, pa.int32()), count))
    return PreparedBatch(announcements.num_rows, sightings, releases)


def without_origins(announcements: pa.Table) -> pa.Table:
    """The announcements a parse worker needs: all but ``origin``, which :func:`with_origins` puts back.

    Why: the origin (a file's path, on every row) was a third of the bytes pickled to a worker and back.
    """
    return announcements.drop_columns(["origin"])


def with_origins(prepared: PreparedBatch, origins: pa.ChunkedArray | pa.Array) -> PreparedBatch:
    """A batch prepared from :func:`without_origins` announcements, with each sighting's origin (``origins``: the
    announcements' own column) in place of its row."""
    sightings = prepared.sightings
    if ORIGIN_ROW not in sightings.column_names:
        return prepared
    at = sightings.column_names.index(ORIGIN_ROW)
    origin = origins.take(sightings.column(at))
    return dataclasses.replace(prepared, sightings=sightings.set_column(at, "origin", origin))


# A name that str.strip() leaves as it is and whose lower() is ASCII's: printable ASCII at both ends.
_PLAIN_ASCII_NAME = r"(?s)^[!-~](?:.*[!-~])?$"


def key_names(names: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The key of each name (``database.key_name``: stripped and lower-cased), vectorised for plain ASCII names."""
    names = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    plain = pc.and_(pc.string_is_ascii(names), pc.match_substring_regex(names, _PLAIN_ASCII_NAME))
    keys = pc.ascii_lower(names)
    if pc.all(plain).as_py() is not False:
        return keys
    others = pc.invert(plain)
    fixed = pa.array([name.strip().lower() for name in names.filter(others).to_pylist()], pa.string())
    return pc.replace_with_mask(keys, others, fixed)


def _prepare(
    con: duckdb.DuckDBPyConnection, incoming: pa.Table, once_sql: str, merged_sql: str
) -> tuple[pa.Table, pa.Table]:
    """The distinct sightings and the releases of ``incoming`` (releases once in it by ``once_sql``, the others
    merged by ``merged_sql``)."""
    con.register("incoming", incoming)
    try:
        ids = con.sql(_IDS).to_arrow_table()
    finally:
        con.unregister("incoming")
    # Most releases and sightings occur once in a batch: those are projected as they are, and only the repeated
    # ones are merged (the same aggregates over the same rows in the same order, so the same result).
    count = incoming.num_rows
    repeated = _distinct(ids.column("id")) < count
    once = np.ones(count, dtype=bool)
    if repeated:
        _, first, counts = np.unique(ids.column("id").to_numpy(), return_index=True, return_counts=True)
        once[:] = False
        once[first[counts == 1]] = True
    staged = incoming.append_column("id", ids.column("id")).append_column("sighting_id", ids.column("sighting_id"))
    staged = staged.append_column("once", pa.array(once))
    # The input order breaks ties (a sighting in two files, two names of one release at the same moment): DuckDB's
    # DISTINCT ON and arg_min pick any row among equals when it runs on several threads.
    staged = staged.append_column("seq", pa.array(np.arange(count, dtype=np.int64)))
    distinct = _distinct(ids.column("sighting_id")) == count
    if not distinct:
        first_sighting = np.zeros(count, dtype=bool)
        first_sighting[np.unique(ids.column("sighting_id").to_numpy(), return_index=True)[1]] = True
        staged = staged.append_column("first_sighting", pa.array(first_sighting))
    con.register("staged", staged)
    try:
        sql = _SIGHTINGS if "origin" in incoming.column_names else _SIGHTING_ROWS
        sightings = con.sql(sql if distinct else sql + _FIRST_SIGHTING).to_arrow_table()
        query = once_sql + (" UNION ALL " + merged_sql if repeated else "")
        releases = con.sql(_STAGED + query).to_arrow_table()
    finally:
        con.unregister("staged")
    return sightings, releases


# Identities are MD5-based (stable across engines and versions); the unit separator keeps fields apart.
_IDS = """
SELECT
    md5_number_lower(key_name) AS id,
    md5_number_lower(concat_ws(chr(31), key_name, coalesce(feed, ''), coalesce(CAST(epoch_us(seen_at) AS VARCHAR), '')))
        AS sighting_id
FROM incoming
"""

# In the column order of the sightings table; without_origins' batches give each sighting's row instead of its origin.
_SIGHTING_COLUMNS = (
    "sighting_id AS id, id AS release_id, feed, CAST(seen_at AS TIMESTAMP) AS seen_at, time_trusted, section"
)
_SIGHTINGS = f"SELECT {_SIGHTING_COLUMNS}, origin FROM staged\n"
_SIGHTING_ROWS = f"SELECT {_SIGHTING_COLUMNS}, seq AS {ORIGIN_ROW} FROM staged\n"
_FIRST_SIGHTING = "WHERE first_sighting"  # the first row of each sighting

_STAGED = """
WITH s AS (
    SELECT * EXCLUDE (seen_at), CAST(seen_at AS TIMESTAMP) AS seen_at,
        CASE WHEN time_trusted AND scene THEN CAST(seen_at AS TIMESTAMP) END AS pre_at
    FROM staged
)
"""

# A release seen once in the batch: what the aggregates below make of a single row.
_RELEASES_ONCE = """
SELECT
    id, name, pre_at, seen_at AS first_seen_at, section, scene, size_mb, files, title, year, season, episode,
    TRY_CAST(air_date AS DATE) AS air_date, resolution, source, video_codec, audio_codec, language, "group" AS grp,
    coalesce(category, 'other') AS category, flags, service, platform, version, parser_version
FROM s WHERE once
"""

_RELEASES_MERGED = """
SELECT
    id,
    arg_min(name, (coalesce(seen_at, TIMESTAMP '9999-01-01'), seq)) AS name,
    min(pre_at) AS pre_at,
    min(seen_at) AS first_seen_at,
    arg_min(section, (coalesce(seen_at, TIMESTAMP '9999-01-01'), seq)) FILTER (WHERE section IS NOT NULL) AS section,
    bool_or(scene) AS scene,
    max(size_mb) AS size_mb,
    max(files) AS files,
    arg_min(title, seq) FILTER (WHERE title IS NOT NULL) AS title,
    arg_min(year, seq) FILTER (WHERE year IS NOT NULL) AS year,
    arg_min(season, seq) FILTER (WHERE season IS NOT NULL) AS season,
    arg_min(episode, seq) FILTER (WHERE episode IS NOT NULL) AS episode,
    arg_min(TRY_CAST(air_date AS DATE), seq) FILTER (WHERE TRY_CAST(air_date AS DATE) IS NOT NULL) AS air_date,
    arg_min(resolution, seq) FILTER (WHERE resolution IS NOT NULL) AS resolution,
    arg_min(source, seq) FILTER (WHERE source IS NOT NULL) AS source,
    arg_min(video_codec, seq) FILTER (WHERE video_codec IS NOT NULL) AS video_codec,
    arg_min(audio_codec, seq) FILTER (WHERE audio_codec IS NOT NULL) AS audio_codec,
    arg_min(language, seq) FILTER (WHERE language IS NOT NULL) AS language,
    arg_min("group", seq) FILTER (WHERE "group" IS NOT NULL) AS grp,
    coalesce(arg_min(category, seq) FILTER (WHERE category IS NOT NULL), 'other') AS category,
    arg_min(flags, seq) FILTER (WHERE flags IS NOT NULL) AS flags,
    arg_min(service, seq) FILTER (WHERE service IS NOT NULL) AS service,
    arg_min(platform, seq) FILTER (WHERE platform IS NOT NULL) AS platform,
    arg_min(version, seq) FILTER (WHERE version IS NOT NULL) AS version,
    arg_min(parser_version, seq) FILTER (WHERE parser_version IS NOT NULL) AS parser_version
FROM s WHERE NOT once
GROUP BY id
"""

# The releases of announcements not parsed yet (prepare_parsing): the merged columns, the name and section to parse,
# and the earliest group the source announced (an empty one does not count).
_UNPARSED_ONCE = """
SELECT id, name, pre_at, seen_at AS first_seen_at, section, scene, size_mb, files,
    nullif(announced_group, '') AS announced_group
FROM s WHERE once
"""
_UNPARSED_MERGED = """
SELECT
    id,
    arg_min(name, (coalesce(seen_at, TIMESTAMP '9999-01-01'), seq)) AS name,
    min(pre_at) AS pre_at,
    min(seen_at) AS first_seen_at,
    arg_min(section, (coalesce(seen_at, TIMESTAMP '9999-01-01'), seq)) FILTER (WHERE section IS NOT NULL) AS section,
    bool_or(scene) AS scene,
    max(size_mb) AS size_mb,
    max(files) AS files,
    arg_min(announced_group, (coalesce(seen_at, TIMESTAMP '9999-01-01'), seq)) FILTER (WHERE announced_group <> '')
        AS announced_group
FROM s WHERE NOT once
GROUP BY id
"""

# How a release seen again merges into the stored one (ingest batches and Parquet imports alike): each merged
# column's new value, from the stored row ``{old}`` and the incoming one ``{new}``.
MERGED_COLUMNS = {
    "pre_at": "least({old}.pre_at, {new}.pre_at)",
    "first_seen_at": "least({old}.first_seen_at, {new}.first_seen_at)",
    "section": "coalesce({old}.section, {new}.section)",
    "scene": "{old}.scene OR {new}.scene",
    "size_mb": "coalesce({old}.size_mb, {new}.size_mb)",
    "files": "coalesce({old}.files, {new}.files)",
}

# The same rules folded over many incoming rows of one release at once, ``seq`` giving their order: what merging
# them one by one into the stored row gives (a bulk load merges its deferred rows so, store.bulk).
MERGED_AGGREGATES = {
    "pre_at": "min(pre_at)",
    "first_seen_at": "min(first_seen_at)",
    "section": "arg_min(section, seq) FILTER (WHERE section IS NOT NULL)",
    "scene": "bool_or(scene)",
    "size_mb": "arg_min(size_mb, seq) FILTER (WHERE size_mb IS NOT NULL)",
    "files": "arg_min(files, seq) FILTER (WHERE files IS NOT NULL)",
}


def merged_assignments(old: str, new: str) -> str:
    """``column = <merged value>, …`` for an UPDATE or ON CONFLICT clause."""
    return ", ".join(f"{column} = {rule.format(old=old, new=new)}" for column, rule in MERGED_COLUMNS.items())


def merge_changes(old: str, new: str) -> str:
    """A condition true when merging ``new`` into ``old`` changes the stored row (NULL-safe)."""
    stored = ", ".join(f"{old}.{column}" for column in MERGED_COLUMNS)
    merged = ", ".join(rule.format(old=old, new=new) for rule in MERGED_COLUMNS.values())
    return f"({stored}) IS DISTINCT FROM ({merged})"


INSERT_NUKES = """
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
