"""The group prior: learned from counts, an input of parse(), kept by the store at every write, shipped as a TSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenewatch import priors
from scenewatch.ingest import ingest_paths
from scenewatch.names import DEFAULT_PRIOR, NO_PRIOR, GroupPrior, parse, parse_columns, parse_many
from scenewatch.names._prior import dump_tsv, load_tsv
from scenewatch.reparse import reparse
from scenewatch.store import Database
from tests.helpers import run_cli

SILENT = "Some.Quiet.Title-ZQXGRP"  # no section, no technical token: only the group can tell


def test_verdicts_need_a_clear_majority():
    prior = GroupPrior.from_counts([("ZQXGRP", "game", 9), ("zqxgrp", "software", 1), ("MIXED", "tv", 5),
                                    ("mixed", "music", 5), ("2019", "music", 40)])  # fmt: skip
    assert prior["zqxgrp"] == "game" and prior["ZQXGRP"] == "game"  # case-insensitive, counts add up
    assert "mixed" not in prior  # 50/50: no verdict
    assert "2019" not in prior  # a year read as a group is no group
    assert GroupPrior.from_counts([("g", "game", 2)], min_releases=3).verdicts == {}


def test_the_prior_is_an_input_of_parse():
    prior = GroupPrior.from_counts([("zqxgrp", "game", 5)])
    assert parse(SILENT, prior=prior).category == "game"
    assert parse(SILENT, prior={"ZQXGRP": "ebook"}).category == "ebook"  # any mapping will do
    assert parse(SILENT, prior=NO_PRIOR).category == "other"
    assert [p.category for p in parse_many([SILENT], prior=prior)] == ["game"]
    assert parse_columns([SILENT], [None], prior)["category"] == ["game"]


def test_the_prior_speaks_only_when_the_name_is_weak():
    prior = {"zqxgrp": "game"}
    assert parse("Some.Film.2020.1080p.BluRay.x264-ZQXGRP", prior=prior).category == "movie"
    assert parse("Some.Show.S01E02.720p.HDTV.x264-ZQXGRP", prior=prior).category == "tv"
    assert parse("Some.Title.2020-ZQXGRP", prior=prior).category == "game"  # a year alone is weak
    assert parse(SILENT, "EBOOK", prior=prior).category == "ebook"  # a section that names one category wins
    assert parse(SILENT, "0DAY", prior=prior).category == "game"  # a mixed section does not
    # a video category never comes from the prior for a name without one video token
    assert parse(SILENT, prior={"zqxgrp": "tv"}).category == "other"


def test_tsv_round_trip_and_shipped_default():
    prior = GroupPrior.from_counts([("a", "game", 3), ("a", "music", 1), ("b", "ebook", 2)])
    again = load_tsv(dump_tsv(prior, ["provenance line"]))
    assert again.counts == prior.counts and again.verdicts == prior.verdicts
    shipped = Path(__file__).resolve().parents[1] / "src/scenewatch/names/data/group_prior.tsv"
    head = shipped.read_text(encoding="utf-8").splitlines()[:8]
    assert any("Rebuild" in line for line in head) and any("scenewatch prior" in line for line in head)
    assert len(DEFAULT_PRIOR) > 1000
    assert DEFAULT_PRIOR["CODEX"] == "game" and DEFAULT_PRIOR["BitBook"] == "ebook"


def _dump(path: Path, rows: list[tuple[str, str | None]], start: int = 1597831200) -> Path:
    path.write_text(
        "".join(json.dumps({"name": n, "pre_at": start + i, "section": s}) + "\n" for i, (n, s) in enumerate(rows))
    )
    return path


def test_the_store_learns_at_every_write_and_recounts_the_same(tmp_path: Path):
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [_dump(tmp_path / "a.ndjson", [(f"Title.{i}-ZQXGRP", "GAMES") for i in range(4)])])
        assert priors.store_prior(db)["zqxgrp"] == "game"
        ingest_paths(db, [_dump(tmp_path / "b.ndjson", [(f"Title.{i}-ZQXGRP", "EBOOK") for i in range(4, 12)],
                                start=1597931200)])  # fmt: skip
        learned = sorted(db.con.execute("SELECT grp, section, releases FROM group_prior").fetchall())
        assert learned == [("ZQXGRP", "EBOOK", 8), ("ZQXGRP", "GAMES", 4)]
        assert priors.store_prior(db)["zqxgrp"] == "ebook"  # 8 of 12: the majority moved
        db.refresh_rollups()  # a full recount gives what the writes kept
        assert sorted(db.con.execute("SELECT grp, section, releases FROM group_prior").fetchall()) == learned


def test_a_store_overrides_the_shipped_prior_and_reparse_applies_it(tmp_path: Path):
    rows = [(f"Title.{i}-CODEX", "EBOOK") for i in range(5)] + [("Silent.Title-CODEX", None)]
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [_dump(tmp_path / "a.ndjson", rows)])
        category = "SELECT category FROM releases WHERE name = 'Silent.Title-CODEX'"
        assert db.scalar(category) == "game"  # ingest parses with the shipped prior
        assert priors.effective_prior(db)["codex"] == "ebook"  # this store has seen CODEX release e-books
        assert "codex" in priors.changed_groups(db)
        assert reparse(db) == 0  # nothing is stale
        assert reparse(db, prior_changed=True) == 1  # the one CODEX release without a section that names one
        assert db.scalar(category) == "ebook"
    result = run_cli("prior", "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 0, result.stderr
    assert "ebook" in result.stdout and "moved_here" in result.stdout
    out = tmp_path / "prior.tsv"
    result = run_cli("prior", "--db", str(tmp_path / "s.duckdb"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert load_tsv(out.read_text())["codex"] == "ebook"


@pytest.mark.parametrize("batch_size", [2, 3])
def test_reparse_resumes_after_an_interruption(tmp_path: Path, batch_size: int):
    names = [f"Some.Show.S01E0{i}.720p.HDTV.x264-GRP" for i in range(1, 8)]
    with Database(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [_dump(tmp_path / "a.ndjson", [(n, None) for n in names])])
        db.con.execute("UPDATE releases SET parser_version = 1, category = 'other'").fetchall()

        def stop_after_first(done: int, total: int) -> None:
            if done >= batch_size:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            reparse(db, batch_size=batch_size, on_batch=stop_after_first)
        # the first batch committed; the rest is still stale and is all that a second run does
        assert db.scalar("SELECT count(*) FROM releases WHERE category = 'tv'") == batch_size
        assert reparse(db, batch_size=batch_size) == len(names) - batch_size
        assert db.scalar("SELECT count(*) FROM releases WHERE category = 'tv'") == len(names)
        assert reparse(db) == 0
