"""The report's first screen: the event measured the way the press printed it, then the model's verdict.

The same weekday a week before the event and the day after it; weekly totals before and after; the drop per
category with its 95% interval; the groups that vanished; when volume recovered. Each figure comes from the same
analysis function the CLI and the API call, with the same defaults.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pandas as pd

from scenewatch.analysis._common import ALL
from scenewatch.analysis.compare import compare, event_windows
from scenewatch.analysis.groups import silent_groups
from scenewatch.analysis.impact import impact
from scenewatch.analysis.recovery import recovery
from scenewatch.analysis.volume import volume
from scenewatch.output import format_value
from scenewatch.output.html import table_html
from scenewatch.report.section import Section
from scenewatch.store import Database

VANISHED_BEFORE_DAYS = 56  # a group counts as active if it released in the eight weeks before the event
VANISHED_MIN_RELEASES = 10  # ... at least this many times (the dashboard's event page asks the API the same)


def event_name(db: Database, event: date) -> str | None:
    """The catalogued or registered event on that day, if there is one."""
    from scenewatch.events import events

    known = events(db)
    same = known[known["day"] == event]
    return None if same.empty else str(same["name"].iloc[0])


def summary_section(db: Database, event: date) -> Section:
    """The summary at the top of a report about ``event``."""
    name = event_name(db, event)
    parts = [_daily(db, event), _weekly(db, event)]
    effects = impact(db, event)
    parts.append(_drops(effects))
    parts.append(_vanished(db, event))
    parts.append(_recovery(db, event))
    title = f"{name} ({event})" if name else f"The event of {event}"
    cards = _cards(effects, db, event)
    return Section(f"Summary: {title}", html=cards + "".join(parts), anchor="summary")


def _daily(db: Database, event: date) -> str:
    after = event + timedelta(days=1)
    before = after - timedelta(days=7)
    daily = volume(db, "day", since=before, until=after)
    counts = dict(zip(daily["period"], daily["count"], strict=True))
    a, b = counts.get(before, 0), counts.get(after, 0)
    change = format_value((b - a) / a, "signed_percent") if a else "—"
    return (f'<h3>Releases on one day</h3><table class="data press"><thead><tr><th class="text">day</th>'
            f'<th class="num">releases</th></tr></thead><tbody>'
            f'<tr><td>{before:%a %Y-%m-%d} (a week before)</td><td class="num">{a:,}</td></tr>'
            f'<tr><td>{after:%a %Y-%m-%d} (the day after)</td><td class="num">{b:,}</td></tr></tbody></table>'
            f'<p class="note">{change} from one {after:%A} to the next.</p>')  # fmt: skip


def _weekly(db: Database, event: date) -> str:
    windows = compare(db, event_windows(event), by=None)
    labels = {"week_before": "the week before", "week_1_after": "first week after", "week_2_after": "second week after"}
    rows = []
    for row in windows.itertuples():
        label = labels.get(row.window, str(row.window).replace("_", " "))
        change = "" if row.window == "week_before" else format_value(row.relative_change, "signed_percent")
        rows.append(f"<tr><td>{html.escape(label)}</td><td class='nowrap'>{row.start:%b %d} – {row.end:%b %d, %Y}</td>"
                    f"<td class='num'>{row.count:,}</td><td class='num'>{change}</td></tr>")  # fmt: skip
    note = " ".join(html.escape(w) for w in windows.attrs.get("warnings", []))
    return ('<h3>Releases per week</h3><table class="data press"><thead><tr><th class="text">week</th>'
            '<th class="text">Monday – Sunday</th><th class="num">releases</th><th class="num">change</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>' + (f'<p class="note">{note}</p>' if note else ""))


def _drops(effects: pd.DataFrame) -> str:
    order = effects.assign(_all=effects["category"] == ALL).sort_values(["_all", "relative_change"],
                                                                         ascending=[False, True])  # fmt: skip
    shown = order[["category", "expected", "observed", "relative_change", "ci_low", "ci_high", "p_value"]]
    text = ("Observed releases in the eight weeks after the event against the counterfactual fitted on the eight "
            "weeks before, per category, largest drop first.")
    return f"<h3>The drop by category</h3><p>{text}</p>" + table_html(shown.reset_index(drop=True), max_rows=20)


def _vanished(db: Database, event: date) -> str:
    try:
        gone = silent_groups(db, event, before_days=VANISHED_BEFORE_DAYS, after_days=None,
                             min_releases=VANISHED_MIN_RELEASES)
    except ValueError as exc:
        return f"<h3>Groups that vanished</h3><p class='empty'>{html.escape(str(exc))}</p>"
    intro = (f"{len(gone):,} groups with at least {VANISHED_MIN_RELEASES} releases in the eight weeks before the event "
             "released nothing after it, to the last day in the store (re-listings of old titles do not count).")
    shown = gone[["group", "releases_before", "last_pre", "main_category"]]
    return f"<h3>Groups that vanished</h3><p>{intro}</p>" + table_html(
        shown, max_rows=10, empty="No group active before the event stopped at it."
    )


def _recovery(db: Database, event: date) -> str:
    back = recovery(db, event, by=None)
    if back.empty:
        return "<h3>Recovery</h3><p class='empty'>No recovery could be measured.</p>"
    row = back.iloc[0]
    threshold = format_value(row["threshold"], "percent")
    if bool(row["recovered"]):
        text = (f"All releases were back at {threshold} of the counterfactual from "
                f"{format_value(row['recovery_date'], 'date')} ({format_value(row['days_to_recovery'], 'days')} days "
                "after the event).")
    else:
        text = (f"All releases had not recovered to {threshold} of the counterfactual by "
                f"{format_value(row['last_day'], 'date')}: the last 7-day level was "
                f"{format_value(row['last_ratio'], 'percent')}.")
    return f"<h3>Recovery</h3><p>{html.escape(text)}</p>"


def _cards(effects: pd.DataFrame, db: Database, event: date) -> str:
    total = effects[effects["category"] == ALL]
    cards = []
    if not total.empty:
        row = total.iloc[0]
        cards.append(("change, eight weeks after", format_value(row["relative_change"], "signed_percent"),
                      f"95% interval {format_value(row['ci_low'], 'signed_percent')} to "
                      f"{format_value(row['ci_high'], 'signed_percent')}"))  # fmt: skip
        cards.append(("releases missing", format_value(row["cumulative_missing"], "count"),
                      f"{format_value(row['observed'], 'count')} counted, {format_value(row['expected'], 'count')} "
                      "expected"))  # fmt: skip
    # The hardest hit of the categories that matter: at least 1% of the expected volume.
    expected_all = float(total["expected"].iloc[0]) if not total.empty else 0.0
    sizeable = effects[(effects["category"] != ALL) & (effects["expected"] >= 0.01 * expected_all)]
    worst = sizeable.sort_values("relative_change").head(2)
    for row in worst.itertuples():
        cards.append((f"{row.category}", format_value(row.relative_change, "signed_percent"), "hardest hit"))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{html.escape(a)}</div><div class="value">{html.escape(b)}</div>'
        f'<div class="sub">{html.escape(c)}</div></div>'
        for a, b, c in cards
    ) + "</div>"
