// Small SVG bar charts of the CDRs of a window, drawn here (no chart library needed for bars).
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A labelled bar chart of [label, value] pairs; its numbers are also in a table for screen readers. */
export function barChart(title, pairs, format = v => String(v)) {
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const width = 640, height = 200, left = 40, bottom = 40;
  const max = Math.max(0, ...pairs.map(p => p[1])) || 1;
  const step = pairs.length ? Math.min(80, (width - left) / pairs.length) : 0;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  chart.append(svg('text', { x: 2, y: 12 }, format(max)), svg('text', { x: 2, y: height - bottom }, '0'));
  pairs.forEach(([label, value], i) => {
    const barHeight = (height - bottom - 16) * value / max;
    const bar = svg('rect', { class: 'bar', x: left + i * step + 1, y: height - bottom - barHeight, width: Math.max(1, step - 2), height: barHeight });
    bar.append(svg('title', {}, `${label}: ${format(value)}`));
    chart.append(bar);
    if (pairs.length <= 12 || i % Math.ceil(pairs.length / 12) === 0) {
      chart.append(svg('text', { x: left + i * step, y: height - bottom + 14 }, label));
    }
  });
  if (!pairs.length) chart.append(svg('text', { x: left, y: height / 2 }, 'no calls in this window'));
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Numbers';
  const table = document.createElement('table');
  for (const [label, value] of pairs) {
    const row = table.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = format(value);
  }
  details.append(summary, table);
  figure.append(caption, chart, details);
  return figure;
}

/** Calls per second (by minute), ASR and ACD per trunk, failures by SIP status, from the window's CDRs. */
export function callCharts(cdrs, from, to) {
  const minutes = Math.max(1, Math.round((to - from) / 60000));
  const perMinute = new Array(minutes).fill(0);
  const trunks = new Map();
  const failures = new Map();
  for (const c of cdrs) {
    const started = Date.parse(c.startedAt);
    const slot = Math.floor((started - from) / 60000);
    if (slot >= 0 && slot < minutes) perMinute[slot]++;
    const trunk = c.trunkId || '(none)';
    const t = trunks.get(trunk) || { calls: 0, answered: 0, answeredMillis: 0 };
    t.calls++;
    if (c.disposition === 'ANSWERED') { t.answered++; t.answeredMillis += c.durationMillis || 0; }
    trunks.set(trunk, t);
    if (c.disposition !== 'ANSWERED') failures.set(String(c.sipStatus || c.disposition), (failures.get(String(c.sipStatus || c.disposition)) || 0) + 1);
  }
  const time = i => new Date(from.getTime() + i * 60000).toISOString().slice(11, 16);
  const byTrunk = [...trunks.entries()].sort();
  return [
    barChart('Calls per second (by minute)', perMinute.map((n, i) => [time(i), n / 60]), v => v.toFixed(2)),
    barChart('Answer-seizure ratio per trunk', byTrunk.map(([id, t]) => [id, t.answered / t.calls]), v => Math.round(v * 100) + ' %'),
    barChart('Average call duration per trunk', byTrunk.map(([id, t]) => [id, t.answered ? t.answeredMillis / t.answered / 1000 : 0]), v => v.toFixed(1) + ' s'),
    barChart('Failures by status', [...failures.entries()].sort(), v => String(v)),
  ];
}
