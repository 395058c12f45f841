"""Release-name parser: tokenise once, classify tokens by table look-up, assemble fields.

Design (for speed, >100k names/s): one ``re.split`` per name, one dict look-up per token (cached),
a handful of anchored regexes only for tokens the tables do not know (their verdict is cached too).
The interface (ParsedName, parse, parse_many, parse_columns, STORE_COLUMNS) is what the rest of
scenewatch relies on.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from scenewatch.names._tables import (
    EXTENSIONS,
    GROUP_CATEGORY,
    LANG_CODES,
    NEVER,
    PHRASE_FIRST,
    PHRASES,
    SECTION_EXACT,
    SECTION_PREFIXES,
    STRONG,
    SUFFIXES,
    WEAK,
    WORDS,
)

# Columns the store keeps for every release, in this order, with their Arrow-friendly Python types.
STORE_COLUMNS: dict[str, str] = {
    "title": "str",
    "year": "int",
    "season": "int",
    "episode": "int",
    "air_date": "date",
    "resolution": "str",
    "source": "str",
    "video_codec": "str",
    "audio_codec": "str",
    "language": "list[str]",
    "group": "str",
    "category": "str",
    "flags": "list[str]",
    "service": "str",
    "platform": "str",
    "version": "str",
}

MAX_LEN = 512  # scene names are at most 255 characters; longer input is cut before parsing

_VIDEO_CATEGORIES = frozenset(("movie", "tv", "anime", "sports", "xxx", "musicvideo", "other"))
_REVISION_FLAGS = frozenset(("PROPER", "REPACK", "RERIP", "REAL"))
_MUSIC_CATEGORIES = frozenset(("music", "audiobook", "musicvideo"))
_SOFTWARE_PLATFORMS = frozenset(("WINDOWS", "X64", "X86", "SYMBIAN", "NGAGE", "ANDROID", "IOS", "DOX"))
_DESKTOP_PLATFORMS = frozenset(("MACOS", "LINUX"))
_ISSUE_WORDS = frozenset(("no", "nr", "issue", "ausgabe", "vol", "volume", "band", "heft", "n"))

# ----------------------------------------------------------------------------- tokeniser
_SPLIT = re.compile(r"([\s._,;+&|\[\](){}*~!?#/\\<>:\"=-]+)")
_OPENERS = frozenset("([{")
_DOTTED = re.compile(r"[A-Za-z0-9.']+")
_HEX8 = re.compile(r"[0-9A-Fa-f]{8}")
_PATHLIKE = re.compile(r"(?:^|\S)[/\\](?:\S|$)")
_PATH_SPLIT = re.compile(r"[/\\]+")
_OBFUSCATED = re.compile(r"[A-Za-z0-9]{16,}|[0-9a-f-]{24,}")
_REVERSED = re.compile(r"(?:^|[.\s_-])(?:p0801|p027|p0612|462[.]?h|562[.]?h|462x|562x)(?:$|[.\s_-])")
_SEASON_DIR = re.compile(r"(?i)(?:season|saison|series|staffel|temporada|s)[\s._-]*\d{1,4}")
_HAS_SEASON = re.compile(r"(?i)s\d{1,4}[ex]|\d{1,2}x\d{1,3}|season")
_EP_FIRST = re.compile(r"(?i)(?:e|ep|episode)?[\s._-]*\d{1,4}(?:[\s._-]|$)|s?\d{1,4}[ex]\d")
_TWICE = (0, 1)
_TRAIL = frozenset(" _.]")
_WORD = re.compile(r"[a-z0-9]+")
_GROUP_OK = re.compile(r"[^\s.\[\](){}/\\]+")
_CTRL = re.compile(r"[\x00-\x1f\x7f]")

# anchored patterns for tokens the tables do not know (result cached per token)
_RE_SXE = re.compile(r"s(\d{1,4})x?((?:(?:ep|e|x)\d{1,4})+)(?:v\d|[a-d])?")
_RE_MULTI_EP = re.compile(r"e(\d{1,4})((?:-?e\d{1,4})+)")
_RE_SEASON = re.compile(r"s(\d{1,3})(?:d\d{1,2})?")
_RE_EP = re.compile(r"(?:e|ep|episode|eps|ova|folge|f)(\d{1,4})(?:v\d)?")
_RE_NXM = re.compile(r"(\d{1,4})x(\d{1,3})((?:x\d{1,3})*)")
_RE_GLUED = re.compile(r"([a-z]{2,8})(x264|x265|h264|h265|xvid|divx|hevc)")
_WEBSITE = re.compile(
    r"(?i)^(?:ww+[.,\s][^\n]{0,40}?\s-\s|[\[{(]?www[.\s][^\s\]})]+[\]})]?(?:\s*-\s*|\s+))"
)
_WWW_START = frozenset("wW{[(")
_DDPLUS = re.compile(r"(?i)(?<![a-z])dd\+")
_STANDARD_HEIGHTS = frozenset((240, 360, 480, 540, 576, 720, 900, 1080, 1440, 2160, 4320))
_RE_MULTI_N = re.compile(r"multi\d{1,2}")
_RE_REVISION = re.compile(r"(proper|repack|rerip)\d")
_RE_ACX = re.compile(r"([a-z0-9]{2,6})x\d")
_RE_SUBLANG = re.compile(r"sub([a-z]{2,8})|([a-z]{2,8})subs?")
_RE_OF = re.compile(r"(\d{1,3})(?:of|iz|из)(\d{1,3})")
_RE_EPV = re.compile(r"(\d{1,4})v(\d)")
_RE_VER = re.compile(r"v(\d{1,5})")
_RE_RES = re.compile(r"(\d{3,4})([pi])(?:\d{2}|x|hd)?")
_RE_RESWH = re.compile(r"(\d{3,4})[x×](\d{3,4})[pi]?")
_RE_AC_CH = re.compile(r"(aac|ac3|dd|ddp|eac3|dts|truehd|opus|flac|pcm|lpcm)(\d)(\d?)")
_RE_NCD = re.compile(r"(\d{1,2})(cd|dvd|disc)")
_RE_NUM_PART = re.compile(r"(\d{1,4})[a-d]")
_RE_SPECIAL = re.compile(r"(?:sp|ex|ova|oad|ncop|nced|op|ed)(\d{1,3})[a-d]?")
_RE_ORD = re.compile(r"(\d{1,2})(st|nd|rd|th)")
_RE_DATE8 = re.compile(r"((?:19|20)\d\d)(\d\d)(\d\d)")
_RE_SEASONWORD = re.compile(r"(?:saison|season|temporada|staffel)(\d{1,2})")

_CONT = ("cont", None, STRONG)  # a token consumed by the token before it
_DIGIT_EP = ("num", 0, NEVER)

_CACHE_MAX = 500_000
_POST_WORDS = {
    w: k
    for k, ws in (
        ("ep", ("seriya", "serija", "seria", "serya", "ser", "серия", "серии", "epizod", "bolum", "bölüm")),
        ("season", ("sezon", "sez", "сезон", "sezona")),
    )
    for w in ws
}
_SUB_WORDS = frozenset(("sub", "subs", "st", "subtitle", "subtitles", "subtitulos", "legenda", "sottotitoli"))
_RANGE_WORDS = frozenset(("to", "and", "a", "au", "bis", "til", "al", "ao"))
_BEFORE_YEAR = frozenset(("lang", "ed", "tech"))
_NOT_GROUP = frozenset(("res", "vc", "ac", "ach", "hdr", "ed", "lang", "sxe", "nxm", "cont"))
_LIST_SEPS = frozenset(("-", "+", "&", ".&.", " & ", "_&_", " + "))
_ROMAN = {
    r: ("num", v, NEVER)
    for v, r in enumerate(
        ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"), 1
    )
}
_LANG_NEIGHBOURS = frozenset(("lang", "year", "date"))
_MUSIC_SPLIT = re.compile(r"-(?![^(]*\))")


def _classify(lo: str) -> tuple | None:
    """Classify a lower-case token the tables do not hold (first sight only; cached)."""
    if lo.isdecimal():
        if len(lo) > 8:
            return None
        v = int(lo)
        if len(lo) == 4 and 1900 <= v <= 2039:
            return ("year", v, NEVER)
        m = _RE_DATE8.fullmatch(lo)
        if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return ("date", f"{m.group(1)}-{m.group(2)}-{m.group(3)}", STRONG)
        return ("num", v, NEVER)
    if not lo or len(lo) > 24:
        return None
    if not lo.isascii():
        if lo[-1] in "ªº°" and lo[:-1].isdecimal() and len(lo) <= 3:
            return ("ord", int(lo[:-1]), NEVER)  # "4ª Temporada"
        return None
    c = lo[0]
    if lo.isalpha():
        # a plain word: only glued subtitle languages ("SubFR", "SWESUB") are technical
        if "sub" in lo:
            m = _RE_SUBLANG.fullmatch(lo)
            if m:
                info = WORDS.get(m.group(1) or m.group(2))
                if info is not None and info[0] == "lang" and info[1]:
                    return ("sublang", info[1], WEAK)
        return None
    if c == "s":
        m = _RE_SXE.fullmatch(lo)
        if m:
            eps = tuple(int(x) for x in re.findall(r"\d+", m.group(2)))
            return ("sxe", (int(m.group(1)), eps), STRONG)
        m = _RE_SEASON.fullmatch(lo)
        if m:
            return ("season", int(m.group(1)), STRONG)
    if c in "efo":
        m = _RE_EP.fullmatch(lo)
        if m:
            return ("ep", int(m.group(1)), STRONG)
        m = _RE_MULTI_EP.fullmatch(lo)
        if m:
            return ("sxe", (None, tuple(int(x) for x in re.findall(r"\d+", lo))), STRONG)
    if c in "eonsx":
        m = _RE_SPECIAL.fullmatch(lo)
        if m:
            return ("ep", int(m.group(1)), STRONG)  # anime specials: "SP01", "EX01", "ED2", "OP4a"
    if c == "v":
        m = _RE_VER.fullmatch(lo)
        if m:
            return ("ver", m.group(1), STRONG)
    if c.isdecimal():
        m = _RE_OF.fullmatch(lo)
        if m:
            return ("ep", int(m.group(1)), STRONG)
        m = _RE_NXM.fullmatch(lo)
        if m and (len(m.group(1)) <= 2 or 1900 <= int(m.group(1)) <= 2039):
            eps = (int(m.group(2)), *(int(x) for x in m.group(3).split("x") if x))
            return ("nxm", (int(m.group(1)), eps), STRONG)
        m = _RE_EPV.fullmatch(lo)
        if m:
            return ("epv", int(m.group(1)), STRONG)
        m = _RE_RES.fullmatch(lo)
        if m:
            return ("res", m.group(1) + "p", STRONG)
        m = _RE_RESWH.fullmatch(lo)
        if m:
            w, h = int(m.group(1)), int(m.group(2))
            if h in _STANDARD_HEIGHTS:
                return ("res", f"{h}p", STRONG)
            for lim, r in ((3800, "2160p"), (1900, "1080p"), (1270, "720p")):
                if w >= lim:
                    return ("res", r, STRONG)  # 1920x800 is a cropped 1080p
            return ("res", f"{h}p", STRONG)
        m = _RE_NCD.fullmatch(lo)
        if m:
            return ("music", lo.upper(), WEAK)
        m = _RE_ORD.fullmatch(lo)
        if m:
            return ("ord", int(m.group(1)), NEVER)
        m = _RE_NUM_PART.fullmatch(lo)
        if m:
            return ("num", int(m.group(1)), NEVER)  # "01b", "111C": part of an episode
    m = _RE_GLUED.fullmatch(lo)
    if m:
        src = WORDS.get(m.group(1))
        vc = WORDS.get(m.group(2))
        if src is not None and vc is not None and src[0] == "src" and vc[0] == "vc":
            return ("srcv", (src[1], vc[1]), STRONG)  # "HDTVx264"
    m = _RE_MULTI_N.fullmatch(lo)
    if m:
        return ("flag", "MULTI", WEAK)  # "MULTi10": ten languages
    m = _RE_REVISION.fullmatch(lo)
    if m:
        return ("flag", m.group(1).upper(), STRONG)  # "REPACK2", "PROPER3"
    m = _RE_ACX.fullmatch(lo)
    if m:
        info = WORDS.get(m.group(1)) or WORDS.get(m.group(1)[1:])
        if info is not None and info[0] == "ac":
            return info  # "AC3x2", "FLACx2", "QAACx2": two tracks
    m = _RE_SUBLANG.fullmatch(lo)
    if m:
        code = m.group(1) or m.group(2)
        info = WORDS.get(code)
        if info is not None and info[0] == "lang" and info[1]:
            return ("sublang", info[1], WEAK)  # "SubFR", "SWESUB", "NLsubs"
    m = _RE_AC_CH.fullmatch(lo)
    if m:
        base = WORDS.get(m.group(1))
        codec = base[1] if base else m.group(1)
        return ("acch", (codec, m.group(2) + "." + (m.group(3) or "0")), STRONG)
    m = _RE_SEASONWORD.fullmatch(lo)
    if m:
        return ("season", int(m.group(1)), STRONG)
    return None


class _TokenCache(dict):
    """Token -> classification; unknown tokens are classified on first sight (bounded size)."""

    def __missing__(self, lo: str) -> tuple | None:
        info = WORDS.get(lo)
        if info is None:
            info = _classify(lo)
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[lo] = info
        return info


_cache = _TokenCache()
_CACHE_GET = _cache.__getitem__
_info = _CACHE_GET


_section_cache: dict[str, str | None] = {}


def _section_category(section: str | None) -> str | None:
    if not section:
        return None
    try:
        return _section_cache[section]
    except KeyError:
        pass
    category = _section_lookup(section)
    if len(_section_cache) < 10_000:
        _section_cache[section] = category
    return category


def _section_lookup(section: str) -> str | None:
    key = section.strip().upper()
    if key in SECTION_EXACT:
        return SECTION_EXACT[key]
    for prefix, category in SECTION_PREFIXES:
        if key.startswith(prefix):
            return category
    return None


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, slots=True)
class ParsedName:
    """Structured fields of one release name (all optional except ``name``)."""

    name: str
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    air_date: str | None = None
    resolution: str | None = None
    source: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    language: tuple[str, ...] = ()
    group: str | None = None
    category: str | None = None
    flags: tuple[str, ...] = ()
    service: str | None = None
    platform: str | None = None
    version: str | None = None
    seasons: tuple[int, ...] = ()
    episodes: tuple[int, ...] = ()
    episode_title: str | None = None
    edition: tuple[str, ...] = ()
    hdr: tuple[str, ...] = ()
    audio_codecs: tuple[str, ...] = ()
    audio_channels: str | None = None
    source_detail: str | None = None
    artist: str | None = None
    album: str | None = None
    publisher: str | None = None
    format: str | None = None
    type: str | None = None
    subtitles: tuple[str, ...] = ()

    def __getattr__(self, attr: str) -> Any:
        # parse() leaves empty fields unset (it is faster); an unset field reads as its default
        try:
            return _DEFAULTS[attr]
        except KeyError:
            raise AttributeError(attr) from None

    @property
    def proper(self) -> bool:
        """True when the release is a revision (PROPER, REPACK, RERIP, REAL, v2 ...)."""
        return any(f in _REVISION_FLAGS or f == "V2" for f in self.flags)

    def to_dict(self) -> dict[str, Any]:
        """Answer in the common vocabulary (``../shared/data/parser/README.md``), empty fields left out."""
        d: dict[str, Any] = {}
        for key, value in (
            ("title", self.title),
            ("year", self.year),
            ("season", _one_or_list(self.seasons)),
            ("episode", _one_or_list(self.episodes)),
            ("date", self.air_date),
            ("resolution", self.resolution),
            ("source", self.source),
            ("source_detail", self.source_detail),
            ("video_codec", self.video_codec),
            ("audio_codec", list(self.audio_codecs)),
            ("audio_channels", self.audio_channels),
            ("hdr", list(self.hdr)),
            ("release_group", self.group),
            ("edition", list(self.edition)),
            ("language", list(self.language)),
            ("subtitle_language", list(self.subtitles)),
            ("type", self.type),
            ("category", self.category),
            ("episode_title", self.episode_title),
            ("service", self.service),
            ("platform", self.platform),
            ("version", self.version),
            ("flags", list(self.flags)),
            ("artist", self.artist),
            ("album", self.album),
            ("publisher", self.publisher),
            ("format", self.format),
        ):
            if value is not None and value != []:
                d[key] = value
        d["proper"] = self.proper
        return d


def _one_or_list(values: tuple[int, ...]) -> int | list[int] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


# ----------------------------------------------------------------------------- parsing
def _is_site(lo: str) -> bool:
    return lo.startswith("www") or lo.endswith((".com", ".org", ".net", ".re", ".to", ".ru", ".nu", ".cc"))


def _from_path(s: str) -> str:
    """The release name inside a path: the file name, or its folder when the file name is obfuscated;
    a "Season 06" folder and the show folder are kept when the file name does not carry them."""
    parts = [p.strip() for p in _PATH_SPLIT.split(s) if p.strip()]
    if not parts:
        return ""
    last = parts[-1]
    i = len(parts) - 1
    stem = last.rsplit(".", 1)[0] if "." in last else last
    if i > 0 and (_OBFUSCATED.fullmatch(stem) or _REVERSED.search(last.lower())):
        i -= 1
        last = parts[i]
    out = last
    if i > 0 and _SEASON_DIR.fullmatch(parts[i - 1]) and not _HAS_SEASON.search(last):
        out = parts[i - 1] + " " + out
        i -= 1
        if i > 0 and _EP_FIRST.match(last):
            out = parts[i - 1] + " " + out
    elif i > 0 and _EP_FIRST.match(last):
        out = parts[i - 1] + " " + out
    return out


# evidence that a path component is a release name: year, season, episode, date, resolution,
# source, video codec, audio codec, group
_EVIDENCE = (2, 3, 4, 5, 6, 7, 8, 9, 11)
_TYPE_INDEX = 29


def _core_path(name: str, s: str, section: str | None) -> tuple:
    """A path: parse the file name and its folders; the component with the most evidence answers,
    the others fill the fields it lacks ("Movies/Title (1998)/Title.720p.x264-GRP.mkv")."""
    parts = [p.strip() for p in _PATH_SPLIT.split(s) if p.strip()][-3:]
    if not parts:
        return (name, *_core("", section, False)[1:])
    last = _from_path(s)  # the file name, with a season folder / show folder when it needs them
    candidates = [_core(last, section, False)]
    for folder in reversed(parts[:-1]):
        if "." in folder or "-" in folder or "_" in folder or any(ch.isdecimal() for ch in folder):
            candidates.append(_core(folder, section, False))  # ("Movies", "Doctor Who" carry nothing)
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


def _strip_name(s: str) -> tuple[str, str | None, bool, bool]:
    """Remove path, extension, site tags and the group; return (stem, group, bracket_group, crc)."""
    crc = False
    tag = ""
    if s[:1].isspace() or s[-1:].isspace():
        s = s.strip(" \t\r\n")
    dot = s.rfind(".")
    if dot > 0 and len(s) - dot <= 6 and s[dot + 1 :].lower() in EXTENSIONS:
        s = s[:dot]
    # trailing [site] / [CRC32] tags and spaces
    while s and s[-1] in _TRAIL:
        s = s.rstrip(" _.")
        if s.endswith("]"):
            j = s.rfind("[")
            if j >= 0:
                content = s[j + 1 : -1].strip()
                lo = content.lower()
                if _HEX8.fullmatch(content):
                    crc = True
                    s = s[:j]
                    continue
                if lo in SUFFIXES or _is_site(lo):
                    s = s[:j]  # indexer / site tags are dropped
                    continue
                if j > 0 and s[j - 1] not in " ._-" and _WORD.fullmatch(lo) and _info(lo) is None:
                    if s[j - 1] != "]" and not tag:
                        tag = s[j:]  # "-GRP[XYZ]": an unknown glued tag stays with the group
                    s = s[:j]
                    continue
        break
    group = None
    bracket = False
    # scene group after the last dash (not a " - " separator)
    for _ in _TWICE:
        k = s.rfind("-")
        if k <= 0 or k == len(s) - 1 or s[k + 1] in " _" or s[k - 1] in " _":
            break
        cand = s[k + 1 :]
        if len(cand) > 40 or not (cand.isalnum() or _GROUP_OK.fullmatch(cand)):
            break
        if s[0] == "[" and "_" in cand:
            break  # "[Grp]_Show_Name-man_04": an anime name, the dash is part of the title
        lo = cand.lower()
        if lo in SUFFIXES:
            s = s[:k]
            continue
        info = _info(lo) if "_" not in lo else None
        if info is not None:
            kind = info[0]
            if kind in _NOT_GROUP or (kind in ("num", "year") and len(lo) < 3):
                break
            j = k - 1
            while j > 0 and s[j - 1].isalnum():
                j -= 1
            if (s[j:k].lower(), lo) in PHRASES:
                break  # "WEB-DL", "DTS-HD", "DVD-R"
        group = cand + tag
        s = s[:k]
        break
    # a leading block of technical tokens goes to the end: "[720p] Title Season 1" -> "Title Season 1 [720p]"
    if s[:1] == "[":
        j = s.find("]")
        if j > 1:
            first = _SPLIT.split(s[1:j].strip(), 1)[0].lower()
            lead = _info(first) if first else None
            if lead is not None and lead[2] >= WEAK and lead[0] not in ("lang", "cat") and j + 1 < len(s):
                s = s[j + 1 :] + " " + s[: j + 1]
    # anime style "[Group] Title - 01"
    if s and s[0] in "[【":
        close = "]" if s[0] == "[" else "】"
        j = s.find(close)
        if j > 1:
            content = s[1:j].strip()
            lo = content.lower()
            if "www" in lo or ".com" in lo or ".org" in lo or lo in SUFFIXES:
                s = s[j + 1 :]
            elif group is None and content and content.count(" ") < 2 and not content[-4:].isdecimal() and (
                not lo.replace(".", "").isdecimal()
                and (_info(lo) is None or _info(lo)[2] == NEVER or _info(lo)[0] in ("sport", "month", "cat"))
            ):
                group = content
                bracket = True
                s = s[j + 1 :]
    return s, group, bracket, crc


def _core(name: str, section: str | None, _path: bool = True) -> tuple:
    s = name if len(name) <= MAX_LEN else name[:MAX_LEN]
    if not s.isprintable():
        s = _CTRL.sub(" ", s)
    if _path and ("/" in s or "\\" in s) and _PATHLIKE.search(s):
        return _core_path(name, s, section)
    if "+" in s:
        s = _DDPLUS.sub("DDP", s)  # "DD+5.1" (the "+" is a separator otherwise)
    if s[:1] in _WWW_START and (s[:2].lower() == "ww" or s[:4].lower() in ("{www", "[www", "(www")):
        s = _WEBSITE.sub("", s, count=1)  # "www.site.tld - Title (2019) ..."
    s, group, bracket_group, crc = _strip_name(s)
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
    infos: list[tuple | None] = list(map(_CACHE_GET, lows))

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
    if n > 1 and infos[0] is not None and infos[0][0] in ("nxm", "ep") and any(
        x is not None and x[0] == "sxe" for x in infos
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
    flags: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    service = platform = version = None
    cats: tuple[str, ...] = ()
    music_tokens = 0
    sport_first = False
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
        # ---- conversions that need the neighbours (only tokens that are not strong on their own)
        if st == STRONG:
            if kind == "date":
                air_date = value
                date_idx = i
        elif kind == "year":
            d = None
            if (i + 2 < n and lows[i + 1].isdecimal()) or (i >= 2 and lows[i - 1].isdecimal()):
                d = _date_around(i, lows, n)
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
                    if episode_word and target is episodes and 100 < v < 10000 and seasons and (
                        v // 100 == seasons[-1]
                    ):
                        v = v % 100
                    if (sp == "-" or "~" in sp) and 0 < v - target[-1] <= 300:
                        target.extend(range(target[-1] + 1, v + 1))
                    elif 0 < v - target[-1] <= 60:
                        target.append(v)
                    ep_last = i
                    continue
                if seasons and not episodes and not sxe_seen and value < 100 and (
                    ("," in sp or "&" in sp or ":" in sp)
                    or (sp in (" ", ".") and value == seasons[-1] + 1 and lows[i][0] != "0")
                ):
                    # season lists: "Season 1, 2 & 3", "Season 1 2 3", "Seasons 1: 11"
                    if ":" in sp and value > seasons[-1]:
                        seasons.extend(range(seasons[-1] + 1, value + 1))
                    elif value not in seasons:
                        seasons.append(value)
                    ep_last = i
                    continue
                if not episodes and sp in (" ", ".", "_") and value < 1000 and not sxe_seen:
                    # "Show S02 03", "Season 11 01": the number after a season is the episode
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
            if nxt is not None and nxt[0] == "num" and nxt[1] < 2000:
                value = nxt[1]
                episode_word = kind == "eword"
                kind = "season" if kind == "sword" else "ep"
                info = (kind, value, STRONG)
                st = STRONG
                infos[i + 1] = _CONT
            elif kind == "sword" and nxt is not None and nxt[0] == "season" and lows[i] != "series":
                kind = "tech"  # "Skins Season S01-S07": the word goes with the marker after it
                st = STRONG
            elif kind == "sword" and prv is not None and prv[0] in ("num", "ord") and 0 < prv[1] < 100 and not seasons:
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
                nxt = infos[i + 1] if i + 1 < n else None
                if i + 1 >= n or (
                    nxt is not None
                    and (
                        nxt[2] >= WEAK
                        or nxt[0] == "lang"
                        or (nxt[0] == "year" and kind in _BEFORE_YEAR and len(lows[i]) > 3 - (kind != "lang"))
                    or nxt[0] == "sword"
                    )
                ) or (i + 1 < n and kind in _BEFORE_YEAR and seps[i + 1][-1:] in _OPENERS):
                    tend = i
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
            if lows[i][-1].isdecimal() and i + 1 < n and lows[i + 1] in ("0", "1") and (
                infos[i + 1] is not _CONT
            ):
                channels = lows[i][-1] + "." + lows[i + 1]
                infos[i + 1] = _CONT
        elif kind == "sxe":
            s_, es = value
            if sxe_seen and seasons and s_ is not None:
                if s_ == seasons[-1] and seps[i] == "-" and ep_last == i - 1 and episodes and len(es) == 1 and (
                    0 < es[0] - episodes[-1] <= 300
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
            if ep_first < 0:
                ep_first = i
        elif kind == "ep" or kind == "epv":
            v = value
            if sxe_seen and (ep_last != i - 1 or infos[i][0] == "eword"):
                continue  # "S02E31 - Episode 55": the absolute number repeats the episode
            if episode_word and 100 < v < 10000 and seasons and v // 100 == seasons[-1]:
                v = v % 100  # "Temporada 1 [Cap.102]"
            if episodes and ep_last == i - 1 and "-" in seps[i] and 0 < v - episodes[-1] <= 300:
                episodes.extend(range(episodes[-1] + 1, v + 1))
            elif v not in episodes:
                episodes.append(v)
            if kind == "epv" and not lows[i].endswith("v1"):
                flags += ("V2",)
            ep_last = i + 1 if i + 1 < n and infos[i + 1] is _CONT else i
            if ep_first < 0:
                ep_first = i
        elif kind == "season":
            if seasons and ep_last == i - 1 and "-" in seps[i] and 0 < info[1] - seasons[-1] <= 50:
                seasons.extend(range(seasons[-1] + 1, info[1] + 1))
            elif info[1] not in seasons:
                seasons.append(info[1])
            ep_last = i + 1 if i + 1 < n and infos[i + 1] is _CONT else i
            if ep_first < 0:
                ep_first = i
        elif kind == "nxm":
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
            if kind == "sublang" or (i > 0 and (lows[i - 1] in _SUB_WORDS or (sub_run and prv is not None and (
                prv[0] == "lang"
            )))) or (i + 1 < n and lows[i + 1] in _SUB_WORDS and not ("-" in seps[i + 1] and len(seps[i + 1]) > 1)):
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
            if not intech:
                continue
            f = info[1]
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
            if version is None:
                parts_v = [info[1]]
                j = i + 1
                while j < n and seps[j] == "." and lows[j].isdecimal() and len(parts_v) < 6:
                    parts_v.append(lows[j])
                    infos[j] = _CONT
                    j += 1
                version = ".".join(parts_v)
        elif kind == "cat":
            if st == STRONG or intech or (value in ("xxx", "ebook", "audiobook") and i > 0):
                cats += (value,)
        elif kind == "music":
            music_tokens += 1
        elif kind == "sport":
            if i == 0:
                sport_first = True
        elif kind == "month":
            month_seen = True
        elif kind == "vword":  # "Build.12345"
            if i + 1 < n and lows[i + 1].isdecimal() and i > 0:
                if version is None:
                    version = lows[i + 1]
                infos[i + 1] = _CONT
                if soft_end < 0:
                    soft_end = i
                if tend < 0:
                    tend = i
    if tend < 0:
        tend = n
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
    if year is None and n > 2 and infos[0] is not None and infos[0][0] == "year" and infos[1] is None and (
        first_year_after is None
    ):
        year = infos[0][1]  # "2008 The Incredible Hulk": a leading year is the year when no other follows
        tstart_year = 1
    else:
        tstart_year = 0

    # anime absolute numbering / bare episode numbers in the title region
    tstart = tstart_year
    if not episodes and not seasons and air_date is None and nums:
        cand = -1
        pair = _number_pair(nums, lows, seps, infos, n, tend)
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
        elif nums[0] == 0 and n > 1 and len(lows[0]) <= 3 and (
            "-" in seps[1] or lows[0][0] == "0" or ("." in seps[1] and " " in seps[1])
        ):
            # "01 - Title", "004 - Episode Name", "611-612 - Name"
            cand = 0
            tstart = 1
            nums = []
        for i in nums:
            if i >= te:
                if i <= te + 1 and infos[i][1] < 2000 and seps[i][-1:] == "[" and i + 1 < n and "]" in seps[i + 1]:
                    cand = i  # "Title HD REMASTER][07][720p]": a bracketed number right after the title
                break
            if i > 0 and infos[i][1] < 2000:
                sp = seps[i]
                if ("-" in sp and len(sp) > 1) or sp.endswith("#"):
                    cand = i
                    break
                if anime_ctx and (i == te - 1 or (seps[i + 1] and seps[i + 1][-1] in _OPENERS)):
                    cand = i
                    break
        if cand < 0 and anime_ctx:
            for i in range(te, n):
                info = infos[i]
                if info is not None and info[0] == "num" and info[1] < 2000:
                    cand = i
                    break
                if info is not None and info[2] == STRONG and info[0] != "cont":
                    break
        if cand < 0 and 1 < te < n and te == tend:
            info = infos[te - 1]
            nxt = infos[te]
            if (
                info is not None
                and info[0] == "num"
                and len(lows[te - 1]) == 3
                and nxt is not None
                and nxt[0] == "src"
                and nxt[1][0] == "tv"
                and 0 < info[1] % 100 <= 40
            ):
                seasons.append(info[1] // 100)
                episodes.append(info[1] % 100)
                te -= 1
        if cand < 0 and not seasons:
            for i in nums:
                if i >= tend or i == 0:
                    break
                lo = lows[i]
                nxt = infos[i + 1] if i + 1 < n else None
                if i != tend - 1 or (nxt is not None and nxt[0] == "year"):
                    continue
                if len(lo) == 2 and (lo[0] == "0" or (nxt is not None and nxt[0] == "src" and nxt[1][0] == "tv")):
                    cand = i  # "Show.07.PDTV", "Test.13.HDTV"
                    break
        if cand >= 0:
            episodes.append(infos[cand][1])
            nxt = infos[cand + 1] if cand + 1 < n else None
            if nxt is not None and nxt[0] == "num" and ("-" in seps[cand + 1] or "~" in seps[cand + 1]) and (
                0 < nxt[1] - episodes[0] <= 300
            ):
                episodes.extend(range(episodes[0] + 1, nxt[1] + 1))
                if cand == 0:
                    tstart = 2
            if cand < te:
                te = cand
            ep_first = ep_last = cand

    # ---- category
    has_video = resolution is not None or video_codec is not None or has_video_src or bool(hdr)
    has_ep = bool(seasons or episodes or air_date)
    has_picture = resolution is not None or video_codec is not None or bool(hdr)
    if has_picture and not cats and platform is None and not sport_first and not bracket_group and "_" not in s and (
        "." in s or " " in s
    ):
        category = "tv" if has_ep else "movie"  # the common case, decided without the full rules
    else:
        category = _category(
            cats, has_video, has_ep, platform, version, flags, s, seasons, episodes, music_tokens,
            anime_ctx and bracket_group, sport_first, air_date, year, source, has_picture,
        )
    if section:
        hint = _section_category(section)
        if hint is not None:
            if category is None:
                category = hint
            elif category == "movie" and hint in ("tv", "anime", "sports", "xxx", "musicvideo"):
                category = hint
            elif category == "tv" and hint in ("anime", "sports", "xxx"):
                category = hint
            elif category == "music" and hint in ("audiobook", "musicvideo"):
                category = hint
    if category is None or (category == "movie" and not has_video and year is None):
        category = _group_category(group) or category or "other"

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
        elif end - 1 > tstart and infos[end - 1] is not None and infos[end - 1][0] == "country" and (
            toks[end - 1].isupper()
        ):
            end -= 1  # "Riverdale.US.S05": the country is not part of the title
        if end > tstart:
            title = " ".join(toks[tstart:end])
        if ep_first >= 0:
            j = ep_last + 1
            while j < n and infos[j] is _CONT:
                j += 1
            k = j
            while k < n and (
                infos[k] is None or (infos[k][2] == NEVER and infos[k][0] not in ("year", "date"))
            ):
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
            if d is not None and (with_day or category in ("ebook", "music", "sports", "xxx")):
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
                if info is not None and info[0] == "cat" and info[1] == "ebook" and (
                    lows[i] not in ("ebook", "magazine", "comic", "e")
                ):
                    fmt = toks[i].upper()

    if category == "xxx" and air_date is None and 0 < tstart + 1 < n:
        # "Site.23.05.02.Performer.Name.XXX": a two-digit-year date after the site name
        i = tstart + 1
        if i + 2 < n and all(len(lows[j]) == 2 and lows[j].isdecimal() for j in (i, i + 1, i + 2)):
            m_, d_ = int(lows[i + 1]), int(lows[i + 2])
            if 1 <= m_ <= 12 and 1 <= d_ <= 31:
                air_date = f"20{lows[i]}-{m_:02d}-{d_:02d}"
                year = int(air_date[:4])
                publisher = toks[tstart]
                k = i + 3
                while k < n and (infos[k] is None or infos[k][2] == NEVER):
                    k += 1
                title = " ".join(toks[i + 3 : k]) or title
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


def _tech_follows(infos: list, n: int) -> bool:
    """A name that opens with a weak token followed by technical ones is a fragment: "English.720p"."""
    nxt = infos[1] if n > 1 else None
    return nxt is not None and nxt is not _CONT and (nxt[2] >= WEAK or nxt[0] == "lang")


def _number_pair(nums: list[int], lows, seps, infos, n: int, tend: int) -> tuple[int, int, int] | None:
    """Season and episode written as two numbers: "[5.01] Title", "Show - 6.01 - Name", "office_03_19"."""
    for k in range(len(nums) - 1):
        i = nums[k]
        if nums[k + 1] != i + 1:
            continue
        a, b = lows[i], lows[i + 1]
        sp = seps[i + 1]
        if len(a) > 2 or infos[i][1] == 0 or not (a.isascii() and a.isdigit() and b.isascii() and b.isdigit()):
            continue
        before = seps[i] if i > 0 else ""
        if sp in (".", "-") and 2 <= len(b) <= 3 and (
            i == 0 or "[" in before or ("-" in before and len(before) > 1)
        ):
            return i, int(a), int(b)
        if sp in ("_", ".") and len(b) == 2 and i > 0 and (i + 2 == n or i + 2 == tend) and (
            before in ("_", ".", "-")
        ):
            return i, int(a), int(b)
    return None


def _date_around(i: int, lows: list[str], n: int) -> tuple[str, int, int] | None:
    """YYYY.MM.DD / DD.MM.YYYY / MM.DD.YYYY around the year token at ``i``: (date, start, stop)."""
    y = int(lows[i])
    if i + 2 < n:
        a_, b_ = lows[i + 1], lows[i + 2]
        if len(a_) <= 2 and len(b_) <= 2 and a_.isdecimal() and b_.isdecimal():
            a, b = int(a_), int(b_)
            if 1 <= a <= 12 and 1 <= b <= 31:
                return f"{y:04d}-{a:02d}-{b:02d}", i, i + 3
            if 1 <= b <= 12 and 1 <= a <= 31:
                return f"{y:04d}-{b:02d}-{a:02d}", i, i + 3
    if i >= 2:
        a_, b_ = lows[i - 2], lows[i - 1]
        if len(a_) <= 2 and len(b_) <= 2 and a_.isdecimal() and b_.isdecimal():
            a, b = int(a_), int(b_)
            if 1 <= b <= 12 and 1 <= a <= 31 and not (a <= 12 < b):
                return f"{y:04d}-{b:02d}-{a:02d}", i - 2, i + 1
            if 1 <= a <= 12 and 1 <= b <= 31:
                return f"{y:04d}-{a:02d}-{b:02d}", i - 2, i + 1
    return None


def _category(
    cats, has_video, has_ep, platform, version, flags, s, seasons, episodes, music_tokens,
    bracket_group, sport_first, air_date, year, source, has_picture,
) -> str | None:
    """Category from the evidence collected in the name."""
    if cats:
        if "xxx" in cats:
            return "xxx"
        if "ebook" in cats and not has_video:
            return "ebook"
        if "audiobook" in cats and not has_video:
            return "audiobook"
        if "software" in cats:
            return "software"
    if platform is not None and not has_picture:
        if platform in _SOFTWARE_PLATFORMS:
            return "software"
        if platform not in _DESKTOP_PLATFORMS or version is None or "UPDATE" in flags or "DLC" in flags:
            return "game"
    if not has_video:
        if "game" in cats:
            return "game"
        if not has_ep:
            gameish = "UPDATE" in flags or "DLC" in flags
            if platform is not None or "KEYGEN" in flags or "PATCH" in flags or "SERIAL" in flags or (
                version is not None and ("CRACKED" in flags or not gameish)
            ):
                return "game" if gameish else "software"
            if gameish:
                return "game"
    if not seasons and (not has_video or "_" in s or "musicvideo" in cats or ("." not in s and " " not in s)):
        tail = s.rstrip(")")
        ends_year = len(tail) > 5 and tail[-5] in "-_(" and tail[-4:].isdecimal() and tail[-4:-2] in ("19", "20")
        if has_video:
            if "musicvideo" in cats or (
                ends_year and ("_" in s or (" " not in s and "." not in s and s.count("-") >= 2))
            ):
                return "musicvideo"
        elif not (episodes and not ends_year) and (
            music_tokens
            or (ends_year and ("_" in s or s.count("-") >= 2 or (" " not in s and "." not in s)))
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


def _group_category(group: str | None) -> str | None:
    return GROUP_CATEGORY.get(group.lower()) if group else None


def _music_fields(
    s: str, langs: tuple[str, ...]
) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """Artist and album from ``Artist-Album-(CAT)-WEB-2020`` (the group already removed)."""
    fields = [f for f in _MUSIC_SPLIT.split(s) if f.strip(" _")]
    if "_-_" in s:
        a, _, rest = s.partition("_-_")
        fields = [a, *[f for f in _MUSIC_SPLIT.split(rest) if f.strip(" _")]]
    artist = album = None
    if fields:
        artist = _clean(fields[0])
        for f in fields[1:3]:
            lo = f.strip(" _()").lower()
            if _info(lo) is None and not lo.isdecimal():
                album = _clean(f)
                break
    # languages written as -DE- between dashes
    for f in fields[1:]:
        f = f.strip()
        code = LANG_CODES.get(f.lower())
        if code and f.isupper():
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
        if prv is not None and prv[0] in ("num", "ord") and 1 <= prv[1] <= 31 and (
            i < 2 or lows[i - 2] not in _ISSUE_WORDS
        ):
            day = prv[1]
            cut = i - 1
        return f"{y:04d}-{int(info[1]):02d}-{day:02d}", cut, cut < i
    return None, None, False


_SETTERS = tuple(ParsedName.__dict__[f].__set__ for f in ParsedName.__slots__)
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(ParsedName) if f.name != "name"}
_NEW = object.__new__
_EMPTY = ()


def _build(values: tuple) -> ParsedName:
    """ParsedName from the tuple ``_core`` returns: only non-empty slots are set (the frozen __init__
    would set all 30); unset ones read as their defaults through ``ParsedName.__getattr__``."""
    obj = _NEW(ParsedName)
    for setter, value in zip(_SETTERS, values, strict=True):
        if value is not None and value is not _EMPTY:
            setter(obj, value)
    return obj


def _fallback(name: str, section: str | None) -> tuple:
    """The minimal reading of a name the parser failed on: group after the last dash, the rest as title."""
    values: list[Any] = [_DEFAULTS.get(slot) for slot in ParsedName.__slots__]
    values[ParsedName.__slots__.index("name")] = name
    stem, dash, group = name.rpartition("-")
    if not dash or not group or any(c in group for c in ". "):
        stem, group = name, ""
    values[ParsedName.__slots__.index("title")] = _clean(stem.replace(".", " ").replace("_", " "))
    values[ParsedName.__slots__.index("group")] = group or None
    values[ParsedName.__slots__.index("category")] = _section_category(section)
    return tuple(values)


def _safe_core(name: str, section: str | None) -> tuple:
    """``_core``, except that a parser bug on one odd name degrades that name instead of stopping an ingest."""
    try:
        return _core(name, section)
    except Exception:  # the contract is "never raises on a str"; the property tests hunt the bugs
        return _fallback(name, section)


def parse(name: str, section: str | None = None) -> ParsedName:
    """Parse one release name, with the announced section as an optional hint. Never raises on a str."""
    if name.__class__ is not str:
        name = "" if name is None else str(name)
    obj = _NEW(ParsedName)
    for setter, value in zip(_SETTERS, _safe_core(name, section), strict=True):
        if value is not None and value is not _EMPTY:
            setter(obj, value)
    return obj


def parse_dict(name: str) -> dict[str, Any]:
    """``parse(name).to_dict()``, for tools that want plain dictionaries."""
    return parse(name).to_dict()


def parse_many(names: Sequence[str], sections: Sequence[str | None] | None = None) -> list[ParsedName]:
    """Parse a batch of names (sections aligned with names, or None)."""
    core = _core
    build = _build
    enabled = gc.isenabled()
    gc.disable()  # many small objects that never form cycles
    try:
        if sections is None:
            return [build(core(n if n.__class__ is str else str(n or ""), None)) for n in names]
        return [
            build(core(n if n.__class__ is str else str(n or ""), s))
            for n, s in zip(names, sections, strict=True)
        ]
    finally:
        if enabled:
            gc.enable()


def format_rows(parsed: Iterable[ParsedName]) -> list[dict[str, Any]]:
    """Rows for display (CLI table or JSON lines): ``{"name": ..., **to_dict()}``."""
    return [{"name": p.name, **p.to_dict()} for p in parsed]


def parse_columns(
    names: Sequence[str], sections: Sequence[str | None] | None = None
) -> dict[str, list[Any]]:
    """Parse a batch into columns keyed by ``STORE_COLUMNS`` (the shape the store inserts).

    The ingest hot path: no ParsedName per row, values appended straight into the column lists.
    """
    if sections is not None and len(sections) != len(names):
        raise ValueError("sections must be aligned with names")
    cols: list[list[Any]] = [[] for _ in STORE_COLUMNS]
    (title, year, season, episode, air_date, resolution, source, video_codec, audio_codec, language,
     group, category, flags, service, platform, version) = (c.append for c in cols)
    core = _safe_core
    enabled = gc.isenabled()
    gc.disable()  # many small objects that never form cycles
    try:
        for k, n in enumerate(names):
            r = core(n if n.__class__ is str else str(n or ""), None if sections is None else sections[k])
            title(r[1])
            year(r[2])
            season(r[3])
            episode(r[4])
            air_date(r[5])
            resolution(r[6])
            source(r[7])
            video_codec(r[8])
            audio_codec(r[9])
            language(list(r[10]))
            group(r[11])
            category(r[12])
            flags(list(r[13]))
            service(r[14])
            platform(r[15])
            version(r[16])
    finally:
        if enabled:
            gc.enable()
    return dict(zip(STORE_COLUMNS, cols, strict=True))
