// Shared helpers for the dashboard pages: API calls, tables, chart defaults. No build step.
"use strict";

const SW = {
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

  fmt(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(2);
    if (Array.isArray(value)) return value.join(", ");
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return value.slice(0, 16).replace("T", " ");
    return String(value);
  },

  // Render rows into a <table>; columns: [{key, label, render?(row)}]; sortable when the table has class sortable.
  table(table, columns, rows, state) {
    state = state || table._sort || { key: null, dir: 1 };
    table._sort = state;
    const thead = table.querySelector("thead");
    const tbody = table.querySelector("tbody");
    thead.replaceChildren(SW.el("tr", {}, ...columns.map((c) => {
      const th = SW.el("th", { "data-key": c.key }, c.label || c.key);
      if (state.key === c.key) th.classList.add(state.dir > 0 ? "asc" : "desc");
      if (table.classList.contains("sortable")) {
        th.addEventListener("click", () => {
          const dir = state.key === c.key ? -state.dir : (c.numeric ? -1 : 1);
          SW.table(table, columns, rows, { key: c.key, dir });
        });
      }
      return th;
    })));
    let sorted = rows;
    if (state.key) {
      sorted = [...rows].sort((a, b) => {
        const x = a[state.key], y = b[state.key];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * state.dir;
      });
    }
    tbody.replaceChildren(...sorted.map((row) => SW.el("tr", {}, ...columns.map((c) => {
      const content = c.render ? c.render(row) : SW.fmt(row[c.key]);
      return SW.el("td", c.numeric ? { class: "num" } : {}, content);
    }))));
  },

  error(where, err) {
    const box = SW.el("p", { class: "error" }, String(err.message || err));
    (typeof where === "string" ? document.getElementById(where) : where).replaceChildren(box);
  },

  colors: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"],

  layout(extra) {
    return Object.assign({
      margin: { l: 50, r: 20, t: 30, b: 40 }, hovermode: "x unified", legend: { orientation: "h", y: -0.15 },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff", xaxis: { type: "date" }, yaxis: { rangemode: "tozero" },
    }, extra || {});
  },

  card(label, value) {
    return SW.el("div", { class: "card" }, SW.el("div", { class: "value" }, SW.fmt(value)),
                 SW.el("div", { class: "label" }, label));
  },

  addDays(day, n) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  const link = document.querySelector(`[data-nav="${page === "group" ? "groups" : page}"]`);
  if (link) link.classList.add("active");
});
