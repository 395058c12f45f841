"""Listener configuration: URLs on the command line and/or a TOML file of networks, APIs and formats.

Example::

    [listener]
    flush_seconds = 1.0
    flush_events = 500

    [[formats]]                  # extra IRC line formats for every network (tried before the shipped ones)
    id = "mynet-pre"
    action = "pre"
    pattern = '^NEW >> (?P<section>\\S+) >> (?P<name>\\S+)'

    [[irc]]
    url = "ircs://irc.example.net:6697/#pre,#nukes"
    nick = "swatch"
    name = "examplenet"          # feed names become irc:examplenet/#pre ...
    feeds = { "#pre" = "examplenet-pre" }
    [[irc.formats]]              # formats for this network only
    id = "x"
    pattern = '...'
    action = "pre"

    [[http]]
    url = "https://api.predb.ovh/api/v1/"
    interval = 10

    [[websocket]]
    url = "wss://predb.ovh/api/v1/ws"
    catchup = "https://predb.ovh/api/v1/"

    [[source]]                   # a preset (same as `scenewatch listen predb.net`)
    preset = "predb.net"

    [presets."predb.net"]        # override any key of a shipped preset (scenewatch.sources.data/presets.toml)
    api = "http://127.0.0.1:8080/"
    [presets."predb.net".fields]
    name = "release_name"        # the provider renamed a field: a config change, not a code change
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scenewatch.sources.base import SourceError
from scenewatch.sources.live.base import LiveSource
from scenewatch.sources.live.http_api import ApiConfig, HttpApiSource
from scenewatch.sources.live.irc import IrcNetwork, IrcSource, LineFormat, LineFormats, formats_from_config
from scenewatch.sources.live.presets import find_preset, preset_names
from scenewatch.sources.live.provider import ProviderSource
from scenewatch.sources.live.websocket import WebsocketConfig, WebsocketSource


@dataclass
class ListenerConfig:
    """Sources and writer options read from a config file and/or URLs."""

    sources: list[LiveSource] = field(default_factory=list)
    flush_events: int = 500
    flush_seconds: float = 1.0
    time_scale: float = 1.0
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)


def _pick(cls: type, table: dict[str, Any], where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    known = {f.name for f in fields(cls)}
    unknown = set(table) - known - set(skip)
    if unknown:
        raise SourceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return {k: v for k, v in table.items() if k in known}


def source_for_preset(
    name: str, overrides: dict[str, dict[str, Any]] | None = None, time_scale: float = 1.0
) -> ProviderSource:
    """The live source of a preset (``predb.net``, ``predb.club``, ``xrel``, ``xrel-p2p``, ``srrdb``)."""
    spec = find_preset(name, overrides)
    if spec is None:
        known = ", ".join(preset_names())
        raise SourceError(f"{name}: not a preset or URL (presets: {known}; see `scenewatch sources`)")
    return ProviderSource(spec, time_scale=time_scale)


def source_for_url(url: str, formats: list[LineFormat] | None = None, **options: Any) -> LiveSource:
    """A live source for ``irc://``, ``ircs://``, ``http(s)://`` or ``ws(s)://`` URLs, or a preset name."""
    if "://" not in url:
        return source_for_preset(url, options.pop("presets", None), options.pop("time_scale", 1.0))
    scheme = url.partition("://")[0].lower()
    if scheme in ("irc", "ircs"):
        network = IrcNetwork.from_url(url, **options)
        return IrcSource(network, LineFormats.default(formats or []))
    if scheme in ("http", "https"):
        return HttpApiSource(ApiConfig(url, **options))
    if scheme in ("ws", "wss"):
        catchup = options.pop("catchup", None)
        api = ApiConfig(catchup) if isinstance(catchup, str) else catchup
        return WebsocketSource(WebsocketConfig(url, catchup=api, **options))
    raise SourceError(f"{url}: unsupported scheme (irc, ircs, http, https, ws, wss)")


def load_config(path: Path | None, urls: list[str] | None = None) -> ListenerConfig:
    """Read a TOML config (optional) and add sources for ``urls``."""
    config = ListenerConfig()
    shared: list[LineFormat] = []
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"{path}: {exc}") from None
        listener = data.get("listener", {})
        config.flush_events = int(listener.get("flush_events", config.flush_events))
        config.flush_seconds = float(listener.get("flush_seconds", config.flush_seconds))
        config.time_scale = float(listener.get("time_scale", config.time_scale))
        presets = data.get("presets", {})
        if not isinstance(presets, dict) or not all(isinstance(v, dict) for v in presets.values()):
            raise SourceError(f"{path}: [presets.<name>] must be tables")
        config.presets = presets
        shared = formats_from_config(data.get("formats", []), path)
        for index, table in enumerate(data.get("irc", [])):
            where = f"{path}: [[irc]] #{index + 1}"
            table = dict(table)
            own = formats_from_config(table.pop("formats", []), path)
            url = table.pop("url", None)
            options = _pick(IrcNetwork, table, where)
            if "feeds" in options:
                options["feeds"] = {k.lower(): v for k, v in options["feeds"].items()}
            network = IrcNetwork.from_url(url, **options) if url else IrcNetwork(**options)
            config.sources.append(IrcSource(network, LineFormats.default([*own, *shared])))
        for index, table in enumerate(data.get("http", [])):
            options = _pick(ApiConfig, dict(table), f"{path}: [[http]] #{index + 1}")
            config.sources.append(HttpApiSource(ApiConfig(**options)))
        for index, table in enumerate(data.get("websocket", [])):
            table = dict(table)
            catchup = table.pop("catchup", None)
            options = _pick(WebsocketConfig, table, f"{path}: [[websocket]] #{index + 1}")
            if isinstance(catchup, str):
                options["catchup"] = ApiConfig(catchup)
            elif isinstance(catchup, dict):
                options["catchup"] = ApiConfig(**_pick(ApiConfig, catchup, f"{path}: websocket catchup"))
            config.sources.append(WebsocketSource(WebsocketConfig(**options)))
        for index, table in enumerate(data.get("source", [])):
            if set(table) != {"preset"}:
                raise SourceError(f"{path}: [[source]] #{index + 1}: give only preset = \"name\"")
            config.sources.append(source_for_preset(str(table["preset"]), config.presets, config.time_scale))
    for url in urls or []:
        if "://" in url:
            config.sources.append(source_for_url(url, shared))
        else:
            config.sources.append(source_for_preset(url, config.presets, config.time_scale))
    if not config.sources:
        raise SourceError(
            "nothing to listen to: give presets (e.g. predb.net), URLs or a --config with [[source]], [[irc]], "
            "[[http]] or [[websocket]]"
        )
    return config
