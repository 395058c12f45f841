// Overview: releases per day stacked by category, 7-day mean, events and gaps marked, range brushing.
"use strict";

let overviewRows = [];

function dailyTotals(rows) {
  const totals = new Map();
  for (const r of rows) totals.set(r.period, (totals.get(r.period) || 0) + r.count);
  const days = [...totals.keys()].sort();
  return { days, totals: days.map((d) => totals.get(d)) };
}

function rollingMean(values, window) {
  const out = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(i >= window - 1 ? sum / window : null);
  });
  return out;
}

// The date inputs always show the range the chart shows.
function showRange(start, end) {
  const from = start.slice(0, 10), to = end.slice(0, 10);
  document.getElementById("since").value = from;
  document.getElementById("until").value = to;
  const inRange = overviewRows.filter((r) => r.period >= from && r.period <= to);
  const total = inRange.reduce((s, r) => s + r.count, 0);
  const byCat = new Map();
  for (const r of inRange) byCat.set(r.category, (byCat.get(r.category) || 0) + r.count);
  const brush = document.getElementById("brush");
  const q = `@since ${from} @until ${to}`;
  brush.replaceChildren(`${SW.text("count", total)} releases shown · `,
    SW.el("a", { href: "/search?q=" + encodeURIComponent(q) }, "search this range"));
  const cards = document.getElementById("cards");
  cards.replaceChildren(SW.stat("count", total, "releases in range"),
    ...[...byCat.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => {
      const card = SW.card(c, SW.text("count", n));
      card.classList.add("plain");  // a count under its category's name needs no explanation
      return card;
    }));
}

// Event labels inside the plot's top edge, one row per label that would touch the previous one (the toolbar has
// the margin above the plot to itself).
function eventMarks(events, first, last) {
  const span = Math.max(1, (Date.parse(last) - Date.parse(first)) / 86400000);
  const shapes = [], annotations = [], rowEnds = [];
  for (const e of events) {
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: e.day, x1: e.day, y0: 0, y1: 1,
                  line: { color: "#c0392b", dash: "dash", width: 2 } });
    const at = (Date.parse(e.day) - Date.parse(first)) / 86400000 / span;
    const width = (e.name.length * 7 + 16) / 1000;  // a label's share of the plot's width, about
    const left = at + width > 1;  // near the right edge the label goes left of its line, inside the plot
    const [from, to] = left ? [at - width, at] : [at, at + width];
    let row = rowEnds.findIndex((end) => end < from);
    if (row < 0) { row = rowEnds.length; rowEnds.push(0); }
    rowEnds[row] = to;
    annotations.push({ x: e.day, y: 1 - 0.07 * row, xref: "x", yref: "paper", xanchor: left ? "right" : "left",
                       yanchor: "top", xshift: left ? -3 : 3, showarrow: false,
                       text: `<a href="/event?day=${e.day}" style="color:#c0392b">${SW.escape(e.name)}</a>`,
                       bgcolor: "rgba(255,255,255,0.85)", font: { color: "#c0392b", size: 12 } });
  }
  return { shapes, annotations };
}

function gapBands(gaps, first, last) {
  const merged = new Map();  // the same period recorded and detected is one band with both labels
  for (const g of gaps) {
    if (g.end.slice(0, 10) < first || g.start.slice(0, 10) > last) continue;  // outside the chart: not drawn
    const key = `${g.start}|${g.end}`;
    const seen = merged.get(key);
    if (seen) { seen.kind += ", " + g.kind; continue; }
    merged.set(key, { ...g });
  }
  const bands = [...merged.values()];
  const shapes = bands.map((g) => ({ type: "rect", xref: "x", yref: "paper", x0: g.start, x1: g.end, y0: 0, y1: 1,
                                     fillcolor: "#888", opacity: 0.25, line: { width: 0 } }));
  const note = document.getElementById("gaps");
  note.replaceChildren(bands.length ? `Grey bands, feed gaps (${bands.length}): ` : "No feed gap in this range.",
    ...bands.slice(0, 8).map((g, i) => SW.el("span", { class: "gap" }, (i ? "; " : "") +
      `${SW.format(g.start, "datetime")} … ${SW.format(g.end, "datetime")} (${g.kind}` +
      (SW.missing(g.expected_missing) ? ")" : `, ~${SW.text("expected_missing", g.expected_missing)} missing)`))),
    bands.length > 8 ? ` and ${bands.length - 8} more (GET /api/gaps)` : "");
  return shapes;
}

async function drawOverview() {
  const since = document.getElementById("since").value;
  const until = document.getElementById("until").value;
  const chart = document.getElementById("chart");
  try {
    const [rows, events, gaps] = await Promise.all([
      SW.api("/api/volume", { by: "day", split: "category", since, until }),
      SW.api("/api/events"),
      SW.api("/api/gaps"),
    ]);
    overviewRows = rows;
    if (!rows.length) { SW.error(chart, "no releases in the store for this range"); SW.ready(); return; }
    const categories = [...new Set(rows.map((r) => r.category))];
    const totalsByCat = new Map(categories.map((c) => [c, 0]));
    for (const r of rows) totalsByCat.set(r.category, totalsByCat.get(r.category) + r.count);
    categories.sort((a, b) => totalsByCat.get(b) - totalsByCat.get(a));
    const traces = categories.map((cat, i) => {
      const mine = rows.filter((r) => r.category === cat);
      return { type: "scatter", mode: "lines", stackgroup: "one", name: cat, x: mine.map((r) => r.period),
               y: mine.map((r) => r.count), line: { width: 0.5, color: SW.colors[i % SW.colors.length] } };
    });
    const { days, totals } = dailyTotals(rows);
    const first = days[0], last = days[days.length - 1];
    traces.push({ type: "scatter", mode: "lines", name: "7-day mean (all)", x: days, y: rollingMean(totals, 7),
                  line: { color: "#111", width: 2 } });
    // Only the events inside the data's span are drawn: one from 2001 would squeeze two years into a sliver.
    const shown = events.filter((e) => e.day >= first && e.day <= last).sort((a, b) => (a.day < b.day ? -1 : 1));
    const marks = eventMarks(shown, first, last);
    const layout = SW.layout("releases per day", {
      shapes: [...gapBands(gaps, first, last), ...marks.shapes], annotations: marks.annotations, dragmode: "zoom",
      showlegend: true, legend: { orientation: "v", x: 1.01, xanchor: "left", y: 1, yanchor: "top" },
      margin: { l: 64, r: 16, t: 34, b: 30 },
      xaxis: { type: "date", range: [first, last], rangeslider: { visible: true, thickness: 0.08 } },
    });
    await SW.plot(chart, traces, layout);
    document.getElementById("events-note").textContent = shown.length
      ? `Red dashed lines: ${shown.map((e) => `${e.name} (${e.day})`).join(", ")}; click a name for its impact.`
      : `No known event (${events.length} in the catalogue and this store) falls inside ${first} … ${last}.`;
    chart.on("plotly_relayout", (ev) => {
      if (ev["xaxis.range[0]"]) showRange(ev["xaxis.range[0]"], ev["xaxis.range[1]"]);
      else if (Array.isArray(ev["xaxis.range"])) showRange(ev["xaxis.range"][0], ev["xaxis.range"][1]);
      else if (ev["xaxis.autorange"]) showRange(first, last);
    });
    showRange(first, last);
    chart.dataset.ready = "1";
  } catch (err) {
    SW.error(chart, err);
  }
  SW.ready();
}

document.getElementById("apply").addEventListener("click", drawOverview);
drawOverview();
