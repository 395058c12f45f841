// Groups: a sortable table of every group with releases, first/last pre and dormancy.
"use strict";

let allGroups = [];
const groupColumns = [
  { key: "group", render: (r, text) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, text) },
  { key: "releases" },
  { key: "first_pre" },
  { key: "last_pre" },
  { key: "main_category" },
  { key: "sections" },
  { key: "days_silent" },
  { key: "dormancy" },
  { key: "dormancy_score" },
  { key: "vanished_cluster" },
];

function showGroups() {
  const needle = document.getElementById("filter").value.toLowerCase();
  const shown = allGroups.filter((g) => g.group.toLowerCase().includes(needle));
  document.getElementById("count").textContent = `${SW.text("groups", shown.length)} groups`;
  SW.table(document.getElementById("groups"), groupColumns, shown, { limit: 200 });
}

async function loadGroups() {
  try {
    allGroups = await SW.api("/api/groups", { min_releases: document.getElementById("min").value, limit: 100000 });
    showGroups();
    document.getElementById("groups").dataset.ready = "1";
  } catch (err) {
    SW.error("count", err);
  }
  SW.ready();
}

document.getElementById("filter").addEventListener("input", showGroups);
document.getElementById("min").addEventListener("change", loadGroups);
loadGroups();
