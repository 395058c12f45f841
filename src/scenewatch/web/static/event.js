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
    { x, y: upper, type: "scatter", mode: "lines", line: { width: 0 }, name: "95% band upper", hoverinfo: "skip" },
    { x, y: lower, type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty",
      fillcolor: "rgba(31,95,168,0.18)", name: "95% band" },
    { x, y: expected, type: "scatter", mode: "lines", line: { dash: "dash", color: "#1f5fa8" }, name: "counterfactual" },
    { x, y: observed, type: "scatter", mode: "lines", line: { color, width: 2 }, name: "observed" },
  ];
}

async function optional(path, params) {
  try {
    return await SW.api(path, params);
  } catch (err) {
    return null;
  }
}

async function serverModel(eventDay, before, after) {
  // The analysis module's quasi-Poisson counterfactual with its 95% prediction band, impact and recovery.
  const span = { event: eventDay, before: `${before}w`, after: `${after}w`, by: "category" };
  const cf = await optional("/api/impact/counterfactual", span);
  if (!cf || !cf.rows || !cf.rows.length) return null;
  const [impact, recovery] = await Promise.all([
    optional("/api/impact", span),
    // Recovery with the parameters of the report and `scenewatch events recovery` (horizon 26 weeks, the API's
    // defaults), so the same dates appear everywhere; the chart's window only sets what is drawn.
    optional("/api/recovery", { event: eventDay, before: `${before}w`, horizon: "26w", by: "category" }),
  ]);
  const names = [...new Set(cf.rows.map((r) => r.category))];
  const series = names.map((name) => {
    const mine = cf.rows.filter((r) => r.category === name);
    return { name, days: mine.map((r) => r.day), observed: mine.map((r) => r.observed),
             expected: mine.map((r) => r.expected), lower: mine.map((r) => r.expected_low),
             upper: mine.map((r) => r.expected_high) };
  });
  const drops = {}, recoveries = {};
  for (const r of (impact && impact.rows) || []) drops[r.category] = r;
  for (const r of (recovery && recovery.rows) || []) {
    recoveries[r.category] = r.recovered ? r.recovery_date : (r.not_yet ? "not yet" : r.note || "n/a");
  }
  const total = (s) => s.observed.reduce((a, b) => a + b, 0);
  series.sort((a, b) => (a.name === "all" ? -1 : b.name === "all" ? 1 : total(b) - total(a)));
  // the model is chosen per series (level only where placebo dates calibrate it): say which one each got
  const trended = ((impact && impact.rows) || []).filter((r) => r.trend).map((r) => r.category);
  const model = trended.length ? `weekday; linear trend for ${trended.join(", ")}` : "weekday, level only";
  return { series, drops, recoveries, warnings: cf.warnings || [],
           method: `Counterfactual: quasi-Poisson model (${model}) fitted on the days before the event; band: ` +
                   "95% prediction interval (scenewatch.analysis.impact). Drop and recovery from the same analysis." };
}

async function naiveModel(eventDay, since, until) {
  const rows = await SW.api("/api/volume", { by: "day", split: "category", since, until });
  const categories = [...new Set(rows.map((r) => r.category))];
  const totals = new Map(categories.map((c) => [c, rows.filter((r) => r.category === c).reduce((s, r) => s + r.count, 0)]));
  categories.sort((a, b) => totals.get(b) - totals.get(a));
  const days = [...new Set(rows.map((r) => r.period))].sort();
  const raw = [["all", days.map((d) => rows.filter((r) => r.period === d).reduce((s, r) => s + r.count, 0))]];
  for (const cat of categories) {
    const byDay = new Map(rows.filter((r) => r.category === cat).map((r) => [r.period, r.count]));
    raw.push([cat, days.map((d) => byDay.get(d) || 0)]);
  }
  const drops = {}, recoveries = {};
  const series = raw.map(([name, observed]) => {
    const { expected, lower, upper } = weekdayBaseline(days, observed, eventDay);
    const after = days.map((d, j) => (d >= eventDay ? j : -1)).filter((j) => j >= 0);
    const obs = after.reduce((s, j) => s + observed[j], 0), exp = after.reduce((s, j) => s + expected[j], 0);
    drops[name] = { relative_change: exp ? (obs - exp) / exp : null };
    recoveries[name] = recoveryDay(days, observed, lower, eventDay) || "not yet";
    return { name, days, observed, expected, lower, upper };
  });
  return { series, drops, recoveries, warnings: [],
           method: "Counterfactual: mean of the same weekday before the event; band: ±1.96 sd of the pre-event " +
                   "residuals (naive baseline: the impact analysis is not available on this server)." };
}

function change(d) {
  // "-48% (95%: -56% … -39%)", formatted as the terminal and the report do.
  if (!d || SW.missing(d.relative_change)) return "change n/a";
  const ci = SW.missing(d.ci_low) ? "" : ` (95%: ${SW.text("ci_low", d.ci_low)} … ${SW.text("ci_high", d.ci_high)})`;
  return `${SW.text("relative_change", d.relative_change)}${ci} against the counterfactual`;
}

function recoveryText(value) {
  return /^\d{4}-\d\d-\d\d/.test(value || "") ? SW.text("recovery_date", value) : (value || "n/a");
}

function setDay(day) {
  document.getElementById("event-day").value = day || "";
  const select = document.getElementById("event-select");
  select.value = [...select.options].some((o) => o.value === day && !o.disabled) ? day : "";
}

function hostOf(url) {
  try { return new URL(url).hostname || url; } catch (err) { return url; }
}

function describeEvent(eventDay) {
  const box = document.getElementById("event-about");
  const known = (window.knownEvents || []).filter((e) => e.day === eventDay);
  box.replaceChildren(...known.map((e) => SW.el("p", { class: "about" }, SW.el("b", {}, e.name), ` (${e.day}, ` +
    (e.origin === "catalogue" ? "shipped catalogue" : "registered in this store") + "): " + (e.description || ""),
    ...(e.sources || []).map((url) => [" ", SW.el("a", { href: url, rel: "noreferrer" }, hostOf(url))]).flat())));
}

async function drawEvent() {
  const eventDay = document.getElementById("event-day").value;
  const before = Number(document.getElementById("weeks-before").value) || 8;
  const after = Number(document.getElementById("weeks-after").value) || 8;
  const charts = document.getElementById("charts");
  charts.replaceChildren();
  delete charts.dataset.ready;
  delete document.body.dataset.ready;
  setDay(eventDay);
  describeEvent(eventDay);
  if (!eventDay) {
    SW.error(charts, `No known event falls inside this store's data (${(window.knownEvents || []).length} in the ` +
      "catalogue and this store): pick a day above, or register one with `scenewatch events add`.");
    SW.ready();
    return;
  }
  const url = new URL(window.location);
  url.searchParams.set("day", eventDay);
  history.replaceState(null, "", url);
  try {
    const since = SW.addDays(eventDay, -7 * before), until = SW.addDays(eventDay, 7 * after - 1);
    const [model0, vanished, gaps] = await Promise.all([
      serverModel(eventDay, before, after),
      // the report's "groups that vanished" (report/summary.py): 10+ releases in the 8 weeks before, none after
      SW.api("/api/silent-groups", { event: eventDay, before_days: 56, min_releases: 10 }),
      optional("/api/gaps"),
    ]);
    // Feed gaps inside the window are shaded (the model leaves those days out); those outside are not drawn.
    const bands = (gaps || []).filter((g) => g.end.slice(0, 10) >= since && g.start.slice(0, 10) <= until)
      .map((g) => ({ type: "rect", xref: "x", yref: "paper", x0: g.start, x1: g.end, y0: 0, y1: 1,
                     fillcolor: "#888", opacity: 0.25, line: { width: 0 } }));
    const model = model0 || await naiveModel(eventDay, since, until);
    document.getElementById("method").textContent = `Window ${since} … ${until}. ` + model.method +
      (model.warnings.length ? " Warnings: " + model.warnings.join("; ") : "");
    const drawn = model.series.map((s, i) => {
      const d = model.drops[s.name] || {};
      const plot = SW.figure(charts, s.name, `${change(d)} · recovery: ${recoveryText(model.recoveries[s.name])}`,
                             { "data-category": s.name });
      const layout = SW.layout("releases per day", {
        xaxis: { type: "date", range: [since, until] },
        shapes: [...bands, { type: "line", xref: "x", yref: "paper", x0: eventDay, x1: eventDay, y0: 0, y1: 1,
                             line: { color: "#c0392b", dash: "dash" } }],
      });
      return SW.plot(plot, bandTraces(s.days, s.observed, s.expected, s.lower, s.upper,
                                      SW.colors[i % SW.colors.length]), layout);
    });
    const all = model.drops.all || {};
    document.getElementById("summary").replaceChildren(
      SW.stat("event", eventDay, "event day", "the day the event began (UTC)"),
      SW.stat("relative_change", all.relative_change, "change, all categories"),
      SW.stat("cumulative_missing", all.cumulative_missing, "missing releases, all categories"),
      SW.card("recovery, all categories", recoveryText(model.recoveries.all),
              SW.describe("recovery_date").description + " (not yet: still below the threshold at the end)"),
      SW.stat("vanished_groups", vanished.length, "groups vanished",
              "groups with at least 10 releases in the 8 weeks before that released nothing after it, to the " +
              "last day in the store (re-listings of old titles do not count)"),
    );
    SW.table(document.getElementById("vanished"), [
      { key: "group", render: (r, text) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, text) },
      { key: "releases_before" },
      { key: "last_pre" },
      { key: "main_category" },
      { key: "share_of_window" },
    ], vanished, { limit: 25 });
    await Promise.all(drawn);
    charts.dataset.ready = model0 ? "server" : "naive";
  } catch (err) {
    SW.error(charts, err);
  }
  SW.ready();
}

async function initEvent() {
  const select = document.getElementById("event-select");
  try {
    const events = await SW.api("/api/events");
    window.knownEvents = events;
    // Events before or after the data are listed (so the catalogue is whole) but cannot be analysed here.
    select.replaceChildren(SW.el("option", { value: "" }, "— pick an event —"),
      ...events.map((e) => SW.el("option", e.in_data ? { value: e.day } : { value: e.day, disabled: "" },
        `${e.day} ${e.name}${e.in_data ? "" : " (outside the data)"}`)));
    // Default: the latest sourced event (the catalogue, or a registered one citing a public source) with the whole
    // analysis window (weeks before and after) inside the data; else the latest sourced one the data spans at all;
    // else the latest registered one. An event a few days before the data ends has no "after" to measure.
    const inside = events.filter((e) => e.in_data);
    const sourced = inside.filter((e) => e.origin === "catalogue" || (e.sources || []).length > 0);
    const weeks = (id) => Number(document.getElementById(id).value) || 8;
    const whole = sourced.filter((e) => e.days_before >= 7 * weeks("weeks-before") && e.days_after >= 7 * weeks("weeks-after"));
    const pick = (whole.length ? whole : sourced.length ? sourced : inside).at(-1);
    const wanted = new URLSearchParams(window.location.search).get("day");
    setDay(wanted || (pick ? pick.day : ""));
  } catch (err) {
    SW.error("charts", err);
  }
  select.addEventListener("change", () => { if (select.value) { setDay(select.value); drawEvent(); } });
  document.getElementById("apply").addEventListener("click", drawEvent);
  drawEvent();
}

initEvent();
