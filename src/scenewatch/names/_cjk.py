"""Chinese, Japanese and Korean numbering rewritten as the Latin markers the parser reads.

Fansub and web names from China, Japan and Korea number episodes and seasons with counters ("第05话",
"第二十三集", "シーズン2", "2期"), mark a last episode with a glued word ("[13完]", "[12END]") and carry an
airing-season label ("[10月新番]"). Rewriting these as "E05", "S02" and a bare number before tokenising lets
one set of rules read every script. Only names with CJK characters come here; the words are in
``data/wordsets.tsv`` (the ``cjk_*`` sets).
"""

from __future__ import annotations

import re

from scenewatch.names._tables import CJK_END, CJK_EPISODE, CJK_LABELS, CJK_SEASON, CJK_SEASON_WORDS

__all__ = ["cjk_numbering"]

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_DIGIT = re.compile("[０-９]")
_NUM = r"(\d+|[〇零一二三四五六七八九十百两]+)"


def _alternation(words: frozenset[str]) -> str:
    """A regex alternation of ``words``, longest first so that "完结" wins over "完"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_EP = _alternation(CJK_EPISODE)
_EPISODE_RANGE = re.compile(rf"第\s*(\d+)\s*[-~～]\s*(\d+)\s*(?:{_EP})")
_EPISODE = re.compile(rf"第\s*{_NUM}\s*(?:{_EP})|(?<![\d全])(\d+)\s*(?:{_EP})")  # "全24集" is a whole season
_SEASON = re.compile(rf"第\s*{_NUM}\s*(?:{_alternation(CJK_SEASON)})|(?<!\d)(\d{{1,2}})\s*期")
_SEASON_WORD = re.compile(rf"(?:{_alternation(CJK_SEASON_WORDS)})\s*{_NUM}")
_END = re.compile(rf"(\d)\s*(?:{_alternation(CJK_END)})(?=\s*[\])]|\s|$)", re.IGNORECASE)
_LABEL = re.compile(rf"[★☆]*\[?\s*\d{{1,2}}\s*月\s*(?:{_alternation(CJK_LABELS)})\s*\]?[★☆]*")


def _first_chars(words: frozenset[str]) -> re.Pattern:
    """A pattern finding any first character of ``words`` (either case): the cheap test before a rewrite."""
    return re.compile("[" + "".join(sorted({re.escape(c) for w in words for c in (w[0].lower(), w[0].upper())})) + "]")


_EPISODE_CHAR = _first_chars(CJK_EPISODE)
_SEASON_CHAR = _first_chars(CJK_SEASON)
_SEASON_WORD_START = _first_chars(CJK_SEASON_WORDS)
_END_START = _first_chars(CJK_END)


def _number(text: str) -> int | None:
    """The value of an Arabic or Chinese numeral ("12", "十一", "二十三", "一百零五")."""
    if text.isdecimal():
        return int(text)
    total = 0
    digit = None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        else:
            return None
    return total + (digit or 0)


def _marker(prefix: str, match: re.Match) -> str:
    """The marker ("S02", "E05") for a counter's match, or the match unchanged when its numeral does not read."""
    value = _number(next(g for g in match.groups() if g is not None))
    if value is None:
        return match.group(0)
    after = match.string[match.end() : match.end() + 1]
    return f" {prefix}{value:02d}" + ("" if after in ("/", "\\") else " ")  # "庆余年第二季/01.mp4" stays a path


def cjk_numbering(s: str) -> str:
    """``s`` with CJK episode and season counters as "E05" / "S02", end marks and airing labels removed."""
    # each rewrite runs only when its counter's character is there: most CJK names carry one or two of them
    if _FULLWIDTH_DIGIT.search(s) is not None:
        s = s.translate(_FULLWIDTH)  # translate with a table is slow on such strings: only when it has work
    if "月" in s:
        s = _LABEL.sub(" ", s)
    if _EPISODE_CHAR.search(s) is not None:
        if "第" in s:
            s = _EPISODE_RANGE.sub(lambda m: f" E{int(m.group(1)):02d}-{int(m.group(2)):02d} ", s)
        s = _EPISODE.sub(lambda m: _marker("E", m), s)
    if _SEASON_CHAR.search(s) is not None:
        s = _SEASON.sub(lambda m: _marker("S", m), s)
    if _SEASON_WORD_START.search(s) is not None:
        s = _SEASON_WORD.sub(lambda m: _marker("S", m), s)
    return _END.sub(r"\1", s) if _END_START.search(s) is not None else s
