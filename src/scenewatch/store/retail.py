"""Retail dates in the store: which titles were looked up on a provider, and the dates found.

``retail_lookups`` keeps one row per (provider, kind, title key, year) looked up — found or not — so a pull that is
interrupted resumes where it stopped and never asks the provider twice; ``retail_dates`` keeps each found title's
dates by type and country with the provider's id and the time they were fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scenewatch.records import RetailDate

if TYPE_CHECKING:
    import pandas as pd

    from scenewatch.store.database import Database


def titles_to_look_up(db: Database, provider: str, kinds: Sequence[str], title_key_sql: str,
                      limit: int | None = None) -> pd.DataFrame:  # fmt: skip
    """Stored titles (kind, title key, year, a title as released, releases) not looked up on ``provider`` yet, the
    most released first. ``title_key_sql`` is the SQL expression of the title key over ``title``."""
    sql = f"""
        WITH titles AS (
            SELECT category AS kind, {title_key_sql} AS title_key, coalesce(year, 0) AS year, any_value(title) AS title,
                   count(*) AS releases
            FROM releases
            WHERE scene AND title IS NOT NULL AND list_contains(?, category)
            GROUP BY ALL
        )
        SELECT t.* FROM titles t
        ANTI JOIN retail_lookups l
            ON l.provider = ? AND l.kind = t.kind AND l.title_key = t.title_key AND l.year = t.year
        WHERE t.title_key <> ''
        ORDER BY t.releases DESC, t.kind, t.title_key, t.year
    """
    if limit:
        sql += f" LIMIT {int(limit)}"
    return db.query(sql, [list(kinds), provider])


def record_lookup(db: Database, provider: str, kind: str, title_key: str, year: int, ext_id: str | None,
                  ext_title: str | None, dates: Sequence[RetailDate]) -> None:  # fmt: skip
    """Store one lookup and the dates it found, in one transaction (``ext_id`` None: the provider has no match)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con = db.con
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT OR REPLACE INTO retail_lookups VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [provider, kind, title_key, year, ext_id, ext_title, "found" if ext_id else "not found", now],
        )
        for item in dates:
            con.execute(
                "INSERT OR REPLACE INTO retail_dates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item.provider, item.ext_id, kind, item.title, title_key, year, item.date_type, item.country,
                 item.day, now],
            )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def stored_retail(db: Database) -> pd.DataFrame:
    """The stored retail dates in the shape of a retail file: title, year, kind, date, country, date_type, key."""
    return db.query(
        """SELECT title, CASE WHEN year = 0 THEN NULL ELSE year END AS year, kind, retail_date AS date,
                  nullif(country, '') AS country, date_type, title_key AS key, provider, ext_id
           FROM retail_dates ORDER BY title_key, year, date_type, country"""
    )


def retail_counts(db: Database) -> dict[str, int]:
    """How many titles were looked up, found, and how many dates are stored."""
    row = db.con.execute(
        """SELECT (SELECT count(*) FROM retail_lookups), (SELECT count(*) FROM retail_lookups WHERE status = 'found'),
                  (SELECT count(*) FROM retail_dates)"""
    ).fetchall()[0]
    return {"looked_up": int(row[0]), "found": int(row[1]), "dates": int(row[2])}
