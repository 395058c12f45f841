"""Naive ISO times (``2020-08-19 10:00:00``) read as columns, in the zone the ingest rules give them.

The columnar counterpart of ``columns.parse_time`` for the times nZEDb and most CSV dumps write. The UTC offset of
each local hour is asked of the very ``ZoneInfo`` the row path uses, so the two agree by construction: an hour in which
the offset changes (a daylight-saving switch: the hour is repeated or missing) is left to the row path, as is
anything that is not exactly such a time, is no valid date or lies outside the plausible range.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.sources.columns import EARLIEST_PLAUSIBLE, LATEST_PLAUSIBLE
from scenewatch.sources.rules import IngestRules

_NAIVE_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$"
_WIDTH = 19  # len("2020-08-19 10:00:00")
_EPOCH = datetime(1970, 1, 1)
_PLAUSIBLE = (int(EARLIEST_PLAUSIBLE.timestamp()), int(LATEST_PLAUSIBLE.timestamp()))
_DAY = 86_400


def naive_iso_micros(column: pa.Array, rules: IngestRules) -> tuple[np.ndarray, np.ndarray]:
    """UTC microseconds of the naive ISO times in a string column (NaN elsewhere), and where they were read here."""
    count = len(column)
    micros = np.full(count, np.nan)
    matched = np.asarray(pc.fill_null(pc.match_substring_regex(column, _NAIVE_ISO), False), dtype=bool)
    rows = np.flatnonzero(matched)
    if not len(rows):
        return micros, matched
    picked = column.take(pa.array(rows))
    start = int(np.frombuffer(picked.buffers()[1], dtype=np.int32)[picked.offset])
    text = np.frombuffer(picked.buffers()[2], dtype=np.uint8)[start : start + _WIDTH * len(rows)]
    digits = text.reshape(len(rows), _WIDTH).astype(np.int64) - ord("0")

    def number(first: int, width: int) -> np.ndarray:
        value = np.zeros(len(rows), dtype=np.int64)
        for i in range(first, first + width):
            value = value * 10 + digits[:, i]
        return value

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (hour <= 23) & (minute <= 59) & (second <= 59) & (day >= 1)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0)
    first_day = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_first = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok &= day <= next_first - first_day
    days = first_day + day - 1
    offsets = _hour_offsets(np.where(ok, days * 24 + hour, 0), rules)  # seconds east of UTC; NaN: it changes
    ok &= ~np.isnan(offsets)
    utc = days * _DAY + hour * 3600 + minute * 60 + second - np.nan_to_num(offsets).astype(np.int64)
    ok &= (utc >= _PLAUSIBLE[0]) & (utc < _PLAUSIBLE[1])
    micros[rows[ok]] = utc[ok] * 1e6
    matched[rows[~ok]] = False
    return micros, matched


def _hour_offsets(hours: np.ndarray, rules: IngestRules) -> np.ndarray:
    """For each local hour (hours since 1970-01-01 00:00): its UTC offset in seconds, or NaN where the offset is not
    the same through the whole hour (a daylight-saving switch: the hour is missing or repeated)."""
    unique, inverse = np.unique(hours, return_inverse=True)
    offsets = np.empty(len(unique))
    for i, number in enumerate(unique.tolist()):
        try:
            start = _EPOCH + timedelta(hours=number)
        except OverflowError:
            offsets[i] = np.nan
            continue
        zone = rules.zone_on(start.date())
        ends = [moment.replace(tzinfo=zone, fold=fold)
                for moment in (start, start + timedelta(minutes=59, seconds=59)) for fold in (0, 1)]  # fmt: skip
        seen = {end.utcoffset() for end in ends}
        offset = seen.pop() if len(seen) == 1 else None
        offsets[i] = np.nan if offset is None else offset.total_seconds()
    return offsets[inverse]


__all__ = ["naive_iso_micros"]
