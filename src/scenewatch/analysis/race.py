"""The race to release first: per work and format class, who pre'd first, the runner-up and the gap.

A group's entry in a race is its earliest non-revision, non-INTERNAL release of the work in the format class
(see :mod:`scenewatch.analysis.works`; at the same second, the first by name); a race needs at least two groups.
Windows (``since``/``until``) cut on pre time, so a race straddling a window edge is seen only in part.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import parse_span, ts, with_warnings
from scenewatch.analysis.volume import counted_filter
from scenewatch.analysis.window_copy import sql_source
from scenewatch.analysis.works import keyed_sql
from scenewatch.store import Database

_PERIODS = ("week", "month", "quarter", "year")


RACE_HOURS = 24.0


def ranked_sql(where: str, within_hours: float = RACE_HOURS) -> str:
    """SQL of group entries per work and format, ranked by pre time.

    Columns: work, fmt, category, grp, entry_at, name, rk (1 = first), first_at (the work's first pre in this
    format), n_groups (groups in the race: entries within ``within_hours`` of the first), next_grp, next_at (the
    entry after this one, when it is within the race window of the first).
    """
    hours = float(within_hours)
    seconds = hours * 3600.0  # bound as a DOUBLE: a long decimal literal times 3600 overflows DECIMAL(18)
    return f"""
        WITH k AS ({keyed_sql(where)}),
        entries AS (
            SELECT work, fmt, any_value(category) AS category, grp, min(pre_at) AS entry_at,
                   arg_min(name, (pre_at, name)) AS name
            FROM k WHERE NOT revision AND NOT internal GROUP BY work, fmt, grp
        ),
        ranked AS (
            SELECT *, row_number() OVER w AS rk, min(entry_at) OVER (PARTITION BY work, fmt) AS first_at,
                   lead(grp) OVER w AS next_grp0, lead(entry_at) OVER w AS next_at0
            FROM entries WINDOW w AS (PARTITION BY work, fmt ORDER BY entry_at, grp)
        )
        SELECT * EXCLUDE (next_grp0, next_at0),
               sum(CASE WHEN epoch(entry_at - first_at) <= CAST({seconds!r} AS DOUBLE) THEN 1 ELSE 0 END)
                   OVER (PARTITION BY work, fmt) AS n_groups,
               CASE WHEN epoch(next_at0 - first_at) <= CAST({seconds!r} AS DOUBLE) THEN next_grp0 END AS next_grp,
               CASE WHEN epoch(next_at0 - first_at) <= CAST({seconds!r} AS DOUBLE) THEN next_at0 END AS next_at
        FROM ranked
    """


def race(
    db: Database, category: str | None = None, since: date | None = None, until: date | None = None,
    *, min_groups: int = 2, max_gap_hours: float | None = None, group: str | None = None,
    within_hours: float = RACE_HOURS,
) -> pd.DataFrame:  # fmt: skip
    """One row per race (work + format class with ``min_groups``+ groups), by the winner's pre time.

    Columns: work, format, category, winner, winner_at, winner_name, runner_up, runner_up_at, gap_hours, groups.
    A race is the groups whose entry came within ``within_hours`` of the first (later ones are dupes, see
    :mod:`scenewatch.analysis.dupes`). ``max_gap_hours`` keeps races whose runner-up came within that many hours;
    ``group`` those a group took part in.
    """
    where, params = counted_filter(category=category, since=since, until=until)
    extra, extra_params = "", []
    if max_gap_hours is not None:
        extra += " AND epoch(next_at - entry_at) <= ?"
        extra_params.append(float(max_gap_hours) * 3600)
    if group:
        extra += " AND (work, fmt) IN (SELECT (work, fmt) FROM r WHERE lower(grp) = lower(?))"
        extra_params.append(group)
    sql = f"""
        WITH r AS ({ranked_sql(where, within_hours)})
        SELECT work, fmt AS format, category, grp AS winner, entry_at AS winner_at, name AS winner_name,
               next_grp AS runner_up, next_at AS runner_up_at, epoch(next_at - entry_at) / 3600.0 AS gap_hours,
               n_groups AS groups
        FROM r WHERE rk = 1 AND n_groups >= ? {extra}
        ORDER BY winner_at, work, format
    """
    with sql_source(db, category=category, since=since, until=until) as source:
        frame = source.query(sql, [*params, int(min_groups), *extra_params])
    frame["groups"] = frame["groups"].astype("int64")
    return frame


def race_leaderboard(
    db: Database, by: str = "month", category: str | None = None, since: date | None = None,
    until: date | None = None, *, min_races: int = 1, limit: int | None = None, within_hours: float = RACE_HOURS,
) -> pd.DataFrame:  # fmt: skip
    """Per period, category and group: firsts, races entered and won, win rate, median lead, share of firsts.

    ``firsts`` counts every work+format the group pre'd first (raced or not); ``share_of_firsts`` is its share of
    all works first pre'd in that category and period; ``median_lead_hours`` is over the races it won. Periods are
    those of the work's first pre. Rows with fewer than ``min_races`` races entered are dropped.
    """
    if by not in _PERIODS:
        raise ValueError(f"by must be one of {', '.join(_PERIODS)}, not {by!r}")
    where, params = counted_filter(category=category, since=since, until=until)
    sql = f"""
        WITH r AS ({ranked_sql(where, within_hours)}),
        g AS (
            SELECT CAST(date_trunc('{by}', first_at) AS DATE) AS period, category, grp AS "group",
                   count(*) FILTER (WHERE rk = 1) AS firsts,
                   count(*) FILTER (WHERE n_groups >= 2) AS races,
                   count(*) FILTER (WHERE rk = 1 AND n_groups >= 2) AS wins,
                   median(epoch(next_at - entry_at) / 3600.0) FILTER (WHERE rk = 1 AND n_groups >= 2)
                       AS median_lead_hours
            FROM r GROUP BY ALL
        )
        SELECT *, wins / nullif(races, 0) AS win_rate,
               firsts / sum(firsts) OVER (PARTITION BY period, category) AS share_of_firsts
        FROM g WHERE races >= ?
        ORDER BY period, category, wins DESC, firsts DESC, "group"
    """
    with sql_source(db, category=category, since=since, until=until) as source:
        frame = source.query(sql, [*params, int(min_races)])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    for column in ("firsts", "races", "wins"):
        frame[column] = frame[column].astype("int64")
    if limit:
        frame = frame.groupby(["period", "category"], sort=False).head(limit).reset_index(drop=True)
    return frame


def race_shift(
    db: Database, event: date, before: str | timedelta = "8w", after: str | timedelta = "8w",
    *, min_releases: int = 5, top: int = 5, min_share: float = 0.02, min_firsts: int = 10,
    within_hours: float = RACE_HOURS,
) -> pd.DataFrame:  # fmt: skip
    """How the race changed after ``event``: in each category where groups that vanished at the event took at
    least ``min_share`` of first releases before, the vanished groups and the ``top`` groups by first releases after.

    Columns: category, group, vanished, firsts_before, share_before, firsts_after, share_after, share_change,
    median_lead_before_hours, median_lead_after_hours. attrs: ``vanished_groups``.
    """
    start, end = event - parse_span(before), event + parse_span(after)
    where, params = counted_filter(since=start, until=end - timedelta(days=1))
    vanished_sql = """
        SELECT grp FROM releases WHERE scene AND pre_at IS NOT NULL AND pre_at >= ? AND pre_at < ? AND grp IS NOT NULL
        GROUP BY grp HAVING count(*) FILTER (WHERE pre_at < ?) >= ? AND count(*) FILTER (WHERE pre_at >= ?) = 0
    """
    sql = f"""
        WITH r AS ({ranked_sql(where, within_hours)})
        SELECT category, grp AS "group", first_at < ? AS pre,
               count(*) FILTER (WHERE rk = 1) AS firsts,
               median(epoch(next_at - entry_at) / 3600.0) FILTER (WHERE rk = 1 AND n_groups >= 2) AS lead
        FROM r GROUP BY ALL
    """
    # Untitled releases too: a group vanishes by all its releases, not only those with a work key.
    with sql_source(db, since=start, until=end - timedelta(days=1), titled=False) as source:
        gone = source.query(vanished_sql, [ts(start), ts(end), ts(event), int(min_releases), ts(event)])
        per = source.query(sql, [*params, ts(event)])
    vanished = set(gone["grp"])
    columns = ["category", "group", "vanished", "firsts_before", "share_before", "firsts_after", "share_after",
               "share_change", "median_lead_before_hours", "median_lead_after_hours"]  # fmt: skip
    if per.empty:
        return with_warnings(pd.DataFrame(columns=columns), ["no releases with a work key in the window"])
    per["firsts"] = per["firsts"].astype("int64")
    wide = per.pivot_table(index=["category", "group"], columns="pre", values=["firsts", "lead"], aggfunc="first")
    out = pd.DataFrame({
        "firsts_before": wide.get(("firsts", True), pd.Series(dtype=float)),
        "firsts_after": wide.get(("firsts", False), pd.Series(dtype=float)),
        "median_lead_before_hours": wide.get(("lead", True), pd.Series(dtype=float)),
        "median_lead_after_hours": wide.get(("lead", False), pd.Series(dtype=float)),
    }, index=wide.index).reset_index()  # fmt: skip
    out[["firsts_before", "firsts_after"]] = out[["firsts_before", "firsts_after"]].fillna(0).astype("int64")
    totals = out.groupby("category")[["firsts_before", "firsts_after"]].transform("sum")
    out["share_before"] = out["firsts_before"] / totals["firsts_before"].where(totals["firsts_before"] > 0)
    out["share_after"] = out["firsts_after"] / totals["firsts_after"].where(totals["firsts_after"] > 0)
    out["share_change"] = out["share_after"].fillna(0) - out["share_before"].fillna(0)
    out["vanished"] = out["group"].isin(vanished)
    lost = out[out["vanished"]].groupby("category")["share_before"].sum()
    lost_n = out[out["vanished"]].groupby("category")["firsts_before"].sum()
    lost = lost[(lost >= min_share) & (lost_n.reindex(lost.index) >= min_firsts)]
    affected = lost.sort_values(ascending=False).index.tolist()
    parts = []
    for category in affected:
        part = out[out["category"] == category]
        gone = part[part["vanished"] & (part["firsts_before"] > 0)].sort_values("firsts_before", ascending=False)
        keep, rest = gone.head(top), gone.iloc[top:]
        if len(rest):
            keep = pd.concat([keep, pd.DataFrame([{
                "category": category, "group": f"({len(rest)} other vanished groups)", "vanished": True,
                "firsts_before": int(rest["firsts_before"].sum()), "share_before": float(rest["share_before"].sum()),
                "firsts_after": 0, "share_after": 0.0, "share_change": -float(rest["share_before"].sum()),
            }])])  # fmt: skip
        takers = part[~part["vanished"] & (part["firsts_after"] > 0)]
        takers = takers.sort_values(["firsts_after", "share_change"], ascending=False).head(top)
        parts.append(pd.concat([takers, keep]))
    frame = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    frame.attrs["vanished_groups"] = sorted(vanished)
    frame.attrs["vanished_share_before"] = {str(c): float(lost[c]) for c in affected}
    return frame
