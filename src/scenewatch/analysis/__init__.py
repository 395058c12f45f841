"""Analyses: functions over the store that return small tables (DataFrames); they never print."""

from scenewatch.analysis.groups import silent_groups
from scenewatch.analysis.volume import volume

__all__ = ["silent_groups", "volume"]
