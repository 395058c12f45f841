"""Release-name parser: classes of scene names, interface contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
)


def test_movie_basic():
    p = parse("The.Man.With.The.Golden.Arm.1955.1080p.BluRay.x264.DTS-FGT")
    assert p.title == "The Man With The Golden Arm"
    assert p.year == 1955
    assert (p.resolution, p.source, p.video_codec, p.audio_codec) == ("1080p", "bluray", "h264", "dts")
    assert p.group == "FGT"
    assert p.category == "movie"
    assert p.type == "movie"


@pytest.mark.parametrize(
    ("name", "season", "episodes"),
    [
        ("Show.Name.S01E01E02.720p.HDTV.x264-GRP", 1, (1, 2)),
        ("Show.Name.S01E01-E03.720p.HDTV.x264-GRP", 1, (1, 2, 3)),
        ("Show.Name.S02E05.1080p.WEB.h264-GRP", 2, (5,)),
        ("Show.Name.2x07.HDTV.XviD-GRP", 2, (7,)),
    ],
)
def test_multi_episode(name, season, episodes):
    p = parse(name)
    assert p.season == season
    assert p.episodes == episodes
    assert p.episode == episodes[0]
    assert p.title == "Show Name"
    assert p.category == "tv"


def test_season_pack():
    p = parse("Show.Name.S03.1080p.BluRay.x264-GRP")
    assert p.season == 3 and p.episode is None and p.category == "tv"


def test_daily_show():
    p = parse("The.Daily.Show.2020.08.26.720p.WEB.h264-KOGi")
    assert p.air_date == "2020-08-26"
    assert p.title == "The Daily Show"
    assert p.to_dict()["date"] == "2020-08-26"


def test_group_suffix_and_bracket_group():
    assert parse("Show.S01E01.720p.HDTV.x264-NTb-Rakuv").group == "NTb"
    p = parse("[SubGroup] Some Anime - 07 [1080p].mkv")
    assert p.group == "SubGroup"
    assert p.episode == 7
    assert p.title == "Some Anime"
    assert p.category == "anime"


def test_music():
    p = parse("Artist_Name-Album_Title-(CAT123)-WEB-2020-GROUP")
    assert p.category == "music"
    assert p.artist == "Artist Name"
    assert p.album == "Album Title"
    assert p.year == 2020
    assert p.group == "GROUP"


def test_game_and_software():
    g = parse("Title.Update.v1.2.3.incl.DLC-GROUP")
    assert g.category == "game" and g.version == "1.2.3" and g.title == "Title"
    assert parse("Title_NSW-VENOM").platform == "NSW"
    assert parse("Title_NSW-VENOM").category == "game"
    sw = parse("Name.v1.2.x64.Incl.Keygen-GROUP")
    assert sw.category == "software" and sw.version == "1.2" and "KEYGEN" in sw.flags


def test_ebook_and_xxx():
    e = parse("Publisher.-.Title.2020.RETAIL.EPUB.eBook-GROUP")
    assert e.category == "ebook" and e.format == "EPUB" and e.publisher == "Publisher" and e.title == "Title"
    assert parse("Site.20.01.15.Some.Names.XXX.1080p.MP4-GRP").category == "xxx"


def test_section_hint():
    assert parse("Some.Thing-GRP", "MP3").category == "music"
    assert parse("Some.Thing-GRP", "TV-X264").category == "tv"
    assert parse("Some.Thing-GRP", "EBOOK").category == "ebook"


def test_flags_and_proper():
    p = parse("Movie.2019.PROPER.1080p.BluRay.x264-GRP")
    assert "PROPER" in p.flags and p.proper and p.to_dict()["proper"] is True
    assert not parse("Movie.2019.1080p.BluRay.x264-GRP").proper


def test_streaming_service_hdr_channels():
    p = parse("Show.S01E01.2160p.AMZN.WEB-DL.DDP5.1.HDR.HEVC-GRP")
    assert p.service == "AMZN"
    assert p.source == "web"
    assert p.audio_codec == "eac3" and p.audio_channels == "5.1"
    assert "HDR" in p.hdr
    assert p.video_codec == "h265"


def test_parse_dict_and_many():
    assert parse_dict("Movie.2019.1080p.BluRay.x264-GRP")["release_group"] == "GRP"
    out = parse_many(["a.2019.720p-X", "b.S01E01-Y"], ["X264", None])
    assert [p.group for p in out] == ["X", "Y"]
    assert isinstance(out[0], ParsedName)


def test_parse_columns_shape():
    cols = parse_columns(["Movie.2019.1080p.BluRay.x264-GRP", "Show.S01E02.German.720p.HDTV.x264-GRP"], None)
    assert list(cols) == list(STORE_COLUMNS)
    assert all(len(v) == 2 for v in cols.values())
    assert cols["year"][0] == 2019 and cols["season"][1] == 1 and cols["episode"][1] == 2
    assert cols["language"][1] == ["de"]
    assert isinstance(cols["flags"][0], list)
    assert parse_columns([], None) == {k: [] for k in STORE_COLUMNS}


def test_frozen():
    p = parse("x")
    with pytest.raises(AttributeError):
        p.title = "y"  # type: ignore[misc]


def test_parsed_equals_constructed():
    import dataclasses
    import pickle

    p = parse("Show.Name.S01E02.1080p.WEB.h264-GRP")
    q = ParsedName(**{f.name: getattr(p, f.name) for f in dataclasses.fields(p)})
    assert p == q and hash(p) == hash(q) and repr(p) == repr(q)
    assert pickle.loads(pickle.dumps(p)) == p
    assert p.artist is None and p.hdr == ()
    with pytest.raises(AttributeError):
        _ = p.no_such_field  # type: ignore[attr-defined]


def test_format_rows():
    from scenewatch.names import format_rows

    rows = format_rows(parse_many(["Movie.2019.1080p.BluRay.x264-GRP"]))
    assert rows[0]["name"] == "Movie.2019.1080p.BluRay.x264-GRP" and rows[0]["release_group"] == "GRP"


def test_subtitles_and_languages():
    p = parse("Show.S01E01.ENG.-.sub.FR.HDTV.XviD-GRP")
    assert p.language == ("en",) and p.subtitles == ("fr",)


def test_season_lists():
    assert parse("Show Season 1, 2 & 3 Complete 720p").seasons == (1, 2, 3)
    assert parse("Show.Name.Season.1-3.720p.HDTV").seasons == (1, 2, 3)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Artist-Title-DDC-1080p-x264-2023-GRP", "musicvideo"),
        ("Game.Title-CODEX", "game"),
        ("Game.Title.PS5-DUPLEX", "game"),
        ("Author-Title-AUDIOBOOK-WEB-DE-2021-GRP", "audiobook"),
        ("NBA.2023.05.02.Lakers.vs.Warriors.720p.WEB.h264-GRP", "sports"),
        ("Some.Magazine.June.2023.PDF-GRP", "ebook"),
        ("[SubsPlease] Anime Title - 1047 (1080p) [ABCDEF12].mkv", "anime"),
    ],
)
def test_categories(name, category):
    assert parse(name).category == category


def test_non_latin_titles():
    assert parse("Тест.Название.2020.1080p.WEB-DL.H264-GRP").title == "Тест Название"
    assert parse("東京.2020.1080p.WEB-DL.H264-GRP").title == "東京"


@pytest.mark.parametrize(
    ("name", "group", "title"),
    [
        ("Midsommar.2019.720p.HDCAM.GETB8", "GETB8", "Midsommar"),  # P2P tags often have no dash
        ("Cars.2006.NORWEGiAN.DVDRip.XviD.RAGAiSO", "RAGAiSO", "Cars"),
        ("Star Trek First Contact (1996) Blu-Ray 1080p24 H.264 TrueHD 5.1 CtrlHD", "CtrlHD", "Star Trek First Contact"),
        ("Frankensteins.Sohn.1939.German.Dubbed.AC3D.DL.1080p.BluRay.x264 - Jakopo", "Jakopo", "Frankensteins Sohn"),
        ("Show.Name.S01E01.Pilot.720p.HDTV.x264", None, "Show Name"),  # nothing unknown after the codec
        ("Show.Name.S01E01.720p.Pilot", None, "Show Name"),  # one technical token is not enough
        ("Movie.Title.2019.Extended", None, "Movie Title"),  # after the year only: no tag
        ("Movie.Title.2019.1080p.BluRay.x264.2019", None, "Movie Title"),  # digits are never a tag
    ],
)
def test_tag_without_a_dash_after_technical_tokens(name, group, title):
    p = parse(name)
    assert (p.group, p.title) == (group, title)


@pytest.mark.parametrize(
    ("name", "category", "kind"),
    [
        ("The_Italian_Job.mkv", "movie", "movie"),  # a video file with nothing else to go on
        ("Movies/The Italian Job/the_italian_job.mkv", "movie", "movie"),
        ("Show.Name.S02E03.avi", "tv", "episode"),
        ("The_Italian_Job.srt", "other", None),  # subtitles are not a video
        ("The_Italian_Job", "other", None),
    ],
)
def test_a_video_file_name_is_a_video(name, category, kind):
    p = parse(name)
    assert (p.category, p.type) == (category, kind)
