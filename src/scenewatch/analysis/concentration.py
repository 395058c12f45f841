"""How concentrated release volume is among groups: top-k share and Herfindahl–Hirschman index.

Per period (week or month) and category: ``releases``, ``groups`` (distinct), ``top_k_share`` (share of the k
largest groups), ``hhi`` (sum of squared group shares, 0–1; 1/hhi is the "effective number of groups") and the
largest group with its share. Releases without a group are left out. Everything is aggregated in SQL.
On an Ibis backend (``db`` from :func:`scenewatch.store.backends.connect`) the engine counts releases per
(period, category, group) and DuckDB, in process, finishes that small table with the very same SQL.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from scenewatch.analysis._common import ALL, on_store, with_warnings
from scenewatch.analysis.volume import counted_filter
from scenewatch.store import Database

# From counts (p, c, grp, n) to the result rows; shared by the store and the backends.
_FINISH = f"""
    g AS (
        SELECT p, coalesce(c, '{ALL}') AS c, grp, sum(n) AS n FROM counts GROUP BY {{grouping}}
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


def concentration(
    db: Database, period: str = "month", *, top_k: int = 5, category: str | None = None,
    since: date | None = None, until: date | None = None, include_all: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Rows (period, category, releases, groups, top_k_share, hhi, effective_groups, top_group, top_group_share)."""
    if period not in ("week", "month"):
        raise ValueError(f"period must be week or month, not {period!r}")
    grouping = (
        "GROUPING SETS ((p, c, grp), (p, grp))" if include_all and not category else "GROUPING SETS ((p, c, grp))"
    )
    finish = _FINISH.format(grouping=grouping)
    if on_store(db):
        where, params = counted_filter(category=category, since=since, until=until)
        sql = f"""
            WITH counts AS (
                SELECT CAST(date_trunc('{period}', pre_at) AS DATE) AS p, coalesce(category, '(none)') AS c, grp,
                       count(*) AS n
                FROM releases WHERE {where} AND grp IS NOT NULL GROUP BY 1, 2, 3
            ),
            {finish}
        """
        frame = db.query(sql, [*params, top_k])
    else:
        from scenewatch.analysis import portable

        counts = portable.group_counts(db, period, category=category, since=since, until=until)
        with duckdb.connect() as local:  # the small table, finished in process by the same SQL
            local.register("counts", counts)
            frame = local.execute(f"WITH {finish}", [top_k]).df()
    if frame.empty:
        return with_warnings(frame, [])
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame["releases"] = frame["releases"].astype("int64")
    frame["effective_groups"] = 1 / frame["hhi"]
    frame.insert(4, "top_k", top_k)
    frame["_all"] = frame["category"] == ALL
    frame = frame.sort_values(["period", "_all", "releases"], ascending=[True, True, False]).drop(columns="_all")
    return with_warnings(frame.reset_index(drop=True), [])
