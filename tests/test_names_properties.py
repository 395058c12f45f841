"""Property tests: the parser never raises and always answers in its vocabulary (no timing here)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:  # run from a checkout without installing the package
    import scenewatch  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scenewatch.names import (
    STORE_COLUMNS,
    ParsedName,
    parse,
    parse_columns,
    parse_dict,
    parse_many,
    section_label,
)
from scenewatch.names._tables import CATEGORIES

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SEPARATORS = [".", "-", "_", " ", " - ", "[", "]", "(", ")", "/", "\\", "+", "&", "~", ""]
TOKENS = [
    "S01E01", "S01", "E02", "1x02", "2020", "2020.08.26", "1080p", "720p", "x264", "H.264", "HEVC",
    "WEB-DL", "WEB", "BluRay", "HDTV", "DDP5.1", "DTS-HD.MA", "Atmos", "PROPER", "REPACK", "iNTERNAL",
    "German", "MULTi", "FRENCH", "NSW", "PS5", "x64", "v1.2.3", "Update", "incl", "DLC", "Keygen",
    "EPUB", "eBook", "RETAIL", "XXX", "FLAC", "MP3", "VINYL", "(CAT123)", "Episode", "Season", "01",
    "001", "12", "of", "AMZN", "NF", "HDR10", "DV", "Title", "The", "Show", "Name", "\u05e9\u05dc\u05d5\u05dd",
    "\u6771\u4eac", "\U0001f600", "\x00", "\u202e", "-NTb-Rakuv", "[Group]", "[ABCDEF12]", "GRP",
]
SECTIONS = [None, "", "TV-X264", "X264-HD", "GAMES", "NSW", "0DAY", "MP3", "FLAC", "EBOOK", "XXX", "PRE",
            "Movie HD-1080p", "tv", "weird section \u2603"]

names_from_tokens = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)), max_size=40
).map(lambda parts: "".join(t + s for t, s in parts))
any_text = st.one_of(st.text(max_size=300), names_from_tokens, st.text(alphabet=".-_ []()", max_size=200))


def check(p: ParsedName) -> None:
    assert isinstance(p, ParsedName)
    assert p.category in CATEGORIES
    assert p.title is None or (isinstance(p.title, str) and p.title.strip() == p.title and p.title)
    assert p.year is None or 1900 <= p.year <= 2039
    assert p.air_date is None or DATE.fullmatch(p.air_date)
    assert p.season is None or (isinstance(p.season, int) and p.season >= 0)
    assert p.episode is None or (isinstance(p.episode, int) and p.episode >= 0)
    assert p.season == (p.seasons[0] if p.seasons else None)
    assert p.episode == (p.episodes[0] if p.episodes else None)
    assert all(isinstance(x, str) and len(x) == 2 for x in p.language)
    assert all(isinstance(f, str) and f == f.upper() for f in p.flags)
    assert p.type in (None, "movie", "episode")
    d = p.to_dict()
    json.dumps(d)
    assert isinstance(d["proper"], bool)


@given(any_text, st.sampled_from(SECTIONS))
@settings(max_examples=400, deadline=None)
def test_never_raises(name, section):
    p = parse(name, section)
    check(p)
    assert parse(name, section) == p  # deterministic (token cache does not change answers)


@given(st.text(min_size=0, max_size=50), st.integers(min_value=1, max_value=400))
@settings(max_examples=60, deadline=None)
def test_long_inputs(unit, times):
    name = (unit or ".") * times
    check(parse(name))
    check(parse(name * 5))  # well over 10 KB for most units


@given(st.lists(any_text, max_size=20))
@settings(max_examples=80, deadline=None)
def test_batches_agree(names):
    many = parse_many(names)
    assert [p.name for p in many] == names
    cols = parse_columns(names, [None] * len(names))
    assert list(cols) == list(STORE_COLUMNS)
    for key, kind in STORE_COLUMNS.items():
        assert len(cols[key]) == len(names)
        for value, p in zip(cols[key], many, strict=True):
            expected = getattr(p, key)
            if kind.startswith("list"):
                assert value == list(expected)
            else:
                assert value == expected


def test_edge_inputs():
    for name in ["", " ", "-", "--", "[]", "()", "/", "\\", ".mkv", "\x00" * 50, "\U0001f600" * 100,
                 "-" * 100_000, "a" * 100_000, "\u202e\u05e9\u05dc\u05d5\u05dd-GRP", "S01E01", "1080p"]:
        check(parse(name))
        parse_dict(name)


def test_non_str_is_tolerated():
    assert parse(None).category == "other"  # type: ignore[arg-type]


def test_nan_and_na_are_absence_in_names_and_sections():
    """A DataFrame's missing values (NaN, pd.NA, NaT) are no name and no section, as None is: no crash, no "nan"."""
    pd = pytest.importorskip("pandas")
    name = "Some.Movie.2019.1080p.BluRay.x264-GRP"
    expected = parse(name)
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert parse(name, section=missing) == expected
        assert parse(missing).name == "" and parse(missing).title is None
        assert parse_many([name, missing], [missing, missing])[0] == expected
        assert parse_many([missing])[0].name == ""
        assert parse_columns([name, missing], [missing, "TV-X264"])["title"] == [expected.title, None]
        assert section_label(missing) is None
    frame = pd.DataFrame({"name": [name, None], "section": [None, "TV-X264"]})  # NaN in an object column
    assert parse(frame.name[0], section=frame.section[0]) == expected
    assert parse_many(list(frame.name), list(frame.section))[1].name == ""


def test_a_parser_bug_on_one_name_degrades_that_name_only(monkeypatch) -> None:
    """If the parser ever fails on a name, that name gets the minimal reading; a batch never stops."""
    from scenewatch.names import _parse

    def broken(name: str, section: str | None) -> tuple:
        raise RuntimeError("a parser bug")

    monkeypatch.setattr(_parse, "_core", broken)
    parsed = _parse.parse("Some.Thing-GRP", "EBOOK")
    assert (parsed.title, parsed.group, parsed.category) == ("Some Thing", "GRP", "ebook")
    columns = _parse.parse_columns(["Some.Thing-GRP", "Other-X"], ["EBOOK", None])
    assert columns["group"] == ["GRP", "X"] and columns["language"] == [[], []]


def test_versions_with_letters() -> None:
    from scenewatch.names import parse

    for name in ["App.v2.5a-GRP", "Some.Tool.2.5a.x64-GRP", "Title.2.5a.2020-GRP", "a.2.5a.b", "2.5a"]:
        parse(name)
