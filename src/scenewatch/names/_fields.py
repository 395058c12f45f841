"""Field rules that need the whole token sequence: category, music and e-book fields, dates, number pairs."""

from __future__ import annotations

import re

from scenewatch.names._tables import (
    LANG_CODES,
    STRONG,
    VIDEO_EXTENSIONS,
    WEAK,
)
from scenewatch.names._tokens import (
    _CJK,
    _CONT,
    _DESKTOP_PLATFORMS,
    _ISSUE_WORDS,
    _KIND_OF,
    _MUSIC_SPLIT,
    _PROGRAM_CATEGORIES,
    _SOFTWARE_PLATFORMS,
    _VIDEO_CATEGORIES,
    _info,
)


def _tech_follows(infos: list, n: int) -> bool:
    """A name that opens with a weak token followed by technical ones is a fragment: "English.720p"."""
    nxt = infos[1] if n > 1 else None
    return nxt is not None and nxt is not _CONT and (nxt[2] >= WEAK or nxt[0] == "lang")


# technical tokens a P2P tag follows ("...720p.BluRay.x264.YIFY", "... AC3 5.1 CtrlHD", "...Hindi.Eng.ETRG")
_LATIN_TAIL = re.compile(r"(?![IVX]+$)[A-Za-z][!-~]+$")  # a Latin word glued after CJK, not a roman numeral
_TAG_AFTER = frozenset(("src", "srcv", "res", "vc", "ac", "acch", "ach", "hdr", "lang", "flag", "ed", "svc"))


def _trailing_tag(toks: list[str], seps: list[str], infos: list, n: int, tend: int) -> str | None:
    """A release tag with no dash: an unknown last word right after two or more technical tokens, bare or alone
    in the last bracket ("... 1080p BluRay (YIFY)", "[x264 AC3] [NTb]")."""
    last = toks[n - 1]
    if infos[n - 1] is not None or not (2 <= len(last) <= 16 and last.isalnum()) or last.isdecimal():
        return None
    opener = seps[n - 1].strip(" ._-")
    if not seps[n - 1] or (opener and opener not in ("[", "(")):
        return None
    j = n - 2
    while j > tend and infos[j] is _CONT:
        j -= 1  # "5.1": the channel digits belong to the audio token before them
    prv = infos[j]
    if prv is None or prv[0] not in _TAG_AFTER:
        return None
    if prv[0] == "lang" and j == n - 2:
        for k in range(n - 2, max(tend, n - 6) - 1, -1):
            sp = seps[k].rstrip(" ._-")
            if sp:
                if sp[-1] in "[(":
                    return None  # "... [Eng Sub]": a word after a language inside a bracket is no release tag
                break
    tech = 0
    for k in range(tend, n - 1):
        info = infos[k]
        if info is not None and info[0] in _TAG_AFTER:
            tech += 1
    return last if tech >= 2 else None


def _latin_title(toks: list[str], seps: list[str], infos: list, start: int, end: int) -> str | None:
    """The Latin-script title beside a CJK one: "超能警探.Memorist", "进击的巨人 (Attack on Titan) - 05"."""
    # runs of Latin words, cut by CJK words, slashes and brackets; "刀剑神域: Alicization / Sword Art Online":
    # the run after a slash is the translated title, else the longest run is
    best: list[str] = []
    after_slash: list[str] = []
    run: list[str] = []
    slashed = False
    for k in range(start, end + 1):
        tok = toks[k] if k < end else ""
        sep = seps[k] if k < len(seps) else ""
        cjk = k < end and _CJK.search(tok) is not None
        if k == end or cjk or (k > start and ("/" in sep or "[" in sep or "]" in sep or sep == " _ ")):
            if any(c.isascii() and c.isalpha() for t in run for c in t):
                if slashed:
                    after_slash = run
                elif len(run) > len(best):
                    best = run
            run = []
            slashed = "/" in sep or sep == " _ "
        if k == end:
            break
        if cjk:
            tail = _LATIN_TAIL.search(tok)  # "巴哈姆特之怒Sword": the Latin word glued to the CJK one
            if tail is not None:
                run.append(tail.group())
            continue
        run.append(tok)
    if after_slash:
        return " ".join(after_slash)
    if best:
        # "【巴哈姆特之怒 Virgin Soul】【Shingeki no Kyojin】【24】": a whole bracket of Latin words after the title's
        # bracket is its translation; a Latin run inside the CJK title is only a part of it
        words = _plain_bracket(toks, seps, infos, end)
        return " ".join(words if len(words) >= len(best) else best)
    # all CJK: a bracketed Latin title after it, in the next bracket or the one after ("[04月新番][葬送的芙莉莲 /
    # Sousou no Frieren][12]", "[进击的巨人][Shingeki no Kyojin]"); the title's words may be weak tokens ("no")
    n = len(toks)
    k = end
    for _ in range(2):
        if k >= n or seps[k][-1:] not in "([":
            break
        words: list[str] = []
        while k < n:
            info, tok = infos[k], toks[k]
            if _CJK.search(tok) or (info is not None and info[2] == STRONG):
                words = []  # "葬送的芙莉莲 / Sousou": the Latin title follows the CJK one
            else:
                words.append(tok)
            k += 1
            if k < n and (")" in seps[k] or "]" in seps[k]):
                break
        if words and any(c.isascii() and c.isalpha() for c in words[0]):
            return " ".join(words)
    return None


def _plain_bracket(toks: list[str], seps: list[str], infos: list, k: int) -> list[str]:
    """The words of the bracket opening at token ``k`` when all are Latin-script and none is technical, else []."""
    n = len(toks)
    if k >= n or seps[k][-1:] != "[":
        return []
    words: list[str] = []
    while k < n:
        info = infos[k]
        if _CJK.search(toks[k]) or (info is not None and info[2] == STRONG):
            return []
        words.append(toks[k])
        k += 1
        if k < n and "]" in seps[k]:
            break
    return words if any(c.isascii() and c.isalpha() for c in words[0]) else []


def _video_file(name: str) -> bool:
    """Whether the name ends in a video file's extension (".mkv", ".avi" ...)."""
    dot = name.rfind(".")
    return dot > 0 and name[dot + 1 :].lower() in VIDEO_EXTENSIONS


def _has_kind(infos: list, kind: str) -> bool:
    """Whether any token was classified as ``kind``."""
    for info in infos:
        if info is not None and info[0] == kind:
            return True
    return False


def _opens_range(first: str, sep: str, second: int) -> bool:
    """Whether a padded number dashed to ``second`` opens a range: "01-12", "(01-25)", "01 - 119"."""
    return len(first) > 1 and first[0] == "0" and ("-" in sep or "~" in sep) and 0 < second - int(first) <= 300


def _number_pair(nums: list[int], lows, seps, infos, n: int, tend: int, anime: bool) -> tuple[int, int, int] | None:
    """Season and episode written as two numbers: "[5.01] Title", "Show - 6.01 - Name", "office_03_19"; in a
    fansub name (``anime``) a dashed pair after " - " is a range instead ("[Crew] Show - 11-12 [CRC]")."""
    for k in range(len(nums) - 1):
        i = nums[k]
        if nums[k + 1] != i + 1:
            continue
        a, b = lows[i], lows[i + 1]
        sp = seps[i + 1]
        if len(a) > 2 or infos[i][1] == 0 or not (a.isascii() and a.isdigit() and b.isascii() and b.isdigit()):
            continue
        before = seps[i] if i > 0 else ""
        if sp == "-" and (
            _opens_range(a, sp, int(b)) or 20 <= int(a) < int(b) or (anime and "-" in before and int(a) < int(b))
        ):
            continue  # "Show - 01-12", "[88-91]": a range of episodes, not a season and an episode
        if sp in (".", "-") and 2 <= len(b) <= 3 and (i == 0 or "[" in before or ("-" in before and len(before) > 1)):
            return i, int(a), int(b)
        if sp in ("_", ".") and len(b) == 2 and i > 0 and (i + 2 == n or i + 2 == tend) and (before in ("_", ".", "-")):
            return i, int(a), int(b)
    return None


def _date_around(i: int, lows: list[str], seps: list[str], n: int) -> tuple[str, int, int] | None:
    """YYYY.MM.DD / DD.MM.YYYY / MM.DD.YYYY around the year token at ``i``: (date, start, stop)."""
    # a date keeps one separator throughout: "20-1.2014.S02E01" is the show "20-1" of 2014
    y = int(lows[i])
    if i + 2 < n and seps[i + 1] == seps[i + 2]:
        a_, b_ = lows[i + 1], lows[i + 2]
        if len(a_) <= 2 and len(b_) <= 2 and a_.isdecimal() and b_.isdecimal():
            a, b = int(a_), int(b_)
            if 1 <= a <= 12 and 1 <= b <= 31:
                return f"{y:04d}-{a:02d}-{b:02d}", i, i + 3
            if 1 <= b <= 12 and 1 <= a <= 31:
                return f"{y:04d}-{b:02d}-{a:02d}", i, i + 3
    if i >= 2 and seps[i - 1] == seps[i]:
        a_, b_ = lows[i - 2], lows[i - 1]
        if len(a_) <= 2 and len(b_) <= 2 and a_.isdecimal() and b_.isdecimal():
            a, b = int(a_), int(b_)
            if 1 <= b <= 12 and 1 <= a <= 31 and not (a <= 12 < b):
                return f"{y:04d}-{b:02d}-{a:02d}", i - 2, i + 1
            if 1 <= a <= 12 and 1 <= b <= 31:
                return f"{y:04d}-{a:02d}-{b:02d}", i - 2, i + 1
    return None


def _category(
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
    bracket_group,
    sport_first,
    air_date,
    year,
    source,
    has_picture,
    course,
    lows,
    sample_tokens,
    ep_marker,
) -> str | None:
    """Category from the evidence collected in the name."""
    if cats:
        if "xxx" in cats:
            return "xxx"
        if "ebook" in cats and not has_video and (version is None or "ebook" in lows or "magazine" in lows):
            return "ebook"  # but "PDF.Converter.v3.1" is an application
        if "audiobook" in cats and not has_video:
            return "audiobook"
        if "software" in cats:
            return "software"
    if course and not has_video:
        return "software"  # a course (Lynda, Udemy, Pluralsight ... or a tutorial word), or an ISO of one
    if sample_tokens and sample_tokens == music_tokens and not has_video and not ep_marker and "." in s:
        if "_" not in s and " " not in s and not s[-4:].isdecimal():
            return "software"  # "Splice.Sounds.Drum.Kit.WAV": a sample pack, dotted like applications
    if platform is not None and not has_picture:
        if platform in _SOFTWARE_PLATFORMS:
            return "software"
        if platform not in _DESKTOP_PLATFORMS or version is None or "UPDATE" in flags or "DLC" in flags:
            return "game"
    if not has_video:
        if "game" in cats:
            return "game"
        gameish = "UPDATE" in flags or "DLC" in flags or "CRACKFIX" in flags or "RIP" in flags
        if not has_ep or (not ep_marker and not air_date and (gameish or version is not None)):
            # (an episode word with an update or a version and nothing technical: "Episode.3.Update.v1.62")
            if (
                platform is not None
                or "KEYGEN" in flags
                or "PATCH" in flags
                or "SERIAL" in flags
                or (version is not None and ("CRACKED" in flags or not gameish))
            ):
                return "game" if gameish else "software"
            if gameish:
                return "game"
    if "musicvideo" in cats and not seasons:
        return "musicvideo"  # "MVID", "MBluRay"
    if not seasons and (not has_video or "_" in s or "musicvideo" in cats or ("." not in s and " " not in s)):
        ends_year = _ends_year(s)
        if has_video:
            if "musicvideo" in cats or (
                ends_year and ("_" in s or (" " not in s and "." not in s and s.count("-") >= 2))
            ):
                return "musicvideo"
        elif not (episodes and not ends_year) and (
            music_tokens or (ends_year and ("_" in s or s.count("-") >= 2 or (" " not in s and "." not in s)))
        ):
            return "music"
    if "anime" in cats or (bracket_group and has_ep):
        return "anime"
    if sport_first and (has_video or air_date):
        return "sports"
    if has_ep:
        return "tv"
    if has_video or year is not None or source is not None:
        return "movie"
    return None


def _ends_year(s: str) -> bool:
    """Whether a name (its group cut off) ends with a year after a dash, as music does ("...-WEB-2020")."""
    tail = s.rstrip(")")
    return len(tail) > 5 and tail[-5] in "-_(" and tail[-4:].isdecimal() and tail[-4:-2] in ("19", "20")


def _weak(category, has_video, cats, platform, version, flags, music_tokens) -> bool:
    """Whether a category rests on weak evidence only, so that a section or the group prior may overrule it.

    Strong: picture or video-source tokens, category tokens (XXX, eBook, MVID ...), a console platform, software
    tool flags. Weak: a year or an episode word with nothing technical (a game, a course or a TV show?), a bare
    version (a game update or an application?), a music layout without music tokens, a desktop platform alone.
    """
    if has_video or cats:
        return False
    if platform is not None and platform not in _DESKTOP_PLATFORMS:
        return False
    if "KEYGEN" in flags or "SERIAL" in flags or "PATCH" in flags:
        return False
    if category == "music":
        return music_tokens == 0
    return category in _WEAK_CATEGORIES


_WEAK_CATEGORIES = frozenset(("movie", "tv", "software", "game", "other"))


def _prior_fits(verdict, category, hint, has_video, version, course_pub) -> bool:
    """Whether a group prior's verdict may replace a name's weak category: what the name says rules some out."""
    if not has_video and verdict in _VIDEO_CATEGORIES:
        return False  # a TV or film group's name without a single video token is not one of its videos
    if version is not None and verdict not in _PROGRAM_CATEGORIES:
        return False  # "App.v6.18.10824-GRP" from a group of two music releases: a version names a program
    if course_pub is not None and verdict != "software":
        return False  # "Lynda.com.Learning.Excel-GRP" is a course, whatever else the group releases
    # "Artist-Album-WEB-2020-TSM" in MP3/FLAC (music and audiobooks): the name and the section agree, and the one
    # game TSM is known for does not outvote them; an audiobook group still may
    return hint is None or hint != category or _KIND_OF.get(verdict) == _KIND_OF.get(category)


_FORMAT_KINDS = frozenset(("ac", "res", "vc", "src"))  # what ends an album's name: "Album_(2020)_FLAC"


def _music_fields(s: str, langs: tuple[str, ...]) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """Artist and album from ``Artist-Album-(CAT)-WEB-2020`` (the group already removed)."""
    if "." in s and "_" not in s and " " not in s:
        s = s.replace(".", "_")  # "Some.Artist-Some.Album-WEB-2020": dots stand for spaces as underscores do
    # a plain split when no bracket can hold a dash ("(Live_2019-06-21)" needs the regex)
    fields = [f for f in (s.split("-") if "(" not in s else _MUSIC_SPLIT.split(s)) if f.strip(" _")]
    if "_-_" in s:
        a, _, rest = s.partition("_-_")
        fields = [a, *[f for f in _MUSIC_SPLIT.split(rest) if f.strip(" _")]]
    artist = album = None
    if fields:
        artist = _clean(fields[0])
        for f in fields[1:3]:
            lo = f.strip(" _()").lower()
            info = _info(lo)
            if (info is None or info[0] == "month") and not lo.isdecimal():  # "Leiva-Diciembre-ES-CD-FLAC-2012"
                words = f.split("_")
                for k in range(1, len(words)):
                    w = words[k].strip("()[]").lower()
                    info = _info(w)
                    if (len(w) == 4 and w.isdecimal() and w[:2] in ("19", "20")) or (
                        info is not None and info[0] in _FORMAT_KINDS
                    ):
                        f = "_".join(words[:k])  # "Album_(2020)_FLAC": the album ends at its year or format
                        break
                album = _clean(f)
                break
    # languages written as -DE- between dashes
    for f in fields[1:]:
        if len(f) > 4 or not f.isupper():
            continue  # codes are two or three upper-case letters
        f = f.strip()
        code = LANG_CODES.get(f.lower())
        if code:
            for c in code:
                if c not in langs:
                    langs += (c,)
    return artist, album, album or artist, langs


def _bracket_ends_title(i: int, seps: list[str], infos: list) -> bool:
    """An opening bracket ends the title unless a plain word follows its closing bracket."""
    n = len(seps)
    for k in range(i + 1, min(n, i + 8)):
        sp = seps[k]
        if ")" in sp or "]" in sp or "}" in sp:
            return infos[k] is not None
    return True


def _clean(text: str) -> str | None:
    out = " ".join(text.replace("_", " ").split()).strip(" -")
    return out or None


def _ebook_title(toks, seps, start, end, lows):
    """Publisher before a " - " separator; issue numbers cut from the title."""
    publisher = None
    for i in range(start + 1, end):
        sp = seps[i]
        if "-" in sp and len(sp) > 1:
            publisher = " ".join(toks[start:i])
            start = i
            break
    for i in range(start + 1, end):
        lo = lows[i]
        if lo in _ISSUE_WORDS and i + 1 < len(lows) and lows[i + 1].isdecimal() and lo != "n":
            end = i
            break
        if len(lo) > 1 and lo[0] == "n" and lo[1:].isdecimal():
            end = i
            break
        if lo.isdecimal() and len(lo) <= 3 and i == end - 1:
            end = i
            break
    return " ".join(toks[start:end]) or None, publisher


def _month_date(infos, lows):
    """'15.Januar.2004', '9th_January_2001', 'September.2021' -> (date, index where the date starts)."""
    n = len(infos)
    for i in range(n):
        info = infos[i]
        if info is None or info[0] != "month":
            continue
        nxt = infos[i + 1] if i + 1 < n else None
        if nxt is None or nxt[0] != "year":
            continue
        y = nxt[1]
        day = 1
        cut = i
        prv = infos[i - 1] if i > 0 else None
        if (
            prv is not None
            and prv[0] in ("num", "ord")
            and 1 <= prv[1] <= 31
            and (i < 2 or lows[i - 2] not in _ISSUE_WORDS)
        ):
            day = prv[1]
            cut = i - 1
        return f"{y:04d}-{int(info[1]):02d}-{day:02d}", cut, cut < i
    return None, None, False
