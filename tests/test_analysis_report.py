"""The HTML report reads like a published analysis, agrees with the analyses, and stays self-contained."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
from analysis_data import RAID, simulated

from scenewatch.analysis import volume
from scenewatch.analysis.impact import impact
from scenewatch.output.html import table_html
from scenewatch.report import write_report


def _report(tmp_path: Path, event: object = RAID) -> str:
    with simulated().open() as db:
        return write_report(db, tmp_path / "report.html", event=event).read_text(encoding="utf-8")  # type: ignore[arg-type]


def test_report_opens_with_the_press_figures_and_the_verdict(tmp_path: Path) -> None:
    text = _report(tmp_path)
    summary = text[text.index('<section id="summary">'):text.index("</section>", text.index('id="summary"'))]
    with simulated().open() as db:
        after = RAID + timedelta(days=1)
        daily = volume(db, "day", since=after - timedelta(days=7), until=after)
        effects = impact(db, RAID)
    counts = dict(zip(daily["period"], daily["count"], strict=True))
    assert f"{counts[after - timedelta(days=7)]:,}" in summary and f"{counts[after]:,}" in summary
    total = effects[effects["category"] == "all"].iloc[0]
    assert f"{total['relative_change'] * 100:+.0f}%".replace("+-", "-") in summary  # the headline change
    assert "Groups that vanished" in summary and "SPARKS" in summary and "Recovery" in summary


def test_every_category_gets_its_chart_ordered_by_impact(tmp_path: Path) -> None:
    text = _report(tmp_path)
    shown = re.findall(r'data-impact-category="([^"]+)"', text)
    with simulated().open() as db:
        effects = impact(db, RAID)
    assert shown[0] == "all" and set(shown) == set(effects["category"])
    changes = dict(zip(effects["category"], effects["relative_change"], strict=True))
    assert [changes[c] for c in shown[1:]] == sorted(changes[c] for c in shown[1:])


def test_tables_hold_formatted_values_only(tmp_path: Path) -> None:
    text = _report(tmp_path)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", text)
    assert cells and not {"None", "NaN", "nan", "<NA>", "&lt;NA&gt;", "True", "False", "NaT"} & set(cells)
    assert not [c for c in cells if re.fullmatch(r"-?[1-9][\d,]*\.\d{3,}", c)]  # no raw floats such as 11668.941
    assert "<script src=" not in text and '<link rel="stylesheet" href="http' not in text  # self-contained


def test_long_tables_fold_and_empty_ones_say_what_was_looked_for() -> None:
    long = pd.DataFrame({"group": [f"G{i}" for i in range(40)], "releases": range(40)})
    html = table_html(long, max_rows=10)
    assert html.count("<tr>") == 1 + 10 + 1 + 30 and "30 more rows" in html and "<details>" in html
    assert "none found" in table_html(long.head(0), empty="Looked for gaps: none found.")


def test_report_without_event(tmp_path: Path) -> None:
    text = _report(tmp_path, None)
    assert "Change points" in text and 'id="summary"' not in text and "data-impact-category" not in text
