"""Token vocabulary: each lower-cased token of a name is classified once, by table look-up or an anchored regex.

The verdicts (kind, value, strength) are cached; ``_core`` reads only these. Compiled with Cython when a
C compiler is available (see ``_native.py``); the pure-Python module is the same code.
"""

from __future__ import annotations

import re

from scenewatch.names._tables import (
    ISSUE_WORDS,
    NEVER,
    RANGE_WORDS,
    SECTION_EXACT,
    SECTION_PREFIXES,
    STRONG,
    SUBTITLE_WORDS,
    WEAK,
    WORDS,
)

MAX_LEN = 512  # scene names are at most 255 characters; longer input is cut before parsing

_VIDEO_CATEGORIES = frozenset(("movie", "tv", "anime", "sports", "xxx", "musicvideo", "other"))
_PROGRAM_CATEGORIES = frozenset(("software", "game"))  # what a version string can name
# Categories of one kind: a group prior may move a name within its kind where a section agrees with the name
_KIND_OF = {
    "music": "audio", "audiobook": "audio", "musicvideo": "audio",
    "movie": "video", "tv": "video", "anime": "video", "sports": "video", "xxx": "video",
    "software": "program", "game": "program", "ebook": "text", "other": "other",
}  # fmt: skip
_REVISION_FLAGS = frozenset(("PROPER", "REPACK", "RERIP", "REAL"))
_MUSIC_CATEGORIES = frozenset(("music", "audiobook", "musicvideo"))
_SOFTWARE_PLATFORMS = frozenset(("WINDOWS", "X64", "X86", "SYMBIAN", "NGAGE", "ANDROID", "IOS", "DOX"))
_DESKTOP_PLATFORMS = frozenset(("MACOS", "LINUX"))
_ISSUE_WORDS = ISSUE_WORDS  # the word before an issue number (data/wordsets.tsv)

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
_GROUP_PASSES = (0, 1, 2)  # a group, then up to two tags re-posters append ("-aAF-RakuvUS-Obfuscated")
_TRAIL = frozenset(" _.]")
_WORD = re.compile(r"[a-z0-9]+")
_GROUP_OK = re.compile(r"[^\s.\[\](){}/\\]+")
_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # kana, CJK ideographs, hangul

# anchored patterns for tokens the tables do not know (result cached per token)
_RE_TXE = re.compile(r"t(\d{1,2})x?e(\d{1,3})")
_RE_SXE = re.compile(r"s(\d{1,4})x?((?:(?:ep|e|x)\d{1,4})+)(?:v\d|[a-d])?")
_RE_MULTI_EP = re.compile(r"e(\d{1,4})((?:-?e\d{1,4})+)")
_RE_SEASON = re.compile(r"s(\d{1,3})(?:d\d{1,2})?")
_RE_EP = re.compile(r"(?:e|ep|episode|eps|ova|folge|f)(\d{1,4})(?:v\d)?")
_RE_NXM = re.compile(r"(\d{1,4})x(\d{1,3})((?:x\d{1,3})*)")
_RE_NE = re.compile(r"(\d{2})e(\d{2,3})")  # "28E06": a season and an episode without the S (two digits each)
_RE_GLUED = re.compile(r"([a-z]{2,8})(x264|x265|h264|h265|xvid|divx|hevc)")
_WWW_START = frozenset("wW{[(")
_TLDS = (
    "com|net|org|info|biz|tv|to|ru|cc|me|nu|se|pw|ws|xyz|site|club|top|pics|fi|cz|lt|mx|co|uk|de|fr|it|es|pl|ro|hu|"
    "gr|in|us|ca|eu|io|ag|ph|is|tk|li|ch|at|be|nl|dk|no|pt|br|ar|cl|win|link|online|live|world|one|vip|fun|icu|tld|"
    "xn--[a-z0-9]+"  # a punycode domain: "(tracker.xn--p1ai)" is .рф
)
# "www.site.tld - Title (2019)", "[www.site.org] Title": the host must end in a TLD ("WWW.NXT.2019.08.07.1080p.HDTV"
# is a show, not a site up to its last dash)
_WEBSITE = re.compile(
    r"(?i)^(?:ww+[.,\s][^\n]{0,40}?\s-\s"
    r"|[\[{(]?www[.\s][^\s\]})]*?\.(?:" + _TLDS + r")(?![\w-])[^\s\]})]*[\]})]?(?:\s*-\s*|\s+))"
)
# a site's name opening the name: "[site.tld] - Show.S03E14", "test.net - Show", "[ www.x.org ] Title"
_SITE_PREFIX = re.compile(
    r"(?i)^(?:[\[{(]\s*[\w-]+(?:\.[\w-]+)*\.(?:" + _TLDS + r")\s*[\]})]\s*(?:-\s+)?"
    r"|[\w-]+(?:\.[\w-]+)*\.(?:" + _TLDS + r")\s+-\s+)"
)
_DDPLUS = re.compile(r"(?i)(?<![a-z])dd\+")
_RES_TYPOS = {"7200p": "720p", "10800p": "1080p", "21600p": "2160p"}  # a zero too many
_STANDARD_HEIGHTS = frozenset((240, 360, 480, 540, 576, 720, 900, 1080, 1440, 2160, 4320))
_RE_MULTI_N = re.compile(r"multi\d{1,2}")
_RE_REVISION = re.compile(r"(proper|repack|rerip)\d")
_RE_ACX = re.compile(r"([a-z0-9]{2,6})x\d")
_RE_SUBLANG = re.compile(r"sub([a-z]{2,8})|([a-z]{2,8})subs?")
_RE_OF = re.compile(r"(\d{1,3})(?:of|iz|из)(\d{1,3})")
_RE_EPV = re.compile(r"(\d{1,4})v(\d)")
_RE_VER = re.compile(r"v(\d{1,10})")
_VERSION_PART = re.compile(r"\d{1,6}[a-z]{0,3}\d{0,4}")  # "v2.5a", "v1.0.3b2": the parts after the first
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

# Cleared whole when full. 100,000 tokens hold the working set: a stream of 1.02M real names parsed at 88-90k
# names/CPU-s with room for 500,000 (466,631 held, +71 MB) and at 90-92k with 100,000 (+35 MB): the long tail of
# title words is seldom seen twice, and each parse worker of an ingest keeps its own cache (issue #21's memory).
_CACHE_MAX = 100_000
_POST_WORDS = {
    w: k
    for k, ws in (
        ("ep", ("seriya", "serija", "seria", "serya", "ser", "серия", "серии", "epizod", "bolum", "bölüm", "rész")),
        ("season", ("sezon", "sez", "сезон", "sezona", "évad")),
    )
    for w in ws
}
_SUB_WORDS = SUBTITLE_WORDS  # data/wordsets.tsv
_RANGE_WORDS = RANGE_WORDS  # data/wordsets.tsv
_BEFORE_YEAR = frozenset(("lang", "ed", "tech"))
_NOT_GROUP = frozenset(("res", "vc", "ac", "ach", "hdr", "ed", "lang", "sxe", "nxm", "cont"))
# Tags that real groups are named after ("-FHD", "-SDR", "-1080") and that end no name otherwise, and what a group
# follows. ("-OPUS", "-XViD", "-SE" are groups too, but torrent names end with codecs and editions.)
_TAG_GROUPS = frozenset(("res", "hdr"))
_BEFORE_GROUP = frozenset(("year", "vc", "src", "res", "ac", "hdr"))
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
        if "×" in lo and lo[:1].isdecimal():
            return _classify(lo.replace("×", "x"))  # "1280×720": the multiplication sign for the x
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
    if c == "t":
        m = _RE_TXE.fullmatch(lo)
        if m:
            return ("sxe", (int(m.group(1)), (int(m.group(2)),)), STRONG)  # "T02E22": Spanish "temporada"
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
        if m and (len(m.group(1)) <= 2 or (1900 <= int(m.group(1)) <= 2039 and int(m.group(2)) < 200)):
            eps = (int(m.group(2)), *(int(x) for x in m.group(3).split("x") if x))
            return ("nxm", (int(m.group(1)), eps), STRONG)
        m = _RE_NE.fullmatch(lo)
        if m:
            return ("sxe", (int(m.group(1)), (int(m.group(2)),)), STRONG)
        m = _RE_EPV.fullmatch(lo)
        if m:
            return ("epv", int(m.group(1)), STRONG)
        m = _RE_RES.fullmatch(lo)
        if m:
            return ("res", m.group(1) + "p", STRONG)
        if lo in _RES_TYPOS:
            return ("res", _RES_TYPOS[lo], STRONG)
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


_section_cache: dict[str, tuple[str | None, bool]] = {}
_NO_SECTION = (None, False)


def _section_category(section: str | None) -> str | None:
    """The category an announced section hints at (None: no hint)."""
    if not section:
        return None
    return _section_entry(section)[0]


def section_label(section: str | None) -> str | None:
    """The category of a section that names exactly one (``one`` in sections.tsv); None for a mixed or unknown one."""
    if not isinstance(section, str) or not section:
        return None  # no section: None, "", or a DataFrame's NaN / pd.NA
    entry = _section_entry(section)
    return entry[0] if entry[1] else None


def _section_entry(section: str) -> tuple[str | None, bool]:
    """(category hinted at, whether the section names only it) for a section as announced, cached.

    Why the cache is read here: every announcement with a section asks, and the prefix scan costs ~10 us a name
    (a sixth of the parser's time on real announcements before it was read).
    """
    entry = _section_cache.get(section)
    if entry is None:
        entry = _section_lookup(section)
        if len(_section_cache) < 10_000:
            _section_cache[section] = entry
    return entry


def _section_lookup(section: str) -> tuple[str | None, bool]:
    key = section.strip().upper()
    if key in SECTION_EXACT:
        return SECTION_EXACT[key]
    for prefix, entry in SECTION_PREFIXES:
        if key.startswith(prefix):
            return entry
    return _NO_SECTION
