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

function showBrush(start, end) {
  const from = start.slice(0, 10), to = end.slice(0, 10);
  const inRange = overviewRows.filter((r) => r.period >= from && r.period <= to);
  const total = inRange.reduce((s, r) => s + r.count, 0);
  const byCat = new Map();
  for (const r of inRange) byCat.set(r.category, (byCat.get(r.category) || 0) + r.count);
  const brush = document.getElementById("brush");
  const q = `@since ${from} @until ${to}`;
  brush.replaceChildren(`selected ${from} … ${to}: ${total.toLocaleString("en")} releases · `,
    SW.el("a", { href: "/search?q=" + encodeURIComponent(q) }, "search this range"));
  const cards = document.getElementById("cards");
  cards.replaceChildren(SW.card("releases in range", total),
    ...[...byCat.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([c, n]) => SW.card(c, n)));
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
    if (!rows.length) { SW.error(chart, "no releases in the store for this range"); return; }
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
    traces.push({ type: "scatter", mode: "lines", name: "7-day mean (all)", x: days, y: rollingMean(totals, 7),
                  line: { color: "#111", width: 2 } });
    const shapes = [], annotations = [];
    for (const e of events) {
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: e.day, x1: e.day, y0: 0, y1: 1,
                    line: { color: "#c0392b", dash: "dash", width: 2 } });
      annotations.push({ x: e.day, y: 1, xref: "x", yref: "paper", text: e.name, showarrow: false,
                         yanchor: "bottom", font: { color: "#c0392b" } });
    }
    const merged = new Map();  // the same period recorded and detected is one band with both labels
    for (const g of gaps) {
      const key = `${g.start}|${g.end}`;
      const seen = merged.get(key);
      if (seen) { seen.kind += ", " + g.kind; continue; }
      merged.set(key, { ...g });
    }
    for (const g of merged.values()) {
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: g.start, x1: g.end, y0: 0, y1: 1,
                    fillcolor: "#888", opacity: 0.25, line: { width: 0 } });
      annotations.push({ x: g.start, y: 0.93, xref: "x", yref: "paper", text: `gap (${g.kind})`,
                         showarrow: false, xanchor: "left", font: { size: 10, color: "#555" } });
    }
    const layout = SW.layout({ shapes, annotations, dragmode: "zoom", margin: { l: 50, r: 20, t: 30, b: 30 },
      legend: { orientation: "h", x: 0, y: 1.08, yanchor: "bottom" },
      xaxis: { type: "date", rangeslider: { visible: true, thickness: 0.08 } }, yaxis: { title: "releases / day" } });
    await Plotly.newPlot(chart, traces, layout, { responsive: true, displaylogo: false });
    chart.on("plotly_relayout", (ev) => {
      if (ev["xaxis.range[0]"]) showBrush(ev["xaxis.range[0]"], ev["xaxis.range[1]"]);
      else if (Array.isArray(ev["xaxis.range"])) showBrush(ev["xaxis.range"][0], ev["xaxis.range"][1]);
      else if (ev["xaxis.autorange"]) showBrush(days[0], days[days.length - 1]);
    });
    showBrush(days[0], days[days.length - 1]);
    chart.dataset.ready = "1";
  } catch (err) {
    SW.error(chart, err);
  }
}

document.getElementById("apply").addEventListener("click", drawOverview);
drawOverview();
