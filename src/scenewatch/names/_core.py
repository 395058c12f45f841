"""The parser's hot loop: tokenise once, walk the classified tokens, assemble the fields as a tuple.

``_core`` is one long function on purpose: it is the per-name loop, and splitting it into calls costs
a measurable share of the throughput. The tuple's order is ``ParsedName.__slots__``.
"""

from __future__ import annotations

import re
from typing import Any

from scenewatch.names._cjk import cjk_numbering
from scenewatch.names._fields import (
    _bracket_ends_title,
    _category,
    _date_around,
    _ebook_title,
    _ends_year,
    _has_kind,
    _latin_title,
    _month_date,
    _music_fields,
    _number_pair,
    _opens_range,
    _prior_fits,
    _tech_follows,
    _trailing_tag,
    _video_file,
    _weak,
)
from scenewatch.names._shape import (
    _from_path,
    _strip_name,
)
from scenewatch.names._tables import (
    MONTH_SHORT,
    NEVER,
    NUMBERED_WORDS,
    PHRASE_FIRST,
    PHRASES,
    REGION_WORDS,
    STRONG,
    TITLE_LINKS,
    WEAK,
)
from scenewatch.names._tokens import (
    _BEFORE_YEAR,
    _CACHE_GET,
    _CJK,
    _CONT,
    _CTRL,
    _DDPLUS,
    _DESKTOP_PLATFORMS,
    _DOTTED,
    _LANG_NEIGHBOURS,
    _LIST_SEPS,
    _MUSIC_CATEGORIES,
    _NO_SECTION,
    _OPENERS,
    _PATH_SPLIT,
    _PATHLIKE,
    _POST_WORDS,
    _RANGE_WORDS,
    _ROMAN,
    _SITE_PREFIX,
    _SPLIT,
    _SUB_WORDS,
    _VERSION_PART,
    _VIDEO_CATEGORIES,
    _WEBSITE,
    _WWW_START,
    MAX_LEN,
    _section_entry,
)

_CLOSERS = frozenset(")]}")
_CLOSERS_COMMA = frozenset(")]},")
# Full-width brackets of Chinese fansub names read as their ASCII forms, and a star between two brackets as a space.
_WIDE_BRACKETS = str.maketrans({"【": "[", "】": "]", "（": "(", "）": ")", "［": "[", "］": "]"})
_CYRILLIC_ORDINAL = re.compile(r"(?<=\d)-(?:й|я|го|е|ый|ий|ой)(?=[\s._]|$)")
_DASHES_AND_SIGNS = str.maketrans({"–": "-", "—": "-", "№": " "})
_DASH_OR_SIGN = re.compile("[–—№]")
_WIDE_MARKS = re.compile(r"[【】（）［］]")
_WIDE_MARK_JOIN = re.compile(r"(?<=\])★+|★+(?=\[)")
_DASH_SEPS = frozenset((" - ", " -- ", " – ", "_-_"))  # "Show S3 - 12": a title separator, not a range
# evidence that a path component is a release name: year, season, episode, date, resolution,
# source, video codec, audio codec, group
_EVIDENCE = (2, 3, 4, 5, 6, 7, 8, 9, 11)
_TYPE_INDEX = 29


_VER0 = ("ver", "0", STRONG)


def _episode_after_season(sp: str) -> bool:
    """Whether a number after a season marker, separated by ``sp``, is its episode: "S02 03", "S3 - 12",
    "S3 -  15", "(Season 2) - 33" (and "Show S2 [05][1080p]", which needs the next separator, beside it)."""
    return sp in (" ", ".", "_") or sp in _DASH_SEPS or (" " in sp and sp.lstrip(")]").strip(" ") == "-")


def _complete_series(lows: list[str]) -> bool:
    """Whether the words "complete series" (or "the complete series") stand in a name."""
    return any(lows[i] == "complete" and lows[i + 1] == "series" for i in range(len(lows) - 1))


def _bracketed_slashes(s: str) -> bool:
    """Whether every slash of ``s`` stands inside a bracket after the first one (no folder is bracketed)."""
    for k, ch in enumerate(s):
        if ch == "/" or ch == "\\":
            opened = s.rfind("[", 0, k)
            if opened <= 0 or s.rfind("]", 0, k) > opened or s.find("]", k) < 0:
                return False
    return True


def _title_slash(s: str) -> bool:
    """Whether the one slash of a fansub name is the title's: "[Crew] Fate/Zero - 01 [720p]", not a folder."""
    if s[:1] != "[":
        return False
    if _bracketed_slashes(s):
        return True  # "[Crew][哥布林杀手/Goblin Slayer][12][GB/BIG5]": slashes inside brackets join titles and tags
    if s.count("/") + s.count("\\") != 1:
        return False
    k = s.find("/") if "/" in s else s.find("\\")
    close = s.find("]")
    if not (0 < close < k - 1 and s[k - 1].isalnum() and s[k + 1 : k + 2].isalnum() and "[" not in s[close:k]):
        return False
    after = s[k + 1 :].replace("_", " ").split(" ", 1)[0]
    return "." not in after  # "Show/Show.S01E02.720p...": a folder and its file


def _core_path(name: str, s: str, section: str | None, prior: dict | None) -> tuple:
    """A path: parse the file name and its folders; the component with the most evidence answers,
    the others fill the fields it lacks ("Movies/Title (1998)/Title.720p.x264-GRP.mkv")."""
    parts: list[str] = [p.strip() for p in _PATH_SPLIT.split(s) if p.strip()][-3:]
    if not parts:
        return (name, *_core("", section, False, prior)[1:])
    last = _from_path(s)  # the file name, with a season folder / show folder when it needs them
    candidates = [_core(last, section, False, prior)]
    for folder in reversed(parts[:-1]):
        if "." in folder or "-" in folder or "_" in folder or any(ch.isdecimal() for ch in folder):
            candidates.append(_core(folder, section, False, prior))  # ("Movies", "Doctor Who" carry nothing)
    scores = [sum(1 for k in _EVIDENCE if c[k] is not None) for c in candidates]
    best = max(range(len(candidates)), key=lambda k: (scores[k], -k))
    merged = list(candidates[best])
    for k, c in enumerate(candidates):
        if k == best or scores[k] == 0:
            continue
        # a folder's season only goes with the file's episode when the folder names no episode itself
        keep_season = merged[4] is not None and c[4] is not None and k > best
        for j in range(1, len(merged)):
            if (merged[j] is None or merged[j] == ()) and c[j] is not None and c[j] != ():
                if keep_season and j in (3, 17):
                    continue
                merged[j] = c[j]
    if merged[_TYPE_INDEX] == "movie" and (merged[17] or merged[18]):
        merged[_TYPE_INDEX] = "episode"
        if merged[12] == "movie":
            merged[12] = "tv"
    merged[0] = name
    return tuple(merged)


def _core(name: str, section: str | None, _path: bool = True, prior: dict | None = None) -> tuple:
    """The fields of one name as a tuple in ``ParsedName.__slots__`` order; ``prior``: group -> category."""
    s = name if len(name) <= MAX_LEN else name[:MAX_LEN]
    if not s.isprintable():
        s = _CTRL.sub(" ", s)
    if not s.isascii():
        if _DASH_OR_SIGN.search(s) is not None:  # (translate with a table is slow on non-ASCII strings)
            s = s.translate(_DASHES_AND_SIGNS)  # "Кот – Сезон 3", "Сезон №9": dashes and the numero sign as separators
        if "-" in s:
            s = _CYRILLIC_ORDINAL.sub("", s)  # "5-й сезон 09-я серия": the ordinal's ending
        if _WIDE_MARKS.search(s):
            s = _WIDE_MARK_JOIN.sub(" ", s.translate(_WIDE_BRACKETS))  # "【Group】★【Title】[24（END）]"
        if _CJK.search(s):
            s = cjk_numbering(s)  # "第05话" -> "E05", "第二季" -> "S02", "[13完]" -> "[13]"
    if _path and ("/" in s or "\\" in s) and _PATHLIKE.search(s) and not _title_slash(s):
        return _core_path(name, s, section, prior)
    if "+" in s:
        s = _DDPLUS.sub("DDP", s)  # "DD+5.1" (the "+" is a separator otherwise)
    if s[:1] in _WWW_START and (s[:2].lower() == "ww" or s[:4].lower() in ("{www", "[www", "(www")):
        s = _WEBSITE.sub("", s, count=1)  # "www.site.tld - Title (2019) ..."
    if (s[:1] in _OPENERS or " - " in s) and "." in s[:48]:
        s = _SITE_PREFIX.sub("", s, count=1) or s
    nuke_mark = s[:6].lower() in ("nuked-", "nuked.", "nuked_") and len(s) > 6
    if nuke_mark:
        s = s[6:]  # "NUKED-Title.2019...": a predb's mark before the name, not its first word
    s, group, bracket_group, crc, revised = _strip_name(s)
    anime_ctx = bracket_group or crc

    if "-" not in s and "." in s and _DOTTED.fullmatch(s) and ".." not in s and s[0] != ".":
        # the common scene shape "Word.Word.2019.1080p.x264": a plain split is enough
        toks = s.split(".")
        seps = ["."] * len(toks)  # seps[i] is the separator before toks[i]
        seps[0] = ""
    else:
        parts = _SPLIT.split(s)
        toks = parts[0::2]
        seps = ["", *parts[1::2]]
        if toks and toks[-1] == "":
            toks.pop()
            seps.pop()
        if toks and toks[0] == "":
            del toks[0]
            del seps[0]
    n = len(toks)
    lows = list(map(str.lower, toks))
    infos: list[Any] = list(map(_CACHE_GET, lows))

    # phrases ("web dl", "h 264", "directors cut", "dd5 1" ...)
    if not PHRASE_FIRST.isdisjoint(lows):
        for i in range(n - 1):
            if lows[i] in PHRASE_FIRST:
                a = lows[i]
                b = lows[i + 1]
                if i + 2 < n:
                    ph = PHRASES.get((a, b, lows[i + 2]))
                    if ph is not None:
                        infos[i] = ph
                        infos[i + 1] = infos[i + 2] = _CONT
                        continue
                ph = PHRASES.get((a, b))
                if ph is not None:
                    infos[i] = ph
                    infos[i + 1] = _CONT
    # a season/episode marker opening the name is a title word when an SxxExx follows ("4x4.Show.S01E09")
    if (
        n > 1
        and infos[0] is not None
        and infos[0][0] in ("nxm", "ep")
        and _has_kind(infos, "sxe")
    ):
        infos[0] = None

    has_open = "(" in s or "[" in s or "{" in s
    tend = -1  # first technical token: the title ends before it
    air_date = None
    date_idx = -1
    years_before: list[int] = []
    first_year_after = None
    last_year = None
    nums: list[int] = []
    seasons: list[int] = []
    episodes: list[int] = []
    resolution = source = source_detail = video_codec = None
    audio: tuple[str, ...] = ()
    channels = None
    hdr: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    flags: tuple[str, ...] = ("NUKED",) if nuke_mark else ()
    if revised:
        flags += ("V2",)  # "[Crew] Title - 05 [v3] [CRC]": the version tag after the group
    editions: tuple[str, ...] = ()
    service = platform = version = None
    update_number = False  # the version so far is an update's number ("Update.2"), not a v-version
    cats: tuple[str, ...] = ()
    music_tokens = 0
    sport_first = False
    course = False
    course_word = False  # a course, not only a disc image
    course_tag = False  # a tutorial word or a disc image, not only a publisher's name
    ep_marker = False  # an episode written as a marker (S01E02, 1x02, E05), not with a word ("Episode 3")
    course_pub = None
    course_title = 0
    sp_episode = False
    sample_tokens = 0
    ep_last = -1
    ep_first = -1
    has_video_src = False
    sxe_seen = False
    episode_word = False
    source_weak = False
    soft_end = -1
    year_after_idx = -1
    after_year = False
    month_seen = False
    subs: tuple[str, ...] = ()
    sub_run = False
    for i in range(n):
        info = infos[i]
        if info is None:
            if has_open and tend < 0 and i > 0:
                sp = seps[i]
                if sp and sp[-1] in _OPENERS and _bracket_ends_title(i, seps, infos):
                    tend = i
            continue
        if info is _CONT:
            continue
        kind, value, st = info
        if i == 0 and kind == "res" and n > 2 and infos[1] is None:
            continue  # "4K.Video.Downloader": a title word
        if value == "V0" and i > 0 and i + 1 < n and seps[i + 1] == "." and lows[i + 1].isdecimal():
            info = infos[i] = _VER0  # "Game.v0.3.7.7": an early-access build, not the LAME preset "V0"
            kind, value, st = info
        if kind == "plat" and value in _DESKTOP_PLATFORMS and i + 2 < n and infos[i + 1] is None:
            continue  # "Linux.Shell.Scripting.Basics": a title word, not the platform of the release
        if kind == "plat" and i + 1 < n and infos[i + 1] is None and _ends_year(s) and _in_artist(seps, i):
            continue  # "PS1_feat_Artist-Title-WEB-2020": an artist named after a console, in the music layout
        # ---- conversions that need the neighbours (only tokens that are not strong on their own)
        if st == STRONG:
            if kind == "date":
                air_date = value
                date_idx = i
        elif kind == "year":
            d = None
            if (i + 2 < n and lows[i + 1].isdecimal()) or (i >= 2 and lows[i - 1].isdecimal()):
                d = _date_around(i, lows, seps, n)
            if d is not None:
                air_date, start, stop = d
                for j in range(start, stop):
                    infos[j] = _CONT
                date_idx = start
                if tend < 0 or tend > start:
                    tend = start
                continue
            if i > 0 and seps[i] == "-" and infos[i - 1] is not None and infos[i - 1][0] == "year":
                continue  # "1993-2004": a span, the first year counts
            last_year = info[1]
            if tend < 0:
                if i > 0 or n == 1:
                    years_before.append(i)
                    after_year = True
            elif first_year_after is None:
                first_year_after = value
                year_after_idx = i
            continue
        elif kind == "num":
            if i + 2 < n and lows[i + 1] == "of" and lows[i + 2].isdecimal():
                infos[i + 1] = infos[i + 2] = _CONT
                info = ("ep", value, STRONG)
                kind = "ep"
                st = STRONG
            elif i + 1 < n and lows[i + 1] in _POST_WORDS:
                # "21.ser", "12.serija", "3.sezon"
                kind = _POST_WORDS[lows[i + 1]]
                info = (kind, value, STRONG)
                st = STRONG
                infos[i + 1] = _CONT
            elif ep_last == i - 2 and seasons and not episodes and lows[i - 1] in _RANGE_WORDS:
                # "Season 1 to 6", "Seasons 1 and 2", "1ª a 8ª"
                if lows[i - 1] == "and":
                    if value not in seasons:
                        seasons.append(value)
                elif 0 < value - seasons[-1] <= 50:
                    seasons.extend(range(seasons[-1] + 1, value + 1))
                ep_last = i
                continue
            elif ep_last == i - 1 and (episodes or seasons):
                sp = seps[i]
                if sp in _LIST_SEPS or sp in (" ~ ", "~"):
                    # ranges and lists: S01E01-02, Episode5-8, S01E01+02, Season 1-3, Season 1&3
                    target = episodes if episodes else seasons
                    v = value
                    if (
                        episode_word
                        and target is episodes
                        and 100 < v < 10000
                        and seasons
                        and (v // 100 == seasons[-1])
                    ):
                        v = v % 100
                    if (sp == "-" or "~" in sp) and 0 < v - target[-1] <= 300:
                        target.extend(range(target[-1] + 1, v + 1))
                    elif 0 < v - target[-1] <= 60:
                        target.append(v)
                    ep_last = i
                    continue
                if sp == "_" and episodes and value == episodes[-1] + 1 and len(lows[i]) == 2:
                    episodes.append(value)  # "8x01_02": the next episode, joined by an underscore
                    ep_last = i
                    continue
                if (
                    seasons
                    and not episodes
                    and not sxe_seen
                    and value < 100
                    and (
                        ("," in sp or "&" in sp or ":" in sp)
                        or (sp in (" ", ".") and value == seasons[-1] + 1 and lows[i][0] != "0")
                    )
                ):
                    # season lists: "Season 1, 2 & 3", "Season 1 2 3", "Seasons 1: 11"
                    if ":" in sp and value > seasons[-1]:
                        seasons.extend(range(seasons[-1] + 1, value + 1))
                    elif value not in seasons:
                        seasons.append(value)
                    ep_last = i
                    continue
                if (
                    not episodes
                    and (_episode_after_season(sp) or (sp in (" [", "[") and i + 1 < n and seps[i + 1][:1] == "]"))
                    and value < 1000
                    and not sxe_seen
                ):
                    # "Show S02 03", "Season 11 01", "Show S3 - 12": the number after a season is the episode
                    episodes.append(value)
                    ep_last = i
                    continue
                nums.append(i)
                continue
            else:
                nums.append(i)
                continue
        elif kind == "sword" or kind == "eword":
            nxt = infos[i + 1] if i + 1 < n else None
            if nxt is None and i + 1 < n and kind == "sword":
                nxt = _ROMAN.get(lows[i + 1])
            prv = infos[i - 1] if i > 0 else None
            if (
                nxt is not None
                and nxt[0] == "num"
                and nxt[1] < 2000
                # "[Crew] Series 100 - 07": "series" opening the name is a title word (UK "Show Series 3" is the
                # marker), and so is "series" before three digits ("The.Series.110.HDTV": old scene numbering)
                and (lows[i] != "series" or (i > 0 and len(lows[i + 1]) <= 2))
                and not (prv is not None and prv[0] == "ord" and kind == "sword")  # "2nd Season 24": 24 is the episode
                # "The Final Season - 12", "[… Final Season][12]": a title's last word, the number is the episode
                and not (seps[i + 1] in _DASH_SEPS or "]" in seps[i + 1] or ")" in seps[i + 1])
                # "Title.2019.Part.2.720p": a part of a series; "Deathly.Hallows.Part.2", "Genesis.Part.1-CODEX": titles
                and (lows[i] != "part" or (prv is not None and prv[0] == "year"))
            ):
                value = nxt[1]
                episode_word = kind == "eword"
                kind = "season" if kind == "sword" else "ep"
                info = (kind, value, STRONG)
                st = STRONG
                infos[i + 1] = _CONT
            elif kind == "sword" and nxt is not None and nxt[0] == "season" and lows[i] != "series":
                kind = "tech"  # "Skins Season S01-S07": the word goes with the marker after it
                st = STRONG
            elif (
                kind == "sword"
                and prv is not None
                and prv[0] in ("num", "ord")
                and 0 < prv[1] < 100
                and not seasons
                and lows[i] != "seasons"  # "Metallica-72_Seasons": a title; one season is never "Seasons"
                and lows[i] != "series"  # "30 Series - S01E01", "24-7 Series": after its number, only in titles
            ):
                # "3rd Season", "4ª Temporada", "Vikings 3 Temporada"
                if nums and nums[-1] == i - 1:
                    nums.pop()
                seasons.append(prv[1])
                ep_last = i
                if ep_first < 0:
                    ep_first = i - 1
                if tend < 0 or tend > i - 1:
                    tend = i - 1
                continue
            else:
                continue
        elif kind == "lang" and st == WEAK and len(lows[i]) <= 3:
            t = toks[i]
            if not (t.isupper() or t.islower()):
                # "Eng", "Ita": a language only among technical tokens, never the end of a title
                st = NEVER
                info = infos[i] = (kind, value, NEVER)
        # ---- end of the title
        if tend < 0:
            if st == STRONG:
                tend = i
            elif st == WEAK and (i > 0 or n == 1 or _tech_follows(infos, n)):
                k = i + 1
                while k < n and infos[k] is _CONT:
                    k += 1  # "The.Complete.Guide": what follows a two-word token, not its second word
                nxt = infos[k] if k < n else None
                if (
                    k >= n
                    or (
                        nxt is not None
                        and (
                            nxt[2] >= WEAK
                            or nxt[0] == "lang"
                            or (nxt[0] == "year" and kind in _BEFORE_YEAR and len(lows[i]) > 3 - (kind != "lang"))
                            # "Title.Anime.Season.2"; "Anime Series Title": "series" before a plain word is a title's
                            or (nxt[0] == "sword" and not (lows[k] == "series" and k + 1 < n and infos[k + 1] is None))
                        )
                    )
                    or (kind in _BEFORE_YEAR and seps[k][-1:] in _OPENERS)
                    # alone in a bracket, or first of a list in one: "Title (DVD) - 02", "(BD, 720p)"
                    or (seps[i][-1:] in _OPENERS and seps[k][:1] in _CLOSERS_COMMA and lows[i] != "tv")
                ):
                    tend = i
                    if i >= 1 and lows[i - 1] == "the" and infos[i - 1] is None:
                        # "Blade.Runner.The.Final.Cut": the article goes with the edition; "The.Final.Cut.2004" is
                        # a title that merely reads like one
                        tend = i - 1 if i >= 2 else -1
            elif has_open and i > 0:
                sp = seps[i]
                if sp and sp[-1] in _OPENERS and _bracket_ends_title(i, seps, infos):
                    tend = i
        intech = tend >= 0 or after_year
        # ---- fields
        if kind == "src":
            if st == WEAK and not intech:
                continue
            if source is None or (st == STRONG and source_weak):
                source, source_detail = value
                source_weak = st != STRONG
            if value[0] != "web":
                has_video_src = True
        elif kind == "msrc":  # "MBluRay", "MDVDR": a music-video disc
            cats += ("musicvideo",)
            if source is None or source_weak:
                source, source_detail = value
                source_weak = False
            has_video_src = True
        elif kind == "srcv":  # "HDTVx264"
            if source is None or source_weak:
                source, source_detail = value[0]
                source_weak = False
            has_video_src = value[0][0] != "web"
            if video_codec is None:
                video_codec = value[1]
        elif kind == "res":
            if (resolution is None or lows[i][-1] in "pi") and (st == STRONG or intech):
                resolution = value  # the last explicit "1080p" wins over "4K" / "UHD" and earlier ones
        elif kind == "vc":
            if video_codec is None:
                video_codec = info[1]
        elif kind == "acch":  # "DDP5", "AAC2.0"
            if value[0] not in audio:
                audio += (value[0],)
            channels = value[1]
            if i + 1 < n and lows[i + 1] in ("0", "1") and seps[i + 1] == "." and infos[i + 1] is not _CONT:
                channels = value[1][0] + "." + lows[i + 1]
                infos[i + 1] = _CONT
        elif kind == "ac":
            if not intech and st != STRONG:
                continue
            if value not in audio:
                audio += (value,)
            if lows[i][-1].isdecimal() and i + 1 < n and lows[i + 1] in ("0", "1") and (infos[i + 1] is not _CONT):
                channels = lows[i][-1] + "." + lows[i + 1]
                infos[i + 1] = _CONT
        elif kind == "sxe":
            ep_marker = True
            s_, es = value
            if sxe_seen and seasons and s_ is not None:
                if (
                    s_ == seasons[-1]
                    and seps[i] == "-"
                    and ep_last == i - 1
                    and episodes
                    and len(es) == 1
                    and (0 < es[0] - episodes[-1] <= 300)
                ):
                    episodes.extend(range(episodes[-1] + 1, es[0] + 1))  # S01E01-S01E21
                    ep_last = i
                    continue
                if s_ != seasons[0] and "-" not in seps[i]:
                    continue  # "s19e09_s20e14": a second, unrelated episode
            sxe_seen = True
            if s_ is not None and s_ not in seasons:
                seasons.append(s_)
            if len(es) == 2 and "-" in toks[i] and 0 < es[1] - es[0] <= 60:
                es = tuple(range(es[0], es[1] + 1))
            if episodes:
                for e in es:
                    if e not in episodes:
                        episodes.append(e)
            else:
                episodes.extend(es)
            ep_last = i
            if (
                len(es) == 1
                and i + 2 < n
                and seps[i + 1] == "."
                and lows[i + 1].isdecimal()
                and int(lows[i + 1]) == es[0] + 1
                and infos[i + 2] is not None
                and infos[i + 2][2] != NEVER
            ):
                # "S03E21.22.FASTSUB": the next episode, written after a dot, when technical words follow at once
                # ("S06E06.50.Years.Of.Camaro", "S21E11.12.Ingredients": a title that opens with a number)
                episodes.append(es[0] + 1)
                infos[i + 1] = _CONT
            if ep_first < 0:
                ep_first = i
        elif kind == "ep" or kind == "epv":
            v = value
            if not episode_word:
                ep_marker = True
            if sxe_seen and (ep_last != i - 1 or infos[i][0] == "eword"):
                continue  # "S02E31 - Episode 55": the absolute number repeats the episode
            if episode_word and 100 < v < 10000 and seasons and v // 100 == seasons[-1]:
                v = v % 100  # "Temporada 1 [Cap.102]"
            if episodes and ep_last == i - 1 and "-" in seps[i] and 0 < v - episodes[-1] <= 300:
                episodes.extend(range(episodes[-1] + 1, v + 1))
            elif v not in episodes:
                episodes.append(v)
            if kind == "epv" and not lows[i].endswith("v1") and "V2" not in flags:
                flags += ("V2",)
            if lows[i][:2] == "sp" and not seasons:
                sp_episode = True  # "SP2": an anime special, or a service pack (decided with the category)
            ep_last = i + 1 if i + 1 < n and infos[i + 1] is _CONT else i
            if ep_first < 0:
                ep_first = i
        elif kind == "season":
            if i + 2 < n and lows[i + 1] == "e" and lows[i + 2].isdecimal():
                infos[i + 1] = _CACHE_GET("episode")  # "S2 E 02": a lone "E" after the season marks the episode
            if seasons and ep_last == i - 1 and "-" in seps[i] and 0 < info[1] - seasons[-1] <= 50:
                seasons.extend(range(seasons[-1] + 1, info[1] + 1))
            elif info[1] not in seasons:
                seasons.append(info[1])
            ep_last = i + 1 if i + 1 < n and infos[i + 1] is _CONT else i
            if ep_first < 0:
                ep_first = i
        elif kind == "nxm":
            ep_marker = True
            if i > 0 and seps[i] == "." and len(lows[i - 1]) == 1 and lows[i - 1].isdecimal():
                continue  # "FLACx2 2.0x3"
            s_, es = value
            if not seasons or (s_ == seasons[0] and not sxe_seen):
                if not seasons:
                    seasons.append(s_)
                for e in es:
                    if e not in episodes:
                        episodes.append(e)
                ep_last = i
                if ep_first < 0:
                    ep_first = i
            elif s_ == seasons[-1] and ep_last == i - 1 and episodes and es[0] == episodes[-1] + 1:
                for e in es:  # "S07E22 - 7x23": the next episode
                    if e not in episodes:
                        episodes.append(e)
                ep_last = i
        elif kind == "lang" or kind == "sublang":
            if not intech:
                continue
            prv = infos[i - 1] if i > 0 else None
            nxt = infos[i + 1] if i + 1 < n else None
            if st == NEVER:
                t = toks[i]
                if t.isupper() or t.islower():
                    if not (
                        (prv is not None and (prv[2] >= WEAK or prv[0] in _LANG_NEIGHBOURS))
                        or (nxt is not None and (nxt[2] >= WEAK or nxt[0] in _LANG_NEIGHBOURS))
                        or (i == n - 1 and t.isupper())
                    ):
                        continue
                elif not (
                    (prv is not None and (prv[0] == "lang" or (len(t) == 3 and prv[2] >= WEAK)))
                    or (nxt is not None and (nxt[0] == "lang" or (len(t) == 3 and nxt[2] >= WEAK)))
                ):
                    continue
            if (
                kind == "sublang"
                or (i > 0 and (lows[i - 1] in _SUB_WORDS or (sub_run and prv is not None and (prv[0] == "lang"))))
                or (i + 1 < n and lows[i + 1] in _SUB_WORDS and not ("-" in seps[i + 1] and len(seps[i + 1]) > 1))
            ):
                sub_run = True
                for code in value:
                    if code not in subs:
                        subs += (code,)
                continue
            sub_run = False
            if st == WEAK and prv is None and nxt is None and i != n - 1:
                continue
            for code in value:
                if code not in langs:
                    langs += (code,)
            if not value and "MULTI" not in flags:
                flags += ("MULTI",)
        elif kind == "flag":
            if soft_end < 0 and i > 0:
                soft_end = i
            f = info[1]
            if not intech:
                nxt = infos[i + 1] if i + 1 < n else None
                if not ((f == "UPDATE" or f == "CRACKFIX") and i > 0 and nxt is not None and nxt[0] == "num"):
                    continue
                # "Title.Update.1.12", "Title.Hotfix.2": an update and its number, not an episode
                tend = i
                j = i + 1
                while j < n and (j == i + 1 or seps[j] == ".") and lows[j].isdecimal() and j - i < 6:
                    infos[j] = _CONT
                    j += 1
                if version is None:
                    version = ".".join(lows[i + 1 : j])
                    update_number = True
            if f == "REAL" and not toks[i].isupper():
                continue
            if f not in flags:
                flags += (f,)
        elif kind == "ed":
            if not intech:
                continue
            if value not in editions:
                editions += (value,)
            if value == "limited" and "LIMITED" not in flags:
                flags += ("LIMITED",)
        elif kind == "svc":
            if intech and service is None:
                service = info[1]
        elif kind == "hdr":
            if intech and value not in hdr:
                hdr += (value,)
        elif kind == "ach":
            if intech:
                channels = info[1]
        elif kind == "plat":
            if soft_end < 0:
                soft_end = i
            if platform is None and (st == STRONG or intech):
                platform = info[1]
        elif kind == "ver":
            if soft_end < 0:
                soft_end = i
            if version is None or update_number:  # "Hotfix.18.v4.1.1": the build, not the hotfix's number
                update_number = False
                parts_v = [info[1]]
                j = i + 1
                while j < n and seps[j] == "." and _VERSION_PART.fullmatch(lows[j]) and len(parts_v) < 6:
                    parts_v.append(lows[j])
                    infos[j] = _CONT
                    j += 1
                version = ".".join(parts_v)
        elif kind == "cat":
            if (
                st == STRONG
                or intech
                or (value in ("xxx", "ebook", "audiobook") and i > 0)
                or (st == NEVER and "_" not in s)  # "...for.Omnisphere": anywhere, but not in a music layout
            ):
                cats += (value,)
        elif kind == "music":
            music_tokens += 1
            if value == "WAV" or value == "AIFF":
                sample_tokens += 1
        elif kind == "sport":
            if i == 0 or (value == "*" and not intech):
                sport_first = True
        elif kind == "month":
            month_seen = True
        elif kind == "course":
            # a publisher counts only where the title starts ("Noel_Pearson-..." is music)
            if value == "*" or i == 0 or value == "ISO":
                course = True
            if value == "*" or value == "ISO":
                course_tag = True
            if value != "ISO":
                course_word = True
            if i == 0 and value != "*" and value != "ISO":
                course_pub = value  # "Pluralsight.Angular.Getting.Started": publisher, then the title
                course_title = i + 1
                while course_title < n and infos[course_title] is _CONT:
                    course_title += 1
        elif kind == "vword":  # "Build.12345", "Build.24.10.2019"
            if i + 1 < n and lows[i + 1].isdecimal() and i > 0:
                j = i + 2
                while j < n and seps[j] == "." and lows[j].isdecimal() and j - i < 5:
                    infos[j] = _CONT
                    j += 1
                if version is None:
                    version = ".".join(lows[i + 1 : j])
                infos[i + 1] = _CONT
                if soft_end < 0:
                    soft_end = i
                if tend < 0:
                    tend = i
    if tend < 0:
        tend = n
    if anime_ctx and "vol" in lows:
        k = lows.index("vol")
        if 0 < k < tend and k + 1 < n and lows[k + 1][:1].isdigit():
            tend = k  # "[Group] Title - Vol.1v2 (BD, 720p)": a disc's volume, not part of the title
    if group is None and not bracket_group and 0 < tend < n - 2:
        group = _trailing_tag(toks, seps, infos, n, tend)
    if episode_word and not sxe_seen and year_after_idx > ep_first >= 0 and len(episodes) == 1 and not seasons:
        # "Star.Wars.Episode.1.Title.1999": a numbered film, not an episode
        episodes.clear()
        tend = year_after_idx
        years_before.append(year_after_idx)
        first_year_after = None
        ep_first = ep_last = -1

    # ---- year and title end
    te = tend
    year = None
    if years_before:
        y = years_before[-1]
        year = infos[y][1]
        te = y if y > 0 else tend
    elif first_year_after is not None:
        year = first_year_after
    if 0 < date_idx < te:
        te = date_idx
    if year is None and air_date:
        year = int(air_date[:4])
    if year is None and seasons and 1900 <= seasons[0] <= 2039:
        year = seasons[0]  # "Show.S2014E18": the season is the year
    if (
        year is None
        and n > 2
        and infos[0] is not None
        and infos[0][0] == "year"
        and infos[1] is None
        and (first_year_after is None)
    ):
        year = infos[0][1]  # "2008 The Incredible Hulk": a leading year is the year when no other follows
        tstart_year = 1
    else:
        tstart_year = 0

    # anime absolute numbering / bare episode numbers in the title region
    tstart = tstart_year
    if not episodes and not seasons and air_date is None and nums:
        cand = -1
        pair = _number_pair(nums, lows, seps, infos, n, tend, anime_ctx)
        if pair is not None:
            i, s_, e_ = pair
            seasons.append(s_)
            episodes.append(e_)
            if i == 0:
                tstart = 2
            elif i < te:
                te = i
            ep_first = i
            ep_last = i + 1
            nums = []
        elif nums[0] == 0 and (
            (
                n > 1
                and len(lows[0]) <= 3
                and ("-" in seps[1] or lows[0][0] == "0" or ("." in seps[1] and " " in seps[1]))
                # "[Crew] 86 - 01 [1080p]": a number, then the episode and the technical part; the first is the title
                and not (te == 2 and nums[1:2] == [1] and "-" in seps[1] and lows[0][0] != "0")
            )
            or (te == 1 and bracket_group and group and infos[0][1] < 2000)
        ):
            # "01 - Title", "004 - Episode Name", "611-612 - Name"; and "[Keroro].148.[Xvid.mp3]": nothing but a
            # number before the technical part, so the bracket is the title (below: a title-less bracket group)
            cand = 0
            tstart = 1
            nums = []
        for i in nums:
            if i >= te:
                if (
                    (i <= te + 1 or (i == te + 2 and infos[te + 1] is _CONT))  # a phrase: "HD REMASTER"
                    and infos[i][1] < 2000
                    and seps[i][-1:] == "["
                    and i + 1 < n
                    and "]" in seps[i + 1]
                ):
                    cand = i  # "Title HD REMASTER][07][720p]": a bracketed number right after the title
                elif i == te + 1 and infos[i][1] < 2000 and seps[te][-1:] in _OPENERS and seps[i][:1] in _CLOSERS:
                    if "-" in seps[i] and len(seps[i]) > 2:
                        cand = i  # "Title (DVD) - 02": the number after a bracketed technical token
                break
            if i > 0 and infos[i][1] < 2000 and lows[i - 1] != "no":  # "Blue Submarine No.6": a title
                sp = seps[i]
                if (
                    i + 2 == te
                    and (sp == "_" or sp == " ")
                    and seps[i + 1] == "-"
                    and infos[i + 1] is not None
                    and infos[i + 1][0] == "num"
                    and 0 < infos[i + 1][1] - infos[i][1] <= 300
                ):
                    cand = i  # "Show_Name_13-15_[BD]": a range of episodes right before the technical part
                    break
                if ("-" in sp and len(sp) > 1) or sp.endswith("#"):
                    cand = i
                    break
                if anime_ctx and (
                    i == te - 1
                    or (seps[i + 1] and seps[i + 1][-1] in _OPENERS)
                    or (i == te - 2 and seps[i + 1] == "." and lows[i + 1] == "5")  # "Show_02.5_[CRC]": a half
                ):
                    cand = i
                    break
        if cand < 0 and anime_ctx and not episodes:  # after a pair ("- 1-12"), its numbers are taken
            for i in range(te, n):
                info = infos[i]
                if info is not None and info[0] == "num" and info[1] < 2000:
                    cand = i
                    break
                if info is not None and info[2] == STRONG and info[0] != "cont":
                    break
        if cand < 0 and 1 < te < n and te == tend and year is None and not anime_ctx:
            # old scene numbering before the technical part: "Show.103.720p.HDTV" = S01E03, "Show.103.104" = E03-E04
            k = te - 1
            info = infos[k]
            if (
                info is not None
                and info[0] == "num"
                and 3 <= len(lows[k]) <= 4
                and 0 < info[1] % 100 <= 40
                and (
                    (lows[k][0] != "0" and (source == "tv" or source == "web" or source == "dvd"))
                    or (len(lows[k]) == 4 and lows[k][0] == "0" and lows[k][1] != "0")  # "Show.0106.720p": S01E06
                )
            ):
                first = info[1]
                prv = infos[k - 1] if k > 1 else None
                if (
                    prv is not None
                    and prv[0] == "num"
                    and seps[k] == "."
                    and len(lows[k - 1]) == len(lows[k])
                    and prv[1] // 100 == info[1] // 100
                    and 0 < info[1] - prv[1] <= 10
                ):
                    first = prv[1]
                    k -= 1
                seasons.append(info[1] // 100)
                episodes.extend(range(first % 100, info[1] % 100 + 1))
                ep_first = k
                ep_last = te - 1
                te = k
        if cand < 0 and not seasons:
            for i in nums:
                if i >= tend or i == 0:
                    break
                lo = lows[i]
                nxt = infos[i + 1] if i + 1 < n else None
                if i != tend - 1 or (nxt is not None and nxt[0] == "year"):
                    if (
                        len(lo) == 2
                        and lo[0] == "0"
                        and year is None
                        and (resolution is not None or source is not None)
                        and seps[i] == "."
                        and infos[i - 1] is None
                        and lows[i - 1].isalpha()
                        and lows[i - 1] not in NUMBERED_WORDS
                        and infos[i + 1 : tend].count(None) == tend - i - 1
                    ):
                        cand = i  # "Show.08.A.Detective.Story.720p.BluRay": a padded number, then its episode's title
                        break
                    continue
                if len(lo) == 2 and (lo[0] == "0" or (nxt is not None and nxt[0] == "src" and nxt[1][0] == "tv")):
                    cand = i  # "Show.07.PDTV", "Test.13.HDTV"
                    break
        if cand >= 0:
            prv = infos[cand - 1] if cand > tstart else None
            if prv is not None and prv[0] == "num" and _opens_range(lows[cand - 1], seps[cand], infos[cand][1]):
                cand -= 1  # "Show (01-25) [Batch]", "Show 01 - 119": a padded number dashed to this one opens a range
            episodes.append(infos[cand][1])
            range_end = cand
            nxt = infos[cand + 1] if cand + 1 < n else None
            if (
                nxt is not None
                and nxt[0] == "num"
                and ("-" in seps[cand + 1] or "~" in seps[cand + 1])
                and (0 < nxt[1] - episodes[0] <= 300)
            ):
                episodes.extend(range(episodes[0] + 1, nxt[1] + 1))
                range_end = cand + 1
                if cand == 0:
                    tstart = 2
            if cand < te:
                te = cand
            ep_first = cand
            ep_last = range_end

    # ---- category
    if course_pub is not None and not course_tag and "_" in s and "-" in s and _ends_year(s):
        # "Pearson_Sound-Alien_Mode-(HES037)-WEB-2020": an artist who shares a publisher's name, in the music layout
        course = course_word = False
        course_pub = None
    if (
        has_video_src
        and "_" in s
        and resolution is None
        and video_codec is None
        and "musicvideo" not in cats
        and (source_detail == "DVB" or "flac" in audio or "mp3" in audio)
    ):
        # the music layout: "Artist-Live_at_X-DVBS-2019" is a radio capture off a satellite, and
        # "Artist-Album-BONUS-DVD-FLAC-2019" the audio of a disc; neither is a video
        has_video_src = False
    has_video = resolution is not None or video_codec is not None or has_video_src or bool(hdr)
    if sp_episode and not has_video and not anime_ctx and len(episodes) == 1:
        episodes.clear()  # "Suite.v2016.SP2": a service pack, not an episode
        ep_first = ep_last = -1
    has_ep = bool(seasons or episodes or air_date)
    if audio and not has_video and not has_ep and not music_tokens and ("flac" in audio or "mp3" in audio):
        music_tokens = 1  # "Artist.-.Album.(2020).FLAC": a lossless or MP3 rip with no picture is music
    has_picture = resolution is not None or video_codec is not None or bool(hdr)
    if (
        has_picture
        and not cats
        and platform is None
        and not sport_first
        and not course
        and not bracket_group
        and "_" not in s
        and ("." in s or " " in s)
    ):
        category: str | None = "tv" if has_ep else "movie"  # the common case, decided without the full rules
    else:
        category = _category(
            cats,
            has_video,
            has_ep,
            platform,
            version,
            flags,
            s,
            seasons,
            episodes,
            music_tokens,
            anime_ctx and bracket_group,
            sport_first,
            air_date,
            year,
            source,
            has_picture,
            course,
            lows,
            sample_tokens,
            ep_marker,
        )
    if category == "movie" and source == "tv":
        category = "tv"  # a capture of a broadcast (HDTV, PDTV, DSR ...) is a TV release, film or not
    elif category == "movie" and bracket_group and crc and not cats:
        category = "anime"  # "[Crew]_Title_(BD_1080p)_[CRC32]": a fansub batch or film, episode or not
    elif category == "movie" and "series" in lows and _complete_series(lows):
        category = "tv"  # "Title.Complete.Series.DVDRip": every season of a show
    # the announced section and the group prior, for what the name leaves open
    hint, one = _section_entry(section) if section else _NO_SECTION
    weak = category is None or _weak(category, has_video, cats, platform, version, flags, music_tokens)
    if one and weak:
        category = hint  # a section that names one category beats weak evidence
    else:
        verdict = prior.get(group.lower()) if (weak and prior and group) else None
        if verdict is not None and not _prior_fits(verdict, category, hint, has_video, version, course_pub):
            verdict = None
        if verdict is not None:
            category = verdict
        elif hint is not None:
            if category is None:
                category = hint
            elif category == "movie" and hint in ("tv", "anime", "sports", "xxx", "musicvideo"):
                category = hint
            elif category == "tv" and hint in ("anime", "sports", "xxx"):
                category = hint
            elif category == "music" and hint in ("audiobook", "musicvideo"):
                category = hint
    if category is None:
        category = "other"
    elif course and category == "software" and course_word:
        flags += ("TUTORIAL",)
    if category == "other" and _video_file(name):
        category = "tv" if has_ep else "movie"  # "The_Italian_Job.mkv": a video file, nothing else to go on

    # ---- title
    title = artist = album = publisher = episode_title = fmt = None
    if category in _MUSIC_CATEGORIES and (category != "musicvideo" or "_" in s or "." not in s):
        if last_year is not None:
            year = last_year
        artist, album, title, langs = _music_fields(s, langs)
    else:
        end = te
        if category == "game" or category == "software":
            end = soft_end if soft_end > 0 else tend
            if category == "game":
                # "Some_Game_USA_FULLDVD_PS2", "Some_Game_PAL_GERMAN_PS1": region, disc and language words that
                # stand before the platform close the title (upper case for languages: "The_Italian_Job_PAL")
                while end - 1 > tstart and _release_tag(toks[end - 1], lows[end - 1], infos[end - 1]):
                    end -= 1
            if course_pub is not None and course_title < end:
                tstart = course_title
                publisher = course_pub
        elif (
            end - 1 > tstart
            and infos[end - 1] is not None
            and infos[end - 1][0] == "country"
            and (toks[end - 1].isupper())
        ):
            end -= 1  # "Riverdale.US.S05": the country is not part of the title
        monthly = (
            month_seen
            and category == "tv"
            and not has_ep
            and tstart < end - 1 < n - 1
            and infos[end] is not None
            and infos[end][0] == "year"
            and infos[end - 1] is not None
            and infos[end - 1][0] == "month"
            and lows[end - 1] not in MONTH_SHORT
            and lows[end - 2] not in TITLE_LINKS
            and not (infos[end - 2] is not None and infos[end - 2][0] in ("num", "ord"))  # "Utoya.22.Juli.2018"
            and "DOCU" not in flags  # "The.Hottest.August.2019.DOCU.HDTV": a documentary's title
        )
        if monthly:
            end -= 1  # "Le.Journal.Du.Hard.Janvier.2019.FRENCH.HDTV": a monthly show's issue, not its title
            date_idx = end
        if end > tstart:
            title = " ".join(toks[tstart:end])
            if not title.isascii() and _CJK.search(title):
                title = _latin_title(toks, seps, infos, tstart, end) or title
        if ep_first >= 0:
            j = ep_last + 1
            while j < n and infos[j] is _CONT:
                j += 1
            if anime_ctx and j < n and lows[j] == "5" and seps[j] == ".":
                j += 1  # "02.5": the half episode's ".5"
            k = j
            if (
                j < n
                and seps[j]
                and seps[j][-1] in _OPENERS
                and (anime_ctx or (seps[ep_first] and seps[ep_first][-1] in _OPENERS))
            ):
                # "[07][Big5]", "[24（END）]": in a fansub name, or after an episode in brackets, a bracket opening
                # right after the episode holds a tag, not a title ("S06E04.(K)ein.Tag" is a title)
                j = k = n
            while k < n and (infos[k] is None or (infos[k][2] == NEVER and infos[k][0] not in ("year", "date"))):
                if k > j and seps[k] and seps[k][-1] in _OPENERS:
                    break
                k += 1
            if k > j:
                episode_title = " ".join(toks[j:k])
                if title is None and ep_first == 0:
                    title, episode_title = episode_title, None
        if category == "ebook" and title:
            title, publisher = _ebook_title(toks, seps, 0, end, lows)
        if air_date is None and month_seen:
            d, cut, with_day = _month_date(infos, lows)
            if d is not None and (with_day or monthly or category in ("ebook", "music", "sports", "xxx")):
                air_date = d
                if year is None:
                    year = int(d[:4])
                if cut is not None and title and category == "ebook":
                    title, publisher = _ebook_title(toks, seps, 0, cut, lows)
        if title is None and bracket_group and group:
            title, group = group, None
        if title is not None:
            title = title.strip(" -&") or None
        if category == "ebook":
            for i in range(n):
                info = infos[i]
                if (
                    info is not None
                    and info[0] == "cat"
                    and info[1] == "ebook"
                    and (lows[i] not in ("ebook", "magazine", "comic", "e"))
                ):
                    fmt = toks[i].upper()

    if category == "xxx" and air_date is None and 0 < tstart + 1 < n:
        # "Site.23.05.02.Performer.Name.XXX": a two-digit-year date after the site's name (one to three words).
        # Like a daily show's, the title is the site's name and the scene is the episode's title.
        for i in range(tstart + 1, min(tstart + 4, n - 2)):
            if infos[i - 1] is not None and infos[i - 1][2] != NEVER:
                break
            if len(lows[i]) == len(lows[i + 1]) == len(lows[i + 2]) == 2 and "".join(lows[i : i + 3]).isdecimal():
                m_, d_ = int(lows[i + 1]), int(lows[i + 2])
                if 1 <= m_ <= 12 and 1 <= d_ <= 31:
                    air_date = f"20{lows[i]}-{m_:02d}-{d_:02d}"
                    year = int(air_date[:4])
                    title = publisher = " ".join(toks[tstart:i])
                    date_idx = i
                    k = i + 3
                    while k < n and (infos[k] is None or infos[k][2] == NEVER):
                        k += 1
                    episode_title = " ".join(toks[i + 3 : k]) or None
                break
    if category in _VIDEO_CATEGORIES and (category != "other" or has_video):
        typ = "episode" if (seasons or episodes or date_idx >= 0) else "movie"
    else:
        typ = None
    return (
        name,
        title,
        year,
        seasons[0] if seasons else None,
        episodes[0] if episodes else None,
        air_date,
        resolution,
        source,
        video_codec,
        audio[0] if audio else None,
        langs,
        group,
        category,
        flags,
        service,
        platform,
        version,
        tuple(seasons),
        tuple(episodes),
        episode_title,
        editions,
        hdr,
        audio,
        channels,
        source_detail,
        artist,
        album,
        publisher,
        fmt,
        typ,
        subs,
    )


def _in_artist(seps: list[str], i: int) -> bool:
    """Whether token ``i`` stands before the first dash of a name (a music name's artist)."""
    return not any("-" in sp for sp in seps[1 : i + 1])


def _release_tag(tok: str, low: str, info: tuple | None) -> bool:
    """Whether a word just before a game's platform is a tag of the release rather than a word of its title."""
    if low in REGION_WORDS:
        return True
    if info is None or not tok.isupper():
        return False
    if info[0] == "src":
        return info[1][0] in ("dvd", "bluray")  # a disc, not "Buzz.Quiz.TV.EUR"
    # (a two-letter language or country is a Roman numeral or a word as often: "Civilization_VI", "Fable_II")
    return info[0] == "flag" or (info[0] in ("lang", "country") and len(tok) >= 3)
