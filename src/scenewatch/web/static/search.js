// Search with the query syntax, cursor pagination, exports, and live updates over the websocket.
"use strict";

let nextCursor = null, socket = null;
const resultColumns = [
  { key: "pre_at" },
  { key: "name", render: (r, text) => SW.el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); showDetail(r.name); } }, text) },
  { key: "section" },
  { key: "group", render: (r, text) => r.group ? SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, text) : text },
  { key: "category" },
  { key: "size_mb" },
];
let resultRows = [];

// One release: its parsed fields as a two-column table, then its nuke history and sightings as tables.
function detailValue(key, value) {
  const column = SW.describe(key, [value]);
  if (typeof value === "number" && !column.known) return String(value);  // years, seasons, ids: no separators
  return SW.format(value, column.kind);
}

async function showDetail(name) {
  const box = document.getElementById("detail");
  try {
    const release = await SW.api("/api/releases/" + encodeURIComponent(name));
    const fields = Object.entries(release).filter(([, v]) => !Array.isArray(v) || typeof v[0] !== "object");
    const table = SW.el("table", { class: "data fields" }, SW.el("tbody", {}, ...fields.map(([k, v]) =>
      SW.el("tr", {}, SW.el("th", {}, SW.describe(k).label), SW.el("td", {}, detailValue(k, v))))));
    const parts = [SW.el("h2", {}, release.name), table];
    for (const key of ["nukes", "sightings"]) {
      const rows = release[key] || [];
      parts.push(SW.el("h3", {}, `${key} (${rows.length})`));
      if (!rows.length) continue;
      const sub = SW.el("table", { class: "data", id: "detail-" + key }, SW.el("thead"), SW.el("tbody"));
      parts.push(sub);
      SW.table(sub, Object.keys(rows[0]).map((k) => ({ key: k })), rows);
    }
    box.replaceChildren(...parts);
  } catch (err) {
    box.replaceChildren(SW.el("p", { class: "error" }, String(err.message || err)));
  }
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function exportLinks(q, sort) {
  for (const fmt of ["csv", "ndjson", "parquet"]) {
    const params = new URLSearchParams({ q, sort, format: fmt });
    document.getElementById("export-" + fmt).href = "/api/releases?" + params;
  }
}

async function runSearch(append) {
  const q = document.getElementById("q").value;
  const sort = document.getElementById("sort").value;
  const status = document.getElementById("status");
  if (!append) {
    nextCursor = null; resultRows = [];
    const url = new URL(window.location);
    url.searchParams.set("q", q);
    history.replaceState(null, "", url);
  }
  exportLinks(q, sort);
  try {
    const page = await SW.api("/api/releases", { q, sort, limit: 100, cursor: append ? nextCursor : null });
    resultRows = resultRows.concat(page.items);
    nextCursor = page.next_cursor;
    SW.table(document.getElementById("results"), resultColumns, resultRows);
    status.textContent = `${SW.text("count", resultRows.length)} releases shown` + (nextCursor ? " (more available)" : "");
    status.classList.remove("error");
    document.getElementById("more").hidden = !nextCursor;
    document.getElementById("results").dataset.ready = "1";
  } catch (err) {
    status.textContent = String(err.message || err);
    status.classList.add("error");
  }
  connectLive();
  SW.ready();
}

function connectLive() {
  if (socket) { socket.onclose = null; socket.close(); socket = null; }
  const state = document.getElementById("live-state");
  if (!document.getElementById("live").checked) { state.textContent = "(off)"; return; }
  const q = document.getElementById("q").value;
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${proto}//${window.location.host}/api/live?q=${encodeURIComponent(q)}`);
  socket.onopen = () => { state.textContent = "(connected)"; };
  socket.onclose = () => { state.textContent = "(disconnected)"; };
  socket.onmessage = (ev) => {
    const message = JSON.parse(ev.data);
    if (message.type === "error") { state.textContent = "(" + message.message + ")"; return; }
    if (message.type !== "batch") return;
    const list = document.getElementById("live-list");
    document.getElementById("live-box").hidden = false;  // the box takes space only once something streams
    for (const r of message.releases.slice(-50)) {
      list.prepend(SW.el("li", { class: "new" }, `${SW.format(r.pre_at, "datetime")}  ${r.name}  [${r.section || SW.MISSING}]`));
    }
    for (const n of message.nukes.slice(-50)) {
      list.prepend(SW.el("li", { class: "new" }, `${n.action.toUpperCase()} ${n.name} ${n.reason || ""}`));
    }
    while (list.children.length > 200) list.lastChild.remove();
  };
}

document.getElementById("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch(false); });
document.getElementById("more").addEventListener("click", () => runSearch(true));
document.getElementById("live").addEventListener("change", connectLive);
document.getElementById("q").value = new URLSearchParams(window.location.search).get("q") || "";
runSearch(false);
