"""Definitions the store's SQL and the portable Ibis expressions share, so both answer by the same rule.

What a re-listing looks like (a year in the name), how nuke reasons are classed, how titles are keyed for retail
matching. Data, not logic: the analyses (``dormancy``, ``nukes``, ``leaks``) and :mod:`~scenewatch.analysis.portable`
build their queries from these.
"""

from __future__ import annotations

from scenewatch.store.nuked import ACTIONS, NUKED

__all__ = ["ACTIONS", "HOLIDAYS", "LEADING_THE", "NON_ALNUM", "NUKED", "NUKE_SPLITS", "REASON_CLASSES", "YEAR_PATTERN"]

# the year of the name: the parsed one, else the first 19xx/20xx standing alone between separators
YEAR_PATTERN = "[._ (-]((?:19|20)[0-9]{2})(?:[._ )-]|$)"

# Word edges are spelled out rather than written \b and \w: those are ASCII in RE2 (DuckDB, ClickHouse) but
# Unicode-aware in Python and Java (Spark), so "édup" would be a dupe on some engines only. Reasons are lower-cased
# in ASCII (A-Z) only, for the same reason. On ASCII text these spellings mean exactly what \b and \w meant.
_NW = "[^a-z0-9_]"  # one character that is not a word character
_W = "[a-z0-9_]"
# (class, regular expression searched in the ASCII-lower-cased reason); the first match wins.
REASON_CLASSES: tuple[tuple[str, str], ...] = (
    ("dupe", rf"dupe|(^|{_NW})dup({_NW}|$)|selfdupe"),
    ("stolen", rf"stolen|p2p|(^|{_NW})stole|pred\.without|rip\.from|(^|{_NW})steal"),
    ("mislabeled", rf"mislabel|mistag|wrong\.(tag|year|source|episode|title)|missing\.{_W}*\.?tag|"
                   rf"invalid\.{_W}*\.?tag"),
    ("request", r"get\.(reqid|dirfix|nfofix|proper|repack|samplefix)|grp\.req|requested"),
    ("rules", r"rule|url|webshop|webstore|nfo|no\.sample|sample|proof"),
    ("bad", r"bad|broken|corrupt|crc|sync|transcode|upscale|upsampl|missing|incomplete|ivtc|interlace|aspect|"
            r"crop|bitrate|quality|higher|lower|encod|audio|video|stereo|mono|pack|invalid"),
)  # fmt: skip
NUKE_SPLITS = ("group", "section", "category")

# retail matching: a title key is its ASCII-lower-cased words joined by single spaces, a leading "the " dropped
NON_ALNUM = "[^a-z0-9]+"
LEADING_THE = "^the "

# days left out of the impact model's fits and comparisons (month, day): the scene's quietest days of the year
HOLIDAYS = frozenset({(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)})
