"""Result tables as JSON-ready rows: every dtype the analyses produce comes out as plain JSON values."""

from __future__ import annotations

from datetime import date

import numpy as np
import orjson
import pandas as pd

from scenewatch.output import rows


def test_rows_turn_every_dtype_into_plain_json_values() -> None:
    frame = pd.DataFrame({
        "day": [date(2020, 8, 19), date(2020, 8, 26), None],
        "at": [pd.Timestamp("2020-08-25 04:00"), pd.NaT, pd.Timestamp("2021-01-04")],
        "count": np.array([1944, 168, 0], dtype="int64"),
        "small": np.array([1, 2, 3], dtype="uint8"),
        "share": [0.5, np.nan, float("inf")],
        "nullable": pd.array([1, None, 3], dtype="Int64"),
        "text": ["SPARKS", None, np.nan],
        "sections": [["X264-HD", "TV-X265"], None, (np.int64(3),)],
        "flag": [True, False, True],
    })  # fmt: skip
    out = rows(frame)
    assert out == [
        {"day": "2020-08-19", "at": "2020-08-25T04:00:00", "count": 1944, "small": 1, "share": 0.5, "nullable": 1,
         "text": "SPARKS", "sections": ["X264-HD", "TV-X265"], "flag": True},
        {"day": "2020-08-26", "at": None, "count": 168, "small": 2, "share": None, "nullable": None, "text": None,
         "sections": None, "flag": False},
        {"day": None, "at": "2021-01-04T00:00:00", "count": 0, "small": 3, "share": float("inf"), "nullable": 3,
         "text": None, "sections": [3], "flag": True},
    ]  # fmt: skip
    assert all(type(r["count"]) is int and type(r["small"]) is int and type(r["flag"]) is bool for r in out)
    orjson.dumps(out[:2])  # plain Python values only


def test_rows_of_empty_frames() -> None:
    assert rows(pd.DataFrame()) == []
    assert rows(pd.DataFrame(index=[0, 1])) == [{}, {}]
    assert rows(pd.DataFrame({"a": pd.Series([], dtype="float64")})) == []
