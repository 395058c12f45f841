"""Tests for scenewatch.simulate: determinism, ordering, planted raid/outage truth, formats."""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    import scenewatch  # noqa: F401
except ImportError:  # running from a checkout without an editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scenewatch.simulate import (
    DEFAULT_RAID_GROUPS,
    PlantedEvent,
    SimRow,
    SimulationConfig,
    run_cli,
    simulate,
    truth,
    write,
)

RAID = date(2020, 8, 25)
RAID_TS = int(datetime(2020, 8, 25, tzinfo=UTC).timestamp())
OUTAGE_START = int(datetime(2020, 7, 15, tzinfo=UTC).timestamp())
OUTAGE_END = OUTAGE_START + 36 * 3600


def small_config(**kw: object) -> SimulationConfig:
    """A few months at small scale with a raid and an outage."""
    base: dict[str, object] = dict(
        start=date(2020, 7, 1),
        end=date(2020, 10, 15),
        seed=7,
        scale=0.15,
        n_groups=120,
        events=(PlantedEvent.parse("2020-08-25:raid"), PlantedEvent.parse("2020-07-15:outage:36h")),
    )
    base.update(kw)
    return SimulationConfig(**base)  # type: ignore[arg-type]


def read_ndjson(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        return [orjson.loads(line) for line in fh]


def row_time(r: dict) -> int:
    return r["pre_at"] if "pre_at" in r else r["at"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], dict]:
    path = tmp_path_factory.mktemp("sim") / "out.ndjson"
    summary = write(small_config(), path)
    rows = read_ndjson(path)
    assert summary.rows == len(rows)
    assert summary.truth_path == path.with_name("out.ndjson.truth.json")
    return path, rows, orjson.loads(summary.truth_path.read_bytes())


def test_deterministic_and_seed_sensitive(tmp_path: Path) -> None:
    cfg = small_config(end=date(2020, 7, 20))
    a, b, c = tmp_path / "a.ndjson.gz", tmp_path / "b.ndjson.gz", tmp_path / "c.ndjson.gz"
    write(cfg, a)
    write(cfg, b)
    write(small_config(end=date(2020, 7, 20), seed=8), c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    truth_a, truth_b = tmp_path / "a.ndjson.gz.truth.json", tmp_path / "b.ndjson.gz.truth.json"
    assert truth_a.read_bytes() == truth_b.read_bytes()
    rows = list(simulate(cfg))
    assert all(isinstance(r, SimRow) for r in rows[:10])
    assert len(rows) == len(read_ndjson(a))


def test_time_order_and_record_shape(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, _ = sim
    times = [row_time(r) for r in rows]
    assert times == sorted(times)
    start = int(datetime(2020, 7, 1, tzinfo=UTC).timestamp())
    end = int(datetime(2020, 10, 16, tzinfo=UTC).timestamp())
    assert start <= times[0] and times[-1] < end
    rel = [r for r in rows if "pre_at" in r]
    assert set(rel[0]) == {"name", "pre_at", "section", "group", "size_mb", "files"}
    for r in rel[:2000]:
        assert r["name"].endswith("-" + r["group"])
        assert isinstance(r["size_mb"], float) and r["size_mb"] > 0
        assert isinstance(r["files"], int) and r["files"] >= 1
    sections = Counter(r["section"] for r in rel)
    assert {"X264-HD", "TV-X264", "MP3", "XXX", "0DAY", "EBOOK", "FLAC", "MVID", "GAMES"} <= set(sections)


def test_nukes_refer_to_earlier_releases(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, _ = sim
    seen: dict[str, int] = {}
    actions: Counter[str] = Counter()
    for r in rows:
        if "pre_at" in r:
            seen.setdefault(r["name"], r["pre_at"])
            continue
        assert set(r) == {"action", "name", "at", "reason", "network"}
        assert r["name"] in seen and seen[r["name"]] < r["at"]
        assert r["reason"]
        actions[r["action"]] += 1
    releases = sum(1 for r in rows if "pre_at" in r)
    assert 0.03 <= actions["nuke"] / releases <= 0.06
    assert actions["unnuke"] > 0 and actions["modnuke"] > 0
    assert any(r.get("network") for r in rows if "action" in r)


def test_raid_affiliated_groups_vanish(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, tr = sim
    raid = tr["raids"][0]
    affiliated = set(raid["affiliated_groups"])
    assert set(DEFAULT_RAID_GROUPS) <= affiliated
    assert len(affiliated) > len(DEFAULT_RAID_GROUPS)
    before = Counter(r["group"] for r in rows if "pre_at" in r and r["pre_at"] < RAID_TS)
    after = Counter(r["group"] for r in rows if "pre_at" in r and r["pre_at"] >= RAID_TS)
    assert all(before[g] > 0 for g in DEFAULT_RAID_GROUPS)
    assert not affiliated & set(after)


def test_weekly_drop_after_raid(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, tr = sim
    week = 7 * 86400
    rel = [r["pre_at"] for r in rows if "pre_at" in r]
    before = sum(RAID_TS - week <= t < RAID_TS for t in rel)
    after = sum(RAID_TS <= t < RAID_TS + week for t in rel)
    after2 = sum(RAID_TS + week <= t < RAID_TS + 2 * week for t in rel)
    assert after < 0.45 * before
    assert after < after2 < 0.6 * before
    weeks = tr["raids"][0]["weeks"]
    assert weeks["week_before"]["simulated"]["total"] == before
    assert weeks["week_after"]["simulated"]["total"] == after
    exp = weeks["week_after"]["expected"]["total"] / weeks["week_before"]["expected"]["total"]
    assert 0.2 < exp < 0.4
    drop = tr["raids"][0]["expected_drop_week_after"]
    assert drop["games"] > 0.9 and drop["ebook"] > 0.9


def test_weekend_quieter_than_weekdays(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, _ = sim
    days: Counter[date] = Counter()
    for r in rows:
        if "pre_at" not in r:
            continue
        d = datetime.fromtimestamp(r["pre_at"], UTC).date()
        if date(2020, 7, 20) <= d < date(2020, 8, 24):  # calm period: after the outage, before the raid
            days[d] += 1
    weekday = [n for d, n in days.items() if d.weekday() < 5]
    weekend = [n for d, n in days.items() if d.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.92 * sum(weekday) / len(weekday)


def test_outage_window_is_empty(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, tr = sim
    assert not [r for r in rows if OUTAGE_START <= row_time(r) < OUTAGE_END]
    assert any(OUTAGE_START - 3600 <= row_time(r) < OUTAGE_START for r in rows)
    assert any(OUTAGE_END <= row_time(r) < OUTAGE_END + 3600 for r in rows)
    assert tr["outages"] == [
        {"start": "2020-07-15T00:00:00Z", "end": "2020-07-16T12:00:00Z",
         "start_ts": OUTAGE_START, "end_ts": OUTAGE_END}
    ]  # fmt: skip


def test_truth_sidecar(sim: tuple[Path, list[dict], dict]) -> None:
    _, rows, tr = sim
    assert tr["seed"] == 7 and tr["config"]["scale"] == 0.15
    assert [e["kind"] for e in tr["events"]] == ["outage", "raid"]
    raid = tr["raids"][0]
    assert raid["day"] == "2020-08-25" and raid["stop_at"] == "2020-08-25T00:00:00Z"
    assert 0.3 <= raid["pause_fraction"] <= 0.6
    assert raid["paused_groups"]
    paused = {p["group"] for p in raid["paused_groups"]}
    assert not paused & set(raid["affiliated_groups"])
    for p in raid["paused_groups"]:
        assert raid["stop_at"] <= p["pause_start"] < p["resume_start"] < p["full_recovery"]
    # A paused group is silent between its pause start and resume.
    p = raid["paused_groups"][0]
    lo = datetime.fromisoformat(p["pause_start"]).timestamp()
    hi = datetime.fromisoformat(p["resume_start"]).timestamp()
    assert not [r for r in rows if r.get("group") == p["group"] and lo <= r["pre_at"] < hi]
    assert tr["simulated"]["release"] == sum(1 for r in rows if "pre_at" in r)
    assert len(tr["groups"]) == 120
    assert sum(w["simulated"] for w in tr["weekly"]) <= tr["simulated"]["release"]
    # truth() without rows agrees with the sidecar's expected counts
    fresh = truth(small_config())["raids"][0]["weeks"]["week_after"]["expected"]
    assert fresh == raid["weeks"]["week_after"]["expected"]


def test_csv_and_ndjson_agree(tmp_path: Path) -> None:
    cfg = small_config(end=date(2020, 7, 25))
    nd = write(cfg, tmp_path / "x.jsonl")
    cs = write(cfg, tmp_path / "x.csv.gz")
    assert cs.format == "csv.gz" and nd.format == "ndjson"
    with gzip.open(tmp_path / "x.csv.gz", "rt", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["name", "pre_at", "section", "group", "size_mb", "files", "action", "at",
                             "reason", "network"]  # fmt: skip
    js = read_ndjson(tmp_path / "x.jsonl")
    assert len(rows) == len(js) == nd.rows == cs.rows
    for c, j in zip(rows, js, strict=True):
        assert c["name"] == j["name"]
        if "pre_at" in j:
            assert c["action"] == "" and int(c["pre_at"]) == j["pre_at"] and c["group"] == j["group"]
            assert float(c["size_mb"]) == j["size_mb"] and int(c["files"]) == j["files"]
        else:
            assert c["pre_at"] == "" and c["action"] == j["action"] and int(c["at"]) == j["at"]
            assert c["network"] == (j["network"] or "")


def test_event_parsing() -> None:
    e = PlantedEvent.parse("2020-03-10:outage:36h")
    assert e.kind == "outage" and e.duration is not None and e.duration.total_seconds() == 36 * 3600
    r = PlantedEvent.parse("2020-08-25:raid:groups=SPARKS+GECKOS:extra=5:pause=0.4")
    assert r.groups == ("SPARKS", "GECKOS") and r.extra_affiliated == 5 and r.pause_fraction == 0.4
    assert PlantedEvent.parse("2020-08-25").kind == "raid"
    for bad in ("2020-13-01:raid", "2020-08-25:flood", "2020-03-10:outage:36x", "2020-08-25:raid:foo=1"):
        with pytest.raises(ValueError):
            PlantedEvent.parse(bad)


def test_run_cli_and_format_detection(tmp_path: Path) -> None:
    s = run_cli(tmp_path / "o.dump", "2020-08-20", "2020-08-31", 3, 0.05, ["2020-08-25:raid"], "csv")
    assert s.format == "csv" and s.releases > 0 and s.truth_path.exists()
    assert f"{s.releases:,} releases" in str(s)
    custom = run_cli(tmp_path / "c.ndjson", "2020-08-20", "2020-08-31", 3, 0.05,
                     ["2020-08-25:raid:groups=FOO+BAR:extra=0:pause=0"], None)  # fmt: skip
    tr = orjson.loads(custom.truth_path.read_bytes())["raids"][0]
    assert tr["affiliated_groups"] == ["FOO", "BAR"] and tr["paused_groups"] == []
    with pytest.raises(ValueError):
        write(small_config(end=date(2020, 7, 2)), tmp_path / "o.txt")


def test_names_parse_with_group() -> None:
    from scenewatch.names import parse

    rows = [r for r in simulate(small_config(end=date(2020, 7, 3))) if r.kind == "release"]
    assert rows
    ok = sum(parse(r.name, r.section).group == r.group for r in rows)
    assert ok / len(rows) > 0.99


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), raid_offset=st.integers(-3, 12), n_groups=st.integers(30, 200))
def test_invariants_hold_for_any_seed(seed: int, raid_offset: int, n_groups: int) -> None:
    start = date(2020, 3, 1)
    raid = date.fromordinal(start.toordinal() + raid_offset)
    cfg = SimulationConfig(start=start, end=date(2020, 3, 10), seed=seed, scale=0.05, n_groups=n_groups,
                           events=(PlantedEvent(raid),))  # fmt: skip
    seen: set[str] = set()
    last = 0
    gone = set(truth(cfg)["raids"][0]["affiliated_groups"])
    raid_ts = int(datetime(raid.year, raid.month, raid.day, tzinfo=UTC).timestamp())
    for row in simulate(cfg):
        assert row.at >= last
        last = row.at
        if row.kind == "release":
            seen.add(row.name)
            assert not (row.group in gone and row.at >= raid_ts)
        else:
            assert row.name in seen
