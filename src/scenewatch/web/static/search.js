// Search with the query syntax, cursor pagination, exports, and live updates over the websocket.
"use strict";

let nextCursor = null, socket = null;
const resultColumns = [
  { key: "pre_at", label: "pre" },
  { key: "name", render: (r) => SW.el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); showDetail(r.name); } }, r.name) },
  { key: "section" },
  { key: "group", render: (r) => r.group ? SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, r.group) : "" },
  { key: "category" },
  { key: "size_mb", label: "MB", numeric: true },
];
let resultRows = [];

async function showDetail(name) {
  const box = document.getElementById("detail");
  try {
    const release = await SW.api("/api/releases/" + encodeURIComponent(name));
    box.textContent = JSON.stringify(release, null, 2);
  } catch (err) {
    box.textContent = String(err.message || err);
  }
  box.hidden = false;
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
    status.textContent = `${resultRows.length} releases shown` + (nextCursor ? " (more available)" : "");
    status.classList.remove("error");
    document.getElementById("more").hidden = !nextCursor;
    document.getElementById("results").dataset.ready = "1";
  } catch (err) {
    status.textContent = String(err.message || err);
    status.classList.add("error");
  }
  connectLive();
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
    for (const r of message.releases.slice(-50)) {
      list.prepend(SW.el("li", { class: "new" }, `${SW.fmt(r.pre_at)}  ${r.name}  [${r.section || ""}]`));
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
