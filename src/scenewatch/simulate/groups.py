"""The simulated groups: names, heavy-tailed rates, section mixes, language tags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenewatch.simulate.config import DEFAULT_RAID_GROUPS, SimulationConfig
from scenewatch.simulate.names import CATEGORIES, LANGS, SECTION_CATEGORY, SECTIONS

__all__ = ["PROFILES", "GroupTable", "build_groups"]

# Releases/day at scale 1.0 in mid-2020 (before growth and seasonality).
BASE_PER_DAY = 1800.0
_SID = {s: i for i, s in enumerate(SECTIONS)}

# profile -> (share of volume, share of groups, {section: weight}); volume shares sum to 1.
PROFILES: dict[str, tuple[float, float, dict[str, float]]] = {
    "movies_x264": (0.070, 0.080, {"X264-HD": 0.75, "X264-SD": 0.25}),
    "movies_hevc": (0.030, 0.030, {"X265": 0.6, "UHD": 0.4}),
    "movies_disc": (0.025, 0.030, {"BLURAY": 0.6, "DVDR": 0.4}),
    "tv_x264": (0.130, 0.100, {"TV-X264": 0.7, "TV-HD": 0.2, "TV-SD": 0.1}),
    "tv_hevc": (0.035, 0.030, {"TV-X265": 0.65, "TV-UHD": 0.35}),
    "tv_sd": (0.025, 0.030, {"TV-SD": 0.7, "TV-HD": 0.3}),
    "games_pc": (0.030, 0.017, {"GAMES": 1.0}),
    "games_console": (0.020, 0.013, {"NSW": 0.55, "PS4": 0.3, "PS5": 0.15}),
    "apps": (0.100, 0.090, {"0DAY": 0.8, "APPS": 0.2}),
    "ebook": (0.060, 0.027, {"EBOOK": 1.0}),
    "mp3": (0.220, 0.250, {"MP3": 1.0}),
    "flac": (0.080, 0.080, {"FLAC": 0.8, "MP3": 0.2}),
    "mvid": (0.035, 0.050, {"MVID": 1.0}),
    "xxx": (0.140, 0.173, {"XXX": 1.0}),
}
# Raid-affiliated extras are drawn from these profiles first (biggest groups first), then the x264 ones.
AFFILIATED_FIRST = ("games_pc", "games_console", "ebook")
AFFILIATED_THEN = ("movies_x264", "tv_x264")
_LANG_PROFILES = {"movies_x264", "movies_hevc", "movies_disc", "tv_x264", "tv_hevc", "tv_sd", "ebook", "xxx"}
_MIN_GROUPS = {"movies_x264": 4, "tv_x264": 3}

_SYL = ("AR", "BE", "CO", "DA", "EX", "FI", "GO", "HE", "IN", "KA", "LO", "MA", "NO", "OR", "PA", "RE",
        "SA", "TE", "UN", "VE", "WA", "XO", "ZE", "TR", "ST", "CR", "PL", "DR", "GR", "BL", "SH", "QU")
# Tokens a name parser reads as something else; never used as group names.
_RESERVED = {"MAX", "HD", "TV", "SD", "WEB", "DVD", "PDF", "ISO", "XXX", "NSW", "PS4", "PS5", "DTS", "AAC",
             "HDTV", "UHD", "HDR", "REPACK", "PROPER", "READ", "NFO", "RIP", "NF", "AMZN", "HULU", "DSNP",
             "CBS", "BBC", "ITV", "SKY", "FOX", "ABC", "NBC", "AMC", "HBO", "STAN", "ATVP", "HMAX"}
_TAILS = ("", "", "", "X", "Z", "S", "ED", "ERS", "ON", "iTY", "iNE", "HD", "TV", "iSO", "DOX", "iNT")


@dataclass(frozen=True, slots=True)
class GroupTable:
    """All groups of a run; arrays are indexed by group id."""

    names: tuple[str, ...]
    profile: tuple[str, ...]
    language: tuple[str, ...]  # "" when not language-tagged
    rate: np.ndarray  # expected releases/day at scale 1 (mid-2020, no seasonality)
    sec_ids: np.ndarray  # (n, K) section ids, padded with the last valid id
    sec_cum: np.ndarray  # (n, K) cumulative section weights (last == 1)
    cat_mix: np.ndarray  # (n, len(CATEGORIES)) share of each category in the group's output

    def __len__(self) -> int:
        """Number of groups."""
        return len(self.names)

    def index(self, name: str) -> int:
        """Return the id of group ``name``."""
        return self.names.index(name)


def _group_name(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        n = int(rng.integers(1, 4))
        core = "".join(_SYL[int(i)] for i in rng.integers(0, len(_SYL), n))
        name = core + _TAILS[int(rng.integers(0, len(_TAILS)))]
        if len(name) < 3:
            name += "X"
        style = rng.random()
        if style < 0.12 and "I" in name:  # iNTERNAL-style lowercase i
            name = name.replace("I", "i")
        elif style < 0.18:  # NTb-style lowercase last letter
            name = name[:-1] + name[-1].lower()
        elif style < 0.23:  # playWEB-style lowercase prefix
            name = ("play", "my", "the", "d", "pi")[int(rng.integers(0, 5))] + name
        if name.upper() not in taken and name.upper() not in _RESERVED:
            taken.add(name.upper())
            return name


def build_groups(config: SimulationConfig) -> GroupTable:
    """Build the deterministic group table for ``config`` (seeded, independent of the dates)."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0x67]))
    n = config.n_groups
    shares = np.array([p[1] for p in PROFILES.values()])
    counts = np.maximum(1, np.floor(shares * n)).astype(int)
    for i, name in enumerate(PROFILES):
        counts[i] = max(counts[i], _MIN_GROUPS.get(name, 1))
    order = np.argsort(-(shares * n - np.floor(shares * n)), kind="stable")
    j = 0
    while counts.sum() < n:
        counts[order[j % len(order)]] += 1
        j += 1
    while counts.sum() > n:  # only when n is tiny; take from the largest profiles
        counts[int(np.argmax(counts))] -= 1

    named = list(dict.fromkeys([*DEFAULT_RAID_GROUPS, *(g for e in config.raids for g in e.groups)]))
    taken = {g.upper() for g in named}
    names: list[str] = []
    profile: list[str] = []
    language: list[str] = []
    rates: list[float] = []
    slots: dict[str, list[int]] = {}
    for (pname, (vshare, _, _)), k in zip(PROFILES.items(), counts, strict=True):
        raw = np.sort(rng.lognormal(0.0, 1.25, k))[::-1]
        raw = raw / raw.sum() * vshare * BASE_PER_DAY
        slots[pname] = []
        for r in raw:
            slots[pname].append(len(names))
            names.append(_group_name(rng, taken))
            profile.append(pname)
            lang = ""
            if pname in _LANG_PROFILES and rng.random() < 0.13:
                lang = LANGS[int(rng.integers(0, len(LANGS)))]
            language.append(lang)
            rates.append(float(r))
    # Put the named (raid-target) groups in the biggest x264 slots, alternating movies and TV.
    movie_slots, tv_slots = iter(slots["movies_x264"]), iter(slots["tv_x264"])
    for i, g in enumerate(named):
        slot = next(tv_slots if i % 5 in (2, 4) else movie_slots, None)
        if slot is None:
            slot = next(tv_slots if i % 5 not in (2, 4) else movie_slots, None)
        if slot is None:
            raise ValueError(f"too many raid groups for n_groups={n}")
        names[slot] = g
        language[slot] = ""

    _plant_languages(config, profile, language, rates, set(named))
    k_max = max(len(p[2]) for p in PROFILES.values())
    sec_ids = np.zeros((n, k_max), dtype=np.int64)
    sec_cum = np.ones((n, k_max))
    cat_mix = np.zeros((n, len(CATEGORIES)))
    for gi, pname in enumerate(profile):
        mix = PROFILES[pname][2]
        ids = [_SID[s] for s in mix]
        w = np.array(list(mix.values()))
        w = w * rng.uniform(0.6, 1.4, len(w))  # each group has its own mix
        w = w / w.sum()
        sec_ids[gi, : len(ids)] = ids
        sec_ids[gi, len(ids) :] = ids[-1]
        sec_cum[gi, : len(ids)] = np.cumsum(w)
        sec_cum[gi, len(ids) - 1 :] = 1.0
        for s, wi in zip(mix, w, strict=True):
            cat_mix[gi, CATEGORIES.index(SECTION_CATEGORY[s])] += wi
    return GroupTable(
        names=tuple(names),
        profile=tuple(profile),
        language=tuple(language),
        rate=np.array(rates),
        sec_ids=sec_ids,
        sec_cum=sec_cum,
        cat_mix=cat_mix,
    )


# Profiles whose groups take planted language tags (never raid-affiliated candidates).
LANGUAGE_PLANT_PROFILES = ("xxx", "tv_sd", "movies_hevc", "tv_hevc")
LANGUAGE_PLANT_GROUPS = 3


def _plant_languages(config: SimulationConfig, profile: list[str], language: list[str], rates: list[float],
                     named: set[str]) -> None:  # fmt: skip
    """Give every tag of ``config.language_responses`` at least 3 groups (deterministic, no random draws)."""
    tags = [tag for tag, _ in config.language_responses]
    if not tags:
        return
    pool = [i for i, p in enumerate(profile) if p in LANGUAGE_PLANT_PROFILES and not language[i]]
    pool.sort(key=lambda i: (-rates[i], i))
    pool.reverse()  # take from the end: biggest first
    for tag in tags:
        need = LANGUAGE_PLANT_GROUPS - sum(1 for x in language if x == tag)
        while need > 0 and pool:
            language[pool.pop()] = tag
            need -= 1


def affiliated_candidates(table: GroupTable, exclude: set[int]) -> list[int]:
    """Group ids eligible as extra raid-affiliated groups, most likely first.

    Games and e-book groups come first (biggest first) except the smallest of each profile with 4+ groups,
    which keeps a trickle going; then the big movie/TV x264 groups.
    """
    first: list[int] = []
    last: list[int] = []
    for pname in AFFILIATED_FIRST:
        ids = sorted((i for i, p in enumerate(table.profile) if p == pname), key=lambda i: -table.rate[i])
        keep = 1 if len(ids) >= 4 else 0
        first += [i for i in ids[: len(ids) - keep] if i not in exclude]
        last += [i for i in ids[len(ids) - keep :] if i not in exclude]
    then = [i for i, p in enumerate(table.profile) if p in AFFILIATED_THEN and i not in exclude]
    then.sort(key=lambda i: -table.rate[i])
    return first + then + last
