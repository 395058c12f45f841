// One group: summary cards, weekly timeline, sections and latest releases.
"use strict";

const groupLink = (r, text) => SW.el("a", { href: "/groups/" + encodeURIComponent(r.group) }, text);

async function loadGroup() {
  const name = document.getElementById("group-name").dataset.group;
  try {
    const g = await SW.api("/api/groups/" + encodeURIComponent(name));
    document.getElementById("summary").replaceChildren(
      SW.stat("releases", g.releases), SW.stat("first_pre", g.first_pre), SW.stat("last_pre", g.last_pre, "last release",
        "last pre time (UTC), late re-listings of old titles left out" +
        (g.last_listed && g.last_listed !== g.last_pre ? "; last listing " + SW.text("last_listed", g.last_listed) : "")),
      SW.stat("main_category", g.main_category), SW.stat("days_silent", g.days_silent),
      SW.stat("dormancy", g.dormancy), SW.stat("nukes", g.nukes));
    const x = g.timeline.map((r) => r.period), y = g.timeline.map((r) => r.count);
    const plot = SW.figure(document.getElementById("timeline"), "Releases per week",
                           `${SW.text("period", x[0])} … ${SW.text("period", x[x.length - 1])}`);
    await SW.plot(plot, [{ type: "bar", x, y, name: "releases / week", marker: { color: "#1f5fa8" } }],
                  SW.layout("releases per week"));
    SW.table(document.getElementById("sections"), [
      { key: "section" }, { key: "releases" }, { key: "first_pre" }, { key: "last_pre" }], g.by_section);
    SW.table(document.getElementById("latest"), [
      { key: "name", render: (r, text) => SW.el("a", { href: "/search?q=" + encodeURIComponent('"' + r.name + '"') }, text) },
      { key: "pre_at" }, { key: "section" }], g.latest);
    const vanished = await SW.api("/api/groups/" + encodeURIComponent(name) + "/vanished-with").catch(() => null);
    const box = document.getElementById("vanished-with");
    if (vanished && vanished.rows && vanished.rows.length) {
      SW.table(box, [{ key: "group", render: groupLink }, { key: "last_pre" }, { key: "offset_hours" },
        { key: "score" }, { key: "main_category" }], vanished.rows, { limit: 25 });
    } else {
      box.replaceWith(SW.el("p", { class: "hint", id: "vanished-with" },
        "No other group went improbably silent within 3 days of this group's last release."));
    }
  } catch (err) {
    SW.error("summary", err);
  }
  SW.ready();
}

loadGroup();
