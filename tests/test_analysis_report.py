"""The HTML report carries the analysis sections and stays self-contained."""

from __future__ import annotations

from pathlib import Path

from analysis_data import RAID, simulated

from scenewatch.report import write_report


def test_report_has_analysis_sections(tmp_path: Path) -> None:
    with simulated().open() as db:
        path = write_report(db, tmp_path / "report.html", event=RAID)
    text = path.read_text(encoding="utf-8")
    for title in ("Weeks around the event", "Impact: observed vs counterfactual", "Recovery to 90%", "Change points",
                  "Most improbably silent groups", "Groups that stopped together", "Concentration", "Nukes by section",
                  "Feed gaps"):  # fmt: skip
        assert title in text, title
    assert "<script src=" not in text and '<link rel="stylesheet" href="http' not in text
    assert "SPARKS" in text


def test_report_without_event(tmp_path: Path) -> None:
    with simulated().open() as db:
        text = write_report(db, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "Change points" in text and "Impact" not in text
