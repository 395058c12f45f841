"""The live listener: sources on an event loop, one store-writer thread, gaps for every outage."""

from scenewatch.live.config import ListenerConfig, load_config, source_for_url
from scenewatch.live.runtime import LiveRunner, WriterSink, run_live

__all__ = ["ListenerConfig", "LiveRunner", "WriterSink", "load_config", "run_live", "source_for_url"]
