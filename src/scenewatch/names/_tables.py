"""Vocabulary tables, loaded once at import from the TSV files in ``data/``.

Every token the parser recognises lives in a data file; adding one is a one-line change there.
"""

from __future__ import annotations

from importlib.resources import files

# Strength of a token: does it end the title?
STRONG = 2  # always (resolution, codec, SxxExx ...)
WEAK = 1  # only when followed by another technical token (languages, editions, "WEB" ...)
NEVER = 0  # never on its own (months, league names, episode words, bare language codes)

_STRENGTH = {"s": STRONG, "w": WEAK, "n": NEVER, "c": NEVER}

Info = tuple  # (kind: str, value: object, strength: int)


def _rows(filename: str) -> list[list[str]]:
    text = files("scenewatch.names").joinpath("data", filename).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append(line.split("\t"))
    return out


def _load() -> tuple[
    dict[str, Info], dict[tuple[str, ...], Info], frozenset[str], dict[str, tuple[str, ...]]
]:
    words: dict[str, Info] = {}
    phrases: dict[tuple[str, ...], Info] = {}
    for token, kind, value, strength in _rows("tokens.tsv"):
        if kind == "src" or kind == "msrc":  # family|label
            fam, _, label = value.partition("|")
            info = (kind, (fam, label), _STRENGTH[strength])
        else:
            info = (kind, value, _STRENGTH[strength])
        if " " in token:
            phrases.setdefault(tuple(token.split(" ")), info)
        else:
            words.setdefault(token, info)
    codes: dict[str, tuple[str, ...]] = {}
    for token, value, strength in _rows("languages.tsv"):
        langs = tuple(v for v in value.split(",") if v)
        if strength == "c":
            codes[token] = langs
            info = ("lang", langs, NEVER)
        else:
            info = ("lang", langs, WEAK)
        words.setdefault(token, info)
    first = frozenset(p[0] for p in phrases)
    return words, phrases, first, codes


WORDS, PHRASES, PHRASE_FIRST, LANG_CODES = _load()
PHRASE_MAX = max((len(p) for p in PHRASES), default=1)
assert PHRASE_MAX <= 3, "phrases are at most three words"

EXTENSIONS = frozenset(row[0] for row in _rows("extensions.tsv"))
VIDEO_EXTENSIONS = frozenset(row[0] for row in _rows("extensions.tsv") if row[1] == "video")
SUFFIXES = frozenset(row[0] for row in _rows("suffixes.tsv"))


def _wordset(role: str) -> frozenset[str]:
    """The words of one set in ``wordsets.tsv`` (crew, issue, subtitle, range, numbered, cjk_*)."""
    words = frozenset(word for word, kind in _rows("wordsets.tsv") if kind == role)
    assert words, f"wordsets.tsv has no {role!r} words"
    return words


CREW_WORDS = _wordset("crew")
ISSUE_WORDS = _wordset("issue")
SUBTITLE_WORDS = _wordset("subtitle")
RANGE_WORDS = _wordset("range")
NUMBERED_WORDS = ISSUE_WORDS | _wordset("numbered")  # an issue number is not an episode either
MONTH_SHORT = _wordset("month_short")
TITLE_LINKS = _wordset("title_link")
CJK_EPISODE = _wordset("cjk_episode")
CJK_SEASON = _wordset("cjk_season")
CJK_SEASON_WORDS = _wordset("cjk_season_word")
CJK_END = _wordset("cjk_end")
CJK_LABELS = _wordset("cjk_label")
REGION_WORDS = _wordset("region")


def _sections() -> tuple[dict[str, tuple[str | None, bool]], tuple[tuple[str, tuple[str | None, bool]], ...]]:
    """Section -> (category it hints at, whether it names that one category), exact keys and prefixes."""
    exact: dict[str, tuple[str | None, bool]] = {}
    prefixes: list[tuple[str, tuple[str | None, bool]]] = []
    for row in _rows("sections.tsv"):
        key = row[0].strip().upper()
        category = (row[1].strip() if len(row) > 1 else "") or None
        one = len(row) > 2 and row[2].strip() == "one" and category is not None
        if key.endswith("*"):
            prefixes.append((key[:-1], (category, one)))
        else:
            exact[key] = (category, one)
    prefixes.sort(key=lambda p: -len(p[0]))  # longest prefix first
    return exact, tuple(prefixes)


SECTION_EXACT, SECTION_PREFIXES = _sections()

CATEGORIES = (
    "movie",
    "tv",
    "anime",
    "sports",
    "game",
    "software",
    "music",
    "musicvideo",
    "ebook",
    "audiobook",
    "xxx",
    "other",
)
