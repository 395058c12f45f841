"""The classes of names the parser got wrong on unseen data (issue #18), with names constructed for these tests."""

from __future__ import annotations

import pytest

from scenewatch.names import NO_PRIOR, parse


@pytest.mark.parametrize(
    ("name", "publisher", "title"),
    [
        ("Lynda.Spreadsheet.Tricks.for.Busy.Accountants-GRP", "Lynda", "Spreadsheet Tricks for Busy Accountants"),
        ("Udemy.Learn.Pottery.Glazing.From.Zero-GRP", "Udemy", "Learn Pottery Glazing From Zero"),
        ("Pluralsight.Securing.Tiny.Web.Servers-GRP", "Pluralsight", "Securing Tiny Web Servers"),
        ("LinkedIn.Learning.Writing.Better.Memos-GRP", "LinkedIn Learning", "Writing Better Memos"),
        ("Skillshare.Watercolour.Skies.for.Beginners-GRP", "Skillshare", "Watercolour Skies for Beginners"),
        ("Packt.Hands.On.Widget.Testing.in.Rust-GRP", "Packt", "Hands On Widget Testing in Rust"),
        ("TeamTreehouse.Intro.to.Spreadsheet.Macros-GRP", "Treehouse", "Intro to Spreadsheet Macros"),
        ("OReilly.Streaming.Pipelines.Fundamentals.LiveLessons-GRP", "O'Reilly", "Streaming Pipelines Fundamentals"),
    ],
)
def test_e_learning_is_software_marked_as_a_tutorial(name, publisher, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.publisher, p.title) == ("software", publisher, title)
    assert "TUTORIAL" in p.flags


@pytest.mark.parametrize(
    "name",
    [
        "Lynda.Excel.2019.Essential.Training-GRP",  # a year is no film without video tokens
        "LINKEDIN.LEARNING.PHOTO.TIPS.WEEKLY.UPDATE.20200115-GRP",  # a date is no episode here
        "Acme.Academy.Synth.Basics.TUTORiAL-GRP",
        "Pluralsight.Linux.Shell.Scripting.Deep.Dive-GRP",  # "Linux" is no game platform here
    ],
)
def test_e_learning_other_shapes(name):
    assert parse(name, prior=NO_PRIOR).category == "software"


def test_a_course_word_never_beats_video_tokens():
    p = parse("The.Masterclass.S01E02.720p.HDTV.x264-GRP", prior=NO_PRIOR)
    assert p.category == "tv" and "TUTORIAL" not in p.flags


@pytest.mark.parametrize(
    ("name", "version", "title"),
    [
        ("8K.Photo.Resizer.v2.7.1.1200-GRP", "2.7.1.1200", "8K Photo Resizer"),  # "8K" opens a title, no resolution
        ("FooCAD.Assembly.Studio.v2018.SP3-GRP", "2018", "FooCAD Assembly Studio"),  # SP3: a service pack
        ("QuickDoc.PDF.Merger.v4.2.10.for.MacOSX-GRP", "4.2.10", "QuickDoc PDF Merger"),  # PDF in an app's title
        ("Tiny.Notes.v3.5b.WinALL-GRP", "3.5b", "Tiny Notes"),
        ("Disk.Sweeper.Pro.v12.0.3r.x64-GRP", "12.0.3r", "Disk Sweeper Pro"),
    ],
)
def test_software_version_strings(name, version, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.version, p.title) == ("software", version, title)
    assert p.episodes == ()


def test_an_ebook_with_a_version_in_its_title_stays_an_ebook():
    assert parse("Wiley.-.Exam.Guide.V12.2021.Retail.EPUB.eBook-GRP").category == "ebook"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("Some.Band.Live.At.The.Arena.2019.1080p.MBluRay.x264-GRP", "bluray"),
        ("Some.Band.Live.At.The.Arena.2019.720p.MBLURAY.x264-GRP", "bluray"),
        ("Some.Band.Greatest.Clips.2018.PAL.DVD9.MDVDR-GRP", "dvd"),
        ("Some.Band.Greatest.Clips.2018.NTSC.MDVD-R-GRP", "dvd"),
        ("Some_Band-A_Song_(Festival_2021-06-19)-720p-x264-2021-SRP", None),  # a date in a music-video layout
        ("Some_Band-A_Song-MVID-2021-GRP", None),
        ("Some_Band-Another_Song-DVDRiP-x264-2008-GRP", "dvd"),
    ],
)
def test_music_video(name, source):
    p = parse(name, prior=NO_PRIOR)
    assert p.category == "musicvideo"
    if source:
        assert p.source == source


def test_a_group_that_is_a_language_code_is_still_the_group():
    assert parse("Some_Band-A_Song-720p-x264-2021-SRP").group == "SRP"
    assert parse("Publisher.Course.Title-ZH").group == "ZH"


@pytest.mark.parametrize(
    "name",
    [
        "Castle.Builder.Update.v20210314-PLAZA",
        "Castle.Builder.Update.1.12-CODEX",
        "Castle.Builder.Episode.3.Update.v1.62-PLAZA",  # an episodic game's update
        "Castle.Builder.Crackfix-CODEX",
        "Castle.Builder.Hotfix.2-GRP",
        "Castle.Builder.v1.0.4.RIP-GRP",
        "Castle_Builder_NSW-GRP",
    ],
)
def test_game_updates_and_builds_from_the_name_alone(name):
    p = parse(name, prior=NO_PRIOR)
    assert p.category == "game"
    assert p.air_date is None
    assert p.episodes == ((3,) if "Episode" in name else ())  # an episodic game keeps its episode


def test_a_build_number_is_no_air_date():
    p = parse("Castle.Builder.Build.24.10.2019-GRP", prior=NO_PRIOR)
    assert (p.air_date, p.version, p.category) == (None, "24.10.2019", "software")
    assert parse("Castle.Builder.Build.24.10.2019-SiMPLEX").category == "game"  # the group settles it


@pytest.mark.parametrize(
    "name",
    [
        "Tractor.Repair.Simulator.2021-SKIDROW",  # a year: a film only with video tokens
        "Castle.Builder.v1.0440-TENOKE",  # a bare version: an application or a game? the group knows
        "Castle.Builder.REPACK-Razor1911",
        "Castle.Builder.Episode.1-CODEX",
        "Castle.Builder-PLAZA",
    ],
)
def test_games_the_group_prior_recognises(name):
    assert parse(name).category == "game"  # the shipped prior: these groups release games


def test_the_section_beats_the_prior_and_strong_evidence_beats_both():
    assert parse("Castle.Builder-PLAZA", "MP3").category == "music"  # a section that names one category
    assert parse("Castle.Builder.2021.1080p.WEB.h264-PLAZA").category == "movie"  # video tokens: not weak


@pytest.mark.parametrize(
    "name",
    [
        "NHL.2021.10.27.Wild.vs.Rangers.720p.HDTV.x264-GRP",
        "Moto2.2021.Round01.Qatar.Race.720p.HDTV.x264-GRP",
        "Boxing.2021.01.19.Someone.vs.Someone.Else.720p.HDTV.x264-GRP",
        "AEW.Some.Event.2021.PPV.720p.HDTV.x264-GRP",
        "Formula1.2021.Some.Grand.Prix.Race.1080p.HDTV.x264-GRP",
    ],
)
def test_sports_are_sports_wherever_they_are_announced(name):
    assert parse(name).category == "sports"
    assert parse(name, "TV-X264").category == "sports"  # the rule does not bend to a TV section


def test_a_broadcast_capture_without_an_episode_is_a_tv_release_of_a_film():
    p = parse("Some.Film.1984.GERMAN.720p.HDTV.x264-GRP")
    assert (p.category, p.type, p.year) == ("tv", "movie", 1984)
    assert parse("Some.Film.1984.GERMAN.720p.BluRay.x264-GRP").category == "movie"


@pytest.mark.parametrize(
    ("name", "season", "episodes", "title"),
    [
        ("Some.Show.103.720p.HDTV.X264-GRP", 1, (3,), "Some Show"),
        ("Some.Show.103.104.720p.HDTV.X264-GRP", 1, (3, 4), "Some Show"),
        ("Some.Show.1012.HDTV.x264-GRP", 10, (12,), "Some Show"),
        ("Some.Show.512.720p.WEB.h264-GRP", 5, (12,), "Some Show"),
        ("Some.Show.412.DVDRip.XviD-GRP", 4, (12,), "Some Show"),
    ],
)
def test_old_scene_numbering(name, season, episodes, title):
    p = parse(name)
    assert (p.season, p.episodes, p.title, p.category) == (season, episodes, title, "tv")


@pytest.mark.parametrize(
    "name",
    [
        "Some.Film.300.720p.BluRay.x264-GRP",  # a number in a film's title
        "Some.Film.2049.1080p.BluRay.x264-GRP",
        "Some.Film.237.2012.DVDRip.x264-GRP",  # a number in a film's title, the year after it
        "Some.Show.2021.720p.HDTV.x264-GRP",  # a year
    ],
)
def test_old_scene_numbering_leaves_films_alone(name):
    assert parse(name).episodes == ()


@pytest.mark.parametrize(
    ("name", "season", "episode", "title"),
    [
        ("[FanSub] Some Anime Title - 12 [720p][ABCD1234].mkv", None, 12, "Some Anime Title"),
        ("[FanSub] Some Anime Title S3 - 12 [1080p].mkv", 3, 12, "Some Anime Title"),
        ("[FanSub] Some Anime Title Season 2 - 10 [1080p].mkv", 2, 10, "Some Anime Title"),
        ("[FanSub] Some Anime 2nd Season - 05 [720p]", 2, 5, "Some Anime"),
        ("[FanSub] Some Anime Title - 1047 (1080p) [ABCDEF12].mkv", None, 1047, "Some Anime Title"),
    ],
)
def test_fansub_absolute_numbering(name, season, episode, title):
    p = parse(name)
    assert (p.season, p.episode, p.title, p.group) == (season, episode, title, "FanSub")
    assert p.category == "anime"


@pytest.mark.parametrize(
    ("name", "episode"),
    [
        ("[Hi10] Some Anime Title - Episode 05 [BD 1080p][ABCDEF12].mkv", 5),
        ("[Hi10]_Some_Anime_Title_-_12_[BD_1080p][A1B2C3D4].mkv", 12),
    ],
)
def test_a_crew_named_hi10_is_the_group(name, episode):
    p = parse(name)
    assert (p.group, p.title, p.episode, p.category) == ("Hi10", "Some Anime Title", episode, "anime")


def test_a_leading_hi10_without_a_fansub_shape_stays_a_tag():
    p = parse("[Hi10] Some Film Title 2012 1080p BluRay x264")
    assert p.group != "Hi10" and p.title == "Some Film Title"


@pytest.mark.parametrize(
    "name",
    [
        "[FanSub]_Some_Anime_Title_(1920x1080_Blu-Ray_FLAC)_[1A2B3C4D]",
        "[FanSub] Some Anime Title [BD 1080p Hi10 FLAC][ABCD1234]",
    ],
)
def test_a_fansub_batch_without_an_episode_is_anime(name):
    p = parse(name)
    assert (p.category, p.group, p.title) == ("anime", "FanSub", "Some Anime Title")


def test_a_slash_inside_a_fansub_title_is_no_folder():
    p = parse("[FanSub] Title/Other - 01v2 [BD, 720p] [8C8F1B3C].mkv")
    assert (p.group, p.title, p.episode, p.category) == ("FanSub", "Title Other", 1, "anime")
    folder = parse("[FanSub] Some Show/Some.Show.S01E02.720p.HDTV.x264-GRP.mkv")
    assert (folder.title, folder.group, folder.episode) == ("Some Show", "GRP", 2)


def test_season_then_dash_episode_without_a_fansub_group():
    p = parse("Some Anime Title S2 - 07 (1080p)")
    assert (p.season, p.episode, p.title) == (2, 7, "Some Anime Title")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("[FanSub] 某个动画 (Moonlit Garden Tales) - 05 [1080p].mkv", "Moonlit Garden Tales"),
        ("[FanSub] 某个动画 Some English Title - 03 [1080p]", "Some English Title"),
        ("剧名.English.Name.S01E01.1080p.WEB-DL.H265-GRP", "English Name"),
        ("剧名.2020.1080p.WEB-DL.H264-GRP", "剧名"),  # no Latin title: the CJK one stays
    ],
)
def test_cjk_title_with_a_latin_one(name, title):
    assert parse(name).title == title


@pytest.mark.parametrize(
    "name",
    [
        "[somesite.com] - Some.Show.S03E14.720p.HDTV.x264-GRP",
        "[ www.somesite.org ] - Some.Show.S03E14.720p.HDTV.x264-GRP",
        "somesite.net - Some.Show.S03E14.720p.HDTV.x264-GRP",
        "somesite.tv - Some Show S03E14 720p HDTV x264-GRP",
    ],
)
def test_site_prefixes_leave_the_title(name):
    p = parse(name)
    assert (p.title, p.season, p.episode) == ("Some Show", 3, 14)


def test_a_bracketed_group_with_a_dot_is_no_site():
    assert parse("[the.crew] Some.Show.S03E15.Title.720p").title != "Some Show S03E15"


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Some Show 2009 S01E14 English HDTV XviD GRP", "GRP"),  # after two technical tokens: a group
        ("Some Show S01E14 720p HDTV x264 CREW", "CREW"),
        ("Some Show S01E14 HDTV XviD", None),  # nothing unknown at the end
        ("Some Show S01E01 Pilot", None),  # an episode title, not a group
        ("Some Show S01E01 720p Finale", None),  # one technical token is not enough
    ],
)
def test_space_separated_names_trailing_group(name, group):
    assert parse(name).group == group


@pytest.mark.parametrize(
    "name",
    [
        "Some.Sounds.Deep.House.Drums.WAV-GRP",
        "Some.Audio.Cinematic.Strings.KONTAKT-GRP",
        "Some.Loops.Trap.MULTiFORMAT-GRP",
    ],
)
def test_sample_packs_are_software(name):
    assert parse(name, prior=NO_PRIOR).category == "software"


def test_music_with_wav_stays_music():
    assert parse("Some_Artist-Some_Album-WAV-2021-GRP", prior=NO_PRIOR).category == "music"


@pytest.mark.parametrize(
    "name",
    [
        "Acme.Simulation.Suite.2021.3.ISO-GRP",  # a disc image with a year-like version
        "Acme.Simulation.Suite.2021-4.LINUX64.ISO-GRP",
        "Technics.Publications.Graph.Databases.Made.Simple-GRP",
        "Acme.Press.Linux.Shell.Scripting.Basics.TUTORiAL-GRP",  # "Linux" inside a title is a word
    ],
)
def test_application_images_and_more_courses(name):
    assert parse(name, prior=NO_PRIOR).category == "software"


def test_a_film_on_a_disc_image_stays_a_film():
    assert parse("Some.Film.2019.PAL.DVD9.ISO-GRP", prior=NO_PRIOR).category == "movie"


@pytest.mark.parametrize(
    ("name", "title", "episodes", "group"),
    [
        # a fansub crew's name with spaces, and a bare number in brackets as the episode
        ("[Some Night Fansubs] Paper Lantern (7).mkv", "Paper Lantern", [7], "Some Night Fansubs"),
        # an episode range right before the technical part, words joined by underscores or spaces
        ("Paper_Lantern_Road_04-09_[BD_1080p][Grp]", "Paper Lantern Road", list(range(4, 10)), None),
        ("[Crew]_Paper_Lantern_1-12_(1280x720_Blu-Ray_FLAC)", "Paper Lantern", list(range(1, 13)), "Crew"),
        ("Paper Lantern 01-03 [720p]", "Paper Lantern", [1, 2, 3], None),
        # a weak technical token alone in a bracket ends the title; the number after it is the episode
        ("Paper Lantern (DVD) - 05.mkv", "Paper Lantern", [5], None),
        # "No.6" is a title, not an episode
        ("[Crew] Submarine No.6 (DVD, R2, Dual Audio)", "Submarine No 6", [], "Crew"),
        # Chinese fansub brackets (full width, a star between them) read as ASCII brackets
        ("【Crew字幕组】★【Paper Lantern】[11（END）][GB][720P_MP4]", "Paper Lantern", [11], "Crew字幕组"),
        ("【Crew】【Paper Lantern Road】【03】【BIG5_MP4】【1280X720】", "Paper Lantern Road", [3], "Crew"),
        # a half episode ("02.5", a special between two episodes) counts as the episode before it
        ("[Crew]_Paper_Lantern_02.5_[902BB314].mkv", "Paper Lantern", [2], "Crew"),
        ("[Crew] Paper Lantern - 12.5 (Special) [720p].mkv", "Paper Lantern", [12], "Crew"),
        # "HD Remaster" is an edition, and the bracketed number after it the episode
        ("[Paper Lantern Road HD REMASTER][07][Big5][720p][AVC_AAC]", "Paper Lantern Road", [7], None),
    ],
)
def test_fansub_shapes(name, title, episodes, group):
    p = parse(name, prior=NO_PRIOR)
    assert (p.title, list(p.episodes), p.episode_title) == (title, episodes, None)
    if group is not None:
        assert p.group == group


def test_a_dotted_range_stays_in_a_film_title():
    # "Rocky.1-5": a collection of films, not episodes (dots, no brackets)
    assert parse("Rocky.1-5.1080p.BluRay.x264-GRP", prior=NO_PRIOR).episodes == ()


def test_the_multiplication_sign_in_a_resolution_and_an_episode_marker():
    assert parse("Paper Lantern [1920×1080]", prior=NO_PRIOR).resolution == "1080p"
    p = parse("Paper Lantern 2×05.mkv", prior=NO_PRIOR)
    assert (p.seasons, p.episodes) == ((2,), (5,))


def test_tv_in_brackets_stays_in_an_anime_title():
    # "(TV)" tells the series from the film of the same name
    assert parse("[Crew] Paper Lantern (TV) - 02 [720p].mkv", prior=NO_PRIOR).title == "Paper Lantern TV"


def test_hd_remastered_is_an_edition_outside_brackets_too():
    p = parse("Paper.Lantern.1999.HD.Remastered.1080p.BluRay.x264-GRP", prior=NO_PRIOR)
    assert (p.title, p.year, p.edition) == ("Paper Lantern", 1999, ("remastered",))


@pytest.mark.parametrize(
    ("name", "title", "episode"),
    [
        # a season tag between stars ("April's new series") is no title; the Latin title is in the next bracket
        ("【喵萌奶茶屋】★04月新番★[纸灯笼之路 / Paper Lantern Road][12][1080p][简日双语]", "Paper Lantern Road", 12),
        ("[喵萌奶茶屋][04月新番][纸灯笼之路 / Paper Lantern Road][12][1080p]", "Paper Lantern Road", 12),
        # the CJK title in one bracket, the Latin one in the next; "no" is a word of it, not Norwegian
        ("[极影字幕社][纸灯笼 最终季][Kami no Chouchin][12] BIG5 MP4 720P", "Kami no Chouchin", 12),
    ],
)
def test_latin_title_in_a_later_bracket(name, title, episode):
    p = parse(name, prior=NO_PRIOR)
    assert (p.title, list(p.episodes), p.episode_title) == (title, [episode], None)


@pytest.mark.parametrize(
    "name",
    ["[Crew] Paper Lantern The Final Season - 12 [720p]", "[Crew][Paper Lantern The Final Season][12][BIG5][720P]"],
)
def test_a_season_word_before_a_dash_or_a_bracket_ends_the_title(name):
    # "Final Season - 12": the number after a dash or in the next bracket is the episode, not the season
    p = parse(name, prior=NO_PRIOR)
    assert (p.title, p.seasons, list(p.episodes)) == ("Paper Lantern The Final Season", (), [12])


def test_big5_is_chinese():
    assert parse("[Crew] Paper Lantern - 12 [1080p][BIG5]", prior=NO_PRIOR).language == ("zh",)


def test_a_version_keeps_the_prior_to_programs():
    # a group seen with two music releases does not make "App.v6.18.10824" an album; a software group may still
    # make a bare version a program of its kind, and a game group a game
    prior = {"dvt": "music", "codex": "game"}
    p = parse("CCleaner.Professional.v6.18.10824.Retail-DVT", prior=prior)
    assert (p.category, p.title, p.version, p.artist) == ("software", "CCleaner Professional", "6.18.10824", None)
    assert parse("Truck.Mechanic.v1.0.5-CODEX", prior=prior).category == "game"
    assert parse("Artist-Album-WEB-2020-DVT", prior=prior).category == "music"


def test_a_builds_v_version_beats_the_hotfix_number():
    p = parse("Baldurs.Gate.3.Hotfix.18.v4.1.1.4251417-TENOKE", prior=NO_PRIOR)
    assert (p.title, p.category, p.version, p.flags) == ("Baldurs Gate 3", "game", "4.1.1.4251417", ("UPDATE",))
    assert parse("Some.Game.Update.2-GRP", prior=NO_PRIOR).version == "2"


@pytest.mark.parametrize(
    ("name", "title", "edition"),
    [
        # what follows a two-word tag decides whether it ends the title, not the tag's own second word
        ("Udemy.Docker.And.Kubernetes.The.Complete.Guide-JGTiSO", "Docker And Kubernetes The Complete Guide", ()),
        # the article goes with the edition after a title, and is a title's first word before one
        ("Blade.Runner.The.Final.Cut.1982.1080p.BluRay.x264-GRP", "Blade Runner", ("final",)),
        ("The.Final.Cut.2004.1080p.BluRay.x264-GRP", "The Final Cut", ()),
        ("Movie.Name.Directors.Cut.1080p.BluRay.x264-GRP", "Movie Name", ("directors",)),
    ],
)
def test_a_two_word_tag_and_the_title(name, title, edition):
    p = parse(name, prior=NO_PRIOR)
    assert (p.title, p.edition) == (title, edition)


def test_a_course_publisher_keeps_the_prior_out():
    # an e-book group's course is still a course; without the publisher the group's e-books decide
    prior = {"libricide": "ebook"}
    p = parse("Lynda.com.Learning.Excel.Online.Office.365-LiBRiCiDE", prior=prior)
    assert (p.category, p.publisher, p.title) == ("software", "Lynda", "Learning Excel Online Office 365")
    assert parse("Learning.Excel.Online.Office.365-LiBRiCiDE", prior=prior).category == "ebook"


def test_a_number_before_seasons_is_a_title():
    # "72 Seasons" is an album; one season is written "3 Temporada", "3rd Season"
    p = parse("Metallica-72_Seasons-CD-FLAC-2023-PERFECT", prior=NO_PRIOR)
    assert (p.category, p.artist, p.album, p.seasons) == ("music", "Metallica", "72 Seasons", ())
    assert parse("Vikings 3 Temporada 720p", prior=NO_PRIOR).seasons == (3,)


def test_a_mixed_section_that_agrees_with_the_name_keeps_a_prior_of_another_kind_out():
    # MP3/FLAC holds music and audiobooks: an audiobook group's prior still applies, a game group's does not
    prior = {"tsm": "game", "voice": "audiobook"}
    assert parse("Ill_Bill-WHATS_MY_DRUG-WEB-2020-TSM", "MP3/FLAC", prior=prior).category == "music"
    assert parse("Some_Author-Some_Book-DE-2019-VOiCE", "MP3/FLAC", prior=prior).category == "audiobook"
    # without a section the prior decides a name whose own evidence is weak, as before
    assert parse("Ill_Bill-WHATS_MY_DRUG-WEB-2020-TSM", prior=prior).category == "game"


@pytest.mark.parametrize(
    ("name", "group", "category"),
    [
        # groups named after a tag, right after the technical part or the year, where only a group can stand
        ("Vennart-To_Cure_A_Blizzard_Upon_A_Plastic_Sea-2018-SDR", "SDR", "music"),
        ("Vilaine.2008.FRENCH.1080p.BluRay.x264-FHD", "FHD", "movie"),
        ("Lost.S04E14.MULTI.FINAL.1080p.BluRay.x264-1080", "1080", "tv"),
        # a resolution after a dash is never a group; "WEB-DL" is one tag
        ("Show.S01E01.HDTV-720p", None, "tv"),
        ("Movie.2020.1080p.WEB-DL", None, "movie"),
    ],
)
def test_a_group_named_after_a_tag(name, group, category):
    p = parse(name, prior=NO_PRIOR)
    assert (p.group, p.category) == (group, category)


@pytest.mark.parametrize(
    ("name", "publisher", "title"),
    [
        ("INE.Routing.Protocols.Deep.Dive-GRP", "INE", "Routing Protocols Deep Dive"),
        ("Pearson.Certified.Widget.Admin.Sneak.Peek-GRP", "Pearson", "Certified Widget Admin Sneak Peek"),
        ("Addison.Wesley.Professional.Rust.for.Data.Pipelines-GRP", "Addison-Wesley", "Rust for Data Pipelines"),
        ("Cisco.Press.Subnetting.Made.Simple-GRP", "Cisco Press", "Subnetting Made Simple"),
        ("Microsoft.Press.Exam.Cloud.Basics-GRP", "Microsoft Press", "Exam Cloud Basics"),
        ("GAME.INSTITUTE.LEVEL.DESIGN.BASICS-GRP", "Game Institute", "LEVEL DESIGN BASICS"),
        ("VueMastery.Reactive.Forms.Intermediate-GRP", "Vue Mastery", "Reactive Forms Intermediate"),
        ("Skylines.Academy.Cloud.Architect.Certification-GRP", "Skylines Academy", "Cloud Architect Certification"),
        ("NUKED-Udemy.Learn.Knot.Tying-GRP", "Udemy", "Learn Knot Tying"),  # a nuke mark before the publisher
    ],
)
def test_more_course_publishers(name, publisher, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.publisher, p.title) == ("software", publisher, title)


@pytest.mark.parametrize(
    "name",
    [
        "Pearson.S02E03.720p.WEB.x264-GRP",  # a TV show named like a publisher
        "Pearson_Noise-Night_Walk-(CAT001)-WEB-2020-GRP",  # artists named like publishers, in the music layout
        "Lynda_Fictive-Quiet_Songs-SINGLE-WEB-FR-2020-GRP",
        "Manning_Sound-Long_Road-(XYZ042)-WEB-2019-GRP",
        "Noel_Pearson-Storm-SINGLE-WEB-2020-GRP",  # a publisher's name after the first word is no course
        "Anna_Manning_-_Tides-(AB123)-WEB-2019-GRP",
    ],
)
def test_names_that_share_a_publishers_name_are_not_courses(name):
    p = parse(name, prior=NO_PRIOR)
    assert p.category != "software" and p.publisher is None, p


def test_a_publishers_ebook_stays_an_ebook():
    p = parse("MICROSOFT.PRESS.WIDGET.ADMINISTRATION.2013.RETAIL.EPUB.EBOOK-GRP", prior=NO_PRIOR)
    assert p.category == "ebook"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Acme.Audio.Night.Pads.for.Omnisphere-GRP", "Acme Audio Night Pads for Omnisphere"),
        ("Acme.Audio.Dark.Keys.Omnisphere.Bank-GRP", "Acme Audio Dark Keys Omnisphere Bank"),
        ("Acme.Audio.Deep.House.for.Maschine-GRP", "Acme Audio Deep House for Maschine"),
        ("Acme.Audio.Neon.Leads.for.Serum-GRP", "Acme Audio Neon Leads for Serum"),
        ("Acme.Audio.Trance.Plucks.for.Sylenth-GRP", "Acme Audio Trance Plucks for Sylenth"),
        ("Acme.Studio.Kit.Drum.Pro.Expansion-GRP", "Acme Studio Kit Drum Pro Expansion"),
        ("Acme.Archmodels.Vol.12-GRP", "Acme Archmodels Vol 12"),
        ("Acme.Techno.Ableton.Live.Template-GRP", "Acme Techno Ableton Live Template"),
    ],
)
def test_instrument_libraries_are_software_and_keep_their_title(name, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.title) == ("software", title)


@pytest.mark.parametrize(
    "name",
    [
        "Some_Artist-Live_for_Maschine_Lovers-WEB-2020-GRP",  # words of an instrument in a song title
        "Acme.Ableton.Live.10.Power.Guide.2018.RETAIL.EPUB.EBOOK-GRP",  # a book about one
        "Serum_Artist-Sylenth_Dreams-(CAT9)-WEB-2020-GRP",
    ],
)
def test_instrument_words_elsewhere_leave_the_category(name):
    assert parse(name, prior=NO_PRIOR).category != "software"


@pytest.mark.parametrize(
    ("name", "category", "title"),
    [
        ("NUKED-Some.Film.2019.1080p.BluRay.x264-GRP", "movie", "Some Film"),
        ("NUKED-Some.Show.S02E12.720p.WEB.H264-GRP", "tv", "Some Show"),
        ("NUKED-Udemy.Learn.Knot.Tying-GRP", "software", "Learn Knot Tying"),
    ],
)
def test_a_nuke_mark_before_the_name_is_a_flag_not_the_title(name, category, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.title) == (category, title) and "NUKED" in p.flags


def test_a_nuke_mark_before_music_is_not_the_artist():
    p = parse("NUKED-Some_Artist-Some_Song-SINGLE-WEB-2019-GRP", prior=NO_PRIOR)
    assert (p.category, p.artist, p.title) == ("music", "Some Artist", "Some Song")


@pytest.mark.parametrize(
    "name",
    [
        "Some_Band-Live_at_Some_Festival-DVBS-2019-GRP",  # a radio capture off a satellite
        "Some_DJ--Night_Show_(Some_Radio)-DVBS-08-30-2019-GRP",
        "VA-Jazz_Night_111204_(DVB)-2004-GRP",
        "Some_Singer-Live_In_Town-DE-BONUS-DVD-FLAC-2019-GRP",  # the audio of a disc
        "Some_Band-Greatest_Hits-DELUXE_EDITION-BLURAY-FLAC-2014-GRP",
    ],
)
def test_audio_off_a_broadcast_or_a_disc_is_music(name):
    assert parse(name, prior=NO_PRIOR).category == "music"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Some_Band-Live_at_Some_Festival-DVBS-x264-2019-GRP", "musicvideo"),  # a video codec: a video
        ("Some_Band-Live_in_Town-MDVDR-2019-GRP", "musicvideo"),
        ("Some.Show.S01E02.DVBS.x264-GRP", "tv"),
        ("Some_Band-Live_at_Some_Festival-1080p-DVBS-2019-GRP", "musicvideo"),
    ],
)
def test_a_broadcast_or_a_disc_with_picture_stays_a_video(name, category):
    assert parse(name, prior=NO_PRIOR).category == category


@pytest.mark.parametrize(
    "name",
    [
        "Some.Town.Wrestling.Cage.Night.2019.720p.WEB.H264-GRP",  # a wrestling event anywhere in the title
        "Indie.Pro.Wrestling.2019.08.16.Fight.Night.720p.WEB.H264-GRP",
        "Absolute.Muay.Thai.31.Some.Stadium.720p.WEB.H264-GRP",
        "Moto3.2019.Some.Grand.Prix.Practice.One.720p.WEB.x264-GRP",
    ],
)
def test_sport_words_anywhere_in_the_title(name):
    assert parse(name, prior=NO_PRIOR).category == "sports"


@pytest.mark.parametrize(
    "name",
    [
        "Wrestling.Game.Deluxe-GRP",  # a game: no video tokens
        "Some_Artist-Wrestling_Themes-WEB-2019-GRP",  # music
        "Some.Studio.19.04.29.Wrestling.Scene.XXX.1080p.MP4-GRP",  # XXX before sports
        "Some.Film.1080p.BluRay.x264.Wrestling-GRP",  # a word after the technical part is no title
    ],
)
def test_sport_words_leave_other_categories_alone(name):
    assert parse(name, prior=NO_PRIOR).category != "sports"


@pytest.mark.parametrize(
    ("name", "episode", "title"),
    [
        ("Some.Docu.Show.2019.Part.2.720p.WEB.x264-GRP", 2, "Some Docu Show"),
        ("Some.Case.2017.Part.1.A.Town.Divided.WEBRip.x264-GRP", 1, "Some Case"),
    ],
)
def test_a_part_after_the_year_is_an_episode(name, episode, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.episode, p.title) == ("tv", episode, title)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Some.Wizard.Saga.Part.2.2010.1080p.BluRay.x264-GRP", "movie"),  # a film's part, the year after it
        ("Some.Wizard.Saga.Part.2.NORDiC.SUBPACK.UHD.BluRay-GRP", "movie"),  # no year before it
        ("Some.Game.Genesis.Part.1-GRP", None),  # no video, no year: not an episode
        ("Some_Artist-Burn_Up_Part_2-VLS-199x-GRP", "music"),
    ],
)
def test_a_part_without_a_year_before_it_is_a_title(name, category):
    p = parse(name, prior=NO_PRIOR)
    assert p.episode is None and (category is None or p.category == category), p


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("[Grp] Some Show - Vol.1v2 (BD, 720p)", "Some Show"),
        ("[Grp] Other Show Vol.03 - Making of It (BDRip 1080p)[C09462E2]", "Other Show"),
        ("Some.Film.Vol.3.2023.1080p.BluRay.x264-GRP", "Some Film Vol 3"),  # a film's volume is its title
    ],
)
def test_a_fansub_discs_volume_ends_the_title(name, title):
    assert parse(name, prior=NO_PRIOR).title == title


@pytest.mark.parametrize(
    ("name", "title", "episode"),
    [
        ("Some.Show.08.A.Detective.Story.720p.BluRay.DTS.x264-GRP", "Some Show", 8),
        ("Some.Show.05.720p.HDTV.x264-GRP", "Some Show", 5),
        # a padded number after a word that numbers a part, or inside a date, is not an episode
        ("Some.Course.Part.07.Resource.Management.720p.WEB-GRP", None, None),
        ("Some.Anime.Movie.08.Desert.Princess.German.DL.1080p.BluRay.AVC-GRP", None, None),
        ("SomeSite.19.07.02.Some.Person.XXX.2160p.MP4-GRP", None, None),
    ],
)
def test_a_padded_number_before_an_episode_title_is_the_episode(name, title, episode):
    p = parse(name, prior=NO_PRIOR)
    assert p.episode == episode, p
    if title is not None:
        assert p.title == title, p


def test_a_bracket_before_a_bare_number_is_the_title():
    p = parse("[Some Show].148.[Xvid.mp3].[FE68D5F1].avi", prior=NO_PRIOR)
    assert (p.title, p.episode, p.group) == ("Some Show", 148, None), p
    p = parse("[Grp] Some Show - 12 [720p]", prior=NO_PRIOR)  # a title after the bracket: the bracket is the group
    assert (p.title, p.episode, p.group) == ("Some Show", 12, "Grp"), p


def test_a_reposter_tag_is_the_group_only_when_no_group_stands_before_it():
    assert parse("Some.Film.2014.1080p.BluRay.AVC.DTS-HD.MA.5.1-RARBG").group == "RARBG"
    assert parse("Some.Film.2014.1080p.BluRay.x264-GRP-RARBG").group == "GRP"


@pytest.mark.parametrize(
    ("name", "version"), [("Some.Game.v0.3.7.7-GRP", "0.3.7.7"), ("Some.Game.v0.148-GRP", "0.148")]
)
def test_an_early_access_build_v0_is_a_version_not_the_mp3_preset(name, version):
    p = parse(name, prior=NO_PRIOR)
    assert (p.version, p.title) == (version, "Some Game") and p.category in ("game", "software")
    assert parse("Artist-Album-WEB-V0-2020-GRP").category == "music"


@pytest.mark.parametrize(
    ("name", "site", "scene"),
    [
        ("SomeSite.20.11.05.Jane.Doe.XXX.1080p.MP4-GRP", "SomeSite", "Jane Doe"),
        ("Some.Site.20.11.05.Jane.Doe.XXX.1080p.MP4-GRP", "Some Site", "Jane Doe"),
    ],
)
def test_a_dated_adult_scene_reads_like_a_daily_show(name, site, scene):
    p = parse(name)
    assert (p.category, p.title, p.air_date, p.episode_title, p.type) == ("xxx", site, "2020-11-05", scene, "episode")


@pytest.mark.parametrize(
    "name",
    [
        "Some.Artist-Some.Album-WEB-2020-GRP",  # dots for spaces
        "Some.Artist.-.Some.Album.(2020).FLAC-GRP",  # a lossless rip with no picture
        "Some_Artist-Some_Album_(2020)_FLAC-WEB-2020-GRP",
    ],
)
def test_music_in_dotted_and_spaced_layouts(name):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.artist, p.title, p.year) == ("music", "Some Artist", "Some Album", 2020)


def test_flac_beside_a_picture_is_still_video():
    p = parse("[FanSub] Some Anime Title - 03 [1080p FLAC][ABCD1234].mkv")
    assert p.category == "anime"
    assert parse("Some.Film.2020.1080p.BluRay.FLAC.x264-GRP").category == "movie"


def test_a_complete_series_pack_is_tv():
    p = parse("Some.Show.Complete.Series.DVDRip.XviD-GRP", prior=NO_PRIOR)
    assert (p.category, p.title, p.group) == ("tv", "Some Show", "GRP")


def test_a_subtitle_note_in_a_bracket_is_no_release_tag():
    assert parse("Some Show S01E01 [1080p] [WEB-DL] [Eng Sub]").group is None
    assert parse("Some Show 2009 S01E14 English HDTV XviD LOL").group == "LOL"


@pytest.mark.parametrize(
    ("name", "title", "episode"),
    [
        ("[Crew] Series 100 - 07 [1080p].mkv", "Series 100", 7),  # "series" opening the title is no marker
        ("[Crew] Series! 3 - 11 (1080p AAC)[C34B2B3B].mkv", "Series 3", 11),
        ("[Crew] 86 - 01 [1080p][D40A9E55].mkv", "86", 1),  # a number-only title before the episode
    ],
)
def test_a_title_that_reads_like_a_marker_stays_the_title(name, title, episode):
    p = parse(name)
    assert (p.title, p.season, p.episode, p.group) == (title, None, episode, "Crew")


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("[Crew] Some Show - 01-12 [BD][720p-AAC]", 1, 12),  # not S01E12
        ("[Crew] Some Show!! (01-25) [1080p] (Batch)", 1, 25),
        ("[Crew] Some Show 01 - 119 [1080p] [Batch]", 1, 119),
    ],
)
def test_a_padded_number_dashed_to_a_larger_one_is_a_range_of_episodes(name, first, last):
    p = parse(name)
    assert (p.title, p.season, p.episodes) == ("Some Show", None, tuple(range(first, last + 1)))


def test_the_number_after_a_season_is_its_episode_across_loose_separators():
    assert parse("[Crew] Some Show S2 [05][1080p AAC]").episodes == (5,)
    assert parse("Some Show S3 -  15 VOSTFR [720p]").episodes == (15,)
    p = parse("[Crew] Some Show (Season 2) - 33 (1280x720 10bit) [42A12A76].mkv")
    assert (p.title, p.seasons, p.episodes) == ("Some Show", (2,), (33,))
    # a pair after a dash takes both numbers; the fansub fallback adds none of them again
    assert parse("Some Show - 1-12 [BD]").episodes == (12,)
    # in a fansub name the dashed pair after " - " is a range (the corpora's "[Crew] Bleach - 02-03", "- 16-20")
    assert parse("[Crew] Some Show - 11-12 [B937F496]").episodes == (11, 12)


@pytest.mark.parametrize(
    ("name", "title", "season", "episode"),
    [
        ("30 Series - S01E01 - Pilot.avi", "30 Series", 1, 1),  # "series" after its number is a title word
        ("24-7 Series - Some Title - S01E03 - Episode 3.mkv", "24 7 Series Some Title", 1, 3),
        ("the.Series.110.hdtv-lol", "the Series", 1, 10),  # "series" before three digits: old numbering
        ("20-1.2014.S02E01.720p.HDTV.x264-GRP", "20 1", 2, 1),  # mixed separators are no date
    ],
)
def test_numbers_beside_series_and_dates_that_are_titles(name, title, season, episode):
    p = parse(name)
    assert (p.title, p.season, p.episode, p.air_date) == (title, season, episode, None)


def test_a_hyphenated_episode_title_after_the_crew_bracket_is_no_group():
    p = parse("[Crew] Some Show - S01E27 - 24-Hour")
    assert (p.group, p.title, p.episode) == ("Crew", "Some Show", 27)
    assert parse("[ www.Site.com ] - Some.Show.2012.S02E17.720p.HDTV.X264-GRP").group == "GRP"
    assert parse("Some.Show.2014.01.20.720p.HDTV.x264-GRP").air_date == "2014-01-20"


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Some.Show.S01E01.720p.HDTV.x264-aAF-RakuvUS-Obfuscated", "aAF"),  # two posting tags after the group
        ("Some.Movie.2019.1080p.BDRip.X264.AC3-EVO-sample.mkv", "EVO"),
        ("Some.Show.S02E04.720p.WEBRip.x264-GRP.English", "GRP"),  # a language after the group
        ("Some.Show.S02E04.720p.WEBRip.x264-GRP English", "GRP"),
        ("SomeMovie.1080p.BluRay.DTS.x264.-Blu-bits.mkv", "Blu-bits"),  # ".-": the rest, dash included
        ("Some.Movie.2018.x264.-NTb-Rakuv", "NTb"),  # ... unless the rest ends in a posting tag
        ("Some.Anime.Title.2020.480p.x264-GRP [v3] [6AFFEF6B]", "GRP"),  # a fansub version after the group
    ],
)
def test_the_group_behind_posting_tags_languages_and_versions(name, group):
    assert parse(name).group == group
    p = parse("Some.Anime.Title.2020.480p.x264-GRP [v3] [6AFFEF6B]")
    assert (p.flags, p.proper) == (("V2",), True)  # the version tag after the group is a revision, not dropped
    assert parse("[Crew] Show - 05v2 [v3] [6AFFEF6B]").flags == ("V2",)


@pytest.mark.parametrize(
    ("name", "title", "episodes", "group"),
    [
        ("Some.Show.S01E91-E100", "Some Show", tuple(range(91, 101)), None),  # "-E100" ends the range, no group
        ("Some.Show.S01E08-E10.x264-GRP", "Some Show", (8, 9, 10), "GRP"),
        ("Some Show - S07E22 - 7x23 - Title Words [HDTV-720p].mkv", "Some Show", (22, 23), None),
        ("Some Show - 8x01_02 - Title Words", "Some Show", (1, 2), None),  # the next episode after an underscore
    ],
)
def test_multi_episode_shapes(name, title, episodes, group):
    p = parse(name)
    assert (p.title, p.episodes, p.group) == (title, episodes, group)
    assert parse("Some Show - 8x01_05 - Title").episodes == (1,)  # not consecutive: no second episode


@pytest.mark.parametrize(
    ("name", "title", "group"),
    [
        ("Some.Event.Half.Time.Show.CONVERT.720p.HDTV.x264-GRP", "Some Event Half Time Show", "GRP"),  # a scene tag
        ("How.To.Convert.Your.Files.2019.720p.WEB.h264-GRP", "How To Convert Your Files", "GRP"),  # ... or a word
        ("Some.Movie.3D.HOU.1080p.BluRay.x264-GRP", "Some Movie", "GRP"),  # 3D layouts
        ("Some.Show.SBS.HDTV.x264-GRP", "Some Show", "GRP"),
        ("[Crew & TTF] Some Show - 099 [DVD] [B15AA1AC].mkv", "Some Show", "Crew & TTF"),  # joint crews
    ],
)
def test_scene_tags_3d_layouts_and_joint_crews(name, title, group):
    p = parse(name)
    assert (p.title, p.group) == (title, group)
    assert "CONVERT" in parse("Some.Show.CONVERT.720p.HDTV.x264-GRP").flags


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Some.Show.S14E01.SDTV.x264-[2Maverick].mp4", "2Maverick"),  # bracketed after the dash
        ("Some Movie (2019) 1080p BluRay (YIFY)", "YIFY"),  # alone in the last bracket after the technical part
        ("Some.Show.2016.05.23.Part.1.360p.LDTV.WEBRIP.[MPup]", "MPup"),
        ("Some.Release.2020.1080p.x264-GRP.tbn", "GRP"),  # a thumbnail's extension
        ("Some Show - 01 [Eng Sub]", None),  # a word after a language in a bracket is none
    ],
)
def test_groups_in_brackets_at_the_end(name, group):
    assert parse(name).group == group


@pytest.mark.parametrize(
    ("name", "title", "season", "episodes"),
    [
        ("Some Show - T02E22.mp4", "Some Show", 2, (22,)),  # Spanish "temporada"
        ("Some Show ESP T01XE08.mkv", "Some Show", 1, (8,)),
        ("Леди Баг – Сезон 3, Эпизод 21 – Кукловод [1080p].mkv", "Леди Баг", 3, (21,)),  # an en dash separates
        ("Интерны. Сезон №9. Серия №180.avi", "Интерны", 9, (180,)),  # the numero sign
        ("Проклятие острова 5-й сезон 09-я серия.avi", "Проклятие острова", 5, (9,)),  # ordinal endings
        ("Sorozat 2. évad 5. rész", "Sorozat", 2, (5,)),  # Hungarian
        ("Черное зеркало / Black Mirror / Сезон 4 / Серии 1-6 (6) [2017, WEBRip 1080p]", "Черное зеркало Black Mirror",
         4, (1, 2, 3, 4, 5, 6)),
    ],
)
def test_spanish_russian_and_hungarian_season_and_episode_words(name, title, season, episodes):
    p = parse(name)
    assert (p.title, p.season, p.episodes) == (title, season, episodes)


@pytest.mark.parametrize(
    ("name", "title", "season", "episodes"),
    [
        ("Some Show - S2 E 02 - Episode Name.avi", "Some Show", 2, (2,)),  # a lone "E" after the season
        ("some.show.0106.720p-group.mkv", "some show", 1, (6,)),  # old numbering with a padded season
        ("[Crew]_Some_Show_8.0_-_02_[0E5C4A40].mkv", "Some Show 8 0", None, (2,)),  # "0" is no padded number
    ],
)
def test_tvnamer_shapes(name, title, season, episodes):
    p = parse(name)
    assert (p.title, p.season, p.episodes) == (title, season, episodes)
    assert parse("Romeo.e.Giulietta.2019.720p.WEB.x264-GRP").title == "Romeo e Giulietta"


def test_a_punycode_site_before_the_name_is_dropped():
    p = parse("(tracker.xn--p1ai) Some.Movie.2008.720p.X264-GRP")
    assert (p.title, p.year, p.group) == ("Some Movie", 2008, "GRP")


def test_technical_brackets_between_the_crew_and_the_title_go_last():
    p = parse("[Some-Crew4D] [BD][1080p] Some Show 08 [4D102B7C].mkv")
    assert (p.group, p.title, p.episode, p.resolution) == ("Some-Crew4D", "Some Show", 8, "1080p")
    assert parse("[Crew] [Some Show] 08 [720p]").title == "Some Show"  # a bracketed title is no technical block


@pytest.mark.parametrize(
    ("name", "group", "category"),
    [
        ("Some.Game.Title-PLAZA [18:12:47]", "PLAZA", "game"),  # #pre@corrupt lines carry the announce time
        ("Some_Artist-Some_Album-WEB-2019-GRP [09:05:59]", "GRP", "music"),
    ],
)
def test_an_announce_time_after_the_name_is_dropped(name, group, category):
    p = parse(name)
    assert (p.group, p.category) == (group, category)
    assert parse("Some.Title.S01E01.720p.HDTV.x264-GRP [18:12:47] [eztv]").group == "GRP"  # among other tags


def test_a_leading_www_is_a_site_only_when_it_ends_in_a_domain():
    p = parse("WWW.NXT.2019.08.07.1080p.HDTV.x264-ACES")  # a show (misspelt WWE), not a site up to the last dash
    assert (p.group, p.category, p.air_date) == ("ACES", "tv", "2019-08-07")
    assert parse("www.Torrenting.com   -    Some.Movie.2019.720p.x264-GRP").title == "Some Movie"
    assert parse("[www.site.org] Some.Show.S01E01.720p-GRP").title == "Some Show"


@pytest.mark.parametrize(
    ("name", "title", "year"),
    [
        ("VA_-_Labelname_Spring_Chart_Selection-WEB-2020", "Labelname Spring Chart Selection", 2020),
        ("Some_Artist-Another_Day_(Extended_Mix)-(CAT042)-WEB-2019", "Another Day (Extended Mix)", 2019),
        ("Some_Artist-Live_Tape-CD-2007", "Live Tape", 2007),
        ("Some_Artist-Garden_Songs-Vinyl-1998", "Garden Songs", 1998),
        ("Some_Artist-Chanson_Titre-FR-2003", "Chanson Titre", 2003),
        ("Some_Artist-Album_Title-2009", "Album Title", 2009),
    ],
)
def test_a_music_release_without_its_group_ends_with_the_year(name, title, year):
    """A dump that lost the group's tag ("…-WEB-2020") is music of that year, with no group called "2020"."""
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.group, p.year, p.title) == ("music", None, year, title)


def test_a_year_after_other_words_leaves_the_film_alone():
    """Only a year right after a music or source word is read as the music layout's year: a film file's trailing
    year after other words does not turn it into an album of that year."""
    p = parse("Some_Film-(1999)-x02-Interview_Extra-1996.mp4", prior=NO_PRIOR)
    assert (p.title, p.year, p.category) == ("Some Film", 1999, "movie")


@pytest.mark.parametrize(
    "name", ["Some_Artist-Night_Drive-(CAT007)-WEB-2015-LOSSLESS-GRP", "VA-Label_Sampler-LOSSLESS-GRP"]
)
def test_lossless_web_music_is_music(name):
    """L4L-style lossless releases from web shops: the "WEB" is a shop, LOSSLESS says audio."""
    assert parse(name, prior=NO_PRIOR).category == "music"


@pytest.mark.parametrize(
    ("name", "season", "episode", "title"),
    [
        ("Some.Show.US.28E06.720p.HDTV.x264-GRP", 28, 6, "Some Show"),
        ("Some.Show.2020.02E21.720p.WEB.h264-GRP", 2, 21, "Some Show"),
        ("Some.Show.01e02.avi", 1, 2, "Some Show"),
    ],
)
def test_season_and_episode_without_the_s(name, season, episode, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.season, p.episodes, p.title, p.category) == (season, (episode,), title, "tv")


def test_a_song_called_like_an_episode_stays_a_song():
    """One-digit seasons are left alone: "4E20" in a music name is a title, not season 4 episode 20."""
    p = parse("Some_Artist-4E20-SINGLE-WEB-2019-GRP", prior=NO_PRIOR)
    assert (p.category, p.season, p.episodes) == ("music", None, ())


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("Some_Racing_Game_PAL_PS1-GRP", "PSX"),
        ("Some_Fighting_Game_JAP_PS2DVD-GRP", "PS2"),
        ("Some_Puzzle_Game_USA_PS2CD-GRP", "PS2"),
    ],
)
def test_old_console_images_are_games(name, platform):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.platform) == ("game", platform)


def test_an_artist_named_after_a_console_is_music():
    """A console name opening a music-layout name ("Gba-Title-SINGLE-WEB-2019") is the artist, not the platform."""
    for name in ("Gba-Some_Title-SINGLE-WEB-2019-GRP", "PS1_feat_Some_Singer-Some_Song-WEB-2020-GRP"):
        p = parse(name, prior=NO_PRIOR)
        assert (p.category, p.platform) == ("music", None), name
    assert parse("GBA_Video_Some_Cartoon_Volume_1_USA_GBA-GRP", prior=NO_PRIOR).category == "game"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Some_Racing_Game_USA_FULL_DVD_PS2-GRP", "Some Racing Game"),
        ("Some_Game_2_PAL_GERMAN_DVDRIP_XBOX-GRP", "Some Game 2"),
        ("Some.Game.Title.JPN.PS3-GRP", "Some Game Title"),
        ("Some_Strategy_Game_VI_NSW-GRP", "Some Strategy Game VI"),  # a Roman numeral, not Vietnamese
        ("The_Italian_Game_PAL_PS2-GRP", "The Italian Game"),  # a title word, not the language tag
        ("Some.Quiz.TV.EUR.PS3-GRP", "Some Quiz TV"),
    ],
)
def test_a_console_games_region_and_disc_words_are_not_its_title(name, title):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.title) == ("game", title)


@pytest.mark.parametrize(
    ("name", "title", "air_date"),
    [
        ("Some.Talk.Show.Janvier.2019.FRENCH.HDTV.x264-GRP", "Some Talk Show", "2019-01-01"),
        ("Some Show Fevrier 2011 FRENCH 720p HDTV x264 GRP", "Some Show", "2011-02-01"),
        ("Some.Show.Maggio.2016.iTALiAN.HDTV.x264-GRP", "Some Show", "2016-05-01"),
        ("Some.Show.November.2018.HDTV.x264-GRP", "Some Show", "2018-11-01"),
    ],
)
def test_a_monthly_shows_month_is_its_issue_not_its_title(name, title, air_date):
    p = parse(name, prior=NO_PRIOR)
    assert (p.category, p.title, p.air_date, p.type) == ("tv", title, air_date, "episode")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("The.First.Monday.In.May.2016.DOCU.720p.HDTV.x264-GRP", "The First Monday In May"),  # tied by "in"
        ("Las.Lagrimas.Del.Mar.2017.SPANiSH.DOC.1080p.HDTV.x264-GRP", "Las Lagrimas Del Mar"),  # "mar": the sea
        ("Some.Island.22.Juli.2018.SUBBED.720p.HDTV.x264-GRP", "Some Island 22 Juli"),  # a whole date in a title
        ("Sweet.November.2001.DVDRip.XviD-GRP", "Sweet November"),  # a film
        ("The.Hottest.August.2019.DOCU.720p.HDTV.x264-GRP", "The Hottest August"),  # a documentary
        ("Between.Musk.And.Mars.2020.720p.HDTV.x264-GRP", "Between Musk And Mars"),  # tied by "and"
    ],
)
def test_a_month_that_belongs_to_the_title_stays(name, title):
    assert parse(name, prior=NO_PRIOR).title == title


def test_a_month_is_an_album_name_and_a_magazines_day():
    """A month alone between dashes is the album; a French daily's "29.Decembre.2018" its date, not its title."""
    for name, album in (("Some_Singer-Diciembre-ES-CD-FLAC-2012-GRP", "Diciembre"),
                        ("Some_Band-November-SINGLE-WEB-2019-GRP", "November")):
        p = parse(name, prior=NO_PRIOR)
        assert (p.category, p.artist, p.album) == ("music", name.split("-")[0].replace("_", " "), album)
    p = parse("Le.Journal.29.Decembre.2018.French.Retail.eBook-GRP", prior=NO_PRIOR)
    assert (p.category, p.title, p.air_date) == ("ebook", "Le Journal", "2018-12-29")


def test_a_dotted_next_episode_before_technical_words_is_a_second_episode():
    """"S03E21.22.FASTSUB" is two episodes; a number that opens the episode's title is not ("S21E11.12.Ingredients")."""
    p = parse("Some.Show.S03E21.22.FASTSUB.VOSTFR.HDTV.XviD-GRP", prior=NO_PRIOR)
    assert (p.title, p.episodes, p.episode_title, p.flags) == ("Some Show", (21, 22), None, ("FASTSUB",))
    p = parse("Some.Show.S21E11.12.Ingredients.All.Day.720p.WEBRip.x264-GRP", prior=NO_PRIOR)
    assert (p.episodes, p.episode_title) == ((11,), "12 Ingredients All Day")
    assert parse("Some.Show.S01E04.13.is.Enough.720p.HDTV.x264-GRP", prior=NO_PRIOR).episodes == (4,)
