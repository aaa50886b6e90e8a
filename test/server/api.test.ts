/**
 * The JSON API over a filled store: the answers add up to what was counted;
 * every parameter is validated against the fixed vocabulary (unknown ones
 * refused, not ignored), filters are answered only from a grouping set that
 * holds them, analysts' SQL goes through the gate; with a token configured
 * the API refuses requests without it, and it will not listen beyond
 * loopback without one. Health and metrics are served beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateSettings } from '../../src/aggregate/config.js';
import { isLoopback, type Server, startServer } from '../../src/server/app.js';
import { openAggregateReader } from '../../src/runtime/aggregates.js';
import type { QueryEngine } from '../../src/stores/store.js';
import * as Q from '../../src/server/queries.js';
import { DAY_MS, fillStore, type FilledStore } from '../helpers/aggregate-store.js';
import { visitorKey } from '../helpers/traffic.js';

const END = Date.UTC(2031, 2, 14);
const TOKEN = 'test-token-0123456789abcdef';

describe('the aggregate API', () => {
  let dir: string;
  let store: FilledStore;
  let engine: QueryEngine;
  let open: Server;
  let locked: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gallra-api-'));
    store = await fillStore(dir, { days: 6, end: END, events: 12_000 });
    engine = (await openAggregateReader(store.loaded, { cache: true, env: { GALLRA_STATE_DIR: join(dir, 'state') } })).engine;
    const settings = aggregateSettings(store.loaded.config.aggregates!);
    const common = { host: '127.0.0.1', port: 0, metrics: new Registry(), ready: () => ({ ready: true }), api: { engine, settings } };
    open = await startServer(common);
    locked = await startServer({ ...common, token: TOKEN });
  }, 180_000);
  afterAll(async () => {
    await open?.close();
    await locked?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, server = open, headers: Record<string, string> = {}): Promise<{ status: number; body: any; text: string; type: string | null }> => {
    const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
    const text = await r.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: r.status, body, text, type: r.headers.get('content-type') };
  };
  const range = `from=${new Date(END - 6 * DAY_MS).toISOString().slice(0, 10)}&to=${new Date(END).toISOString().slice(0, 10)}`;

  it('serves /healthz, /readyz and /metrics beside the API', async () => {
    expect((await get('/healthz')).text).toBe('ok\n');
    expect((await get('/readyz')).text).toBe('ready\n');
    expect((await get('/metrics')).status).toBe(200);
  });

  it('answers totals that add up to the events counted, with the previous period beside them', async () => {
    const r = await get(`/api/kpi?${range}`);
    expect(r.status).toBe(200);
    expect(r.body.current.requests).toBe(store.hits.length);
    expect(r.body.current.bytes).toBe(store.hits.reduce((n, h) => n + h.bytes, 0));
    expect(r.body.previous.requests).toBe(0);
    // Distinct visitors per UTC day from the day table (never hours summed), averaged over the days it holds.
    const perDay = new Map<number, Set<string>>();
    for (const h of store.hits) {
      const d = Math.floor(h.time / DAY_MS);
      if (!perDay.has(d)) perDay.set(d, new Set());
      perDay.get(d)!.add(visitorKey(h));
    }
    const visitorDays = [...perDay.values()].reduce((n, v) => n + v.size, 0);
    expect(r.body.current.visitors_per_day).toBeCloseTo(visitorDays / perDay.size, 9);
    // No day of the previous period is in the store: unknown, not zero.
    expect(r.body.previous.visitors_per_day).toBeNull();
  });

  it('answers a range that is not whole days from the day rollup and the windows around it, exactly', async () => {
    const from = END - 5 * DAY_MS + 6 * 3_600_000;
    const to = END - DAY_MS - 7 * 3_600_000;
    const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
    const want = store.hits.filter((h) => h.time >= from && h.time < to);
    const r = await get(`/api/kpi?from=${iso(from)}&to=${iso(to)}`);
    expect(r.body.current.requests).toBe(want.length);
    const t = await get(`/api/top?from=${iso(from)}&to=${iso(to)}&dim=method&limit=10`);
    expect(t.body.total_requests).toBe(want.length);
    const s = await get(`/api/series?from=${iso(from)}&to=${iso(to)}&metric=bytes&interval=day`);
    expect(s.body.points.reduce((n: number, p: number[]) => n + p[1]!, 0)).toBe(want.reduce((n, h) => n + h.bytes, 0));
  });

  it('answers from the windows alone when the day rollup does not cover the range', async () => {
    const settings = aggregateSettings(store.loaded.config.aggregates!);
    const method = settings.sets.find((x) => x.name === 'method')!;
    const top = Q.top(method, 'method', { from: END - 6 * DAY_MS, to: END }, {}, 'requests', 10);
    const rest = Q.otherAndTotal(method, 'method', { from: END - 6 * DAY_MS, to: END }, {});
    const r = await engine.query(top.sql, top.params);
    const o = await engine.query(rest.sql, rest.params);
    expect(r.rows.reduce((n, row) => n + (row[1] as number), 0) + (o.rows[0]![0] as number)).toBe(store.hits.length);
  });

  it('answers top-N whose rows and (other) add up to the total, and only values of at least k visitors', async () => {
    const r = await get(`/api/top?${range}&dim=path_template&limit=100`);
    expect(r.status).toBe(200);
    const sum = r.body.rows.reduce((n: number, x: { requests: number }) => n + x.requests, 0) + r.body.other.requests;
    expect(sum).toBe(store.hits.length);
    expect(r.body.rows.some((x: { value: string }) => x.value === '(other)')).toBe(false);
    const rows = await engine.query(`SELECT count(*) FROM aggregates WHERE "grouping" = 'path_template' AND path_template <> '(other)' AND visitors < 3`);
    expect(rows.rows[0]![0]).toBe(0);
  });

  it('answers a series per day and the hour × weekday grid over the same events', async () => {
    const s = await get(`/api/series?${range}&metric=requests&interval=day`);
    expect(s.body.points.length).toBe(6);
    expect(s.body.points.reduce((n: number, p: number[]) => n + p[1]!, 0)).toBe(store.hits.length);
    const h = await get(`/api/heatmap?${range}`);
    expect(h.body.cells.reduce((n: number, c: number[]) => n + c[2]!, 0)).toBe(store.hits.length);
    expect(h.body.cells.every((c: number[]) => c[0]! >= 0 && c[0]! < 7 && c[1]! >= 0 && c[1]! < 24)).toBe(true);
  });

  it('filters only from a grouping set that holds the filter, and says which set is missing otherwise', async () => {
    const f = await get(`/api/top?${range}&dim=path_template&f.status=404`);
    expect(f.status).toBe(200);
    expect(f.body.grouping).toBe('status,path_template');
    const none = await get(`/api/top?${range}&dim=path_template&f.host=www.example.org`);
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/no grouping set holds host and path_template/);
  });

  it('exports any panel as CSV', async () => {
    const c = await get(`/api/top?${range}&dim=browser&format=csv`);
    expect(c.type).toMatch(/^text\/csv/);
    expect(c.text.split('\r\n')[0]).toBe('browser,requests,bytes,errors_4xx,errors_5xx,share');
    const s = await get(`/api/series?${range}&metric=bytes&interval=day&format=csv`);
    expect(s.text.split('\r\n').length).toBe(1 + 6 + 1);
  });

  it.each([
    ['an unknown parameter', `/api/top?${range}&dim=path_template&sql=SELECT+1`],
    ['a dimension outside the vocabulary', `/api/top?${range}&dim=visitor_id`],
    ['a metric outside the vocabulary', `/api/series?${range}&metric=client_ip`],
    ['a filter on something not a dimension', `/api/kpi?${range}&f.client_ip=198.51.100.7`],
    ['SQL in a date', `/api/kpi?from=2031-03-01'--&to=2031-03-10`],
    ['a range the wrong way round', `/api/kpi?from=2031-03-10&to=2031-03-01`],
    ['a limit beyond the bound', `/api/top?${range}&dim=os&limit=100000`],
    ['a missing range', `/api/kpi`],
  ])('refuses %s with 400, naming no value', async (_what, path) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/198\.51|SELECT|'--/);
  });

  it("runs an analyst's SELECT through the gate and refuses everything else", async () => {
    const post = (sql: string, server = open, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`http://127.0.0.1:${server.port}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ sql }) });
    const ok = await post(`SELECT CAST(sum(requests) AS BIGINT) AS n FROM aggregates WHERE "grouping" = 'total'`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { rows: number[][] }).rows[0]![0]).toBe(store.hits.length);
    for (const sql of [`COPY aggregates TO '/tmp/gallra-api-evil.csv'`, `SELECT * FROM read_csv('/etc/passwd')`, `ATTACH '/tmp/x.duckdb'`, `SELECT * FROM duckdb_settings()`, `DROP TABLE aggregates`]) {
      const r = await post(sql);
      expect(r.status, sql).toBe(400);
    }
    const unauth = await post('SELECT 1', locked);
    expect(unauth.status).toBe(401);
  });

  it('refuses every API request without the token when one is configured, and keeps the page public', async () => {
    expect((await get(`/api/kpi?${range}`, locked)).status).toBe(401);
    expect((await get(`/api/meta`, locked, { authorization: 'Bearer wrong-token-0123456789abcd' })).status).toBe(401);
    expect((await get(`/api/meta`, locked, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await get(`/api/meta`, locked, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const page = await get('/', locked);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<title>gallra/);
    expect((await get('/assets/uPlot.iife.min.js', locked)).status).toBe(200);
  });

  it('will not listen beyond loopback without a token', async () => {
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('::') || isLoopback('192.0.2.10')).toBe(false);
    const settings = aggregateSettings(store.loaded.config.aggregates!);
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      await expect(startServer({ host, port: 0, metrics: new Registry(), ready: () => ({ ready: true }), api: { engine, settings } })).rejects.toMatchObject({ code: 'GALLRA_HTTP_FAILED' });
    }
  });
});
