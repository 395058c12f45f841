"""Types shared by the format readers."""

from __future__ import annotations

from typing import Any

from scenewatch.sources.lines import LineError

# (line number, row keyed by the input's column names) or (line number, why the line was rejected)
RawRecord = tuple[int, dict[str, Any] | LineError]
