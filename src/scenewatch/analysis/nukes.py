"""Nuke rates and reason classes per group or section.

A release counts as nuked when its latest nuke/unnuke/modnuke event is a nuke or modnuke (an unnuke clears it).
Reasons are sorted into classes by the first matching pattern of :data:`REASON_CLASSES` (a data table: add a line to
add a class); the classification runs in SQL with the patterns bound as parameters.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from scenewatch.analysis._common import gap_warnings, with_warnings
from scenewatch.analysis.volume import counted_filter
from scenewatch.store import Database

# (class, regular expression matched against the lower-cased reason); the first match wins.
REASON_CLASSES: tuple[tuple[str, str], ...] = (
    ("dupe", r"dupe|\bdup\b|selfdupe"),
    ("stolen", r"stolen|p2p|\bstole|pred\.without|rip\.from|\bsteal"),
    ("mislabeled", r"mislabel|mistag|wrong\.(tag|year|source|episode|title)|missing\.\w*\.?tag|invalid\.\w*\.?tag"),
    ("request", r"get\.(reqid|dirfix|nfofix|proper|repack|samplefix)|grp\.req|requested"),
    ("rules", r"rule|url|webshop|webstore|nfo|no\.sample|sample|proof"),
    ("bad", r"bad|broken|corrupt|crc|sync|transcode|upscale|upsampl|missing|incomplete|ivtc|interlace|aspect|"
            r"crop|bitrate|quality|higher|lower|encod|audio|video|stereo|mono|pack|invalid"),
)  # fmt: skip
_CLASSES = [name for name, _ in REASON_CLASSES] + ["other"]
_SPLIT = {"group": "grp", "section": "upper(section)", "category": "category"}


def classify_reason(reason: str | None) -> str:
    """The class of one nuke reason (same table as the SQL)."""
    text = (reason or "").lower()
    for name, pattern in REASON_CLASSES:
        if re.search(pattern, text):
            return name
    return "other"


def nukes(
    db: Database, by: str = "group", *, since: date | None = None, until: date | None = None, min_releases: int = 20,
    limit: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per group (or section/category): releases, nuked, nuke_rate, top_reason_class, count per reason class."""
    if by not in _SPLIT:
        raise ValueError(f"by must be one of {', '.join(_SPLIT)}, not {by!r}")
    where, params = counted_filter(since=since, until=until)
    case = " ".join("WHEN regexp_matches(lower(coalesce(reason, '')), ?) THEN ?" for _ in REASON_CLASSES)
    case_params = [v for name, pattern in REASON_CLASSES for v in (pattern, name)]
    sql = f"""
        WITH r AS (SELECT id, coalesce({_SPLIT[by]}, '(none)') AS k FROM releases WHERE {where}),
        last AS (
            SELECT release_id, arg_max(action, coalesce(nuked_at, TIMESTAMP '1970-01-01')) AS action,
                   arg_max(reason, coalesce(nuked_at, TIMESTAMP '1970-01-01')) AS reason
            FROM nukes WHERE action IN ('nuke', 'unnuke', 'modnuke') GROUP BY release_id
        ),
        nuked AS (
            SELECT release_id, CASE {case} ELSE 'other' END AS class FROM last WHERE action IN ('nuke', 'modnuke')
        )
        SELECT r.k AS key, count(*) AS releases, count(nuked.release_id) AS nuked, nuked.class AS class
        FROM r LEFT JOIN nuked ON nuked.release_id = r.id GROUP BY r.k, nuked.class
    """
    raw = db.query(sql, [*params, *case_params])  # the WHERE of `r` comes before the CASE
    label = by
    if raw.empty:
        return pd.DataFrame(columns=[label, "releases", "nuked", "nuke_rate", "top_reason_class", *_CLASSES])
    releases = raw.groupby("key")["releases"].sum()
    counts = raw.dropna(subset=["class"]).pivot_table(index="key", columns="class", values="nuked", aggfunc="sum")
    frame = pd.DataFrame({"releases": releases}).join(counts.reindex(columns=_CLASSES)).fillna(0)
    frame[_CLASSES] = frame[_CLASSES].astype("int64")
    frame["nuked"] = frame[_CLASSES].sum(axis=1)
    frame["nuke_rate"] = frame["nuked"] / frame["releases"]
    frame["top_reason_class"] = frame[_CLASSES].idxmax(axis=1).where(frame["nuked"] > 0)
    frame = frame[frame["releases"] >= min_releases].reset_index(names=label)
    frame = frame.sort_values(["nuke_rate", "releases"], ascending=False, ignore_index=True)
    frame = frame[[label, "releases", "nuked", "nuke_rate", "top_reason_class", *_CLASSES]]
    frame = frame.head(limit) if limit else frame
    warns = gap_warnings(db, since, until) if since and until else []
    return with_warnings(frame, warns)


def nuke_reasons(db: Database, *, limit: int = 30) -> pd.DataFrame:
    """The most frequent nuke reasons with their class: ``releases`` nuked for it, and ``nukes`` as announced.

    ``releases`` is the measure to read: the same nuke echoed by two channels (or seen by two feeds a few seconds
    apart) is two rows in ``nukes`` but one release.
    """
    frame = db.query(
        "SELECT reason, count(DISTINCT release_id) AS releases, count(*) AS nukes FROM nukes "
        "WHERE action IN ('nuke', 'modnuke') GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        [limit],
    )
    frame["class"] = [classify_reason(r) for r in frame["reason"]]
    return frame
