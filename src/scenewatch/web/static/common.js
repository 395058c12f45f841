// Shared helpers for the dashboard pages: API calls, one value formatter, tables, cards and charts. No build step.
// How a column looks and what it means comes from scenewatch.output's columns.tsv, embedded in the page as JSON;
// SW.format mirrors scenewatch/output/values.py, so a value reads the same here, in the terminal and in the report.
"use strict";

const NUMERIC_KINDS = new Set(["count", "signed_count", "number", "score", "percent", "signed_percent", "pvalue",
                               "days", "hours"]);
const MOMENT = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d))?/;

const SW = {
  MISSING: "—",
  columns: JSON.parse(document.getElementById("sw-columns").textContent),

  async api(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    }
    const response = await fetch(url);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = body.message || body.detail || response.statusText;
      throw new Error(typeof message === "string" ? message : JSON.stringify(message));
    }
    return body;
  },

  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  },

  // Text for Plotly's HTML-like labels (an event name may hold < or &).
  escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  },

  // A release or group name that may wrap after its dots, underscores and dashes (names have no spaces).
  breakable(text) {
    const out = document.createDocumentFragment();
    String(text).split(/(?<=[._\-])/).forEach((part, i) => {
      if (i) out.append(document.createElement("wbr"));
      out.append(part);
    });
    return out;
  },

  // -- what a column is (scenewatch.output.columns.describe) -------------------------------------------------------
  describe(name, values) {
    let found = SW.columns[name];
    if (!found) {
      for (const [pattern, column] of Object.entries(SW.columns)) {
        if (pattern.includes("*") && SW._glob(pattern).test(name)) { found = { ...column, label: "" }; break; }
      }
    }
    const kind = found ? found.kind : SW._infer(values || []);
    return { name, kind, label: (found && found.label) || name.replace(/_/g, " "),
             description: (found && found.description) || "", numeric: NUMERIC_KINDS.has(kind), known: Boolean(found) };
  },

  _glob(pattern) {
    const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    return new RegExp("^" + source + "$");
  },

  _infer(values) {
    const sample = values.find((v) => !SW.missing(v));
    if (typeof sample === "boolean") return "bool";
    if (Array.isArray(sample)) return "list";
    if (typeof sample === "number") return values.every((v) => SW.missing(v) || Number.isInteger(v)) ? "count" : "number";
    if (typeof sample === "string") {
      const m = MOMENT.exec(sample);
      if (m && sample.length >= 10) return m[2] ? "datetime" : (sample.length === 10 ? "date" : "text");
    }
    return "text";
  },

  // -- one value as people read it (scenewatch.output.values) ------------------------------------------------------
  missing(value) {
    return value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));
  },

  format(value, kind) {
    if (Array.isArray(value)) return value.length ? value.map((v) => SW.format(v, "text")).join(", ") : SW.MISSING;
    if (SW.missing(value)) return SW.MISSING;
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (kind === "date" || kind === "datetime") return SW._moment(value, kind);
    if (typeof value === "number") return SW._number(value, kind);
    return String(value);
  },

  // Every value of a column: plain numbers share one number of decimals, chosen from the column's typical size.
  formatColumn(values, kind) {
    if (kind === "number") {
      const decimals = SW._decimals(values);
      if (decimals !== null) return values.map((v) => SW._aligned(v, decimals));
    }
    if ((kind === "days" || kind === "hours") && SW._decimals(values) === 0) {  // whole days stay whole: "115"
      return values.map((v) => SW._aligned(v, 0));
    }
    return values.map((v) => SW.format(v, kind));
  },

  _aligned(value, decimals) {
    if (SW.missing(value)) return SW.MISSING;
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
    return SW._fixed(value, decimals, true);
  },

  _decimals(values) {
    const numbers = [];
    for (const v of values) {
      if (typeof v !== "number") { if (SW.missing(v)) continue; return null; }
      if (Number.isFinite(v)) numbers.push(Math.abs(v));
    }
    if (!numbers.length || numbers.every((v) => Number.isInteger(v))) return 0;
    const sorted = [...numbers].sort((a, b) => a - b), mid = sorted.length >> 1;
    const typical = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return typical >= 1000 ? 0 : typical >= 10 ? 1 : typical >= 1 ? 2 : 3;
  },

  _moment(value, kind) {
    const m = typeof value === "string" ? MOMENT.exec(value) : null;
    if (!m) return String(value);
    return kind === "date" ? m[1] : `${m[1]} ${m[2] || "00:00"}`;
  },

  _number(value, kind) {
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
    if (kind === "percent" || kind === "signed_percent") return SW._percent(value, kind === "signed_percent");
    if (kind === "pvalue") return value < 0.001 ? "<0.001" : SW._fixed(value, value < 0.01 ? 3 : 2, false);
    if (kind === "count" || kind === "signed_count") {
      let text = SW._fixed(value, 0, true);  // round() gives an int: no negative zero
      if (text === "-0") text = "0";
      return kind === "signed_count" && value > 0 && text !== "0" ? "+" + text : text;
    }
    if (kind === "score" || kind === "days" || kind === "hours") return SW._fixed(value, 1, true);
    return SW._plainNumber(value);
  },

  _percent(fraction, signed) {
    const pct = fraction * 100, size = Math.abs(pct);
    const text = size === 0 ? "0%" : size < 0.1 ? "<0.1%" : size < 10 ? SW._fixed(size, 1, false) + "%"
      : SW._fixed(size, 0, true) + "%";
    if (pct < 0 && text !== "0%") return "-" + text;
    return signed && pct > 0 ? "+" + text : text;
  },

  _plainNumber(value) {
    if (Number.isInteger(value)) return SW._fixed(value, 0, true);
    const size = Math.abs(value);
    if (size >= 1000) return SW._fixed(value, 0, true);
    if (size >= 10) return SW._fixed(value, 1, true);
    if (size >= 1) return SW._fixed(value, 2, false);
    return SW._general(value, 3);
  },

  // f"{value:,.{decimals}f}" (separators when ``grouped``): correctly rounded like toFixed, but an exact half goes
  // to the even neighbour as in Python (toFixed goes up); a negative value keeps its sign, even when it rounds to 0.
  _fixed(value, decimals, grouped) {
    const size = Math.abs(value);
    const exact = size.toFixed(Math.min(100, decimals + 20));  // enough digits to see whether it is a tie
    const dot = exact.indexOf(".");
    const down = exact.slice(0, dot + 1 + decimals).replace(/\.$/, "");
    const tie = /^50*$/.test(exact.slice(dot + 1 + decimals));
    let text = tie && Number(down[down.length - 1]) % 2 === 0 ? down : size.toFixed(decimals);
    if (grouped) {
      const [whole, part] = text.split(".");
      text = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (part !== undefined ? "." + part : "");
    }
    return value < 0 || Object.is(value, -0) ? "-" + text : text;
  },

  // f"{value:.{digits}g}": significant digits, trailing zeros dropped, exponent below 1e-4.
  _general(value, digits) {
    if (value === 0) return "0";
    const exponent = Number(value.toExponential(digits - 1).split("e")[1]);
    if (exponent < -4 || exponent >= digits) {
      const [mantissa, exp] = value.toExponential(digits - 1).split("e");
      const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
      const n = Number(exp);
      return `${trimmed}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
    }
    const text = value.toFixed(Math.max(0, digits - 1 - exponent));
    return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
  },

  // A value of a known column (key) as text: SW.text("relative_change", -0.48) -> "-48%".
  text(key, value) {
    return SW.format(value, SW.describe(key, [value]).kind);
  },

  // -- tables ------------------------------------------------------------------------------------------------------
  // Render rows into a <table>. columns: [{key, label?, kind?, render?(row, text)}]; kind, label and description
  // come from columns.tsv unless given. Sortable when the table has class "sortable"; ``options.limit`` shows the
  // first rows and a button for the rest. A legend above the table explains every column that is not plain text.
  table(table, columns, rows, options) {
    options = options || table._options || {};
    table._options = options;
    const state = table._sort || { key: null, dir: 1 };
    table._sort = state;
    const described = columns.map((c) => {
      const values = rows.map((r) => r[c.key]);
      const column = SW.describe(c.key, values);
      const kind = c.kind || column.kind;
      const texts = SW.formatColumn(values, kind);
      const byRow = new Map(rows.map((r, i) => [r, texts[i]]));
      return { ...column, ...c, kind, numeric: NUMERIC_KINDS.has(kind), label: c.label || column.label,
               description: c.description || column.description, byRow };
    });
    const thead = table.querySelector("thead");
    const tbody = table.querySelector("tbody");
    thead.replaceChildren(SW.el("tr", {}, ...described.map((c) => {
      const th = SW.el("th", { "data-key": c.key, class: c.numeric ? "num" : "" }, c.label);
      if (c.description) th.title = c.description;
      if (state.key === c.key) th.classList.add(state.dir > 0 ? "asc" : "desc");
      if (table.classList.contains("sortable")) {
        th.addEventListener("click", () => {
          table._sort = { key: c.key, dir: state.key === c.key ? -state.dir : (c.numeric ? -1 : 1) };
          SW.table(table, columns, rows, options);
        });
      }
      return th;
    })));
    let sorted = rows;
    if (state.key) {
      sorted = [...rows].sort((a, b) => {
        const x = a[state.key], y = b[state.key];
        if (x === y) return 0;
        if (SW.missing(x)) return 1;
        if (SW.missing(y)) return -1;
        return (x < y ? -1 : 1) * state.dir;
      });
    }
    const limit = options.limit && !table._expanded ? options.limit : Infinity;
    const shown = sorted.slice(0, limit);
    tbody.replaceChildren(...shown.map((row) => SW.el("tr", {}, ...described.map((c) => {
      const text = c.byRow.get(row);
      const shownText = c.kind === "text" && text.length > 24 ? SW.breakable(text) : text;
      const content = c.render ? c.render(row, shownText) : shownText;
      const cls = c.numeric ? "num" : (c.kind === "date" || c.kind === "datetime") ? "moment" : "";
      return SW.el("td", cls ? { class: cls } : {}, content === "" || content === null ? SW.MISSING : content);
    }))));
    SW._beside(table, "more-rows", rows.length > shown.length ? SW.el("button", { class: "more-rows", type: "button",
      onclick: () => { table._expanded = true; SW.table(table, columns, rows, options); } },
      `show all ${SW.format(rows.length, "count")} rows`) : null, "after");
    SW._beside(table, "legend", SW.legend(described.filter((c) => c.description && c.kind !== "text" &&
                                                                   c.kind !== "list")), "before");
  },

  // A <p class="legend"> of "label: description" items, or null when there is nothing to explain.
  legend(columns) {
    if (!columns.length) return null;
    const items = columns.map((c) => SW.el("span", { class: "item" }, SW.el("b", {}, c.label), ": " + c.description));
    return SW.el("p", { class: "legend" }, ...items);
  },

  // Keep one element of ``role`` next to ``node`` (``where``: "before" or "after"), replaced on each render and
  // removed when ``replacement`` is null.
  _beside(node, role, replacement, where) {
    const step = where === "before" ? "previousElementSibling" : "nextElementSibling";
    let old = node[step];
    while (old && old.dataset.beside && old.dataset.beside !== role) old = old[step];
    if (old && old.dataset.beside !== role) old = null;
    if (replacement) replacement.dataset.beside = role;
    if (old && replacement) old.replaceWith(replacement);
    else if (old) old.remove();
    else if (replacement) node[where](replacement);
  },

  error(where, err) {
    const box = SW.el("p", { class: "error" }, String(err.message || err));
    (typeof where === "string" ? document.getElementById(where) : where).replaceChildren(box);
  },

  // -- cards -------------------------------------------------------------------------------------------------------
  // A figure with its label and, from columns.tsv (or ``description``), a one-line explanation under it.
  card(label, value, description) {
    return SW.el("div", { class: "card" }, SW.el("div", { class: "value" }, value),
                 SW.el("div", { class: "label" }, label),
                 description ? SW.el("div", { class: "explain" }, description) : null);
  },

  // The card of a known column: SW.stat("cumulative_missing", 50733, "missing releases (all)").
  stat(key, value, label, description) {
    const column = SW.describe(key, [value]);
    return SW.card(label || column.label, SW.format(value, column.kind), description || column.description);
  },

  // -- charts ------------------------------------------------------------------------------------------------------
  colors: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"],

  // A chart box: an HTML caption (wraps, never clipped, never under the toolbar) above the plot's <div>.
  figure(parent, title, note, attrs) {
    const plot = SW.el("div", { class: "plot" });
    const caption = SW.el("figcaption", {}, SW.el("span", { class: "title" }, title), note ? " " : null,
                          note ? SW.el("span", { class: "note" }, note) : null);
    parent.append(SW.el("figure", Object.assign({ class: "chart" }, attrs || {}), caption, plot));
    return plot;
  },

  // The top margin holds the toolbar (modebar) alone: titles are captions, legends sit beside or below the plot.
  layout(yTitle, extra) {
    const base = {
      margin: { l: 64, r: 16, t: 34, b: 36 }, hovermode: "x unified", showlegend: false,
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      // Date labels centred on their month, below short tick marks: the first would touch the y-axis "0".
      xaxis: { type: "date", automargin: true, ticklabelmode: "period", ticks: "outside", ticklen: 6,
               tickcolor: "#bbb" },
      yaxis: { rangemode: "tozero", automargin: true, title: { text: yTitle, standoff: 8 } },
    };
    const out = Object.assign({}, base, extra || {});
    out.yaxis = Object.assign({}, base.yaxis, (extra || {}).yaxis || {});
    out.xaxis = Object.assign({}, base.xaxis, (extra || {}).xaxis || {});
    return out;
  },

  config: { displaylogo: false, responsive: true,
            modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                                     "hoverClosestCartesian", "hoverCompareCartesian"] },

  plot(div, traces, layout) {
    return Plotly.newPlot(div, traces, layout, SW.config);
  },

  addDays(day, n) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  },

  // The page has drawn what it loaded (tests and the screenshot script wait for this).
  ready() {
    document.body.dataset.ready = "1";
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  const link = document.querySelector(`[data-nav="${page === "group" ? "groups" : page}"]`);
  if (link) link.classList.add("active");
});
