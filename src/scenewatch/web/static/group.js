// One group: summary cards, weekly timeline, sections and latest releases.
"use strict";

async function loadGroup() {
  const name = document.getElementById("group-name").dataset.group;
  try {
    const g = await SW.api("/api/groups/" + encodeURIComponent(name));
    document.getElementById("summary").replaceChildren(
      SW.card("releases", g.releases), SW.card("first pre", SW.fmt(g.first_pre)), SW.card("last pre", SW.fmt(g.last_pre)),
      SW.card("main category", g.main_category), SW.card("dormancy", g.dormancy), SW.card("nukes", g.nukes));
    const x = g.timeline.map((r) => r.period), y = g.timeline.map((r) => r.count);
    await Plotly.newPlot("timeline", [{ type: "bar", x, y, name: "releases / week", marker: { color: "#1f5fa8" } }],
      SW.layout({ title: { text: "releases per week", font: { size: 13 } } }), { displaylogo: false, responsive: true });
    SW.table(document.getElementById("sections"), [
      { key: "section" }, { key: "releases", numeric: true }, { key: "first_pre", label: "first pre" },
      { key: "last_pre", label: "last pre" }], g.by_section);
    SW.table(document.getElementById("latest"), [
      { key: "name", render: (r) => SW.el("a", { href: "/search?q=" + encodeURIComponent('"' + r.name + '"') }, r.name) },
      { key: "pre_at", label: "pre" }, { key: "section" }], g.latest);
    const vanished = await SW.api("/api/groups/" + encodeURIComponent(name) + "/vanished-with").catch(() => null);
    if (vanished && vanished.rows) {
      SW.table(document.getElementById("vanished-with"), [
        { key: "group", render: (r) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, r.group) },
        { key: "last_pre", label: "last pre" }, { key: "offset_hours", label: "offset h", numeric: true },
        { key: "score", label: "dormancy score", numeric: true }, { key: "main_category", label: "category" }],
        vanished.rows);
    }
  } catch (err) {
    SW.error("summary", err);
  }
}

loadGroup();
