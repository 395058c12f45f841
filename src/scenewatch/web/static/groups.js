// Groups: a sortable table of every group with releases, first/last pre and dormancy.
"use strict";

let allGroups = [];
const groupColumns = [
  { key: "group", label: "group", render: (r) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, r.group) },
  { key: "releases", label: "releases", numeric: true },
  { key: "first_pre", label: "first pre" },
  { key: "last_pre", label: "last pre" },
  { key: "main_category", label: "main category" },
  { key: "sections", label: "sections", numeric: true },
  { key: "days_silent", label: "days silent", numeric: true },
  { key: "dormancy", label: "silence ÷ mean gap", numeric: true },
  { key: "dormancy_score", label: "dormancy score", numeric: true },
  { key: "vanished_cluster", label: "vanished cluster", numeric: true },
];

function showGroups() {
  const needle = document.getElementById("filter").value.toLowerCase();
  const shown = allGroups.filter((g) => g.group.toLowerCase().includes(needle));
  document.getElementById("count").textContent = `${shown.length} groups`;
  SW.table(document.getElementById("groups"), groupColumns, shown);
}

async function loadGroups() {
  try {
    allGroups = await SW.api("/api/groups", { min_releases: document.getElementById("min").value, limit: 100000 });
    showGroups();
    document.getElementById("groups").dataset.ready = "1";
  } catch (err) {
    SW.error("count", err);
  }
}

document.getElementById("filter").addEventListener("input", showGroups);
document.getElementById("min").addEventListener("change", loadGroups);
loadGroups();
