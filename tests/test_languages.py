"""Language scenes: volume by language tag and event impact, on planted language responses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_race_support import RAID, planted
from typer.testing import CliRunner

from scenewatch.analysis.languages import (
    UNTAGGED,
    hardest_hit,
    language_impact,
    language_volume,
    region_of,
)
from scenewatch.cli import app as cli_app
from scenewatch.store import Database


@pytest.fixture(scope="module")
def impact_table():  # type: ignore[no-untyped-def]
    with planted().open() as db:
        return language_impact(db, RAID, min_releases=50)


def _planted_changes() -> dict[str, float]:
    return {d["language"]: d["planted_change"] for d in planted().truth["languages"]}


def test_planted_responses_recorded() -> None:
    langs = {d["tag"]: d for d in planted().truth["languages"]}
    for tag, factor in (("GERMAN", 0.15), ("FRENCH", 0.6), ("DUTCH", 1.6)):
        assert langs[tag]["response"] == factor and len(langs[tag]["groups"]) >= 3
    assert langs["GERMAN"]["planted_change"] < langs["FRENCH"]["planted_change"] < langs["DUTCH"]["planted_change"]


def test_language_impact_follows_planted_order(impact_table) -> None:  # type: ignore[no-untyped-def]
    planted_change = _planted_changes()
    table = impact_table.set_index("language")
    # The planted scenes: the estimate is close to the planted change and inside (or near) its interval.
    for lang in ("de", "fr", "nl", UNTAGGED):
        row = table.loc[lang]
        assert row["relative_change"] == pytest.approx(planted_change[lang], abs=0.2), lang
        assert row["ci_low"] - 0.1 <= planted_change[lang] <= row["ci_high"] + 0.1, lang
    assert table.loc["de", "relative_change"] < table.loc["fr", "relative_change"] < table.loc["nl", "relative_change"]
    # Every pair of scenes whose planted changes differ clearly is ordered as planted.
    scenes = [s for s in table.index if s in planted_change and s != "all"]
    for a in scenes:
        for b in scenes:
            if planted_change[a] < planted_change[b] - 0.35:
                assert table.loc[a, "relative_change"] < table.loc[b, "relative_change"], (a, b)


def test_hardest_hit_with_uncertainty(impact_table) -> None:  # type: ignore[no-untyped-def]
    scenes = impact_table[impact_table["language"] != "all"]
    assert list(scenes["rank"]) == sorted(scenes["rank"])
    assert (scenes["rank_low"] <= scenes["rank"]).all() and (scenes["rank"] <= scenes["rank_high"]).all()
    assert scenes["p_hardest"].sum() == pytest.approx(1.0)
    planted_change = _planted_changes()
    worst = min(planted_change[s] for s in scenes["language"] if s in planted_change)
    assert planted_change[hardest_hit(impact_table)] == pytest.approx(worst, abs=0.15)
    assert impact_table.iloc[-1]["language"] == "all"


def test_regions() -> None:
    assert region_of("da+fi+no+sv") == "northern" and region_of("pl") == "eastern" and region_of("de") == "western"
    assert region_of("de+pl") == "mixed" and region_of(UNTAGGED) == UNTAGGED and region_of("xx") == "other"
    with planted().open() as db:
        by_region = language_impact(db, RAID, by="region", min_releases=50)
        volume = language_volume(db, "month", "region")
    assert {"western", UNTAGGED, "all"} <= set(by_region["region"])
    shares = volume.groupby("period")["share"].sum()
    assert np.allclose(shares, 1.0)


def test_volume_counts_every_release() -> None:
    with planted().open() as db:
        volume = language_volume(db, "week")
        total = db.scalar("SELECT count(*) FROM releases WHERE scene AND pre_at IS NOT NULL")
    assert volume["count"].sum() == total
    assert UNTAGGED in set(volume["language"]) and "de" in set(volume["language"])


def test_cli_languages_json() -> None:
    app = cli_app
    db = str(planted().db_path)
    result = CliRunner().invoke(app, ["languages", "--db", db, "--event", "sparks", "--min-releases", "50", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"language", "relative_change", "ci_low", "ci_high", "rank_low", "rank_high", "p_hardest"} <= set(rows[0])
    result = CliRunner().invoke(app, ["languages", "--db", db, "--by", "region", "--period", "month", "--csv"])
    assert result.exit_code == 0 and result.output.startswith("period,region,count,share")
    result = CliRunner().invoke(app, ["languages", "--db", db, "--by", "country"])
    assert result.exit_code != 0


def test_empty_store() -> None:
    with Database() as db:
        assert language_volume(db).empty
        assert language_impact(db, RAID).empty
