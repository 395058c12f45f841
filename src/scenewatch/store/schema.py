"""The store's schema as an ordered list of migrations; the position in the list is the version."""

from __future__ import annotations

import logging

import duckdb

log = logging.getLogger("scenewatch.store")

# Never edit a migration that has shipped: append a new one.
MIGRATIONS: list[str] = [
    # 1: releases deduplicated by a stable 64-bit hash of the lower-cased name; all times are UTC.
    """
    CREATE TABLE releases (
        id UBIGINT PRIMARY KEY,
        name VARCHAR NOT NULL,
        pre_at TIMESTAMP,
        first_seen_at TIMESTAMP,
        section VARCHAR,
        scene BOOLEAN NOT NULL,
        size_mb DOUBLE,
        files INTEGER,
        title VARCHAR,
        year SMALLINT,
        season SMALLINT,
        episode SMALLINT,
        air_date DATE,
        resolution VARCHAR,
        source VARCHAR,
        video_codec VARCHAR,
        audio_codec VARCHAR,
        language VARCHAR[],
        grp VARCHAR,
        category VARCHAR,
        flags VARCHAR[],
        service VARCHAR,
        platform VARCHAR,
        version VARCHAR
    );
    CREATE TABLE sightings (
        id UBIGINT PRIMARY KEY,
        release_id UBIGINT NOT NULL,
        feed VARCHAR,
        seen_at TIMESTAMP,
        time_trusted BOOLEAN NOT NULL,
        section VARCHAR,
        origin VARCHAR
    );
    CREATE TABLE nukes (
        id UBIGINT PRIMARY KEY,
        release_id UBIGINT NOT NULL,
        name VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        reason VARCHAR,
        network VARCHAR,
        nuked_at TIMESTAMP,
        feed VARCHAR
    );
    CREATE TABLE ingest_progress (
        origin VARCHAR PRIMARY KEY,
        fingerprint VARCHAR NOT NULL,
        records_done BIGINT NOT NULL,
        complete BOOLEAN NOT NULL,
        updated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE gaps (
        source VARCHAR NOT NULL,
        start_at TIMESTAMP NOT NULL,
        end_at TIMESTAMP NOT NULL,
        reason VARCHAR
    );
    CREATE TABLE events (
        name VARCHAR PRIMARY KEY,
        day DATE NOT NULL,
        description VARCHAR,
        sources VARCHAR[]
    );
    """,
    # 2: which parser version filled the parsed columns, so `reparse` knows what is stale.
    """
    ALTER TABLE releases ADD COLUMN parser_version INTEGER;
    """,
    # 3: live listeners: per-source cursor, heartbeat and open outage (crash-safe gaps), and uptime sessions.
    """
    CREATE TABLE live_state (
        source VARCHAR PRIMARY KEY,
        cursor VARCHAR,
        cursor_at TIMESTAMP,
        heartbeat_at TIMESTAMP,
        up_since TIMESTAMP,
        down_since TIMESTAMP,
        down_reason VARCHAR,
        clean_stop BOOLEAN NOT NULL DEFAULT false,
        updated_at TIMESTAMP
    );
    CREATE TABLE live_uptime (
        source VARCHAR NOT NULL,
        start_at TIMESTAMP NOT NULL,
        end_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, start_at)
    );
    """,
    # 4: counted releases per UTC day, category and section (scenewatch.store.rollup keeps it exact on every write).
    """
    CREATE TABLE daily_volume (
        day DATE NOT NULL,
        category VARCHAR NOT NULL,
        section VARCHAR NOT NULL,
        releases BIGINT NOT NULL,
        PRIMARY KEY (day, category, section)
    );
    INSERT INTO daily_volume
    SELECT CAST(pre_at AS DATE), coalesce(category, ''), coalesce(section, ''), count(*)
    FROM releases WHERE scene AND pre_at IS NOT NULL
    GROUP BY ALL ORDER BY 1;
    """,
    # 5: whether each release is nuked now (scenewatch.store.nuked keeps it exact on every write).
    """
    ALTER TABLE releases ADD COLUMN nuked BOOLEAN DEFAULT false;
    UPDATE releases SET nuked = true WHERE id IN (
        SELECT release_id FROM (
            SELECT * FROM nukes WHERE action IN ('nuke', 'modnuke', 'unnuke')
            QUALIFY row_number() OVER (PARTITION BY release_id ORDER BY nuked_at IS NOT NULL DESC, nuked_at DESC,
                CASE action WHEN 'nuke' THEN 0 WHEN 'modnuke' THEN 1 WHEN 'unnuke' THEN 2 END DESC, id DESC) = 1
        ) WHERE action IN ('nuke', 'modnuke')
    );
    """,
    # 6: sightings without a primary-key index. The index held ~36 bytes a sighting in memory (1 GiB at 30M rows)
    # only to deduplicate; store.apply now finds repeated sightings by a scan narrowed to the batch's seen_at range.
    """
    CREATE TABLE sightings_v6 (
        id UBIGINT NOT NULL,
        release_id UBIGINT NOT NULL,
        feed VARCHAR,
        seen_at TIMESTAMP,
        time_trusted BOOLEAN NOT NULL,
        section VARCHAR,
        origin VARCHAR
    );
    INSERT INTO sightings_v6 SELECT * FROM sightings;
    DROP TABLE sightings;
    ALTER TABLE sightings_v6 RENAME TO sightings;
    """,
    # 7: retail dates looked up on a provider (xREL): one row per title looked up (found or not, so a pull resumes
    # and never asks twice), and the dates of each title found, by type and country, with the provider's ids.
    """
    CREATE TABLE retail_lookups (
        provider VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        title_key VARCHAR NOT NULL,
        year SMALLINT NOT NULL,
        ext_id VARCHAR,
        ext_title VARCHAR,
        status VARCHAR NOT NULL,
        fetched_at TIMESTAMP NOT NULL,
        PRIMARY KEY (provider, kind, title_key, year)
    );
    CREATE TABLE retail_dates (
        provider VARCHAR NOT NULL,
        ext_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        title_key VARCHAR NOT NULL,
        year SMALLINT NOT NULL,
        date_type VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        retail_date DATE NOT NULL,
        fetched_at TIMESTAMP NOT NULL,
        PRIMARY KEY (provider, ext_id, title_key, year, date_type, country)
    );
    """,
    # 8: releases per group and section, what the parser's group prior learns from (scenewatch.store.group_prior).
    """
    CREATE TABLE group_prior (
        grp VARCHAR NOT NULL,
        section VARCHAR NOT NULL,
        releases BIGINT NOT NULL,
        PRIMARY KEY (grp, section)
    );
    INSERT INTO group_prior
    SELECT grp, section, count(*) FROM releases
    WHERE grp IS NOT NULL AND section IS NOT NULL AND grp <> '' AND section <> ''
    GROUP BY ALL;
    """,
    # 9: releases without a primary-key index. The index (an ART of random MD5 keys) was most of the store's file
    # (2.3 of 2.6 GB for 30M ids) and of an ingest's memory (~1.1 GiB at 30M, all of it touched by every batch),
    # and a write of 200,000 new releases into 30M took 0.39 s with it against 0.03 s without. The writer keeps ids
    # unique itself (store.apply, store.bulk); a look-up by id is a hash join, ~0.1 s at 30M on one thread.
    """
    CREATE TABLE releases_v9 (
        id UBIGINT NOT NULL,
        name VARCHAR NOT NULL,
        pre_at TIMESTAMP,
        first_seen_at TIMESTAMP,
        section VARCHAR,
        scene BOOLEAN NOT NULL,
        size_mb DOUBLE,
        files INTEGER,
        title VARCHAR,
        year SMALLINT,
        season SMALLINT,
        episode SMALLINT,
        air_date DATE,
        resolution VARCHAR,
        source VARCHAR,
        video_codec VARCHAR,
        audio_codec VARCHAR,
        language VARCHAR[],
        grp VARCHAR,
        category VARCHAR,
        flags VARCHAR[],
        service VARCHAR,
        platform VARCHAR,
        version VARCHAR,
        parser_version INTEGER,
        nuked BOOLEAN DEFAULT false
    );
    INSERT INTO releases_v9 SELECT * FROM releases;
    DROP TABLE releases;
    ALTER TABLE releases_v9 RENAME TO releases;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the database (0 for an empty one)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()
    if not exists or not exists[0][0]:
        return 0
    rows = con.execute("SELECT max(version) FROM schema_version").fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration the database lacks, each in its own transaction; return the new version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)").fetchall()
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {version} is newer than this scenewatch ({SCHEMA_VERSION}): upgrade scenewatch"
        )
    if 0 < version < SCHEMA_VERSION:
        # Shown on stderr by logging's last-resort handler when nothing else is set up: an upgrade may copy a table
        # (migration 9 copies the releases: 28 s for 31M), and a command that sits silent looks hung.
        rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
        where = rows[0][0] if rows and rows[0][0] else "the store"
        log.warning(
            "%s: upgrading from schema %d to %d (once; a large store takes a while)", where, version, SCHEMA_VERSION
        )
    for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            con.execute(sql).fetchall()
            con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [number]).fetchall()
            con.execute("COMMIT").fetchall()
        except Exception:
            con.execute("ROLLBACK").fetchall()
            raise
    return SCHEMA_VERSION
