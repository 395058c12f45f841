"""Work keys and format classes: which releases are "the same thing" (a race, a dupe, a fix) — see docs/race.md.

A **work** is what a release is *of*, from the parsed columns:

* movie: normalised title + year
* tv: normalised show + ``sSSeEE`` (or ``sSS`` for a season pack, or the air date for dailies)
* music / musicvideo: normalised artist (the name up to the first ``-``) + normalised album (the parsed title)
* game: normalised title + platform (``pc`` when none) + version (updates are works of their own)
* software: normalised title + version
* anything else: category + normalised title + year

**Normalisation** (the same in Python, :func:`normalise`, and in SQL, :func:`sql_normalise`): Unicode diacritics
folded (NFKD, combining marks dropped; ``ß``→``ss``, ``æ``→``ae``, ``ø``→``o``…), case folded, elided
articles (``l'``, ``d'``) and apostrophes dropped, ``&``→``and``, every other
run of punctuation/separators → one space, one leading article dropped (the, a, an; der, die, das; le, la, les, l;
el, los, las; il; het, een), trimmed.

A **format class** is what a race is run in: for video (movie, tv, xxx, musicvideo) resolution (``sd`` when none) +
source family (bluray, web, tv, dvd…; the parser already reports families) + codec family (h264, h265, xvid…);
for music the source + audio codec (``web mp3``, ``cd flac``); otherwise ``any``. Language-tagged releases race in
their own scene: the sorted ISO codes are appended (``1080p bluray h264 de``).

Keys are computed in DuckDB over the filtered window (:func:`keyed_sql`), so they stay fast on millions of rows. On
another backend (ClickHouse, Spark) the window's releases are copied into DuckDB in process and the same SQL keys them
(:mod:`scenewatch.analysis.window_copy`): the normalisation is not written a second time per dialect.
"""

from __future__ import annotations

import re
import unicodedata

ARTICLES: tuple[str, ...] = ("the", "a", "an", "der", "die", "das", "le", "la", "les", "l", "el", "los", "las",
                             "il", "het", "een")  # fmt: skip
REVISION_FLAGS: tuple[str, ...] = ("PROPER", "REPACK", "RERIP", "REAL")
VIDEO_CATEGORIES: tuple[str, ...] = ("movie", "tv", "xxx", "musicvideo")
_CODEC_FAMILY = {"divx": "xvid", "mpeg4": "xvid", "h263": "xvid", "vp8": "vp9", "vp7": "vp9", "rv10": "other"}
_ARTICLE_RE = "|".join(ARTICLES)
_FOLD = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("þ", "th"))
_PY_ARTICLE = re.compile(rf"^(?:{_ARTICLE_RE}) ")
_PY_ELISION = re.compile("^[ld]['’](?=[a-z])")
_PY_APOS = re.compile("['’`´]")
_PY_SEP = re.compile(r"[^0-9a-z]+")


def normalise(text: str | None) -> str | None:
    """The normalised form of a title (``None`` stays ``None``; a title with nothing left becomes ``None``)."""
    if text is None:
        return None
    s = text.lower()
    for a, b in _FOLD:
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = _PY_ELISION.sub("", s)
    s = _PY_APOS.sub("", s).replace("&", " and ")
    s = _PY_SEP.sub(" ", s).strip()
    s = _PY_ARTICLE.sub("", s)
    return s or None


def sql_normalise(expr: str) -> str:
    """The SQL (DuckDB) expression normalising ``expr`` exactly like :func:`normalise` for Latin-script text."""
    s = f"lower({expr})"
    for a, b in _FOLD:
        s = f"replace({s}, '{a}', '{b}')"
    s = f"regexp_replace(lower(strip_accents({s})), '^[ld][''’]([a-z])', '\\1')"
    s = f"replace(regexp_replace({s}, '[''’`´]', '', 'g'), '&', ' and ')"
    s = f"trim(regexp_replace({s}, '[^0-9a-z]+', ' ', 'g'))"
    s = f"regexp_replace({s}, '^(?:{_ARTICLE_RE}) ', '')"
    return f"nullif({s}, '')"


def codec_family(codec: str | None) -> str | None:
    """The codec family of a parsed video codec (h264, h265, xvid, av1, vp9, vc1, mpeg2…)."""
    if codec is None:
        return None
    return _CODEC_FAMILY.get(codec, codec)


def work_key(category: str | None, title: str | None, year: int | None = None, season: int | None = None,
             episode: int | None = None, air_date: object = None, platform: str | None = None,
             version: str | None = None, name: str | None = None) -> str | None:  # fmt: skip
    """The work key of one release in Python (the reference the SQL in :func:`keyed_sql` follows)."""
    t = normalise(title)
    if t is None:
        return None
    cat = category or "other"
    if cat == "movie":
        return f"movie|{t}|{year or ''}"
    if cat == "tv":
        if season is not None and episode is not None:
            part = f"s{season}e{episode}"
        elif air_date is not None:
            part = str(air_date)
        elif season is not None:
            part = f"s{season}"
        else:
            part = ""
        return f"tv|{t}|{part}"
    if cat in ("music", "musicvideo"):
        artist = normalise(re.split(r"_-_|-", name or "", maxsplit=1)[0]) if name else None
        return f"{cat}|{artist or ''}|{t}"
    if cat == "game":
        return f"game|{t}|{(platform or 'pc').lower()}|{version or ''}"
    if cat == "software":
        return f"software|{t}|{version or ''}"
    return f"{cat}|{t}|{year or ''}"


def _sql_work() -> str:
    """SQL of the work key over the columns ``nt`` (normalised title) and ``na`` (normalised artist)."""
    return """CASE WHEN nt IS NULL THEN NULL
        WHEN category = 'movie' THEN concat('movie|', nt, '|', coalesce(CAST(year AS VARCHAR), ''))
        WHEN category = 'tv' THEN concat('tv|', nt, '|', CASE
            WHEN season IS NOT NULL AND episode IS NOT NULL THEN concat('s', season, 'e', episode)
            WHEN air_date IS NOT NULL THEN CAST(air_date AS VARCHAR)
            WHEN season IS NOT NULL THEN concat('s', season) ELSE '' END)
        WHEN category IN ('music', 'musicvideo') THEN concat(category, '|', coalesce(na, ''), '|', nt)
        WHEN category = 'game' THEN
            concat('game|', nt, '|', lower(coalesce(platform, 'pc')), '|', coalesce(version, ''))
        WHEN category = 'software' THEN concat('software|', nt, '|', coalesce(version, ''))
        ELSE concat(category, '|', nt, '|', coalesce(CAST(year AS VARCHAR), ''))
    END"""


def _sql_format(prefix: str = "") -> str:
    p = prefix
    codec = "CASE " + " ".join(f"WHEN {p}video_codec = '{a}' THEN '{b}'" for a, b in _CODEC_FAMILY.items())
    codec += f" ELSE {p}video_codec END"
    video = ", ".join(f"'{c}'" for c in VIDEO_CATEGORIES)
    lang = f"CASE WHEN len(coalesce({p}language, [])) > 0 THEN ' ' || array_to_string(list_sort({p}language), '+') ELSE '' END"  # noqa: E501
    return f"""(CASE
        WHEN {p}category IN ({video}) THEN
            concat_ws(' ', coalesce({p}resolution, 'sd'), coalesce({p}source, '?'), coalesce({codec}, '?'))
        WHEN {p}category = 'music' THEN concat_ws(' ', coalesce({p}source, '?'), coalesce({p}audio_codec, '?'))
        ELSE 'any' END) || {lang}"""


def format_class(category: str | None, resolution: str | None, source: str | None, video_codec: str | None,
                 audio_codec: str | None = None, language: tuple[str, ...] | list[str] = ()) -> str:  # fmt: skip
    """The format class of one release in Python (the reference the SQL in :func:`keyed_sql` follows)."""
    if category in VIDEO_CATEGORIES:
        base = f"{resolution or 'sd'} {source or '?'} {codec_family(video_codec) or '?'}"
    elif category == "music":
        base = f"{source or '?'} {audio_codec or '?'}"
    else:
        base = "any"
    return base + (" " + "+".join(sorted(language)) if language else "")


def revision_sql(prefix: str = "") -> str:
    """SQL: true when the release is a revision (PROPER, REPACK, RERIP, REAL)."""
    flags = ", ".join(f"'{f}'" for f in REVISION_FLAGS)
    return f"list_has_any(coalesce({prefix}flags, []), [{flags}])"


def keyed_sql(where: str) -> str:
    """SQL selecting counted releases matching ``where`` with their ``work``, ``fmt``, ``revision``, ``internal``.

    Columns: id, name, pre_at, grp, category, section, language, flags, work, fmt, revision, internal. Rows without
    a work key (no title) or group are left out. The normalisation runs once per row (a materialised step).
    """
    artist = sql_normalise("regexp_extract(name, '^(.*?)(?:_-_|-)', 1)")
    return f"""
        WITH n AS MATERIALIZED (
            SELECT id, name, pre_at, grp, coalesce(category, 'other') AS category, section, language, flags, year,
                   season, episode, air_date, platform, version, resolution, source, video_codec, audio_codec,
                   {sql_normalise("title")} AS nt,
                   CASE WHEN category IN ('music', 'musicvideo') THEN {artist} END AS na
            FROM releases WHERE ({where}) AND grp IS NOT NULL AND title IS NOT NULL
        )
        SELECT id, name, pre_at, grp, category, section, language, flags, {_sql_work()} AS work,
               {_sql_format()} AS fmt, {revision_sql()} AS revision,
               list_contains(coalesce(flags, []), 'INTERNAL') AS internal
        FROM n WHERE nt IS NOT NULL
    """
