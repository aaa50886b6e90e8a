// gallra dashboard: plain JavaScript over gallra's JSON API, uPlot for the
// charts. Everything it shows is a sum of published aggregate rows; the
// filters live in the URL (?range=30d&f.path_template=/about), and a panel
// is filtered only when a grouping set holds both its dimension and the
// filters (otherwise it says so instead of showing numbers k cannot hold).
(() => {
  'use strict';

  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const $ = (sel) => document.querySelector(sel);
  const $$ = (sel) => [...document.querySelectorAll(sel)];

  const LABELS = {
    path_template: 'Page', referrer_domain: 'Referrer', browser: 'Browser', os: 'Operating system', device: 'Device',
    status: 'Status', status_class: 'Class', bot: 'Traffic', host: 'Site', method: 'Method', protocol: 'Protocol', port_class: 'Port', direction: 'Direction',
  };
  const VALUE_NAMES = { '(direct)': 'Direct (no referrer)', '(internal)': 'Internal', '(none)': 'Not recorded', '(invalid)': 'Unreadable', '(ip)': 'IP address', bot: 'Bots', human: 'Humans' };

  const state = {
    meta: null,
    token: sessionStorage.getItem('gallra-token') || '',
    metric: 'requests',
    interval: 'day',
    compare: true,
    charts: {},
    loading: 0,
    generation: 0,
  };

  // ------------------------------------------------------------ formatting

  const nf = new Intl.NumberFormat('en');
  const fmtInt = (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : nf.format(Math.round(n)));
  function fmtCompact(n) {
    if (n === null || n === undefined) return '–';
    const a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + ' G';
    if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + ' M';
    if (a >= 1e4) return (n / 1e3).toFixed(a >= 1e5 ? 0 : 1) + ' k';
    return nf.format(Math.round(n));
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    let v = n;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
  }
  const fmtPct = (x) => (x === null || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`);
  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
  const isoTime = (ms) => new Date(ms).toISOString().slice(0, 19) + 'Z';
  const valueName = (v) => (v in VALUE_NAMES ? VALUE_NAMES[v] : v);

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  // ------------------------------------------------------------ URL state

  const params = () => new URLSearchParams(location.search);
  function filters() {
    const f = {};
    for (const [k, v] of params()) if (k.startsWith('f.') && k.slice(2) in LABELS) f[k.slice(2)] = v;
    return f;
  }
  function setUrl(mutate) {
    const p = params();
    mutate(p);
    const q = p.toString();
    history.replaceState(null, '', q ? `?${q}` : location.pathname);
  }

  /** The range the URL asks for, as [from, to) in ms, and the labels the API takes. */
  function range() {
    const p = params();
    const ext = state.meta.extent;
    const last = ext.last ?? Date.now();
    const first = ext.first ?? last - 30 * DAY;
    const endDay = Math.ceil(last / DAY) * DAY;
    const preset = p.get('range') || (p.get('from') ? 'custom' : '30d');
    let from;
    let to;
    if (preset === 'custom' && p.get('from') && p.get('to')) {
      from = Date.parse(`${p.get('from')}T00:00:00Z`);
      to = Date.parse(`${p.get('to')}T00:00:00Z`) + DAY;
    } else if (preset === '1d') {
      to = Math.ceil(last / HOUR) * HOUR;
      from = to - DAY;
    } else if (preset === 'all') {
      from = Math.floor(first / DAY) * DAY;
      to = endDay;
    } else {
      const days = { '7d': 7, '30d': 30, '90d': 90, '6m': 183 }[preset] || 30;
      to = endDay;
      from = to - days * DAY;
    }
    if (!(to > from)) { to = endDay; from = to - 30 * DAY; }
    const hourly = to - from <= 2 * DAY;
    return { preset, from, to, api: { from: hourly ? isoTime(from) : isoDay(from), to: hourly ? isoTime(to) : isoDay(to) } };
  }

  // ------------------------------------------------------------ API

  async function askToken() {
    const dlg = $('#login');
    if (!dlg.open) dlg.showModal();
    await new Promise((resolve) => dlg.addEventListener('close', resolve, { once: true }));
    state.token = $('#token').value.trim();
    sessionStorage.setItem('gallra-token', state.token);
  }

  async function request(path, query, asText = false) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers = state.token ? { authorization: `Bearer ${state.token}` } : {};
      const r = await fetch(`${path}?${new URLSearchParams(query)}`, { headers });
      if (r.status === 401) { await askToken(); continue; }
      if (asText) {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.text();
      }
      const body = await r.json();
      if (!r.ok) {
        const e = new Error(body.error || `HTTP ${r.status}`);
        e.status = r.status;
        throw e;
      }
      return body;
    }
    throw new Error('not authorised');
  }

  /** The smallest grouping set holding `dims`, or null. */
  function setFor(dims) {
    let best = null;
    for (const s of state.meta.groupings) if (dims.every((d) => s.dims.includes(d)) && (best === null || s.dims.length < best.dims.length)) best = s;
    return best;
  }

  function withFilters(query, f) {
    const q = { ...query };
    for (const [d, v] of Object.entries(f)) q[`f.${d}`] = v;
    return q;
  }

  // ------------------------------------------------------------ CSV per panel

  function bindCsv(link, path, query) {
    link.onclick = async (ev) => {
      ev.preventDefault();
      const text = await request(path, { ...query, format: 'csv' }, true);
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = el('a', { href: url, download: `gallra-${link.closest('[data-panel],[id]')?.dataset.panel || link.dataset.csv || 'panel'}-${query.from}-${query.to}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    };
  }

  // ------------------------------------------------------------ KPIs

  function delta(id, cur, prev, upIsGood) {
    const d = $(id);
    d.replaceChildren();
    if (prev === null || prev === undefined || cur === null || cur === undefined) return;
    if (prev === 0) { d.textContent = cur === 0 ? 'no change' : 'new in this period'; return; }
    const change = (cur - prev) / prev;
    const up = change >= 0;
    const good = Math.abs(change) < 0.005 ? '' : up === upIsGood ? 'good' : 'bad';
    d.append(el('span', { class: `${up ? 'up' : 'down'} ${good}`, text: `${up ? '▲' : '▼'} ${Math.abs(change * 100).toFixed(1)} %` }), ' vs previous period');
  }

  async function loadKpis(r, f) {
    const set = setFor(Object.keys(f));
    if (set === null) {
      for (const k of ['requests', 'visitors', 'bytes', 'e4', 'e5']) { $(`#kpi-${k}`).textContent = '–'; $(`#kpi-${k}-delta`).textContent = 'not available with these filters'; }
      return;
    }
    const k = await request('/api/kpi', withFilters(r.api, f));
    const c = k.current;
    const p = k.previous;
    $('#kpi-requests').textContent = fmtInt(c.requests);
    delta('#kpi-requests-delta', c.requests, p.requests, true);
    $('#kpi-visitors').textContent = c.visitors_per_day === null ? '–' : fmtInt(c.visitors_per_day);
    delta('#kpi-visitors-delta', c.visitors_per_day, p.visitors_per_day, true);
    $('#kpi-bytes').textContent = fmtBytes(c.bytes);
    delta('#kpi-bytes-delta', c.bytes, p.bytes, true);
    const share = (n, d) => (d > 0 ? n / d : null);
    $('#kpi-e4').textContent = fmtPct(share(c.errors_4xx, c.requests));
    delta('#kpi-e4-delta', share(c.errors_4xx, c.requests), share(p.errors_4xx, p.requests), false);
    $('#kpi-e5').textContent = fmtPct(share(c.errors_5xx, c.requests));
    delta('#kpi-e5-delta', share(c.errors_5xx, c.requests), share(p.errors_5xx, p.requests), false);
    $('#kpi-e4').title = `${fmtInt(c.errors_4xx)} requests`;
    $('#kpi-e5').title = `${fmtInt(c.errors_5xx)} requests`;
  }

  // ------------------------------------------------------------ charts

  function chart(key, container, xs, cur, prev, label, format, height) {
    state.charts[key]?.destroy();
    container.replaceChildren();
    if (xs.length === 0) { container.append(el('div', { class: 'empty', text: 'No data in this period.' })); return; }
    const width = Math.max(280, container.clientWidth);
    const series = [{}, { label, stroke: '#2f6fde', width: 2, fill: 'rgba(47,111,222,0.08)', value: (_u, v) => (v === null ? '–' : format(v)) }];
    const data = [xs, cur];
    if (prev !== null) {
      series.push({ label: 'previous period', stroke: '#9aa5b8', width: 1.5, dash: [6, 4], value: (_u, v) => (v === null ? '–' : format(v)) });
      data.push(prev);
    }
    state.charts[key] = new uPlot({
      width,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      series,
      axes: [{ stroke: '#5f6b7e', grid: { stroke: '#eef1f6' } }, { stroke: '#5f6b7e', grid: { stroke: '#eef1f6' }, size: 64, values: (_u, ticks) => ticks.map((t) => format(t)) }],
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    }, data, container);
    // What the chart shows, for people with assistive technology and for the browser test.
    container.dataset.points = String(cur.filter((v) => v !== null).length);
    container.dataset.total = String(cur.reduce((a, v) => a + (v ?? 0), 0));
  }

  /** Current points with the previous period's laid over them, bucket by bucket. */
  function align(points, previous) {
    const xs = points.map(([t]) => t / 1000);
    const cur = points.map(([, v]) => v);
    const prev = points.map((_p, i) => (i < previous.length ? previous[i][1] : null));
    return { xs, cur, prev };
  }

  const METRIC_NAMES = { requests: 'requests', visitors: 'visitors', bytes: 'bandwidth', errors_4xx: '4xx responses', errors_5xx: '5xx responses', users: 'users' };

  async function loadSeries(r, f) {
    const box = $('#chart');
    const note = $('#series-note');
    const set = setFor(Object.keys(f));
    const link = $('#panel-series a.csv');
    if (set === null) { box.replaceChildren(el('div', { class: 'unavailable', text: 'Not available with these filters: no grouping set holds them together.' })); return; }
    const query = withFilters({ ...r.api, metric: state.metric, interval: state.interval }, f);
    bindCsv(link, '/api/series', query);
    const s = await request('/api/series', query);
    const { xs, cur, prev } = align(s.points, s.previous);
    const format = state.metric === 'bytes' ? fmtBytes : fmtCompact;
    chart('series', box, xs, cur, state.compare ? prev : null, METRIC_NAMES[state.metric], format, 300);
    const notes = [];
    if (state.metric === 'visitors') {
      if (s.source === 'daily average') notes.push('Visitors per week are shown as the average distinct visitors per day: a visitor id changes with each salt epoch, so distinct visitors over a week cannot be counted.');
      else if (s.source === 'none') notes.push(Object.keys(f).length > 0 ? 'Distinct visitors cannot be shown for this filter: its grouping set has more dimensions than the filter pins, and adding rows would count a visitor once per row.' : 'Distinct visitors per hour are kept only when the window is one hour.');
      else notes.push(`Distinct visitors per ${s.source === 'window' ? 'hour' : s.source}, counted in the stream.`);
    }
    if (Object.keys(f).length > 0) notes.push(`From grouping set “${s.grouping}”: periods where a filtered value had fewer than ${state.meta.k} visitors are in (other), not in this line.`);
    note.textContent = notes.join(' ');
  }

  async function loadBandwidth(r, f) {
    const box = $('#bandwidth');
    const set = setFor(Object.keys(f));
    if (set === null) { box.replaceChildren(el('div', { class: 'unavailable', text: 'Not available with these filters.' })); return; }
    const interval = r.to - r.from <= 2 * DAY ? 'hour' : r.to - r.from > 120 * DAY ? 'week' : 'day';
    const query = withFilters({ ...r.api, metric: 'bytes', interval }, f);
    bindCsv($('#panel-bandwidth a.csv'), '/api/series', query);
    const s = await request('/api/series', query);
    const { xs, cur } = align(s.points, []);
    chart('bandwidth', box, xs, cur, null, 'bytes', fmtBytes, 180);
  }

  // ------------------------------------------------------------ heatmap

  async function loadHeatmap(r, f) {
    const box = $('#heatmap');
    const set = setFor(Object.keys(f));
    if (set === null) { box.replaceChildren(el('div', { class: 'unavailable', text: 'Not available with these filters.' })); return; }
    const query = withFilters(r.api, f);
    bindCsv($('#panel-heatmap a.csv'), '/api/heatmap', query);
    const h = await request('/api/heatmap', query);
    const grid = Array.from({ length: 7 }, () => new Array(24).fill(0));
    let max = 0;
    for (const [d, hr, n] of h.cells) { grid[d][hr] += n; max = Math.max(max, grid[d][hr]); }
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const heat = el('div', { class: 'heat' });
    heat.append(el('span'));
    for (let hr = 0; hr < 24; hr++) heat.append(el('span', { class: 'hr', text: hr % 3 === 0 ? String(hr).padStart(2, '0') : '' }));
    for (let d = 0; d < 7; d++) {
      heat.append(el('span', { class: 'lbl', text: days[d] }));
      for (let hr = 0; hr < 24; hr++) {
        const v = grid[d][hr];
        const c = el('span', { class: 'cell', title: `${days[d]} ${String(hr).padStart(2, '0')}:00 UTC — ${fmtInt(v)} requests` });
        if (max > 0 && v > 0) c.style.background = `rgba(47, 111, 222, ${(0.08 + 0.92 * (v / max)).toFixed(3)})`;
        heat.append(c);
      }
    }
    box.replaceChildren(heat);
  }

  // ------------------------------------------------------------ top-N panels

  const PANELS = {
    path_template: { dim: 'path_template' },
    notfound: { dim: 'path_template', fixed: { status: '404' } },
    referrer_domain: { dim: 'referrer_domain' },
    browser: { dim: 'browser' },
    os: { dim: 'os' },
    device: { dim: 'device' },
    status: { dim: 'status' },
    bot: { dim: 'bot' },
    host: { dim: 'host' },
    method: { dim: 'method' },
  };

  async function loadPanel(card, r, f) {
    const spec = PANELS[card.dataset.panel];
    const body = card.querySelector('.body');
    const link = card.querySelector('a.csv');
    const own = { ...f };
    for (const [d, v] of Object.entries(spec.fixed || {})) {
      if (own[d] !== undefined && own[d] !== v) {
        body.replaceChildren(el('div', { class: 'unavailable', text: `Not shown: the filter ${LABELS[d]} = ${valueName(own[d])} excludes it.` }));
        link.hidden = true;
        return;
      }
      own[d] = v;
    }
    const dims = [...new Set([...Object.keys(own), spec.dim])];
    const set = setFor(dims);
    if (set === null) {
      const wanted = dims.map((d) => LABELS[d] || d).join(' + ');
      body.replaceChildren(el('div', { class: 'unavailable', text: `Not available ${Object.keys(f).length > 0 ? 'with this filter' : ''}: no grouping set holds ${wanted} together, so k could not be held. Add [${dims.join(', ')}] to aggregates.groupings to see it.` }));
      card.classList.add('off');
      link.hidden = true;
      return;
    }
    card.classList.remove('off');
    link.hidden = false;
    const query = withFilters({ ...r.api, dim: spec.dim, limit: 10 }, own);
    bindCsv(link, '/api/top', query);
    const t = await request('/api/top', query);
    const table = el('table', { class: 'toplist' });
    table.append(el('thead', {}, el('tr', {}, el('th', { text: LABELS[spec.dim] }), el('th', { class: 'num', text: 'Requests' }), el('th', { class: 'num', text: 'Share' }))));
    const tbody = el('tbody');
    const maxReq = Math.max(1, ...t.rows.map((x) => x.requests), t.other.requests);
    const active = f[spec.dim];
    for (const row of t.rows) {
      const bar = el('div', { class: 'bar' });
      bar.style.width = `${((row.requests / maxReq) * 100).toFixed(1)}%`;
      const change = row.previous_requests > 0 ? (row.requests - row.previous_requests) / row.previous_requests : null;
      const tr = el(
        'tr',
        { class: `row${active === row.value ? ' active' : ''}`, 'data-value': row.value, title: `${valueName(row.value)} — ${fmtInt(row.requests)} requests${change === null ? '' : `, ${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)} % vs previous period`}. Click to filter.` },
        el('td', { class: 'label' }, bar, el('span', { text: valueName(row.value) })),
        el('td', { class: 'num', text: fmtCompact(row.requests) }),
        el('td', { class: 'num dim', text: fmtPct(row.share) }),
      );
      // Only filters the store can answer are offered: this panel's own set holds this dimension.
      tr.addEventListener('click', () => toggleFilter(spec.dim, row.value));
      tbody.append(tr);
    }
    if (t.other.requests > 0) {
      tbody.append(
        el(
          'tr',
          { class: 'other', title: `Groups with fewer than ${t.k} distinct visitors in a window, folded together so that none of them can be told apart.` },
          el('td', { class: 'label' }, el('span', { text: `(other) — fewer than ${t.k} visitors` })),
          el('td', { class: 'num', text: fmtCompact(t.other.requests) }),
          el('td', { class: 'num dim', text: fmtPct(t.other.share) }),
        ),
      );
    }
    if (t.rows.length === 0 && t.other.requests === 0) tbody.append(el('tr', {}, el('td', { class: 'empty', colSpan: 3, text: 'No data in this period.' })));
    table.append(tbody);
    body.replaceChildren(table);
  }

  function toggleFilter(dim, value) {
    setUrl((p) => {
      if (p.get(`f.${dim}`) === value) p.delete(`f.${dim}`);
      else p.set(`f.${dim}`, value);
    });
    loadAll();
  }

  // ------------------------------------------------------------ context line

  function renderContext(f) {
    const box = $('#filters');
    box.replaceChildren();
    const entries = Object.entries(f);
    for (const [d, v] of entries) {
      const x = el('button', { type: 'button', title: 'Remove this filter', text: '×' });
      x.addEventListener('click', () => toggleFilter(d, v));
      box.append(el('span', { class: 'chip', 'data-filter': d }, `${LABELS[d] || d}: `, el('b', { text: valueName(v) }), x));
    }
    if (entries.length > 0) {
      const set = setFor(Object.keys(f));
      box.append(el('span', { class: 'hint', text: set === null ? 'No grouping set holds these filters together.' : `Filtered from grouping set “${set.name}”; other panels say when they cannot be filtered.` }));
    }
    const m = state.meta;
    const privacy = $('#privacy');
    privacy.replaceChildren(
      'Every figure is a sum of anonymous aggregates. Groups of fewer than ',
      el('b', { text: `k = ${m.k}` }),
      ' distinct visitors per window are folded into “(other)”. A click on a row filters the panels whose grouping set holds that dimension.',
      m.noise ? ' Counts carry random noise (differential privacy).' : '',
    );
  }

  // ------------------------------------------------------------ loading

  async function loadAll() {
    const gen = ++state.generation;
    document.body.dataset.ready = '0';
    const r = range();
    const f = filters();
    $('#preset').value = r.preset;
    $('#custom-range').hidden = r.preset !== 'custom';
    $('#from').value = isoDay(r.from);
    $('#to').value = isoDay(r.to - DAY);
    renderContext(f);
    const ext = state.meta.extent;
    $('#extent').textContent = ext.first === null ? 'No data yet.' : `Data from ${isoDay(ext.first)} to ${isoDay(ext.last - 1)} (UTC) · window ${state.meta.window_ms / 60000} min`;
    const jobs = [
      ['#panel-series', () => loadSeries(r, f)],
      ['#panel-bandwidth', () => loadBandwidth(r, f)],
      ['#panel-heatmap', () => loadHeatmap(r, f)],
      ['.kpis', () => loadKpis(r, f)],
      ...$$('.panel').map((card) => [card, () => loadPanel(card, r, f)]),
    ];
    await Promise.all(
      jobs.map(async ([where, job]) => {
        const box = typeof where === 'string' ? $(where) : where;
        box.classList.add('loading');
        try {
          await job();
        } catch (e) {
          if (gen !== state.generation) return;
          const target = box.querySelector('.body') || box.querySelector('.chart') || box;
          if (target !== box) target.replaceChildren(el('div', { class: 'error', text: `Could not load: ${e.message}` }));
          console.warn('panel failed', e.message);
        } finally {
          box.classList.remove('loading');
        }
      }),
    );
    if (gen === state.generation) document.body.dataset.ready = '1';
  }

  function bindControls() {
    $('#preset').addEventListener('change', () => {
      const v = $('#preset').value;
      if (v === 'custom') {
        $('#custom-range').hidden = false;
        const r = range();
        setUrl((p) => { p.delete('range'); p.set('from', isoDay(r.from)); p.set('to', isoDay(r.to - DAY)); });
      } else {
        setUrl((p) => { p.set('range', v); p.delete('from'); p.delete('to'); });
        if (v === '1d') state.interval = 'hour';
        else if (state.interval === 'hour') state.interval = 'day';
        $('#interval').value = state.interval;
      }
      loadAll();
    });
    for (const id of ['#from', '#to']) {
      $(id).addEventListener('change', () => {
        if (!$('#from').value || !$('#to').value) return;
        setUrl((p) => { p.delete('range'); p.set('from', $('#from').value); p.set('to', $('#to').value); });
        loadAll();
      });
    }
    $('#metric').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-metric]');
      if (!b) return;
      state.metric = b.dataset.metric;
      for (const x of $$('#metric button')) x.classList.toggle('on', x === b);
      setUrl((p) => p.set('metric', state.metric));
      loadSeries(range(), filters()).catch((e) => console.warn(e.message));
    });
    $('#interval').addEventListener('change', () => {
      state.interval = $('#interval').value;
      setUrl((p) => p.set('interval', state.interval));
      loadSeries(range(), filters()).catch((e) => console.warn(e.message));
    });
    $('#compare').addEventListener('change', () => {
      state.compare = $('#compare').checked;
      loadSeries(range(), filters()).catch((e) => console.warn(e.message));
    });
    $('#refresh').addEventListener('click', () => loadAll());
    setInterval(() => {
      if ($('#autorefresh').checked && document.body.dataset.ready === '1' && document.visibilityState === 'visible') loadAll();
    }, 60_000);
    let resizeTimer;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => loadAll(), 250);
    });
  }

  async function start() {
    const p = params();
    if (p.get('metric') in METRIC_NAMES) state.metric = p.get('metric');
    if (['hour', 'day', 'week', 'month'].includes(p.get('interval'))) state.interval = p.get('interval');
    for (const x of $$('#metric button')) x.classList.toggle('on', x.dataset.metric === state.metric);
    $('#interval').value = state.interval;
    state.meta = await request('/api/meta', {});
    bindControls();
    await loadAll();
  }

  start().catch((e) => {
    document.body.dataset.error = String(e.message || e);
    $('#privacy').textContent = `The dashboard could not start: ${e.message}`;
  });
})();
