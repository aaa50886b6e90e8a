#!/usr/bin/env node
// The dashboard API over six months of hourly aggregates for one site:
// 4,392 hourly windows × ~320 rows (1 total, 2 hosts, 10 statuses, 200 path
// templates, 60 status×path, 30 referrers, 40 browser/os/device/bot, 6
// methods, each with its (other)), plus the day and month rollups —
// ~1.4 M rows, published as 183 daily Parquet partitions per table, exactly
// as the duckdb store writes them.
//
// `gallra serve` (the CLI, as an operator runs it) serves them; every
// dashboard request is timed over HTTP on a warm server: each endpoint
// alone (median and 95th percentile of R), and the whole dashboard (its 17
// requests at once, as the page sends them). For comparison, the same SQL
// straight over the partitions (what `gallra serve` would do without its
// cache) and over the database file (what `gallra run` serves from).
//
//   node bench/aggregate-api.mjs [--runs R] [--keep]
//
// Figures in bench/RESULTS.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTable } from '../dist/stores/duckdb/sql.js';
import { openReader } from '../dist/stores/duckdb/reader.js';
import { aggregateSettings } from '../dist/aggregate/config.js';
import * as Q from '../dist/server/queries.js';
import { gallraBin, machine, option } from './harness.mjs';

const runs = Number(option('--runs', '25'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-apibench-'));
const DAYS = 183;
const END = Date.UTC(2026, 11, 1);
const START = END - DAYS * 86_400_000;
const db = path.join(work, 'agg.duckdb');
const pq = path.join(work, 'agg-parquet');
const ms = (t) => performance.now() - t;

// ---------------------------------------------------------------- data

console.error(`generating six months of hourly aggregates in ${work} …`);
let t = performance.now();
{
  const inst = await DuckDBInstance.create(db, { threads: '2' });
  const c = await inst.connect();
  for (const table of ['aggregates', 'aggregates_day', 'aggregates_month']) await c.run(createTable(table));
  // The rows of one window: (grouping, dims…, weight); weights sum to 1 per grouping.
  await c.run(`CREATE TEMP TABLE dims AS
    SELECT 'total' AS g, NULL AS host, NULL AS method, NULL AS status_class, NULL AS status, NULL AS path_template, NULL AS referrer_domain, NULL AS browser, NULL AS os, NULL AS device, NULL AS bot, 1.0 AS w0
    UNION ALL SELECT 'host', ['www.example.org', 'shop.example.org'][i + 1], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1.0 / (i + 1) FROM range(2) t(i)
    UNION ALL SELECT 'status_class,status', NULL, NULL, (s // 100) || 'xx', CAST(s AS VARCHAR), NULL, NULL, NULL, NULL, NULL, NULL, 1.0 / (i + 1)
      FROM (SELECT i, [200, 304, 301, 404, 302, 500, 403, 206, 503, 400][i + 1] AS s FROM range(10) t(i))
    UNION ALL SELECT 'path_template', NULL, NULL, NULL, NULL, CASE WHEN i = 199 THEN '(other)' ELSE '/section' || (i % 17) || '/page-' || i || '/{id}' END, NULL, NULL, NULL, NULL, NULL, 1.0 / (i + 1) FROM range(200) t(i)
    UNION ALL SELECT 'status,path_template', NULL, NULL, NULL, CASE WHEN i = 59 THEN '(other)' ELSE ['200', '404', '500'][i % 3 + 1] END, CASE WHEN i = 59 THEN '(other)' ELSE '/section' || (i % 17) || '/page-' || i || '/{id}' END, NULL, NULL, NULL, NULL, NULL, 1.0 / (i + 1) FROM range(60) t(i)
    UNION ALL SELECT 'referrer_domain', NULL, NULL, NULL, NULL, NULL, CASE WHEN i = 0 THEN '(direct)' WHEN i = 29 THEN '(other)' ELSE 'ref' || i || '.example' END, NULL, NULL, NULL, NULL, 1.0 / (i + 1) FROM range(30) t(i)
    UNION ALL SELECT 'browser,os,device,bot', NULL, NULL, NULL, NULL, NULL, NULL, ['Chrome', 'Firefox', 'Safari', 'Edge', 'Opera'][i % 5 + 1], ['Windows', 'macOS', 'Linux', 'Android'][i // 5 % 4 + 1], ['desktop', 'mobile'][i // 20 + 1], CASE WHEN i % 13 = 0 THEN 'bot' ELSE 'human' END, 1.0 / (i + 1) FROM range(40) t(i)
    UNION ALL SELECT 'method', NULL, ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'][i + 1], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1.0 / (i + 1) FROM range(6) t(i)`);
  await c.run('CREATE TEMP TABLE dn AS SELECT *, w0 / sum(w0) OVER (PARTITION BY g) AS w FROM dims');
  const insert = (table, stepSql, count, len) =>
    c.run(`INSERT INTO ${table}
      SELECT ws, ws + ${len}, g, host, method, status_class, status, path_template, referrer_domain, browser, os, device, bot, NULL, NULL,
        CAST(greatest(1, round(base * w)) AS BIGINT), CAST(round(base * w * 2300) AS BIGINT), CAST(round(base * w * 0.03) AS BIGINT), CAST(round(base * w * 0.004) AS BIGINT),
        CAST(greatest(5, round(base * w * 0.3)) AS BIGINT), CAST(round(base * w * 0.02) AS BIGINT), 20 + random() * 30, 80 + random() * 100, 300 + random() * 900
      FROM (SELECT ${stepSql} AS ws, (2000 + 1500 * sin((i % 24) / 24 * 2 * pi()) + 300 * random()) * ${count} AS base FROM range(${table === 'aggregates' ? DAYS * 24 : table === 'aggregates_day' ? DAYS : 6}) t(i)) win, dn
      ORDER BY g, ws`);
  const start = `TIMESTAMP '${new Date(START).toISOString().slice(0, 10)} 00:00:00'`;
  await insert('aggregates', `${start} + INTERVAL (i) HOUR`, 1, 'INTERVAL 1 HOUR');
  await insert('aggregates_day', `${start} + INTERVAL (i) DAY`, 24, 'INTERVAL 1 DAY');
  await insert('aggregates_month', `${start} + INTERVAL (i) MONTH`, 24 * 30, 'INTERVAL 1 MONTH');
  // Published as the store publishes: one partition per table and UTC day, sorted, written under a temporary name, renamed.
  for (const table of ['aggregates', 'aggregates_day', 'aggregates_month']) {
    const days = (await c.runAndReadAll(`SELECT DISTINCT CAST(CAST(window_start AS DATE) AS VARCHAR) FROM ${table} ORDER BY 1`)).getRows().map((r) => r[0]);
    for (const d of days) {
      const dir = path.join(pq, table, `date=${d}`);
      fs.mkdirSync(dir, { recursive: true });
      await c.run(`COPY (SELECT * FROM ${table} WHERE CAST(window_start AS DATE) = DATE '${d}' ORDER BY "grouping", window_start) TO '${dir}/.part-0.parquet.tmp' (FORMAT parquet, COMPRESSION zstd)`);
      fs.renameSync(`${dir}/.part-0.parquet.tmp`, `${dir}/part-0.parquet`);
    }
  }
  const n = (await c.runAndReadAll('SELECT (SELECT count(*) FROM aggregates) + (SELECT count(*) FROM aggregates_day) + (SELECT count(*) FROM aggregates_month)')).getRows()[0][0];
  console.error(`  ${n} rows, ${fs.readdirSync(path.join(pq, 'aggregates')).length} daily partitions per table, in ${(ms(t) / 1000).toFixed(1)} s`);
  c.closeSync();
  inst.closeSync();
}

const policy = path.join(work, 'site.yaml');
fs.writeFileSync(policy, `aggregates:\n  store: { type: duckdb, path: agg.duckdb, threads: 2 }\n`);

// ---------------------------------------------------------------- gallra serve

t = performance.now();
const serve = spawn(process.execPath, [gallraBin, 'serve', '--config', policy, '--port', '0', '--refresh', '3600'], { env: { ...process.env, GALLRA_STATE_DIR: path.join(work, 'state'), GALLRA_LOG_LEVEL: 'warn', GALLRA_API_TOKEN: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
const guard = setTimeout(() => serve.kill('SIGKILL'), 600_000);
let url;
for await (const chunk of serve.stdout) {
  const m = /dashboard at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk));
  if (m) {
    url = m[1];
    break;
  }
}
const startup = ms(t);
// Whatever fails below, the server does not outlive the benchmark.
process.on('exit', () => serve.exitCode === null && serve.kill('SIGKILL'));
process.on('uncaughtException', (e) => {
  console.error(e);
  process.exit(1);
});

const range = `from=${new Date(START).toISOString().slice(0, 10)}&to=${new Date(END).toISOString().slice(0, 10)}`;
const ENDPOINTS = {
  'kpi (totals + previous period)': `/api/kpi?${range}`,
  'series, requests per day + previous': `/api/series?${range}&metric=requests&interval=day`,
  'series, visitors per day + previous': `/api/series?${range}&metric=visitors&interval=day`,
  'series, requests per hour + previous': `/api/series?${range}&metric=requests&interval=hour`,
  'top 10 path templates (+ previous)': `/api/top?${range}&dim=path_template&limit=10`,
  'top 10 404s (filtered)': `/api/top?${range}&dim=path_template&limit=10&f.status=404`,
  'top 10 referrers': `/api/top?${range}&dim=referrer_domain&limit=10`,
  'hour × weekday heatmap': `/api/heatmap?${range}`,
  'kpi filtered by a path': `/api/kpi?${range}&f.path_template=${encodeURIComponent('/section1/page-1/{id}')}`,
};
const DASHBOARD = [
  `/api/kpi?${range}`,
  `/api/series?${range}&metric=requests&interval=day`,
  `/api/series?${range}&metric=bytes&interval=week`,
  `/api/heatmap?${range}`,
  ...['path_template', 'referrer_domain', 'browser', 'os', 'device', 'status', 'bot', 'host', 'method'].map((d) => `/api/top?${range}&dim=${d}&limit=10`),
  `/api/top?${range}&dim=path_template&limit=10&f.status=404`,
];

async function get(p) {
  const r = await fetch(url + p);
  if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

// Check first: the totals are what the rows hold.
const kpi = await get(`/api/kpi?${range}`);
if (!(kpi.current.requests > 1e6)) throw new Error(`unexpected total ${kpi.current.requests}`);
for (const p of Object.values(ENDPOINTS)) await get(p); // warm

const results = {};
for (const [name, p] of Object.entries(ENDPOINTS)) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t1 = performance.now();
    await get(p);
    times.push(ms(t1));
  }
  results[name] = times;
}
const whole = [];
for (let i = 0; i < Math.max(5, Math.floor(runs / 2)); i++) {
  const t1 = performance.now();
  await Promise.all(DASHBOARD.map(get));
  whole.push(ms(t1));
}
const rss = fs.readFileSync(`/proc/${serve.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
serve.kill('SIGTERM');
await new Promise((r) => serve.once('exit', r));
clearTimeout(guard);

// ---------------------------------------------------------------- the same SQL without the cache

const settings = aggregateSettings({ window: 'PT1H', allowed_lateness: 'PT10M', k: 5, groupings: ['total', ['path_template']], rollups: { day: true, month: true }, duration_unit: 's', internal_domains: [], store: { type: 'duckdb' }, retention: 'P25M' });
const set = settings.sets.find((s) => s.name === 'path_template');
const tot = settings.sets[0];
const r6 = { from: START, to: END };
const sqls = { kpi: Q.totals(tot, r6, {}), 'top paths': Q.top(set, 'path_template', r6, {}, 'requests', 10), heatmap: Q.heatmap(tot, r6, {}) };
const ctx = { name: 'bench', baseDir: work, stateDir: work, retention: { years: 2, months: 1, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, text: 'P25M' }, now: Date.now, warn: () => {} };
const direct = {};
for (const [label, source] of [['Parquet partitions, no cache', 'parquet'], ['database file (as gallra run)', 'database']]) {
  const e = await openReader({ type: 'duckdb', path: 'agg.duckdb', memory_limit: '256MB', threads: 2 }, ctx, { source });
  direct[label] = {};
  for (const [n, s] of Object.entries(sqls)) {
    await e.query(s.sql, s.params);
    const times = [];
    for (let i = 0; i < Math.min(runs, 9); i++) {
      const t1 = performance.now();
      await e.query(s.sql, s.params);
      times.push(ms(t1));
    }
    direct[label][n] = pct(times, 0.5);
  }
  await e.close();
}

console.log(`\ndashboard API over six months of hourly aggregates (${DAYS} days, one site) — gallra serve, warm, over HTTP on 127.0.0.1`);
console.log(`${machine()}; serve started and built its cache in ${(startup / 1000).toFixed(1)} s, RSS ${rss ? Math.round(rss / 1024) : '?'} MiB\n`);
console.log(`| request | median ms | p95 ms | max ms |`);
console.log('|---|---|---|---|');
for (const [name, times] of Object.entries(results)) console.log(`| ${name} | ${pct(times, 0.5).toFixed(1)} | ${pct(times, 0.95).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`);
console.log(`| **whole dashboard: ${DASHBOARD.length} requests at once** | ${pct(whole, 0.5).toFixed(1)} | ${pct(whole, 0.95).toFixed(1)} | ${Math.max(...whole).toFixed(1)} |`);
console.log('\nThe same SQL in process, median ms (no HTTP):\n');
console.log(`| engine | ${Object.keys(sqls).join(' | ')} |`);
console.log(`|---|${Object.keys(sqls).map(() => '---').join('|')}|`);
for (const [label, row] of Object.entries(direct)) console.log(`| ${label} | ${Object.values(row).map((x) => x.toFixed(1)).join(' | ')} |`);
if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
else console.log(`\nkept: ${work}`);
