"""Name shapes around the tokens: paths, site tags, CRC brackets, the group after the last dash."""

from __future__ import annotations

import re

from scenewatch.names._tables import (
    CREW_WORDS,
    EXTENSIONS,
    NEVER,
    PHRASES,
    SUFFIXES,
    WEAK,
)
from scenewatch.names._tokens import (
    _BEFORE_GROUP,
    _EP_FIRST,
    _GROUP_OK,
    _GROUP_PASSES,
    _HAS_SEASON,
    _HEX8,
    _NOT_GROUP,
    _OBFUSCATED,
    _PATH_SPLIT,
    _REVERSED,
    _SEASON_DIR,
    _SPLIT,
    _TAG_GROUPS,
    _TRAIL,
    _WORD,
    _info,
)


def _is_site(lo: str) -> bool:
    return lo.startswith("www") or lo.endswith((".com", ".org", ".net", ".re", ".to", ".ru", ".nu", ".cc"))


def _from_path(s: str) -> str:
    """The release name inside a path: the file name, or its folder when the file name is obfuscated;
    a "Season 06" folder and the show folder are kept when the file name does not carry them."""
    parts: list[str] = [p.strip() for p in _PATH_SPLIT.split(s) if p.strip()]
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


_CREW_WORDS = CREW_WORDS  # the last word of a fansub crew's name with spaces (data/wordsets.tsv)


def _group_sized(content: str, lo: str) -> bool:
    """Whether a leading bracket is short enough for a group: two words, or up to four ending in a crew word."""
    spaces = content.count(" ") - 2 * content.count(" & ")  # "[FASubs & TTF]": two crews together
    return spaces < 2 or (spaces < 4 and lo.rsplit(" ", 1)[-1] in _CREW_WORDS)


_PIXELS = re.compile(r"[0-9]{3,4}[pi]")  # "HDTV-720p": a resolution, never a group


_VERSION_TAG = re.compile(r"v[2-9]")
_CLOCK = re.compile(r"[0-2][0-9]:[0-5][0-9]:[0-5][0-9]")
_DOT_DASH_GROUP_MAX = 20  # "x264.-Blu-bits": longer rests after ".-" are titles with dashes, not one group
_LANG_AFTER_GROUP = re.compile(r"-([A-Za-z0-9]+)[ ._]([A-Za-z]{4,})")


def _hyphenated_segment(s: str, k: int) -> bool:
    """Whether the dash at ``k`` joins a plain word or number that opens a " - " segment ("- 24-Hour")."""
    j = k - 1
    while j > 0 and s[j - 1].isalnum():
        j -= 1
    if s[j - 3 : j] != " - ":
        return False
    info = _info(s[j:k].lower())
    return info is None or info[0] in ("num", "year")


# what a music name's closing year follows ("-WEB-2020", "-CD-2020", "-FLAC-2019", "-FR-2003")
_BEFORE_MUSIC_YEAR = frozenset(("src", "music", "ac", "lang"))


def _strip_name(s: str) -> tuple[str, str | None, bool, bool, bool]:
    """Remove path, extension, site tags and the group; return (stem, group, bracket_group, crc, revised)."""
    crc = False
    revised = False  # a fansub's "[v3]" after its group: a revision, as "01v2" is
    tag = ""
    if s[:1].isspace() or s[-1:].isspace():
        s = s.strip(" \t\r\n")
    dot = s.rfind(".")
    is_file = dot > 0 and len(s) - dot <= 6 and s[dot + 1 :].lower() in EXTENSIONS
    if is_file:
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
                if _VERSION_TAG.fullmatch(lo):
                    revised = True
                    s = s[:j]
                    continue
                if _CLOCK.fullmatch(lo):
                    s = s[:j]  # "Title-PLAZA [18:12:47]": an IRC announce's time, not part of the name
                    continue
                if j > 0 and s[j - 1] not in " ._-" and _WORD.fullmatch(lo) and _info(lo) is None:
                    if s[j - 1] != "]" and not tag:
                        tag = s[j:]  # "-GRP[XYZ]": an unknown glued tag stays with the group
                    s = s[:j]
                    continue
        break
    group = None
    bracket = False
    reposter = None
    if s[-1:] == "]":
        j = s.rfind("[")
        content = s[j + 1 : -1]
        if j > 1 and s[j - 1] == "-" and s[j - 2] not in " _-" and _GROUP_OK.fullmatch(content):
            if _info(content.lower()) is None:
                group = content  # "SDTV.x264-[2Maverick]": the group in brackets after the dash
                s = s[: j - 1]
    k = s.rfind("-")
    m = _LANG_AFTER_GROUP.fullmatch(s, k) if k > 0 else None  # anchored at the last dash: one try per name
    if m is not None:
        info = _info(m.group(2).lower())
        if info is not None and info[0] == "lang" and _info(m.group(1).lower()) is None:
            s = s[: m.start(2) - 1]  # "x264-GRP.English", "x264-GRP English": the language after the group
    k = s.rfind(".-", 0, k) if k > 0 else -1
    if (
        k > 0
        and group is None
        and s.count("-", k + 2) == 1
        and _GROUP_OK.fullmatch(s[k + 2 :])
        and len(s) - k <= _DOT_DASH_GROUP_MAX
        and s[s.rfind("-") + 1 :].lower() not in SUFFIXES  # "x264.-NTb-Rakuv": a group and a posting tag
    ):
        # "x264.-D-Z0N3": after a dot and a dash, the whole rest is the group, its own dash included
        group = s[k + 2 :] + tag
        s = s[:k]
    # scene group after the last dash (not a " - " separator)
    for _ in _GROUP_PASSES if group is None else ():
        k = s.rfind("-")
        if k <= 0 or k == len(s) - 1 or s[k + 1] in " _" or s[k - 1] in " _":
            break
        cand = s[k + 1 :]
        if len(cand) > 40 or not (cand.isalnum() or _GROUP_OK.fullmatch(cand)):
            break
        if s[0] == "[" and "_" in cand:
            break  # "[Grp]_Show_Name-man_04": an anime name, the dash is part of the title
        if s[0] == "[" and _hyphenated_segment(s, k):
            break  # "[Crew] Title - S01E27 - 24-Hour": a hyphenated episode title, the crew is in the bracket
        lo = cand.lower()
        if lo in SUFFIXES:
            reposter = cand
            s = s[:k]
            continue
        info = _info(lo) if "_" not in lo else None
        if info is not None:
            kind = info[0]
            j = k - 1
            while j > 0 and s[j - 1].isalnum():
                j -= 1
            before = s[j:k].lower()
            if (before, lo) in PHRASES:
                break  # "WEB-DL", "DTS-HD", "DVD-R"
            if kind == "ep" and (_info(before) or ("",))[0] in ("sxe", "ep"):
                break  # "Show.S01E91-E95": the end of an episode range, not a group
            if kind == "year" and ((_info(before) or ("",))[0] in _BEFORE_MUSIC_YEAR or ("_" in s and not is_file)):
                break  # "VA_-_Chart-WEB-2020", "-FR-2003", "Artist-Album_Title-2009": music without its group's tag
            if (kind in _NOT_GROUP and not (kind == "lang" and len(lo) <= 3 and not cand.islower())) or (
                kind in ("num", "year") and len(lo) < 3
            ):
                # a technical token, except a bare language code written as a group ("-SRP", "-ZH") and a tag
                # right after the technical part, where only a group can stand ("x264-FHD", "-2018-SDR")
                lead = _info(before) if kind in _TAG_GROUPS and before and not _PIXELS.fullmatch(lo) else None
                if lead is None or lead[0] not in _BEFORE_GROUP:
                    break
        group = cand + tag
        s = s[:k]
        break
    if group is None and reposter is not None:
        group = reposter  # "...DTS-HD.MA.5.1-RARBG": the re-poster's tag is all the name has for a group
    # a leading block of technical tokens goes to the end: "[720p] Title Season 1" -> "Title Season 1 [720p]",
    # except the crew named like a token in fansub names: "[Hi10] Show - 05 [BD 1080p][CRC]" (a bracket holding
    # only "Hi10" and a CRC or a " - " episode separator after it)
    tech_crew = False
    j, first, lead = _tech_bracket(s)
    if j > 0:
        tech_crew = (
            group is None
            and first == s[1:j].strip().lower()
            and lead[1] == "10bit"
            and (crc or " - " in s or "_-_" in s)
        )
        if not tech_crew:
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
            elif tech_crew:
                group = content
                bracket = True
                s = s[j + 1 :]
            elif (
                group is None
                and content
                and _group_sized(content, lo)
                and not content[-4:].isdecimal()
                and (
                    not lo.replace(".", "").isdecimal()
                    and (_info(lo) is None or _info(lo)[2] == NEVER or _info(lo)[0] in ("sport", "month", "cat"))
                )
            ):
                group = content
                bracket = True
                s = _tech_brackets_last(s[j + 1 :])
    return s, group, bracket, crc, revised


def _tech_brackets_last(s: str) -> str:
    """Technical brackets between a crew and its title go to the end: "[Crew] [BD][1080p] Title 08" keeps
    "Title 08" first."""
    for _ in range(3):
        t = s.lstrip(" _.")
        j = _tech_bracket(t)[0]
        if j < 0:
            break
        s = t[j + 1 :] + " " + t[: j + 1]
    return s


def _tech_bracket(s: str) -> tuple[int, str, tuple | None]:
    """When ``s`` opens with a bracket whose first word is technical ("[720p]", "[BD 1080p]") and text follows it:
    (index of its "]", that word, its token info); else (-1, "", None)."""
    if s[:1] != "[":
        return -1, "", None
    j = s.find("]")
    if j <= 1 or j + 1 >= len(s):
        return -1, "", None
    first = _SPLIT.split(s[1:j].strip(), 1)[0].lower()
    lead = _info(first) if first else None
    if lead is None or lead[2] < WEAK or lead[0] in ("lang", "cat"):
        return -1, "", None
    return j, first, lead
