"""IRC announce channels as a live source: a small asyncio IRC client plus a data table of line formats.

The client is written here on asyncio streams rather than taken from a library: the part of RFC 1459/2812 a
listener needs is about a hundred lines (register, answer PING, join, rejoin after KICK, read PRIVMSG/NOTICE),
and owning it keeps reconnection, flood control and malformed-input handling under our control and testable;
the maintained asyncio IRC libraries (pydle, bottom) are either unmaintained or pull in their own event model.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from scenewatch.records import Announcement, NukeAction, NukeEvent
from scenewatch.sources.base import SourceError
from scenewatch.sources.columns import parse_files, parse_size_mb
from scenewatch.sources.live.base import Backoff, LiveSource, Sink, log, utcnow

# mIRC formatting: colour (\x03 fg[,bg]), hex colour (\x04), bold, italics, underline, strike, monospace, reverse,
# reset; plus any other C0 control character left in a line.
_FORMATTING = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x00-\x08\x0b-\x1f\x7f]"
)
_SPACES = re.compile(r"\s+")
_RELEASE_NAME = re.compile(r"^[A-Za-z0-9(\[][^\s/\\]{2,254}$")
_ACTIONS = {a.value: a for a in NukeAction} | {"nuked": NukeAction.NUKE, "unnuked": NukeAction.UNNUKE,
                                                "modnuked": NukeAction.MODNUKE}  # fmt: skip
_FLAGS = {"i": re.IGNORECASE, "a": re.ASCII, "s": re.DOTALL}


def strip_formatting(text: str) -> str:
    """Remove mIRC colour/bold/underline/reset codes and collapse whitespace."""
    return _SPACES.sub(" ", _FORMATTING.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class LineFormat:
    """One announce line format: a regex with named groups and the action it announces."""

    id: str
    pattern: re.Pattern[str]
    action: str | None = None  # pre, info, nuke, ... ; None: read from the `action` group

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> LineFormat:
        """Build from a TOML table ``{id, pattern, action?, flags?}``."""
        try:
            flags = 0
            for letter in str(table.get("flags", "i")):
                flags |= _FLAGS[letter]
            pattern = re.compile(str(table["pattern"]), flags)
        except KeyError as exc:
            raise SourceError(f"{where}: format needs {exc} (or has an unknown flag)") from None
        except re.error as exc:
            raise SourceError(f"{where}: bad pattern in format {table.get('id', '?')!r}: {exc}") from None
        if "name" not in pattern.groupindex:
            raise SourceError(f"{where}: format {table.get('id', '?')!r} has no (?P<name>...) group")
        action = table.get("action")
        if action is None and "action" not in pattern.groupindex:
            raise SourceError(f"{where}: format {table.get('id', '?')!r} needs `action` or an (?P<action>...) group")
        if action is not None and action not in ("pre", "info") and action not in _ACTIONS:
            raise SourceError(f"{where}: format {table.get('id', '?')!r}: unknown action {action!r}")
        return cls(str(table.get("id", pattern.pattern[:30])), pattern, action)


class LineFormats:
    """An ordered table of formats; the first match wins."""

    def __init__(self, formats: Sequence[LineFormat]) -> None:
        self.formats = list(formats)

    @classmethod
    def default(cls, extra: Iterable[LineFormat] = ()) -> LineFormats:
        """The shipped table (sources/data/irc_formats.toml), with ``extra`` formats tried first."""
        text = resources.files("scenewatch.sources").joinpath("data/irc_formats.toml").read_text("utf-8")
        shipped = [LineFormat.from_table(t, "irc_formats.toml") for t in tomllib.loads(text)["format"]]
        return cls([*extra, *shipped])

    def parse(self, line: str, *, feed: str | None, at: datetime) -> Announcement | NukeEvent | None:
        """Read one line: a record, None for chatter, ValueError for an announce that cannot be used."""
        text = strip_formatting(line)
        if not text:
            return None
        for fmt in self.formats:
            match = fmt.pattern.search(text)
            if match is None:
                continue
            groups = {k: v.strip() for k, v in match.groupdict().items() if v is not None and v.strip()}
            name = groups.get("name", "")
            if not _RELEASE_NAME.match(name) or "-" not in name:
                raise ValueError(f"format {fmt.id}: {name[:60]!r} is not a release name")
            word = (fmt.action or groups.get("action", "")).lower()
            if word in ("pre", "info"):
                return Announcement(
                    name=name,
                    pre_at=at,
                    section=groups.get("section"),
                    group=groups.get("group"),
                    size_mb=parse_size_mb(groups.get("size")),
                    files=parse_files(groups.get("files")),
                    feed=feed,
                    time_trusted=word == "pre",
                )
            action = _ACTIONS.get(word)
            if action is None:
                raise ValueError(f"format {fmt.id}: unknown action {word[:20]!r}")
            return NukeEvent(
                name=name, action=action, reason=groups.get("reason"), network=groups.get("network"), at=at, feed=feed
            )
        return None


@dataclass
class IrcNetwork:
    """One IRC connection: a server and the channels to listen to."""

    host: str
    port: int = 6667
    tls: bool = False
    tls_verify: bool = True
    tls_cafile: str | None = None  # a CA bundle (or self-signed certificate) to trust instead of the system's
    channels: list[str] = field(default_factory=list)
    nick: str = "scenewatch"
    username: str = "scenewatch"
    realname: str = "scenewatch listener (metadata only)"
    password: str | None = None
    name: str | None = None  # network label used in feed names
    feeds: dict[str, str] = field(default_factory=dict)  # channel (lower case) -> feed name
    send_rate: float = 1.0  # lines per second after the burst (servers throttle ~1 line/s)
    send_burst: int = 5
    idle_ping: float = 90.0  # PING the server after this many silent seconds; give up after twice as long
    connect_timeout: float = 15.0
    backoff_base: float = 1.0
    backoff_cap: float = 60.0

    @classmethod
    def from_url(cls, url: str, **overrides: Any) -> IrcNetwork:
        """Read ``irc[s]://[nick[:password]@]host[:port]/#chan1,#chan2[?nick=..&feed=..&insecure=1]``."""
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in ("irc", "ircs"):
            raise SourceError(f"{url}: not an irc:// or ircs:// URL")
        hostpart, _, tail = rest.partition("/")
        tail, _, query = tail.partition("?")
        userinfo, _, hostport = hostpart.rpartition("@")
        host, port = _split_hostport(hostport, 6697 if scheme.lower() == "ircs" else 6667, url)
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        channels = [_channel(unquote(c)) for c in tail.split(",") if c.strip()]
        values: dict[str, Any] = {"host": host, "port": port, "tls": scheme.lower() == "ircs", "channels": channels}
        if userinfo:
            nick, _, password = userinfo.partition(":")
            values["nick"] = unquote(nick)
            if password:
                values["password"] = unquote(password)
        if "nick" in params:
            values["nick"] = params["nick"]
        if params.get("insecure") in ("1", "true", "yes"):
            values["tls_verify"] = False
        if "name" in params:
            values["name"] = params["name"]
        if "cafile" in params:
            values["tls_cafile"] = params["cafile"]
        if "feed" in params and channels:
            values["feeds"] = {c.lower(): params["feed"] for c in channels}
        values.update(overrides)
        network = cls(**values)
        if not network.channels:
            raise SourceError(f"{url}: no channel (irc://host[:port]/#channel)")
        return network

    def feed(self, channel: str) -> str:
        """The feed name of a channel's announces (default ``irc:<network>/<#channel>``)."""
        return self.feeds.get(channel.lower()) or f"irc:{self.name or self.host}/{channel.lower()}"


def _channel(text: str) -> str:
    text = text.strip()
    return text if text[:1] in "#&+!" else f"#{text}"


def _split_hostport(hostport: str, default: int, url: str) -> tuple[str, int]:
    if hostport.startswith("["):
        host, _, port_text = hostport[1:].partition("]")
        port_text = port_text.lstrip(":")
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise SourceError(f"{url}: no host")
    try:
        return host, int(port_text) if port_text else default
    except ValueError:
        raise SourceError(f"{url}: bad port {port_text!r}") from None


@dataclass(frozen=True, slots=True)
class IrcMessage:
    """One parsed protocol line."""

    prefix: str
    command: str
    params: list[str]

    @property
    def nick(self) -> str:
        """The sender's nick (or server name)."""
        return self.prefix.split("!", 1)[0]


def parse_message(line: str) -> IrcMessage:
    """Parse ``[@tags] [:prefix] COMMAND params [:trailing]``; ValueError on an empty command."""
    rest = line
    if rest.startswith("@"):
        _, _, rest = rest.partition(" ")
    prefix = ""
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
    rest = rest.lstrip(" ")
    trailing = None
    if " :" in rest:
        rest, trailing = rest.split(" :", 1)
    elif rest.startswith(":"):
        rest, trailing = "", rest[1:]
    parts = rest.split()
    if not parts:
        raise ValueError("no command")
    params = parts[1:] + ([trailing] if trailing is not None else [])
    return IrcMessage(prefix, parts[0].upper(), params)


class _Throttle:
    """Token bucket for outgoing lines so the server never disconnects us for flooding."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    async def take(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            await asyncio.sleep((1.0 - self.tokens) / self.rate)
            self.tokens = 1.0
            self.stamp = time.monotonic()
        self.tokens -= 1.0


class IrcError(Exception):
    """The server ended the session (ERROR, ping timeout, refused registration)."""


class IrcSource(LiveSource):
    """Listen to announce channels on one IRC network; reconnect and rejoin forever."""

    def __init__(self, network: IrcNetwork, formats: LineFormats | None = None) -> None:
        super().__init__()
        self.network = network
        self.formats = formats or LineFormats.default()
        scheme = "ircs" if network.tls else "irc"
        self.origin = f"{scheme}://{network.host}:{network.port}"
        self.nick = network.nick
        self.joined: set[str] = set()
        self._nick_attempt = 0
        self._wanted = {c.lower(): c for c in network.channels}
        self._writer: asyncio.StreamWriter | None = None
        self._throttle = _Throttle(network.send_rate, network.send_burst)

    async def run(self, sink: Sink) -> None:
        """Connect, register, join, read; on any failure report down, back off with jitter, reconnect."""
        backoff = Backoff(self.network.backoff_base, self.network.backoff_cap)
        while True:
            lost_at: datetime | None = None
            try:
                await self._session(sink, backoff)
                reason = "server closed the connection"
            except asyncio.CancelledError:
                self._mark_down(sink, "listener stopped", None)
                raise
            except IrcError as exc:
                reason = str(exc)
                lost_at = getattr(exc, "at", None)
            except (OSError, TimeoutError, ssl.SSLError, EOFError) as exc:
                reason = f"{type(exc).__name__}: {exc}".strip(": ")
            except Exception as exc:  # never let one bug end the listener
                log.exception("%s: unexpected error", self.origin)
                reason = f"internal error: {type(exc).__name__}: {exc}"
            self.stats.errors += 1
            self.stats.last_error = reason
            self._mark_down(sink, reason, lost_at)
            delay = backoff.next()
            log.warning("%s: %s; reconnecting in %.1fs", self.origin, reason, delay)
            await asyncio.sleep(delay)

    def _mark_down(self, sink: Sink, reason: str, at: datetime | None) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        self.joined.clear()
        if self.stats.connected:
            self.stats.connected = False
            self.stats.disconnects += 1
            sink.down(self.origin, reason, at)

    async def send(self, line: str) -> None:
        """Send one protocol line through the flood throttle."""
        if self._writer is None:
            return
        await self._throttle.take()
        self._writer.write(line.encode("utf-8", "replace")[:510] + b"\r\n")
        await self._writer.drain()

    async def _session(self, sink: Sink, backoff: Backoff) -> None:
        net = self.network
        context: ssl.SSLContext | None = None
        if net.tls:
            context = ssl.create_default_context(cafile=net.tls_cafile)
            if not net.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(net.host, net.port, ssl=context, limit=1 << 16), net.connect_timeout
        )
        self._writer = writer
        self.nick = net.nick
        self._nick_attempt = 0
        if net.password:
            await self.send(f"PASS {net.password}")
        await self.send(f"NICK {self.nick}")
        await self.send(f"USER {net.username} 0 * :{net.realname}")
        pinged = False
        last_rx = utcnow()
        while True:
            try:
                raw = await asyncio.wait_for(reader.readline(), net.idle_ping)
            except TimeoutError:
                if pinged:
                    error = IrcError(f"ping timeout ({2 * net.idle_ping:.0f}s without data)")
                    error.at = last_rx  # type: ignore[attr-defined]
                    raise error from None
                pinged = True
                await self.send(f"PING :{int(time.time())}")
                continue
            except ValueError:  # a line over the 64 KiB limit: the reader has dropped it
                self.stats.bad("line over 64 KiB")
                continue
            if not raw:
                raise EOFError("server closed the connection")
            pinged = False
            last_rx = utcnow()
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("latin-1")
            line = line.rstrip("\r\n")
            if not line:
                continue
            try:
                message = parse_message(line)
            except ValueError:
                self.stats.bad(f"unparseable protocol line: {line}")
                continue
            await self._handle(message, sink, backoff)

    async def _handle(self, msg: IrcMessage, sink: Sink, backoff: Backoff) -> None:
        command, params = msg.command, msg.params
        if command == "PING":
            await self.send(f"PONG :{params[-1] if params else ''}")
        elif command == "001":
            if params:
                self.nick = params[0]
            backoff.reset()
            self.stats.connects += 1
            await self._join(list(self._wanted.values()))
        elif command in ("433", "432", "436") and not self.stats.connected:  # nick in use / erroneous / collision
            self._nick_attempt += 1
            base, attempt = self.network.nick, self._nick_attempt
            if command == "432" and attempt == 1 and len(base) > 9:  # RFC 1459 guarantees only 9 characters
                self.nick = base[:9]
            else:
                self.nick = base[: 9 - len(str(attempt))] + str(attempt)
            await self.send(f"NICK {self.nick}")
        elif command == "JOIN" and msg.nick.lower() == self.nick.lower() and params:
            channel = params[0].lower()
            self.joined.add(channel)
            if not self.stats.connected:
                self.stats.connected = True
                sink.up(self.origin)
            log.info("%s: joined %s", self.origin, channel)
        elif command == "KICK" and len(params) >= 2 and params[1].lower() == self.nick.lower():
            self.joined.discard(params[0].lower())
            log.warning("%s: kicked from %s; rejoining", self.origin, params[0])
            asyncio.get_running_loop().call_later(2.0, lambda c=params[0]: asyncio.ensure_future(self._join([c])))
        elif command in ("471", "473", "474", "475", "403", "405"):
            log.warning("%s: cannot join %s: %s", self.origin, params[1] if len(params) > 1 else "?", params[-1])
        elif command == "ERROR":
            raise IrcError(f"server error: {params[-1] if params else ''}")
        elif command in ("PRIVMSG", "NOTICE") and params and params[0].lower() in self._wanted:
            self._announce(params[0].lower(), params[-1] if len(params) > 1 else "", sink)

    async def _join(self, channels: list[str]) -> None:
        chunk: list[str] = []
        for channel in channels:
            if sum(len(c) + 1 for c in chunk) + len(channel) > 400:
                await self.send("JOIN " + ",".join(chunk))
                chunk = []
            chunk.append(channel)
        if chunk:
            await self.send("JOIN " + ",".join(chunk))

    def _announce(self, channel: str, text: str, sink: Sink) -> None:
        self.stats.lines += 1
        try:
            record = self.formats.parse(text, feed=self.network.feed(channel), at=utcnow())
        except ValueError as exc:
            self.stats.bad(f"{channel}: {exc}: {text}")
            log.warning("%s %s: malformed announce (%s)", self.origin, channel, exc)
            return
        except Exception as exc:  # a bad user pattern must not end the listener
            self.stats.bad(f"{channel}: {type(exc).__name__}: {text}")
            log.exception("%s %s: cannot read line", self.origin, channel)
            return
        if record is None:
            self.stats.ignored += 1
            return
        if isinstance(record, Announcement):
            self.stats.announcements += 1
        else:
            self.stats.nukes += 1
        sink.emit(self.origin, [record])


def formats_from_config(tables: Iterable[Mapping[str, Any]], where: str | Path) -> list[LineFormat]:
    """User formats from a config file's ``[[formats]]`` tables."""
    return [LineFormat.from_table(t, str(where)) for t in tables]
