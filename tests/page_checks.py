"""What a person would notice on a rendered page, measured in the browser: a list of problems, empty when none.

- an element wider than the viewport (or the page scrolling sideways);
- two text boxes overlapping: chart titles, axis titles, tick labels of different axes, annotations, legends, and the
  page's own headings above a chart;
- a table cell holding ``None``, ``NaN``, ``<NA>``, ``True`` or ``False``;
- a chart without a non-empty trace, or without a y-axis title;
- with ``explained``: a figure (a card, a number column) without its one-line explanation next to it.

The tick labels of a chart count as text boxes against everything but the ticks of their own axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BAD_CELLS = ["None", "NaN", "nan", "<NA>", "True", "False", "NaT", "undefined", "null"]

_SCRIPT = (Path(__file__).with_suffix(".js")).read_text(encoding="utf-8")


def page_problems(page: Any, *, explained: bool = False) -> list[str]:
    """The problems a person would notice on ``page`` (a Playwright page, already rendered)."""
    return list(page.evaluate(_SCRIPT, {"bad": BAD_CELLS, "explained": explained}))
