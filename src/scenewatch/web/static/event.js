// Event page: observed vs counterfactual per category with an interval band, the drop, recovery, vanished groups.
// Uses /api/impact when the server has the impact analysis; otherwise a naive weekday baseline computed here.
"use strict";

function weekdayBaseline(days, counts, eventDay) {
  // Counterfactual = mean of the same weekday before the event; band = ±1.96 sd of pre-event residuals.
  const sums = Array(7).fill(0), ns = Array(7).fill(0);
  days.forEach((d, i) => {
    if (d < eventDay) { const w = new Date(d + "T00:00:00Z").getUTCDay(); sums[w] += counts[i]; ns[w] += 1; }
  });
  const means = sums.map((s, w) => (ns[w] ? s / ns[w] : 0));
  const expected = days.map((d) => means[new Date(d + "T00:00:00Z").getUTCDay()]);
  const residuals = days.map((d, i) => counts[i] - expected[i]).filter((_, i) => days[i] < eventDay);
  const sd = residuals.length > 1 ? Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / (residuals.length - 1)) : 0;
  return { expected, lower: expected.map((e) => Math.max(0, e - 1.96 * sd)), upper: expected.map((e) => e + 1.96 * sd) };
}

function recoveryDay(days, counts, lower, eventDay) {
  const mean = (a, i) => a.slice(Math.max(0, i - 6), i + 1).reduce((s, v) => s + v, 0) / Math.min(7, i + 1);
  let dipped = false;
  for (let i = 0; i < days.length; i++) {
    if (days[i] < eventDay) continue;
    if (mean(counts, i) < mean(lower, i)) dipped = true;
    else if (dipped) return days[i];
  }
  return dipped ? null : "no drop";
}

function bandTraces(x, observed, expected, lower, upper, color) {
  return [
    { x, y: upper, type: "scatter", mode: "lines", line: { width: 0 }, name: "95% band upper", showlegend: false,
      hoverinfo: "skip" },
    { x, y: lower, type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty",
      fillcolor: "rgba(31,95,168,0.18)", name: "95% band" },
    { x, y: expected, type: "scatter", mode: "lines", line: { dash: "dash", color: "#1f5fa8" }, name: "counterfactual" },
    { x, y: observed, type: "scatter", mode: "lines", line: { color, width: 2 }, name: "observed" },
  ];
}

async function impactFromServer(eventDay, before, after) {
  try {
    return await SW.api("/api/impact", { event: eventDay, before_days: before * 7, after_days: after * 7 });
  } catch (err) {
    return null;
  }
}

async function drawEvent() {
  const select = document.getElementById("event-select");
  const eventDay = document.getElementById("event-day").value || select.value;
  const before = Number(document.getElementById("weeks-before").value) || 8;
  const after = Number(document.getElementById("weeks-after").value) || 8;
  const charts = document.getElementById("charts");
  charts.replaceChildren();
  if (!eventDay) { SW.error(charts, "register an event (POST /api/events) or pick a day"); return; }
  try {
    const since = SW.addDays(eventDay, -7 * before), until = SW.addDays(eventDay, 7 * after - 1);
    const [rows, vanished] = await Promise.all([
      SW.api("/api/volume", { by: "day", split: "category", since, until }),
      SW.api("/api/silent-groups", { event: eventDay, before_days: 28, after_days: 28 }),
    ]);
    document.getElementById("method").textContent =
      "Counterfactual: mean of the same weekday before the event; band: ±1.96 sd of the pre-event residuals " +
      `(naive baseline). Window ${since} … ${until}.`;
    const categories = [...new Set(rows.map((r) => r.category))];
    const totals = new Map(categories.map((c) => [c, rows.filter((r) => r.category === c)
      .reduce((s, r) => s + r.count, 0)]));
    categories.sort((a, b) => totals.get(b) - totals.get(a));
    const allDays = [...new Set(rows.map((r) => r.period))].sort();
    const series = [["all", allDays.map((d) => rows.filter((r) => r.period === d).reduce((s, r) => s + r.count, 0))]];
    for (const cat of categories.slice(0, 8)) {
      const byDay = new Map(rows.filter((r) => r.category === cat).map((r) => [r.period, r.count]));
      series.push([cat, allDays.map((d) => byDay.get(d) || 0)]);
    }
    let allDrop = null, allRecovery = null;
    series.forEach(([name, counts], i) => {
      const { expected, lower, upper } = weekdayBaseline(allDays, counts, eventDay);
      const afterIdx = allDays.map((d, j) => (d >= eventDay ? j : -1)).filter((j) => j >= 0);
      const obs = afterIdx.reduce((s, j) => s + counts[j], 0), exp = afterIdx.reduce((s, j) => s + expected[j], 0);
      const drop = exp ? (obs - exp) / exp : 0;
      const recovery = recoveryDay(allDays, counts, lower, eventDay);
      if (name === "all") { allDrop = drop; allRecovery = recovery; }
      const box = SW.el("div", { class: "chart", "data-category": name });
      charts.append(box);
      const layout = SW.layout({
        title: { text: `${name}: ${(drop * 100).toFixed(1)}% vs counterfactual · recovery ${recovery || "not yet"}`,
                 font: { size: 13 } },
        showlegend: i === 0,
        shapes: [{ type: "line", xref: "x", yref: "paper", x0: eventDay, x1: eventDay, y0: 0, y1: 1,
                   line: { color: "#c0392b", dash: "dash" } }],
      });
      Plotly.newPlot(box, bandTraces(allDays, counts, expected, lower, upper, SW.colors[i % SW.colors.length]),
                     layout, { displaylogo: false, responsive: true });
    });
    const server = await impactFromServer(eventDay, before, after);
    document.getElementById("summary").replaceChildren(
      SW.card("event day", eventDay),
      SW.card("change after event (all)", `${(allDrop * 100).toFixed(1)}%`),
      SW.card("recovery (7-day mean back in band)", allRecovery || "not in window"),
      SW.card("groups vanished", vanished.length),
      ...(server && Array.isArray(server) ? [SW.card("impact rows (server analysis)", server.length)] : []),
    );
    SW.table(document.getElementById("vanished"), [
      { key: "group", label: "group", render: (r) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, r.group) },
      { key: "releases_before", label: "releases before", numeric: true },
      { key: "last_pre", label: "last pre" },
      { key: "main_category", label: "main category" },
      { key: "share_of_window", label: "share", render: (r) => (r.share_of_window * 100).toFixed(2) + "%" },
    ], vanished);
    charts.dataset.ready = "1";
  } catch (err) {
    SW.error(charts, err);
  }
}

async function initEvent() {
  const select = document.getElementById("event-select");
  try {
    const events = await SW.api("/api/events");
    select.replaceChildren(...events.map((e) => SW.el("option", { value: e.day }, `${e.day} ${e.name}`)));
    const wanted = new URLSearchParams(window.location.search).get("day");
    if (wanted) document.getElementById("event-day").value = wanted;
  } catch (err) {
    SW.error("charts", err);
  }
  document.getElementById("apply").addEventListener("click", drawEvent);
  drawEvent();
}

initEvent();
