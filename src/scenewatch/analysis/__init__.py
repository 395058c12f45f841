"""Analyses: functions over the store that return small tables (DataFrames); they never print.

One analysis per module, named like its main function: ``compare``, ``impact`` (+ ``placebo``,
``treatment_intensity``, ``counterfactual``; intervals from ``calibration``), ``recovery``, ``changepoints``,
``dormancy`` (null model: ``rhythm``), ``affiliation`` (``vanished_with``, ``vanished_clusters``), ``discover``,
``study``, ``leaks``, ``concentration``, ``nukes``, ``gaps``. Import the function
from its module (``from scenewatch.analysis.impact import impact``): the package attribute of the same name is the
module. Warnings (e.g. a feed gap inside the analysed window) travel in ``frame.attrs["warnings"]``.
"""

from scenewatch.analysis.groups import silent_groups
from scenewatch.analysis.volume import COUNTED, counted_filter, volume

__all__ = ["COUNTED", "counted_filter", "silent_groups", "volume"]
