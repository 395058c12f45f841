// The measurements of tests/page_checks.py, run in the page: a list of problems a person would notice.
// options: {bad: [cell texts that must never show], explained: whether every figure must carry its explanation}
(options) => {
  const { bad, explained } = options;
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const describe = (el) => `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} class="${el.className.baseVal ?? el.className}">` +
    ` "${(el.textContent || "").trim().slice(0, 30)}"`;
  if (document.documentElement.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("#js-plotly-tester")) continue;  // Plotly's off-screen text ruler
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;  // clipped by their <svg>
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1) && getComputedStyle(el).position !== "fixed" && shown(el)) {
      const scroller = el.closest(".table, .table-wrap, details");
      if (!scroller) { problems.push(`wider than the viewport: ${describe(el)} spans ${Math.round(r.left)} … ${Math.round(r.right)} px`); break; }
    }
  }
  // Cells and figures never show an absence or a boolean as a program spells it; numbers and dates not even inside.
  const inside = /\b(None|NaN|NaT|True|False|null|undefined)\b|<NA>/;
  for (const el of document.querySelectorAll("td, .card .value")) {
    const t = el.textContent.trim();
    if (bad.includes(t) || (el.matches("td.num, td.moment, .card .value") && inside.test(t))) {
      problems.push(`a ${el.tagName === "TD" ? "table cell" : "figure"} shows ${JSON.stringify(t)}`);
      break;
    }
  }
  const boxes = (root, selector, kind) => [...root.querySelectorAll(selector)].map((n) => [n, n.getBoundingClientRect(), kind])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const plot of document.querySelectorAll(".js-plotly-plot")) {
    const name = plot.id || plot.parentElement.dataset.chart || plot.parentElement.dataset.impactCategory ||
      plot.closest("figure")?.dataset.category || "?";
    const data = plot.data || [];
    // A trace's values: a list, a typed array, or Plotly's base64 encoding ({dtype, bdata}, as plotly.py 6 writes).
    const typed = { f8: Float64Array, f4: Float32Array, i4: Int32Array, i2: Int16Array, i1: Int8Array,
                    u4: Uint32Array, u2: Uint16Array, u1: Uint8Array };
    const decoded = (values) => {
      if (!values) return [];
      if (Array.isArray(values) || ArrayBuffer.isView(values)) return [...values];
      if (typeof values.bdata === "string" && typed[values.dtype]) {
        const bytes = Uint8Array.from(atob(values.bdata), (c) => c.charCodeAt(0));
        return [...new typed[values.dtype](bytes.buffer)];
      }
      return [];
    };
    const present = (values) => decoded(values).filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).length;
    const points = data.reduce((s, t) => s + (t.y ? present(t.y) : present(t.x)), 0);
    if (!points) problems.push(`a chart without data (${name})`);
    const layout = plot.layout || {};
    const ytitle = layout.yaxis && layout.yaxis.title && (layout.yaxis.title.text || layout.yaxis.title);
    const drawn = [...plot.querySelectorAll(".g-ytitle")].some((n) => n.textContent.trim());
    if (!ytitle || !drawn) problems.push(`a chart without a y-axis title (${name})`);
    // Text boxes that must not overlap one another: Plotly's own (titles, annotations, legend, toolbar, which
    // counts while it is transparent: it shows on hover), the caption of the figure holding the chart, and the tick
    // labels (which may only touch text of another kind: Plotly thins them along their own axis).
    const caption = plot.closest("figure")?.querySelector("figcaption");
    const texts = [
      ...boxes(plot, ".annotation-text, .gtitle, .g-xtitle, .g-ytitle, .legend .legendtext, .modebar", "text"),
      ...(caption ? [[caption, caption.getBoundingClientRect(), "caption"]] : []),
      ...boxes(plot, ".xaxislayer-above .xtick text", "xtick"), ...boxes(plot, ".yaxislayer-above .ytick text", "ytick"),
    ];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const [a, ra, ka] = texts[i], [b, rb, kb] = texts[j];
      if (ka === kb && ka !== "text") continue;
      if (overlap(ra, rb)) {
        problems.push(`overlapping text in a chart (${name}): "${a.textContent.slice(0, 30)}" and "${b.textContent.slice(0, 30)}"`);
      }
    }
    // a title Plotly draws itself must not sit under its toolbar
    const title = plot.querySelector(".gtitle");
    const bar = plot.querySelector(".modebar");
    if (title && bar && overlap(title.getBoundingClientRect(), bar.getBoundingClientRect())) problems.push("a chart title under the toolbar");
  }
  if (explained) {
    // Every figure says what it is: a card a line under its label (a .plain card is a count under a plain name),
    // a number column a tooltip on its header and an entry in the legend above its table.
    for (const card of document.querySelectorAll(".card:not(.plain)")) {
      if (shown(card) && !(card.querySelector(".explain")?.textContent || "").trim()) problems.push(`a figure without an explanation: ${describe(card)}`);
    }
    for (const th of document.querySelectorAll("table th.num")) {
      const table = th.closest("table");
      const legend = table.previousElementSibling;
      if (!th.title || !legend || !legend.matches("p.legend") || !legend.textContent.includes(th.textContent.replace(/ [▲▼]$/, ""))) {
        problems.push(`a column without an explanation: "${th.textContent}" of ${describe(table)}`);
      }
    }
  }
  return problems;
}
