/**
 * The dashboard page, kept as strings so that it ships inside the compiled code with nothing to copy. The
 * script is plain browser JavaScript: it reads a snapshot from the event stream, applies deltas, and draws
 * with uPlot (served by the same server). When the stream drops (training process ended) the page keeps
 * what it has.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tapfit dashboard</title>
<link rel="stylesheet" href="/uplot.css">
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header>
  <h1 id="title">tapfit</h1>
  <span id="state" class="badge waiting">waiting</span>
  <span id="position"></span>
  <span id="timing"></span>
  <span id="connection"></span>
</header>
<p id="message" hidden></p>
<main>
  <section class="charts">
    <div class="chart" id="chart-loss"></div>
    <div class="chart" id="chart-epoch-loss"></div>
    <div class="chart" id="chart-metrics"></div>
    <div class="chart" id="chart-lr"></div>
    <div class="chart" id="chart-mom"></div>
    <div class="chart" id="chart-other-hps"></div>
  </section>
  <section>
    <h2>Epochs</h2>
    <table id="epochs"><thead></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Plugin order</h2>
    <table id="order"><thead><tr><th>event</th><th>plugins, in the order they run</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script src="/uplot.js"></script>
<script src="/dashboard.js"></script>
</body>
</html>
`;

export const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { display: flex; gap: 1em; align-items: baseline; padding: 0.6em 1em; background: #fff; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
h1 { font-size: 1.2em; margin: 0; }
h2 { font-size: 1em; margin: 1em 0 0.4em; }
main { padding: 0 1em 2em; }
.badge { padding: 0.1em 0.6em; border-radius: 1em; color: #fff; font-weight: 600; }
.badge.waiting { background: #888; } .badge.running { background: #1f77b4; } .badge.finished { background: #2ca02c; }
.badge.cancelled { background: #d4a017; } .badge.failed { background: #d62728; }
#message { margin: 0.6em 1em; padding: 0.5em 0.8em; background: #fff3f3; border-left: 4px solid #d62728; white-space: pre-wrap; }
#connection { color: #888; margin-left: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1em; margin-top: 1em; }
.chart { background: #fff; border: 1px solid #e3e3e3; padding: 0.3em; min-height: 40px; }
.chart:empty { display: none; }
table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e3e3e3; padding: 0.2em 0.7em; text-align: right; }
#order td, #order th { text-align: left; }
`;

export const PAGE_JS = String.raw`(function () {
  'use strict';
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var S = null;
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };

  function fmtTime(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    var pad = function (x) { return (x < 10 ? '0' : '') + x; };
    return (h ? h + ':' + pad(m) : pad(m)) + ':' + pad(sec);
  }
  function cell(v, col) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    return col === 0 ? String(v) : v.toFixed(6);
  }
  function range(n, start) { var a = new Array(n); for (var i = 0; i < n; i++) a[i] = i + start; return a; }
  function countPoints(values) { var n = 0; for (var i = 0; i < values.length; i++) if (values[i] !== null && values[i] !== undefined) n++; return n; }

  /** Draw (or update) one uPlot chart: xs and series [{label, values, points}]; none when there is nothing to show. */
  function chart(id, title, xLabel, xs, series) {
    var el = $(id);
    series = series.filter(function (s) { return countPoints(s.values) > 0; });
    if (!series.length) {
      if (charts[id]) { charts[id].plot.destroy(); delete charts[id]; }
      el.innerHTML = '';
      el.removeAttribute('data-points');
      return;
    }
    var key = title + '|' + series.map(function (s) { return s.label; }).join('|');
    var data = [xs].concat(series.map(function (s) { return s.values; }));
    var width = Math.max(300, el.clientWidth - 8 || 460);
    if (!charts[id] || charts[id].key !== key) {
      if (charts[id]) charts[id].plot.destroy();
      el.innerHTML = '';
      var opts = {
        title: title, width: width, height: 260,
        scales: { x: { time: false } },
        // Batches and epochs are whole numbers: no ticks between them.
        axes: [{ label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] }, {}],
        series: [{ label: xLabel }].concat(series.map(function (s, i) {
          return { label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true,
                   points: { show: s.points ? true : undefined, size: 6 } };
        })),
      };
      charts[id] = { key: key, plot: new uPlot(opts, data, el) };
    } else {
      charts[id].plot.setData(data);
    }
    el.setAttribute('data-points', String(countPoints(series[0].values)));
    el.setAttribute('data-series', series.map(function (s) { return s.label; }).join(','));
  }

  function column(name) { return S.metricNames.indexOf(name); }

  function drawCharts() {
    var n = S.losses.length;
    var batches = range(n, 1);
    // The valid loss sits at the last training batch of each epoch, as in fastai's plot_loss.
    var validAtBatch = new Array(n).fill(null);
    var vc = column('valid_loss');
    S.rows.forEach(function (row, e) {
      var at = S.iters[e];
      if (vc > 0 && at >= 1 && at <= n && typeof row[vc] === 'number') validAtBatch[at - 1] = row[vc];
    });
    chart('chart-loss', 'Loss per batch', 'batch', batches, [
      { label: 'train (smoothed)', values: S.losses },
      { label: 'valid', values: validAtBatch, points: true },
    ]);
    var epochs = S.rows.map(function (row) { return row[0]; });
    var byName = function (name) { var c = column(name); return S.rows.map(function (row) { return typeof row[c] === 'number' ? row[c] : null; }); };
    var losses = S.metricNames.filter(function (m) { return /(^|_)loss$/.test(m) && m !== 'epoch'; });
    chart('chart-epoch-loss', 'Loss per epoch', 'epoch', epochs, losses.map(function (m) { return { label: m, values: byName(m), points: true }; }));
    var metrics = S.metricNames.filter(function (m) { return m !== 'epoch' && m !== 'time' && losses.indexOf(m) < 0; });
    chart('chart-metrics', 'Metrics per epoch', 'epoch', epochs, metrics.map(function (m) { return { label: m, values: byName(m), points: true }; }));
    var hp = function (k) { return (S.hps[k] || []).slice(0, n); };
    chart('chart-lr', 'Learning rate', 'batch', batches, [{ label: 'lr', values: hp('lr') }]);
    chart('chart-mom', 'Momentum', 'batch', batches, [{ label: 'mom', values: hp('mom') }]);
    var others = Object.keys(S.hps).filter(function (k) {
      if (k === 'lr' || k === 'mom') return false;
      var seen = {}; hp(k).forEach(function (v) { seen[v] = 1; });
      return Object.keys(seen).length > 1;
    });
    chart('chart-other-hps', 'Other scheduled hyper-parameters', 'batch', batches, others.map(function (k) { return { label: k, values: hp(k) }; }));
  }

  function drawStatus() {
    var st = S.status;
    $('title').textContent = S.title;
    document.title = S.title + ' · ' + st.state;
    var badge = $('state');
    badge.textContent = st.state;
    badge.className = 'badge ' + st.state;
    $('position').textContent = st.state === 'running' && st.phase
      ? 'epoch ' + (st.epoch + 1) + '/' + st.nEpoch + ' · ' + st.phase + ' batch ' + st.iter + '/' + st.nIter
      : 'epochs ' + S.rows.length + '/' + st.nEpoch;
    $('timing').textContent = 'elapsed ' + fmtTime(st.elapsed) + (st.state === 'running' ? ' · ETA ' + fmtTime(st.eta) : '');
    var msg = $('message');
    msg.hidden = !st.message;
    msg.textContent = st.message || '';
  }

  function drawTable() {
    var thead = $('epochs').tHead, tbody = $('epochs').tBodies[0];
    thead.innerHTML = '';
    var tr = thead.insertRow();
    S.metricNames.forEach(function (name) { var th = document.createElement('th'); th.textContent = name; tr.appendChild(th); });
    while (tbody.rows.length > S.rows.length) tbody.deleteRow(-1);
    S.rows.forEach(function (row, r) {
      var line = tbody.rows[r] || tbody.insertRow();
      line.innerHTML = '';
      row.forEach(function (v, c) { line.insertCell().textContent = cell(v, c); });
    });
  }

  function drawOrder() {
    var tbody = $('order').tBodies[0];
    tbody.innerHTML = '';
    S.order.forEach(function (e) {
      var tr = tbody.insertRow();
      tr.insertCell().textContent = e.event;
      tr.insertCell().textContent = e.taps.join(' → ');
    });
  }

  function render() {
    drawStatus();
    drawCharts();
    drawTable();
    drawOrder();
    document.body.setAttribute('data-run', String(S.run));
    document.body.setAttribute('data-state', S.status.state);
  }

  function apply(d) {
    S.status = d.status;
    S.losses.length = Math.min(S.losses.length, d.from);
    Array.prototype.push.apply(S.losses, d.losses);
    Object.keys(d.hps).forEach(function (k) {
      var series = S.hps[k] || (S.hps[k] = new Array(d.from).fill(null));
      series.length = Math.min(series.length, d.from);
      while (series.length < d.from) series.push(null);
      Array.prototype.push.apply(series, d.hps[k]);
    });
    S.rows.length = Math.min(S.rows.length, d.rowsFrom);
    Array.prototype.push.apply(S.rows, d.rows);
    S.iters = d.iters;
  }

  var source = new EventSource('/events');
  source.addEventListener('snapshot', function (ev) {
    S = JSON.parse(ev.data);
    $('connection').textContent = 'live';
    render();
  });
  source.addEventListener('delta', function (ev) {
    var d = JSON.parse(ev.data);
    if (!S || d.run !== S.run) return; // a snapshot of the new run follows
    apply(d);
    render();
  });
  source.onerror = function () {
    // The training process ended (or restarts): keep the page as it is; EventSource retries by itself.
    $('connection').textContent = S ? 'disconnected: showing the last state received' : 'connecting…';
  };
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) {
      var el = $(id);
      charts[id].plot.setSize({ width: Math.max(300, el.clientWidth - 8), height: 260 });
    });
  });
})();
`;
