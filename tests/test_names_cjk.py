"""CJK fansub and web names: counters, end marks, labels and the Latin title beside a CJK one."""

import pytest

from scenewatch.names import parse
from scenewatch.names._cjk import _number, cjk_numbering


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("十", 10), ("十一", 11), ("二十三", 23), ("一百零五", 105), ("两", 2), ("第", None)],
)
def test_chinese_numerals_read_as_numbers(text, value):
    assert _number(text) == value


def test_counters_become_the_markers_the_parser_reads():
    assert cjk_numbering("庆余年第十一季 第二十三集.mkv").split() == ["庆余年", "S11", "E23", ".mkv"]
    assert cjk_numbering("[Crew][Title][13完][720P]") == "[Crew][Title][13][720P]"
    assert cjk_numbering("[Crew][10月新番][Title][01]") == "[Crew] [Title][01]"
    assert cjk_numbering("Title 全24集 1080p") == "Title 全24集 1080p"  # "all 24 episodes": a whole season
    assert cjk_numbering("Title １５８") == "Title 158"  # full-width digits


@pytest.mark.parametrize(
    ("name", "title", "season", "episodes"),
    [
        ("Show 第195話.mkv", "Show", None, (195,)),
        ("アニメ シーズン2 第3話.mkv", "アニメ", 2, (3,)),
        ("庆余年第二季/01.mp4", "庆余年", 2, (1,)),  # a season folder and its file
        ("【千夏字幕组】【天使降临到了我身边！_Wataten】[第05话][1080p_HEVC][简繁外挂]", "Wataten", None, (5,)),
        ("[Crew][多田君不恋爱_Tada-kun wa Koi][13完][繁体][720P][MP4]", "Tada kun wa Koi", None, (13,)),
        ("【Crew】★10月新番★[哥布林杀手/Goblin Slayer][12END][720p][繁体]", "Goblin Slayer", None, (12,)),
        ("[Crew][战栗杀机][BANANA FISH][01-24完][简日双语字幕][720P][MP4]", "BANANA FISH", None, tuple(range(1, 25))),
        ("[Crew][慕留人 -火影忍者新時代-][Boruto-][2017][88-91][1080p][AVC]", "Boruto", None, (88, 89, 90, 91)),
    ],
)
def test_cjk_episode_counters_and_end_marks(name, title, season, episodes):
    p = parse(name)
    assert (p.title, p.season, p.episodes, p.category) == (title, season, episodes, "anime" if "[" in name else "tv")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        # the run after a slash is the translated title
        ("[Crew] 刀剑神域: Alicization / Sword Art Online - 17 [WebRip 1080p HEVC-10bit AAC]", "Sword Art Online"),
        ("[Crew][刀剑神域III UnderWorld/ Sword Art Online ][17][HEVC-10Bit-2160P AAC][外挂GB/BIG5][WEB-Rip]",
         "Sword Art Online"),
        ("[Crew] 艾梅洛閣下 II 世事件簿 -魔眼蒐集列車 Grace note- / Lord El-Melloi - 04 [1080p]", "Lord El Melloi"),
        ("[Crew][刀剑神域Alicization _ Sword Art Online ][17][x264 1080p][CHS]", "Sword Art Online"),
        # a whole bracket of Latin words after the CJK one, a Latin word glued after CJK
        ("【Crew】 ★04月新番 【巴哈姆特之怒 Virgin Soul】【Shingeki no Bahamut】【24】 【END】GB MP4_720P",
         "Shingeki no Bahamut"),
        ("[ZERO字幕組]嫁給非人類·Kami-no Tou Oboe[11][BIG5][1080p]", "Kami no Tou Oboe"),
        ("【Crew】[天使降臨到我身邊！_Anime Series Title][05][繁體][1080P10]", "Anime Series Title"),  # "series" + word
    ],
)
def test_the_latin_title_beside_a_cjk_one(name, title):
    p = parse(name)
    assert p.title == title
    assert p.episode is not None and p.category == "anime"


def test_slashes_inside_brackets_are_no_folders():
    p = parse("[Crew][哥布林杀手/Goblin Slayer][12][720p][GB/BIG5]")
    assert (p.group, p.title, p.episode) == ("Crew", "Goblin Slayer", 12)
    assert parse("[Crew] Folder/[Crew] Show - 01 [720p].mkv").title == "Show"  # a folder before the file still is
