// The floe dev status page: fetches /api/status and refreshes on every server-sent event.

const $ = (selector) => document.querySelector(selector);
let chart;

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function fill(tableId, rows, toCells, emptyText) {
  const body = $(`#${tableId} tbody`);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(emptyText, 'empty');
    td.colSpan = $(`#${tableId} thead tr`).children.length;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const row of rows) {
    const tr = document.createElement('tr');
    tr.append(...toCells(row));
    body.append(tr);
  }
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');
const latency = (ms) =>
  ms >= 10000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;

function render(status) {
  fill(
    'tables',
    status.tables,
    (t) => [
      cell(t.table),
      cell(t.rows.toLocaleString(), 'num'),
      cell(t.files, 'num'),
      cell(t.snapshots, 'num'),
      cell(t.lastCommit ? new Date(t.lastCommit).toLocaleString() : '—'),
    ],
    'no tables yet: drop a file into the landing directory',
  );
  fill(
    'recent',
    status.recent,
    (r) => {
      return [
        cell(time(r.recorded_at)),
        cell(r.key),
        cell(r.target_table),
        cell(r.outcome, `outcome-${r.outcome}`),
        cell(r.rows, 'num'),
        cell(latency(r.latency_ms), 'num'),
      ];
    },
    'no files yet',
  );
  for (const tr of $('#recent tbody').children) tr.dataset.key = tr.children[1]?.textContent ?? '';
  fill(
    'rejected',
    status.rejected,
    (r) => {
      const report = document.createElement('td');
      if (r.error_report) {
        const a = document.createElement('a');
        a.href = `/report?path=${encodeURIComponent(r.error_report)}`;
        a.textContent = 'report';
        report.append(a);
      }
      return [
        cell(r.key),
        cell(r.target_table),
        cell(r.line, 'num'),
        cell(r.column),
        cell(r.value),
        cell(r.reason, 'reason'),
        report,
      ];
    },
    'no rejected files',
  );
  drawChart(status.series);
}

function drawChart(series) {
  const data = [series.minute, series.rows, series.latencyMs];
  if (chart) {
    chart.setData(data);
    return;
  }
  const width = Math.max(320, $('#chart').clientWidth || 800);
  chart = new uPlot(
    {
      width,
      height: 220,
      series: [
        {},
        { label: 'rows / min', stroke: '#2563eb', fill: 'rgba(37,99,235,0.1)', points: { show: false } },
        { label: 'latency (ms)', stroke: '#f97316', scale: 'ms', spanGaps: true },
      ],
      axes: [{}, { label: 'rows' }, { side: 1, scale: 'ms', label: 'ms', grid: { show: false } }],
    },
    data,
    $('#chart'),
  );
}

async function refresh() {
  const response = await fetch('/api/status', { cache: 'no-store' });
  if (response.ok) render(await response.json());
}

let pending;
function scheduleRefresh() {
  // Coalesce a burst of events into one fetch.
  if (pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    refresh().catch(() => {});
  }, 150);
}

const stream = new EventSource('/api/stream');
stream.addEventListener('open', () => {
  $('#live').textContent = 'live';
  $('#live').classList.add('on');
  scheduleRefresh();
});
stream.addEventListener('error', () => {
  $('#live').textContent = 'reconnecting…';
  $('#live').classList.remove('on');
});
stream.addEventListener('update', scheduleRefresh);
refresh().catch(() => {});
