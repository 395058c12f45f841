// The measurements of tests/page_checks.py, run in the page: a list of problems a person would notice.
(bad) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && getComputedStyle(el).position !== "fixed") {
      const scroller = el.closest(".table, .table-wrap, details");
      if (!scroller) { problems.push(`wider than the viewport: <${el.tagName.toLowerCase()} class="${el.className.baseVal ?? el.className}"> ends at ${Math.round(r.right)} px`); break; }
    }
  }
  for (const td of document.querySelectorAll("td")) {
    const t = td.textContent.trim();
    if (bad.includes(t)) { problems.push(`a table cell shows ${JSON.stringify(t)}`); break; }
  }
  const boxes = (root, selector) => [...root.querySelectorAll(selector)].map((n) => [n, n.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const plot of document.querySelectorAll(".js-plotly-plot")) {
    const data = plot.data || [];
    const points = data.reduce((s, t) => s + ((t.y && t.y.length) || (t.x && t.x.length) || 0), 0);
    if (!points) problems.push(`a chart without data (${plot.id || plot.parentElement.dataset.chart || "?"})`);
    const layout = plot.layout || {};
    const ytitle = layout.yaxis && layout.yaxis.title && (layout.yaxis.title.text || layout.yaxis.title);
    if (!ytitle) problems.push(`a chart without a y-axis title (${plot.id || plot.parentElement.dataset.chart || plot.parentElement.dataset.impactCategory || "?"})`);
    // text boxes that must not overlap one another
    const texts = boxes(plot, ".annotation-text, .gtitle, .g-xtitle, .g-ytitle, .legend .legendtext, .modebar");
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      if (overlap(texts[i][1], texts[j][1])) {
        problems.push(`overlapping text in a chart: "${texts[i][0].textContent.slice(0, 30)}" and "${texts[j][0].textContent.slice(0, 30)}"`);
      }
    }
    // a title Plotly draws itself must not sit under its toolbar
    const title = plot.querySelector(".gtitle");
    const bar = plot.querySelector(".modebar");
    if (title && bar && overlap(title.getBoundingClientRect(), bar.getBoundingClientRect())) problems.push("a chart title under the toolbar");
  }
  return problems;
}
