"""How concentrated release volume is among groups: top-k share and Herfindahl–Hirschman index.

Per period (week or month) and category: ``releases``, ``groups`` (distinct), ``top_k_share`` (share of the k
largest groups), ``hhi`` (sum of squared group shares, 0–1; 1/hhi is the "effective number of groups") and the
largest group with its share. Releases without a group are left out. Everything is aggregated in SQL.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scenewatch.analysis._common import ALL, with_warnings
from scenewatch.analysis.volume import counted_filter
from scenewatch.store import Database


def concentration(
    db: Database, period: str = "month", *, top_k: int = 5, category: str | None = None,
    since: date | None = None, until: date | None = None, include_all: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Rows (period, category, releases, groups, top_k_share, hhi, effective_groups, top_group, top_group_share)."""
    if period not in ("week", "month"):
        raise ValueError(f"period must be week or month, not {period!r}")
    where, params = counted_filter(category=category, since=since, until=until)
    grouping = (
        "GROUPING SETS ((p, c, grp), (p, grp))" if include_all and not category else "GROUPING SETS ((p, c, grp))"
    )
    sql = f"""
        WITH counts AS (
            SELECT CAST(date_trunc('{period}', pre_at) AS DATE) AS p, coalesce(category, '(none)') AS c, grp,
                   count(*) AS n
            FROM releases WHERE {where} AND grp IS NOT NULL GROUP BY 1, 2, 3
        ),
        g AS (
            SELECT p, coalesce(c, '{ALL}') AS c, grp, sum(n) AS n FROM counts GROUP BY {grouping}
        ),
        ranked AS (
            SELECT *, n / sum(n) OVER (PARTITION BY p, c) AS share,
                   row_number() OVER (PARTITION BY p, c ORDER BY n DESC, grp) AS rank
            FROM g
        )
        SELECT p AS period, c AS category, sum(n) AS releases, count(*) AS groups,
               sum(share) FILTER (WHERE rank <= ?) AS top_k_share, sum(share * share) AS hhi,
               arg_min(grp, rank) AS top_group, max(share) AS top_group_share
        FROM ranked GROUP BY 1, 2 ORDER BY 1, 2
    """
    frame = db.query(sql, [*params, top_k])
    if frame.empty:
        return with_warnings(frame, [])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["releases"] = frame["releases"].astype("int64")
    frame["effective_groups"] = 1 / frame["hhi"]
    frame.insert(4, "top_k", top_k)
    frame["_all"] = frame["category"] == ALL
    frame = frame.sort_values(["period", "_all", "releases"], ascending=[True, True, False]).drop(columns="_all")
    return with_warnings(frame.reset_index(drop=True), [])
