"""Live pieces without servers: the announce-format table, IRC protocol parsing, config, the store writer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scenewatch.live import LiveRunner, load_config
from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.sources.base import SourceError
from scenewatch.sources.live import Backoff, IrcNetwork, IrcSource, LineFormats, strip_formatting
from scenewatch.sources.live.irc import parse_message
from scenewatch.store import Database
from scenewatch.store.writer import StoreWriter
from tests.live_servers import LoopThread, wait_until

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NAME = "Some.Show.S01E01.720p.HDTV.x264-GRP"


@pytest.mark.parametrize(
    ("line", "section"),
    [
        (f"[PRE] [TV-X264] {NAME}", "TV-X264"),
        (f"\x02\x0304,01[PRE]\x03 \x1f[\x0312TV-X264\x0f] \x16{NAME}\x0f", "TV-X264"),
        (f"PRE: [TV-X264] {NAME}", "TV-X264"),
        (f"(PRE) (TV-X264) {NAME}", "TV-X264"),
        (f"[PRE] {NAME} [TV-X264]", "TV-X264"),
        (f"PRE in TV-X264: {NAME}", "TV-X264"),
        (f"[PRE] {NAME}", None),
    ],
)
def test_pre_formats(line: str, section: str | None) -> None:
    record = LineFormats.default().parse(line, feed="f", at=NOW)
    assert record == Announcement(NAME, NOW, section=section, feed="f")


@pytest.mark.parametrize(
    ("line", "action", "reason", "network"),
    [
        (f"[NUKE] {NAME} [bad.ivtc] [LocalNet]", NukeAction.NUKE, "bad.ivtc", "LocalNet"),
        (f"[NUKE] {NAME} bad.ivtc LocalNet", NukeAction.NUKE, "bad.ivtc", "LocalNet"),
        (f"[UNNUKE] {NAME} fixed", NukeAction.UNNUKE, "fixed", None),
        (f"[MODNUKE] {NAME} [bad.ivtc_and_audio] [LocalNet]", NukeAction.MODNUKE, "bad.ivtc_and_audio", "LocalNet"),
        (f"DELPRE: {NAME} requested NET", NukeAction.DELPRE, "requested", "NET"),
        (f"[UNDELPRE] {NAME}", NukeAction.UNDELPRE, None, None),
        (f"NUKED: {NAME} - Reason: dupe - Net: LocalNet", NukeAction.NUKE, "dupe", "LocalNet"),
    ],
)
def test_nuke_formats(line: str, action: NukeAction, reason: str | None, network: str | None) -> None:
    assert LineFormats.default().parse(line, feed="f", at=NOW) == NukeEvent(NAME, action, reason, network, NOW, "f")


def test_info_line_is_not_a_pre_time() -> None:
    record = LineFormats.default().parse(f"[INFO] {NAME} [350.2MB] [25F]", feed=None, at=NOW)
    assert isinstance(record, Announcement)
    assert (record.size_mb, record.files, record.time_trusted) == (350.2, 25, False)


def test_chatter_and_malformed_lines() -> None:
    formats = LineFormats.default()
    assert formats.parse("hello, anyone around?", feed=None, at=NOW) is None
    assert formats.parse("\x03\x02\x0f", feed=None, at=NOW) is None
    with pytest.raises(ValueError, match="not a release name"):
        formats.parse("[PRE] [TV] ???", feed=None, at=NOW)
    assert strip_formatting("\x0304,12red\x03 \x02bold\x02  \x1dit\x1d") == "red bold it"


def test_protocol_lines_and_urls() -> None:
    msg = parse_message("@time=x :nick!user@host PRIVMSG #pre :[PRE] a : b")
    assert (msg.nick, msg.command, msg.params) == ("nick", "PRIVMSG", ["#pre", "[PRE] a : b"])
    assert parse_message("PING :abc").params == ["abc"]
    with pytest.raises(ValueError):
        parse_message(":prefix-only")
    net = IrcNetwork.from_url("ircs://bot:secret@irc.example.net/#pre,nukes?insecure=1")
    assert (net.host, net.port, net.tls, net.tls_verify) == ("irc.example.net", 6697, True, False)
    assert (net.nick, net.password, net.channels) == ("bot", "secret", ["#pre", "#nukes"])
    assert net.feed("#PRE") == "irc:irc.example.net/#pre"
    with pytest.raises(SourceError):
        IrcNetwork.from_url("irc://host:6667/")


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[formats]]\nid = "x"\npattern = "(unclosed"\naction = "pre"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="bad pattern"):
        load_config(bad, ["irc://h/#c"])
    bad.write_text('[[irc]]\nurl = "irc://h/#c"\nbogus = 1\n', encoding="utf-8")
    with pytest.raises(SourceError, match="unknown key"):
        load_config(bad)
    with pytest.raises(SourceError, match="nothing to listen to"):
        load_config(None, [])


def test_backoff_grows_with_jitter_and_resets() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    delays = [backoff.next() for _ in range(8)]
    assert all(0.5 <= d <= 8.5 for d in delays)
    assert backoff.attempt == 8
    backoff.reset()
    assert backoff.attempt == 0


def test_writer_batches_and_turns_a_crash_into_a_gap(db_path: Path) -> None:
    db = Database(db_path)
    flushes: list[int] = []
    writer = StoreWriter(
        db,
        flush_events=500,
        flush_seconds=3600,
        coalesce_seconds=3600,  # batch, as under load: a crash then loses the buffer
        heartbeat_seconds=3600,
        on_batch=lambda i: flushes.append(len(i.announcements)),
    )
    writer.start(["src"])
    writer.source_up("src")
    writer.put_many("src", [Announcement(f"Rel.{i:04d}-GRP", NOW + timedelta(seconds=i)) for i in range(1200)])
    writer.set_cursor("src", "id:1200", NOW)
    assert writer.flush()
    assert sum(flushes) == 1200 and max(flushes) <= 1200
    con = writer.cursor()
    assert con.execute("SELECT count(*) FROM releases").fetchall()[0][0] == 1200
    con.close()
    beat = db.scalar("SELECT heartbeat_at FROM live_state WHERE source = 'src'")
    # "crash": the writer never stops (its thread idles for an hour); what is buffered now is lost
    writer.put("src", Announcement("Lost.In.The.Buffer-GRP", NOW))
    db.con.close()
    db = Database(db_path)
    writer = StoreWriter(db, flush_seconds=0.1)
    writer.start(["src"])
    assert writer.last_cursor("src") == ("id:1200", NOW.replace(tzinfo=UTC))
    writer.source_up("src")
    assert writer.flush()
    assert writer.submit(lambda d: d.count_releases()) == 1200  # other writers of the process go through the thread
    writer.stop()
    gap = db.con.execute("SELECT start_at, reason FROM gaps").fetchall()
    assert len(gap) == 1 and gap[0][0].replace(tzinfo=None) >= beat.replace(tzinfo=None) - timedelta(seconds=1)
    assert "killed" in gap[0][1]
    assert db.scalar("SELECT count(*) FROM releases WHERE name = 'Lost.In.The.Buffer-GRP'") == 0
    assert db.scalar("SELECT clean_stop FROM live_state") is True
    assert writer.running is False
    db.close()


def test_irc_client_survives_bad_bytes_and_detects_a_silent_server(db_path: Path) -> None:
    loop = LoopThread()
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"USER"):
                writer.write(b":srv 001 swatch :welcome\r\n")
            elif line.startswith(b"JOIN"):
                writer.write(b":swatch!u@h JOIN #pre\r\n")
                writer.write(b":bot!u@h PRIVMSG #pre :[PRE] [TV] Caf\xe9.Show.S01E01-GRP\r\n")  # Latin-1, not UTF-8
                writer.write(b":bot!u@h PRIVMSG #pre :" + b"x" * 70_000 + b"\r\n")  # over the 64 KiB line limit
                writer.write(b"\r\n:\r\n")  # empty and command-less lines
                writer.write(b":bot!u@h PRIVMSG #pre :[PRE] [TV] Still.Listening.S01E02-GRP\r\n")
                # ...and then silence: PINGs are never answered
            await writer.drain()

    server = loop.call(asyncio.start_server(handle, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    network = IrcNetwork.from_url(f"irc://127.0.0.1:{port}/#pre", nick="swatch", idle_ping=0.3, backoff_base=0.1)
    source = IrcSource(network)
    db = Database(db_path)
    try:
        with LiveRunner(db, [source], flush_seconds=0.1) as runner:
            wait_until(lambda: len(connections) >= 2, what="a reconnect after the ping timeout")
            wait_until(lambda: _count(runner, "SELECT count(*) FROM gaps") >= 1, what="the outage as a gap")
            wait_until(lambda: _count(runner, "SELECT count(*) FROM releases") == 2, what="both announces")
            con = runner.cursor()
            names = {r[0] for r in con.execute("SELECT name FROM releases").fetchall()}
            gaps = con.execute("SELECT reason FROM gaps").fetchall()
            con.close()
    finally:
        server.close()
        loop.close()
    assert names == {"Café.Show.S01E01-GRP", "Still.Listening.S01E02-GRP"}
    assert source.stats.malformed >= 1
    assert gaps and "ping timeout" in gaps[0][0]
    db.close()


def _count(runner: LiveRunner, sql: str) -> int:
    con = runner.cursor()
    try:
        return int(con.execute(sql).fetchall()[0][0])
    finally:
        con.close()
