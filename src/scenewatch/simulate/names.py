"""Sections, word lists and name templates for plausible scene release names.

Every builder takes ``r`` (5 random 30-bit ints), the group, the group's language
tag with a trailing dot (e.g. "GERMAN." or "") and the day context ``(year, "2020.08.26", "20.08.26")``,
and returns a release name.
Word lists contain no commas, quotes or spaces so names are safe in CSV/JSON without escaping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["BUILDERS", "CATEGORIES", "SECTIONS", "SECTION_CATEGORY", "build_name"]

# (section, category); the order fixes section ids.
_SECTION_TABLE: tuple[tuple[str, str], ...] = (
    ("X264-HD", "movies"), ("X264-SD", "movies"), ("X265", "movies"), ("UHD", "movies"),
    ("BLURAY", "movies"), ("DVDR", "movies"),
    ("TV-X264", "tv"), ("TV-X265", "tv"), ("TV-HD", "tv"), ("TV-SD", "tv"), ("TV-UHD", "tv"),
    ("GAMES", "games"), ("NSW", "games"), ("PS4", "games"), ("PS5", "games"),
    ("0DAY", "apps"), ("APPS", "apps"),
    ("EBOOK", "ebook"),
    ("MP3", "music"), ("FLAC", "music"),
    ("MVID", "mvid"),
    ("XXX", "xxx"),
)  # fmt: skip
SECTIONS: tuple[str, ...] = tuple(s for s, _ in _SECTION_TABLE)
SECTION_CATEGORY: dict[str, str] = dict(_SECTION_TABLE)
CATEGORIES: tuple[str, ...] = ("movies", "tv", "games", "apps", "ebook", "music", "mvid", "xxx")

_W = str.split
TITLE = _W(
    "Dark Night Last Summer Blood Road Home Lost City Silent River Iron Heart Cold Fire Black Water "
    "Shadow Hunter Broken Wings Red Storm Deep Wild Game Dead Man Stone Angel Secret Garden Empty Sky "
    "Golden Hour Hidden Truth Final Call Lonely Planet Midnight Run Ghost Ship Frozen Lake Burning Bridge "
    "Long Way Down Little Women King Queen Kingdom Escape Room Perfect Stranger Wolf Pack Sunset Boulevard "
    "Paper Moon Glass House Bad Blood High Noon Green Mile Open Range Fallen Star White Noise Crimson Tide "
    "Lucky Seven Devil Inside Savage Island Northern Lights Desert Rose Electric Dreams Tokyo Paris London "
    "Berlin Vegas Texas Brooklyn Harbor Legacy Revenge Honor Mercy Justice Rising Falling Return Awakening "
    "Silver Lining Morning Glory Thunder Valley Winter Spring Autumn Ocean Mountain Forest Desert Prairie "
    "Empire Republic Nation Border Frontier Outpost Station Tower Castle Palace Prison Asylum Hospital "
    "Doctor Lawyer Soldier Sniper Pilot Captain General Sheriff Outlaw Bandit Pirate Thief Spy Agent "
    "Assassin Witness Survivor Stranger Neighbor Brother Sister Mother Father Daughter Son Family Friends "
    "Lovers Enemies Strangers Heroes Villains Monsters Demons Spirits Ghosts Witches Vampires Zombies "
    "Robots Aliens Machines Signal Code Cipher Puzzle Riddle Mystery Enigma Secret Promise Betrayal "
    "Vengeance Redemption Salvation Exodus Genesis Origin Destiny Fate Chance Luck Fortune Glory Honor "
    "Blade Sword Arrow Bullet Gun Knife Hammer Chain Crown Throne Ring Mirror Mask Veil Curtain Door "
    "Window Bridge Tunnel Highway Street Alley Avenue Station Harbor Island Canyon Cliff Summit Abyss "
    "Inferno Paradise Heaven Hell Limbo Purgatory Eden Babylon Atlantis Olympus Valhalla Avalon Camelot "
    "Zero One Two Three Seven Ten Hundred Thousand Million Infinity Eclipse Horizon Meridian Equinox"
)
TITLE = list(dict.fromkeys(TITLE))
SHOW = _W(
    "The.Office Chicago.Fire Greys.Anatomy Doctor.Who Survivor Big.Brother Top.Gear Vikings Outlander "
    "The.Masked.Singer Below.Deck Ghost.Adventures Gold.Rush Deadliest.Catch Family.Guy Bobs.Burgers "
    "The.Simpsons Shark.Tank Love.Island Hells.Kitchen MasterChef The.Great.British.Bake.Off "
    "Antiques.Roadshow Coronation.Street Emmerdale Neighbours Home.and.Away Ink.Master Pawn.Stars "
    "American.Pickers Storage.Wars Cops Dateline Frontline Nova Horizon Panorama Dispatches Bondi.Rescue "
    "Border.Security Mayday The.Blacklist NCIS Bluey Yellowstone The.Walking.Dead Ridiculousness "
    "Married.at.First.Sight Grand.Designs Escape.to.the.Country 90.Day.Fiance Diners.Drive-Ins.and.Dives"
)
DAILY = _W("The.Daily.Show Late.Night.with.Seth.Meyers The.Late.Show.with.Stephen.Colbert "
           "Jimmy.Kimmel.Live The.Tonight.Show.Starring.Jimmy.Fallon The.View Conan WWE.Monday.Night.Raw "
           "The.Graham.Norton.Show Real.Time.with.Bill.Maher Jeopardy Wheel.of.Fortune The.Talk "
           "Good.Morning.America Have.I.Got.News.For.You QI Countdown Loose.Women")
FIRST = _W("John Anna Mark Lisa Paul Sarah David Emma James Laura Chris Kate Tom Julia Alex Nina Ben Eva "
           "Sam Mia Jack Zoe Leo Ella Max Lily Dan Amy Tim Ruby Adam Rose Ryan Jade Nick Vera Kai Luna "
           "Aria Bella Chloe Daisy Elena Fiona Gina Holly Iris Jenna Kira Lana Maya Nora Olive Piper Quinn "
           "Riley Sofia Tara Uma Violet Willow Yara Zara Aaron Bruno Carl Derek Ethan Felix Gary Hugo Ivan")
LAST = _W("Smith Jones Brown Miller Davis Wilson Moore Taylor Clark Lewis Walker Hall Young King Wright "
          "Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker "
          "Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly "
          "Howard Ward Cox Diaz Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price "
          "Myers Long Foster Sanders Ross Morales Powell Sullivan Russell Ortiz Jenkins Perry Butler Barnes")
ARTIST = _W("DJ_Kross Neon_Lights The_Hollow Dark_Matter Sonic_Youthz Pulse Afterglow Nightcrawler "
            "Blue_Monday Echo_Chamber Kaskade_Sound Moonshine Red_Velvet Black_Sheep Solar_Flare Deep_State "
            "Lost_Frequencies Atlas Orbital_Drift Tribe Vortex Midnight_Express Static Wavelength Hexagon "
            "Paradox Crystal_Method Ironside Bassline_Junkie Skyline Andromeda Phantom Riot Mantra Zenith")
ALBUM = _W("Into_The_Void Neon_Nights Echoes Lost_In_Time Resurrection Gravity Daydream Fragments "
           "The_Beginning Wildfire Chapter_One Afterhours Soul_Sessions Dark_Side Remixes Live_At_Home "
           "Best_Of Collected Horizon Undercurrent Machine_Heart Signals Black_Box Northern_Soul Euphoria "
           "Night_Drive Summer_Anthems Deep_Cuts Reflections Balance Momentum Transmission Elevation")
LABEL = _W("ARMD BLV SPINN DEF MOS TIGER ANJ MUTE NINJA WARP HOSP KOSMO SUOL TOOL DRUMC ENHANCED")
GAME = _W("Space Dungeon Farm Racing Truck Zombie Castle Kingdom Tactics Legends Heroes Simulator "
          "Survival Quest Odyssey Tycoon Arena Shadows Empire Galaxy Dragon Knight Pixel Rogue Warfare "
          "Builder Station Frontier Mystery Island Escape Defense Chronicles Harvest Mech Tower")
APP = _W("Adobe Photo Video Audio Data Disk PDF Office Backup Sync Screen Recorder Converter Editor "
         "Manager Studio Pro Suite Toolkit Cleaner Optimizer Downloader Player Designer Viewer Master "
         "Easy Smart Power Ultimate Express Fast Secure Cloud Net File Image Font Code DVD")
PUBLISHER = _W("Wiley OReilly Packt Apress Springer Manning Pearson McGraw.Hill Routledge Penguin "
               "HarperCollins Macmillan Elsevier Taschen Lonely.Planet DK Oxford Cambridge NoStarch")
BOOK = _W("Python Kubernetes Cooking Gardening Photography History Psychology Leadership Finance Rust "
          "Mindfulness Travel Guide Handbook Essentials Mastering Learning Practical Modern Complete "
          "Beginners Advanced Secrets Science Art Design Cocktails Baking Yoga Marketing Strategy")
SITE = _W("BrazzersExxtra RealityKings TeamSkeet Blacked Tushy Vixen MomsTeachSex NubileFilms Babes "
          "PureTaboo FakeTaxi PublicAgent PassionHD Tiny4K MetArtX SexArt DorcelClub JulesJordan")
STUDIO = _W("Private Evil.Angel Marc.Dorcel Digital.Playground Wicked Elegant.Angel Jules.Jordan Mofos")
LANGS = ("GERMAN", "FRENCH", "NORDiC", "SWEDiSH", "POLiSH", "DUTCH", "SPANiSH", "iTALiAN", "DANiSH",
         "FiNNiSH", "NORWEGiAN", "CZECH")

_N_T, _N_S, _N_D, _N_F, _N_L = len(TITLE), len(SHOW), len(DAILY), len(FIRST), len(LAST)
_N_AR, _N_AL, _N_LB, _N_G, _N_A = len(ARTIST), len(ALBUM), len(LABEL), len(GAME), len(APP)
_N_P, _N_B, _N_SI, _N_ST = len(PUBLISHER), len(BOOK), len(SITE), len(STUDIO)

Ctx = tuple[int, str, str]
Builder = Callable[[Sequence[int], str, str, Ctx], str]


def _title(r: int, n: int = 3, sep: str = ".") -> str:
    """Join 1–4 title words (mostly 2–3) picked from the bits of ``r``."""
    k = r % 20
    a, b = TITLE[(r >> 5) % _N_T], TITLE[(r >> 13) % _N_T]
    if k == 0:
        return a
    if k < 10 or n < 3:
        return f"{a}{sep}{b}"
    c = TITLE[(r >> 21) % _N_T]
    return f"{a}{sep}{b}{sep}{c}" if k < 18 else f"The{sep}{a}{sep}{b}{sep}{c}"


# Occasional PROPER/REPACK/iNTERNAL flags (with trailing dot), looked up by ``r & 1023``.
_FLAGS = tuple("PROPER." if x < 15 else "REPACK." if x < 25 else "iNTERNAL." if x < 46 else "" for x in range(1024))


def _movie_year(r: int, ctx: Ctx) -> int:
    x = r % 10
    return ctx[0] - (0 if x < 5 else 1 if x < 8 else 2 + (r >> 4) % 40)


def _x264_hd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    res = "1080p" if r[3] % 3 else "720p"
    src = ("BluRay", "WEB", "BluRay", "WEBRip")[r[4] % 4]
    return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}{_FLAGS[r[2] & 1023]}{res}.{src}.x264-{g}"


def _x264_sd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    src = ("BDRip", "DVDRip", "WEBRip", "BRRip")[r[4] % 4]
    return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}{_FLAGS[r[2] & 1023]}{src}.x264-{g}"


def _x265(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    res = ("2160p", "1080p", "2160p.HDR")[r[3] % 3]
    src = ("BluRay", "WEB")[r[4] % 2]
    return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}{_FLAGS[r[2] & 1023]}{res}.{src}.x265-{g}"


def _uhd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    hdr = ("HDR.", "", "DV.HDR.")[r[3] % 3]
    head = f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}{_FLAGS[r[2] & 1023]}"
    return f"{head}2160p.UHD.BluRay.{hdr}x265-{g}"


def _bluray(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    if r[3] % 2:
        return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}COMPLETE.BLURAY-{g}"
    return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}1080p.BluRay.AVC.DTS-HD.MA.5.1-{g}"


def _dvdr(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    std = "PAL" if r[3] % 3 else "NTSC"
    return f"{_title(r[0], 3)}.{_movie_year(r[1], ctx)}.{lang}{_FLAGS[r[2] & 1023]}{std}.DVDR-{g}"


def _show(r: int, pick: int, year: int) -> str:
    """A show name: 10% from the list of real-style shows, else 2–3 title words from ``r``."""
    k = (pick >> 10) % 10
    if k == 0:
        a = SHOW[(pick >> 14) % _N_S]
        return f"{a}.{year - (pick >> 24) % 4}" if (pick >> 20) % 9 == 0 else a
    return _title(r, 3 if k < 4 else 2)


def _episode(r: Sequence[int], g: str, lang: str, ctx: Ctx, tail: str) -> str:
    if r[2] % 7 == 0:  # daily show
        guest = f"{FIRST[(r[2] >> 3) % _N_F]}.{LAST[(r[2] >> 11) % _N_L]}"
        return f"{DAILY[r[0] % _N_D]}.{ctx[1]}.{guest}.{lang}{_FLAGS[r[4] & 1023]}{tail}-{g}"
    ep = f"S{1 + r[1] % 12:02d}E{1 + (r[1] >> 5) % 24:02d}"
    return f"{_show(r[0], r[4], ctx[0])}.{ep}.{lang}{_FLAGS[r[4] & 1023]}{tail}-{g}"


def _tv_x264(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    tail = ("720p.HDTV.x264", "1080p.WEB.h264", "720p.WEB.h264", "1080p.HDTV.x264")[r[3] % 4]
    return _episode(r, g, lang, ctx, tail)


def _tv_x265(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _episode(r, g, lang, ctx, ("1080p.WEB.h265", "720p.HDTV.x265", "1080p.HEVC.x265")[r[3] % 3])


def _tv_hd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _episode(r, g, lang, ctx, ("720p.HDTV.x264", "1080p.WEB-DL.DD5.1.H.264")[r[3] % 2])


def _tv_sd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _episode(r, g, lang, ctx, ("HDTV.x264", "480p.WEB.h264", "WEB.h264", "DVDRip.XviD")[r[3] % 4])


def _tv_uhd(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _episode(r, g, lang, ctx, ("2160p.WEB.h265", "2160p.HDR.WEB.h265")[r[3] % 2])


def _game_title(r: int, sep: str) -> str:
    a, b = GAME[r % _N_G], TITLE[(r >> 6) % _N_T]
    if (r >> 14) % 8 == 0:
        return f"{a}{sep}{b}"
    return f"{b}{sep}{TITLE[(r >> 22) % _N_T]}{sep}{a}"


def _version(r: int) -> str:
    return f"v{1 + r % 4}.{(r >> 3) % 10}.{(r >> 7) % 20}"


def _games(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    t = _game_title(r[0], ".")
    k = r[3] % 6
    if k == 0:
        return f"{t}.Update.{_version(r[1])}-{g}"
    if k == 1:
        return f"{t}.MULTi{2 + r[1] % 10}-{g}"
    if k == 2:
        return f"{t}.{_FLAGS[r[2] & 1023]}REPACK-{g}" if r[2] % 2 else f"{t}.PROPER-{g}"
    return f"{t}-{g}"


def _console(r: Sequence[int], g: str, platform: str) -> str:
    t = _game_title(r[0], "_")
    if r[3] % 4 == 0:
        return f"{t}_Update_{_version(r[1])}_{platform}-{g}"
    if r[3] % 4 == 1:
        return f"{t}_{platform}-{g}"
    return f"{t.replace('_', '.')}.{platform}-{g}"


def _nsw(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _console(r, g, "NSW")


def _ps4(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _console(r, g, "PS4")


def _ps5(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    return _console(r, g, "PS5")


def _app_name(r: int) -> str:
    return f"{APP[r % _N_A]}.{APP[(r >> 8) % _N_A]}"


def _0day(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    tail = ("x64.Incl.Keygen", "WinALL.Cracked", "MacOSX", "Linux", "x64.Incl.Patch", "Multilingual.x64",
            "WinALL.Incl.Keymaker", "Cracked.MacOS")[r[3] % 8]
    return f"{_app_name(r[0])}.{_version(r[1])}.{tail}-{g}"


def _apps(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    tail = ("x64.ISO", "MULTiLANGUAGE.ISO", "x86.x64.DVD")[r[3] % 3]
    return f"{_app_name(r[0])}.{ctx[0]}.{_version(r[1])}.{tail}-{g}"


def _ebook(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    fmt = ("RETAIL.EPUB.eBook", "RETAIL.PDF.eBook", "EPUB.eBook", "RETAIL.MOBi.eBook")[r[3] % 4]
    words = f"{BOOK[r[0] % _N_B]}.{TITLE[(r[0] >> 8) % _N_T]}.{BOOK[(r[0] >> 16) % _N_B]}"
    if r[4] % 3 == 0:
        who = f"{FIRST[r[1] % _N_F]}.{LAST[(r[1] >> 8) % _N_L]}"
        return f"{who}.-.{words}.{ctx[0]}.{lang}{fmt}-{g}"
    return f"{PUBLISHER[r[1] % _N_P]}.{words}.{ctx[0]}.{lang}{fmt}-{g}"


def _artist(r: int) -> str:
    k = r % 23
    if k == 0:
        return "VA"
    if k < 4:
        return ARTIST[(r >> 5) % _N_AR]
    if k < 13:
        return f"{FIRST[(r >> 5) % _N_F]}_{LAST[(r >> 12) % _N_L]}"
    return f"{TITLE[(r >> 5) % _N_T]}_{TITLE[(r >> 13) % _N_T]}"


def _album(r: int) -> str:
    if (r >> 27) % 8 == 0:
        return ALBUM[(r >> 5) % _N_AL]
    return _title(r, 3, "_")


def _mp3(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    a, al, y = _artist(r[0]), _album(r[1]), ctx[0]
    k = r[3] % 5
    if k == 0:
        return f"{a}-{al}-({LABEL[r[2] % _N_LB]}{r[2] % 997})-WEB-{y}-{g}"
    if k == 1:
        return f"{a}_-_{al}-WEB-{y}-{g}"
    if k == 2:
        return f"{a}-{al}-{1 + r[2] % 2}CD-{y}-{g}" if r[2] % 5 else f"{a}-{al}-CD-{y}-{g}"
    if k == 3:
        return f"{a}-{al}-(Single)-WEB-{y}-{g}"
    return f"{a}-{al}-WEB-{y}-{g}"


def _flac(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    a, al, y = _artist(r[0]), _album(r[1]), ctx[0]
    tail = ("WEB-FLAC", "CD-FLAC", "24BIT-WEB-FLAC", "(CAT)-WEB-FLAC")[r[3] % 4]
    if tail.startswith("(CAT)"):
        tail = f"({LABEL[r[2] % _N_LB]}{r[2] % 997})-WEB-FLAC"
    return f"{a}-{al}-{tail}-{y}-{g}"


def _mvid(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    a, al, y = _artist(r[0]), _album(r[1]), ctx[0]
    tail = ("DDC-1080p-x264", "WEB-720p-x264", "DVBS-x264", "(Live)-HDTV-1080i-x264")[r[3] % 4]
    return f"{a}-{al}-{tail}-{y}-{g}"


def _performer(r: int) -> str:
    who = f"{FIRST[r % _N_F]}.{LAST[(r >> 7) % _N_L]}"
    return f"{who}.And.{FIRST[(r >> 14) % _N_F]}.{LAST[(r >> 21) % _N_L]}" if (r >> 28) % 4 == 0 else who


def _xxx(r: Sequence[int], g: str, lang: str, ctx: Ctx) -> str:
    if r[3] % 4:
        q = ("XXX.1080p.MP4", "XXX.720p.MP4", "XXX.SD.MP4", "XXX.2160p.MP4", "XXX.480p.MP4")[r[4] % 5]
        return f"{SITE[r[0] % _N_SI]}.{ctx[2]}.{_performer(r[1])}.{lang}{q}-{g}"
    src = ("XXX.DVDRip.x264", "XXX.1080p.WEBRip.MP4", "XXX.DVDR")[r[4] % 3]
    return f"{STUDIO[r[0] % _N_ST]}.{_title(r[2], 3)}.{lang}{src}-{g}"


BUILDERS: tuple[Builder, ...] = (
    _x264_hd, _x264_sd, _x265, _uhd, _bluray, _dvdr,
    _tv_x264, _tv_x265, _tv_hd, _tv_sd, _tv_uhd,
    _games, _nsw, _ps4, _ps5,
    _0day, _apps, _ebook, _mp3, _flac, _mvid, _xxx,
)  # fmt: skip
assert len(BUILDERS) == len(SECTIONS)


def build_name(section: str, r: Sequence[int], group: str, lang: str, ctx: Ctx) -> str:
    """Build one release name for ``section``; ``lang`` is a bare tag such as "GERMAN" or ""."""
    return BUILDERS[SECTIONS.index(section)](r, group, f"{lang}." if lang else "", ctx)
