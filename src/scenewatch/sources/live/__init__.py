"""Live sources: IRC announce channels, predb JSON APIs and websocket feeds (they never write to the store)."""

from scenewatch.sources.live.base import Backoff, LiveSource, Sink, SourceStats
from scenewatch.sources.live.http_api import ApiConfig, HttpApiSource
from scenewatch.sources.live.irc import IrcNetwork, IrcSource, LineFormat, LineFormats, strip_formatting
from scenewatch.sources.live.websocket import WebsocketConfig, WebsocketSource

__all__ = [
    "ApiConfig",
    "Backoff",
    "HttpApiSource",
    "IrcNetwork",
    "IrcSource",
    "LineFormat",
    "LineFormats",
    "LiveSource",
    "Sink",
    "SourceStats",
    "WebsocketConfig",
    "WebsocketSource",
    "strip_formatting",
]
