"""Sources turn outside bytes into typed records; they never write to the store."""

from scenewatch.sources.base import InputError, Source, SourceBatch, SourceError
from scenewatch.sources.columns import DEFAULT_ALIASES, parse_mapping
from scenewatch.sources.dump import DumpSource, detect_format, expand_paths
from scenewatch.sources.formats import FORMATS
from scenewatch.sources.rules import FeedRule, IngestRules, load_rules

__all__ = [
    "DEFAULT_ALIASES",
    "FORMATS",
    "DumpSource",
    "FeedRule",
    "IngestRules",
    "InputError",
    "Source",
    "SourceBatch",
    "SourceError",
    "detect_format",
    "expand_paths",
    "load_rules",
    "parse_mapping",
]
