"""Self-contained HTML reports."""

from scenewatch.report.html import Section, render, write_report

__all__ = ["Section", "render", "write_report"]
